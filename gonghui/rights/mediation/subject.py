"""What the mediation app holds about a worker, for 我的数据 (platform/consent/subject.py):
her mediation cases with the facts, the claims, the outcome and the timeline (the date, the
step and the union; never a staff member's name). Read through ``own(user)``; registered in
``MediationConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.subject import Record, Section, fields_of
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.words import STEP_LABELS

CASE_FIELDS = (
    "number",
    "state",
    "org",
    "employer_name",
    "facts",
    "applied_at",
    "accepted_at",
    "outcome",
    "agreement_terms",
    "amount_agreed",
    "dispute_points",
    "arbitration_deadline",
    "confirmed_on",
    "confirmation_court",
)


def _case(case: MediationCase) -> Record:
    claims = [Record(c.item, fields_of(c, ("amount", "amount_agreed"))) for c in case.claims.all()]
    steps = [
        Record(str(STEP_LABELS.get(s.name, s.name)), fields_of(s, ("at", "org_name")))
        for s in case.steps.order_by("at", "pk")
    ]
    return Record(
        case.number,
        fields_of(case, CASE_FIELDS),
        [Section("claims", _("Claims"), claims), Section("timeline", _("Timeline"), steps)],
    )


def sections(user) -> list[Section]:
    cases = MediationCase.objects.own(user).select_related("org").order_by("pk")
    return [Section("mediation_cases", _("Your mediation cases"), [_case(c) for c in cases])]


def register() -> None:
    from gonghui.platform.consent.subject import register_subject_source

    register_subject_source("mediation", sections)
