"""How long a closed hardship file is kept, and what is erased when that time has passed.

A closed file (撤档) is kept for ``RETENTION_YEARS`` (10) after the day it was closed: the
archive rule of the hardship files (困难职工档案, ``NeverDeleted``) and long enough for audits
of the money paid. ``retain_until`` is set when the file is closed (``actions.files``) and
filled for files closed before this rule by migration 0005.

After that day ``manage.py purge_hardship_files`` anonymises the file (PIPL Art. 19, 47: no
longer than necessary, then delete or anonymise). What identifies the household or tells its
private life is erased; what the statistics count is kept, so no figure of a year, a union
or an aid type changes:

* erased: the documents (the stored files and their rows), the household members' names, ID
  numbers, incomes, health and schools, the file's health, disability, bank, employer and
  free-text reasons, the application's situation, home-visit findings and notes, the
  objections' text and who raised them, the opinions written on the timeline, the aid items'
  schools and notes, the annual review notes;
* kept: the file number, union, state, tier, level, causes, household size and income
  figures, the dates, every amount (requested, verified, approved, paid), the aid types and
  the states, the members' relations and birth dates (the household's make-up).

The person record of the applicant is the membership's (members app) and follows its rules:
the file keeps pointing at it, so her own data page (我的数据) still says she had a file.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from gonghui.assistance.choices import FileState
from gonghui.assistance.models import (
    AidItem,
    Application,
    Attachment,
    HardshipFile,
    HouseholdClaim,
    HouseholdMember,
    Objection,
    ReviewEntry,
    Step,
)
from gonghui.platform.audit.services import record_event

RETENTION_YEARS = 10


def retain_until(closed: datetime.datetime | datetime.date) -> datetime.date:
    """The last day a file closed at ``closed`` is kept: the same day ten years on (29
    February closes to 28 February)."""
    day = timezone.localdate(closed) if isinstance(closed, datetime.datetime) else closed
    try:
        return day.replace(year=day.year + RETENTION_YEARS)
    except ValueError:
        return day.replace(year=day.year + RETENTION_YEARS, day=28)


def due_for_purge(today: datetime.date | None = None):
    """Closed files whose retention ended before ``today`` and that still hold personal
    information."""
    today = today or timezone.localdate()
    return HardshipFile.objects.filter(
        state=FileState.CLOSED, retain_until__lt=today, purged_at__isnull=True
    ).order_by("pk")


@dataclass
class Purged:
    """What one purge erased (counts only: the audit event names no person)."""

    files: list[str] = field(default_factory=list)
    documents: int = 0
    household_members: int = 0
    applications: int = 0


def purge_file(file: HardshipFile, result: Purged, *, actor_label: str) -> None:
    """Erase the personal information of one file whose retention has passed (see the module
    docstring for what is erased and what is kept), in one transaction, audited."""
    with transaction.atomic():
        file = HardshipFile.objects.select_for_update().get(pk=file.pk)
        if file.purged_at is not None or file.state != FileState.CLOSED:
            return
        documents = list(Attachment.objects.filter(file=file))
        for document in documents:
            name = document.content.name
            storage = document.content.storage
            transaction.on_commit(lambda s=storage, n=name: s.delete(n) if n else None)
        # Attachments are NeverDeleted one by one; erasing them is this rule's alone.
        Attachment.objects.filter(pk__in=[d.pk for d in documents]).delete()
        members = HouseholdMember.objects.filter(file=file)
        n_members = 0
        for member in members:
            member.name = ""
            member.id_number = ""
            member.monthly_income = ""
            member.health = ""
            member.school_or_employer = ""
            member.save()  # the encrypted fields and the blind index are rewritten empty
            n_members += 1
        HouseholdClaim.objects.filter(file=file).delete()
        applications = Application.objects.filter(file=file)
        n_applications = 0
        for application in applications:
            application.situation = ""
            application.visit_findings = ""
            application.visitors = ""
            application.civil_affairs_note = ""
            application.verify_cut_reason = ""
            application.decision_reason = ""
            application.save()
            n_applications += 1
        Objection.objects.filter(application__file=file).update(content="", raised_by="")
        Step.objects.filter(application__file=file).update(opinion="")
        AidItem.objects.filter(application__file=file).update(school="", note="")
        ReviewEntry.objects.filter(file=file).update(note="")
        file.health = ""
        file.disability = ""
        file.bank_name = ""
        file.bank_account = ""
        file.employer_position = ""
        file.other_cause = ""
        file.close_reason = ""
        file.purged_at = timezone.now()
        file.save()
        record_event(
            actor=None,
            action="assistance.purge_hardship_file",
            obj=file,
            actor_label=actor_label,
            details={
                "number": file.number,
                "retain_until": file.retain_until.isoformat(),
                "documents": len(documents),
                "household_members": n_members,
                "applications": n_applications,
            },
        )
    result.files.append(file.number)
    result.documents += len(documents)
    result.household_members += n_members
    result.applications += n_applications


def purge_due_files(
    today: datetime.date | None = None, *, actor_label: str = "manage.py purge_hardship_files"
) -> Purged:
    """Anonymise every file due (:func:`due_for_purge`), one transaction each."""
    result = Purged()
    for file in due_for_purge(today).iterator(chunk_size=200):
        purge_file(file, result, actor_label=actor_label)
    return result
