"""What the assistance app holds about a worker, for 我的数据 (platform/consent/subject.py):
her hardship files with their household members, and her applications with their aid items
and amounts, the names of their documents and their timeline.

Read through ``own(user)`` (the person of her account is the applicant), never a staff grant.
Values are decrypted: she is the person they are about, and the household members are listed
on her own file. ID numbers and the bank account keep the masks every page shows, and the
household members' birth dates are left out (with them a masked number is whole again).
The staff's names on the timeline are left out (the union's name says who acted), and so are
objections (one may identify whoever raised it). Registered in
``AssistanceConfig.ready``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.assistance.models import Application, Attachment, HardshipFile
from gonghui.platform.consent.subject import Record, Section, fields_of, masked
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail

# The opinions she is given on her case page (the reasons for a return, a refusal, her own
# withdrawal); the others are the staff's working notes, and an objection's may name who
# raised it.
STEPS_WITH_REASON = frozenset({"return", "reject", "withdraw"})

FILE_FIELDS = (
    "number",
    "org",
    "state",
    "tier",
    "level",
    "main_cause",
    "other_cause",
    "employer_position",
    "personal_monthly_income",
    "housing",
    "housing_area",
    "household_size",
    "household_monthly_income",
    "household_annual_income",
    "single_parent",
    "zero_employment",
    "health",
    "disability",
    "bank_name",
    "bank_account",
    "filed_at",
    "next_review_due",
    "closed_at",
    "close_reason",
    "retain_until",
    "purged_at",
)
MEMBER_FIELDS = (
    "name",
    "relation",
    "id_number",
    "monthly_income",
    "health",
    "school_or_employer",
)
APPLICATION_FIELDS = (
    "number",
    "org",
    "state",
    "channel",
    "year",
    "situation",
    "submitted_at",
    "visit_date",
    "visit_findings",
    "civil_affairs_result",
    "publicity_start",
    "publicity_end",
    "approved_at",
    "decision_reason",
    "closed_at",
)
ITEM_FIELDS = (
    "aid_type",
    "beneficiary",
    "school",
    "amount_requested",
    "amount_verified",
    "amount_approved",
    "state",
    "paid_at",
)
DOCUMENT_FIELDS = ("kind", "original_name", "size", "uploaded_at")


def _file(file: HardshipFile) -> Record:
    members = [
        Record(
            m.name or str(m.get_relation_display()),
            masked(fields_of(m, MEMBER_FIELDS), id_number=mask_id_detail),
        )
        for m in file.household.order_by("pk")
    ]
    return Record(
        file.number,
        masked(fields_of(file, FILE_FIELDS), bank_account=mask_bank_card),
        [Section("household", _("Household members"), members)],
    )


def _application(application: Application, documents: list[Attachment]) -> Record:
    from gonghui.assistance.admin_cases._shared import STEP_LABELS

    items = [
        Record(str(item.get_aid_type_display()), fields_of(item, ITEM_FIELDS))
        for item in application.items.select_related("beneficiary").order_by("pk")
    ]
    steps = [
        Record(
            str(STEP_LABELS.get(step.name, step.name)),
            fields_of(step, ("at", "org_name"))
            + (fields_of(step, ("opinion",)) if step.name in STEPS_WITH_REASON else []),
        )
        for step in application.steps.order_by("at", "pk")
    ]
    docs = [Record(str(d.get_kind_display()), fields_of(d, DOCUMENT_FIELDS)) for d in documents]
    return Record(
        application.number,
        fields_of(application, APPLICATION_FIELDS),
        [
            Section("items", _("Aid items and amounts"), items),
            Section("documents", _("Documents"), docs),
            Section("timeline", _("Timeline"), steps),
        ],
    )


def sections(user) -> list[Section]:
    files = HardshipFile.objects.own(user).select_related("org").order_by("pk")
    applications = list(Application.objects.own(user).select_related("org").order_by("pk"))
    documents: dict[int | None, list[Attachment]] = {}
    for doc in Attachment.objects.filter(file__in=files).order_by("pk"):
        documents.setdefault(doc.application_id, []).append(doc)
    out = [
        Section("hardship_files", _("Your hardship files"), [_file(f) for f in files]),
        Section(
            "assistance_applications",
            _("Your assistance applications"),
            [_application(a, documents.get(a.pk, [])) for a in applications],
        ),
    ]
    loose = documents.get(None, [])
    if loose:
        out.append(
            Section(
                "file_documents",
                _("Documents on your hardship file"),
                [Record(str(d.get_kind_display()), fields_of(d, DOCUMENT_FIELDS)) for d in loose],
            )
        )
    return out


def register() -> None:
    from gonghui.platform.consent.subject import register_subject_source

    register_subject_source("assistance", sections)
