"""The documents of a mediation case, generated from the record as Word files (python-docx):
the 调解申请书 (application), the 调解协议书 (agreement, once reached) and the 委托调解反馈函
(the feedback letter to the court or agency that referred the case: the outcome, or the
争议焦点 when mediation failed — domain-scenarios.md C2, 法院+工会 practice).

``download`` is the only way out: it reads the case through ``restrict`` (the union's staff
in scope, or the partner account whose agency the case was referred to or from — the partner
scope) and writes an audit event for every download.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.masking import mask_id_detail
from gonghui.platform.workflow.base import OutOfScope
from gonghui.rights.mediation.choices import CaseState, Direction, Outcome
from gonghui.rights.mediation.models import MediationCase

APPLICATION, AGREEMENT, FEEDBACK = "application", "agreement", "feedback"
TITLES = {
    APPLICATION: _("Mediation application"),
    AGREEMENT: _("Mediation agreement"),
    FEEDBACK: _("Feedback letter on the entrusted mediation"),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def available(case: MediationCase) -> list[str]:
    """The documents the record can fill now."""
    kinds = [APPLICATION]
    if case.state == CaseState.AGREED:
        kinds.append(AGREEMENT)
    inbound = any(r.direction == Direction.IN for r in case.referrals.all())
    if inbound and case.state in (CaseState.AGREED, CaseState.FAILED):
        kinds.append(FEEDBACK)
    return kinds


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def _day(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return value.isoformat()


class _Doc:
    def __init__(self, title: str):
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.size = Pt(12)
        heading = self.doc.add_heading(title, level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def line(self, label: str, value) -> None:
        p = self.doc.add_paragraph()
        p.add_run(f"{label}：").bold = True
        p.add_run(str(value))

    def heading(self, text: str) -> None:
        self.doc.add_heading(text, level=2)

    def text(self, text: str) -> None:
        for part in (text or "").splitlines() or [""]:
            self.doc.add_paragraph(part)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, value in zip(table.rows[0].cells, header, strict=True):
            cell.text = value
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)

    def signature(self, *labels: str) -> None:
        self.doc.add_paragraph()
        for label in labels:
            self.doc.add_paragraph(f"{label}：__________________")

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _parties(d: _Doc, case: MediationCase) -> None:
    d.heading(_t("Applicants"))
    d.table(
        [_t("Name"), _t("Phone"), _t("ID number")],
        # The ID number leaves the platform masked (the birth date hidden, as on every page):
        # the parties write or show their card when they sign. A full number would be a reveal
        # without its permission, purpose and audit.
        [
            [a.name, a.phone or "—", mask_id_detail(a.id_number) or "—"]
            for a in case.applicants.all()
        ],
    )
    d.line(_t("Respondent"), case.employer_name)


def _claims(d: _Doc, case: MediationCase) -> None:
    claims = list(case.claims.all())
    d.heading(_t("Claims"))
    header = [_t("Claim"), _t("Amount claimed (yuan)")]
    rows = [[c.item, _yuan(c.amount)] for c in claims]
    d.table(header, rows)
    d.line(_t("Total claimed (yuan)"), _yuan(sum((c.amount for c in claims), Decimal("0"))))


def _application(case: MediationCase) -> _Doc:
    d = _Doc(str(TITLES[APPLICATION]))
    d.line(_t("Case number"), case.number)
    d.line(_t("Mediating union"), case.org.name)
    d.line(_t("Applied on"), _day(case.applied_at))
    _parties(d, case)
    _claims(d, case)
    d.heading(_t("Facts and reasons"))
    d.text(case.facts)
    d.signature(_t("Applicant (signature)"), _t("Date"))
    return d


def _agreement(case: MediationCase) -> _Doc:
    d = _Doc(str(TITLES[AGREEMENT]))
    d.line(_t("Case number"), case.number)
    d.line(_t("Mediating union"), case.org.name)
    _parties(d, case)
    d.heading(_t("Facts of the dispute"))
    d.text(case.facts)
    d.heading(_t("Terms agreed by the parties"))
    d.text(case.agreement_terms)
    d.line(_t("Amount agreed (yuan)"), _yuan(case.amount_agreed))
    d.line(_t("Agreement reached on"), _day(case.concluded_at))
    d.text(
        _t(
            "This agreement binds the parties once signed by them and sealed by the mediating "
            "organisation (劳动争议调解仲裁法 §14)."
        )
    )
    d.signature(_t("Applicant (signature)"), _t("Respondent (signature, seal)"), _t("Mediator"))
    return d


def _feedback(case: MediationCase) -> _Doc:
    referral = next(r for r in case.referrals.all() if r.direction == Direction.IN)
    d = _Doc(str(TITLES[FEEDBACK]))
    d.line(_t("To"), referral.agency.name)
    d.line(_t("Agency's case number"), referral.agency_case_number or "—")
    d.line(_t("Kind of referral"), referral.get_kind_display())
    d.line(_t("Referred on"), _day(referral.referred_on))
    d.line(_t("Signed for on"), _day(referral.signed_at))
    d.line(_t("Our case number"), case.number)
    _parties(d, case)
    _claims(d, case)
    d.heading(_t("Outcome of the mediation"))
    if case.outcome == Outcome.AGREED:
        d.line(_t("Outcome"), _t("Agreement reached"))
        d.text(case.agreement_terms)
        d.line(_t("Amount agreed (yuan)"), _yuan(case.amount_agreed))
    else:
        d.line(_t("Outcome"), _t("No agreement"))
        d.heading(_t("Points in dispute"))
        d.text(case.dispute_points)
        d.text(_t("The case materials are returned to you for filing."))
    if referral.feedback:
        d.heading(_t("Remarks"))
        d.text(referral.feedback)
    d.line(_t("Mediating union"), case.org.name)
    d.line(_t("Date"), _day(referral.returned_on or timezone.localdate()))
    return d


BUILDERS = {APPLICATION: _application, AGREEMENT: _agreement, FEEDBACK: _feedback}


def render(case: MediationCase, kind: str) -> bytes:
    with translation.override("zh-hans"):
        return BUILDERS[kind](case).bytes()


def filename(case: MediationCase, kind: str) -> str:
    with translation.override("zh-hans"):
        return f"{case.number}-{TITLES[kind]}.docx"


def download(actor, case_id: int, kind: str) -> tuple[str, bytes]:
    """The document ``kind`` of the case ``case_id`` if ``actor`` may read the case, audited.
    Raises OutOfScope (answered as 404) otherwise, or for a document the record cannot fill."""
    case = (
        restrict(MediationCase, actor, "view")
        .select_related("org")
        .prefetch_related("referrals__agency")
        .filter(pk=case_id)
        .first()
    )
    if case is None or kind not in BUILDERS or kind not in available(case):
        raise OutOfScope(f"no {kind} document for case {case_id}")
    content = render(case, kind)
    record_event(
        actor=actor,
        action="mediation.download_document",
        obj=case,
        org=case.org,
        details={"number": case.number, "document": kind},
    )
    return filename(case, kind), content
