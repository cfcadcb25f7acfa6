"""What legal aid holds about a worker, for 我的数据 (platform/consent/subject.py): her
applications with what she said, the decision, the lawyer's firm, the outcome and the
timeline (date, step and union; never a staff member's name). Read through ``own(user)``;
registered in ``LegalAidConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.subject import Record, Section, fields_of
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.words import SHOWN_STEPS, STEP_LABELS

FIELDS = (
    "number",
    "channel",
    "case_type",
    "state",
    "applicant_name",
    "applicant_phone",
    "employer_name",
    "facts",
    "claims",
    "org",
    "applied_at",
    "hardship",
    "decided_at",
    "refusal_reason",
    "lawyer_agency",
    "assigned_at",
    "outcome",
    "amount_recovered",
    "closed_at",
)


def _application(app: AidApplication) -> Record:
    steps = [
        Record(str(STEP_LABELS.get(s.name, s.name)), fields_of(s, ("at", "org_name")))
        for s in app.steps.order_by("at", "pk")
        if s.name in SHOWN_STEPS
    ]
    return Record(app.number, fields_of(app, FIELDS), [Section("timeline", _("Timeline"), steps)])


def sections(user) -> list[Section]:
    apps = (
        AidApplication.objects.own(user)
        .select_related("org", "lawyer_agency")
        .prefetch_related("steps")
        .order_by("pk")
    )
    return [
        Section(
            "legal_aid",
            _("Your legal-aid applications"),
            [_application(a) for a in apps],
        )
    ]


def register() -> None:
    from gonghui.platform.consent.subject import register_subject_source

    register_subject_source("legalaid", sections)
