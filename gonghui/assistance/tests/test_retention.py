"""Closed hardship files are kept 10 years after closing, then their personal information is
erased by ``manage.py purge_hardship_files`` while every figure the statistics count stays
(issue #14)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import FileState
from gonghui.assistance.models import (
    AidItem,
    Application,
    Attachment,
    HardshipFile,
    HouseholdMember,
    Objection,
)
from gonghui.assistance.retention import retain_until
from gonghui.assistance.testing import (
    AidItemFactory,
    ApplicationFactory,
    AttachmentFactory,
    HardshipFileFactory,
    HouseholdMemberFactory,
    ObjectionFactory,
)
from gonghui.cockpit import summaries
from gonghui.members.testing import MembershipFactory
from gonghui.platform.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def closed_file(closed_on: datetime.date, **kwargs) -> HardshipFile:
    """A closed file with a household, a document, a decided case with an amount and an
    objection, closed on ``closed_on``."""
    file = HardshipFileFactory(
        state=FileState.CLOSED,
        closed_at=timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(10))),
        close_reason="家庭收入已稳定",
        retain_until=retain_until(closed_on),
        **kwargs,
    )
    MembershipFactory(org=file.org, person=file.applicant)
    HouseholdMemberFactory(file=file, name="李强")
    application = ApplicationFactory(
        org=file.org, file=file, state="closed", situation="本人患病，孩子上小学。"
    )
    AidItemFactory(
        application=application,
        aid_type="education",
        amount_requested=Decimal("3000.00"),
        amount_approved=Decimal("2500.00"),
        state="paid",
        school="重庆市第一中学",
    )
    ObjectionFactory(application=application)
    AttachmentFactory(file=file, application=application)
    return file


def statistics():
    """What the cockpit and the assistance figures count."""
    items = AidItem.objects.values("application__org", "application__year", "aid_type")
    return {
        "cockpit": summaries.compute(),
        "amounts": list(
            items.annotate(
                approved=Sum("amount_approved"), requested=Sum("amount_requested")
            ).order_by("application__org", "aid_type")
        ),
        "files": list(
            HardshipFile.objects.values("org", "state", "tier", "main_cause")
            .annotate(n=Count("pk"), people=Sum("household_size"))
            .order_by("org", "state")
        ),
        "household": HouseholdMember.objects.count(),
    }


def test_closing_a_file_sets_it_to_be_kept_ten_years(tree, staff):
    from gonghui.assistance.testing import FILE_DATA, make_person

    file = actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=make_person(tree.grassroots, 1),
        data=FILE_DATA,
    )
    actions.close_file(actor=staff.officer, file=file, reason="家庭收入已稳定")
    file.refresh_from_db()
    closed = timezone.localdate(file.closed_at)
    assert file.retain_until == closed.replace(year=closed.year + 10)


def test_a_leap_day_closing_is_kept_until_the_28th():
    assert retain_until(datetime.date(2024, 2, 29)) == datetime.date(2034, 2, 28)


def test_the_file_page_says_how_long_the_file_is_kept(client, tree, staff):
    file = closed_file(datetime.date(2020, 3, 2), org=tree.grassroots)
    client.force_login(staff.reviewer)  # a closed file is the reviewer's to read
    html = client.get(reverse("console:assistance_hardshipfile_change", args=[file.pk]))
    assert "2030-03-02" in html.content.decode()


def test_purge_erases_what_identifies_the_household_and_keeps_the_figures(
    tree, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    old = closed_file(today.replace(year=today.year - 11), org=tree.grassroots)
    recent = closed_file(today.replace(year=today.year - 3), org=tree.grassroots)
    before = statistics()
    stored = Attachment.objects.get(file=old).content.name

    dry = StringIO()
    call_command("purge_hardship_files", "--dry-run", stdout=dry)
    assert old.number in dry.getvalue() and recent.number not in dry.getvalue()
    assert HardshipFile.objects.get(pk=old.pk).purged_at is None

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_hardship_files", stdout=StringIO())

    assert statistics() == before  # cockpit rows, amounts, file counts unchanged
    old.refresh_from_db()
    assert old.purged_at is not None
    assert (old.health, old.bank_account, old.bank_name, old.close_reason) == ("", "", "", "")
    member = HouseholdMember.objects.get(file=old)
    assert (member.name, member.id_number, member.health) == ("", "", "")
    assert Application.objects.get(file=old).situation == ""
    assert AidItem.objects.get(application__file=old).school == ""
    assert Objection.objects.get(application__file=old).content == ""
    assert not Attachment.objects.filter(file=old).exists()
    assert not Attachment.objects.model.content.field.storage.exists(stored)
    # The recent file is untouched; the event names the file and no person.
    recent.refresh_from_db()
    assert recent.purged_at is None and recent.health and Attachment.objects.filter(file=recent)
    assert HouseholdMember.objects.get(file=recent).name == "李强"
    event = AuditEvent.objects.get(action="assistance.purge_hardship_file")
    assert event.details["number"] == old.number and "李强" not in str(event.details)
    # A second run finds nothing more to do.
    out = StringIO()
    call_command("purge_hardship_files", stdout=out)
    assert out.getvalue().startswith("0 files")


def test_files_closed_before_the_rule_get_their_date_from_the_migration(tree):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("gonghui.assistance.migrations.0005_retention")
    file = closed_file(datetime.date(2016, 2, 29), org=tree.grassroots)
    HardshipFile.objects.filter(pk=file.pk).update(retain_until=None)
    open_file = HardshipFileFactory(org=tree.grassroots)
    migration.fill_retain_until(apps, None)
    file.refresh_from_db()
    open_file.refresh_from_db()
    assert file.retain_until == datetime.date(2026, 2, 28) and open_file.retain_until is None
