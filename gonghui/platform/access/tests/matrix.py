"""The world the permission matrix runs against (gonghui/platform/access/matrix.yaml).

One tree like the ``tree`` fixture (city → 渝北 → 回兴街道 → a grassroots union; 江北 with its
own grassroots union; an industry union), one user per matrix role, and one object of each
kind in the 渝北 grassroots union, built through the real actions where the app has them.
Every user has a confirmed authenticator (TOTP device), and the city-level union
administrator has an API token made on their own token page's action, after a code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import yaml
from django.conf import settings

from gonghui.assistance import actions as assistance_actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState
from gonghui.assistance.testing import Staff, advance, budgets, make_person, staff_application
from gonghui.members import actions as member_actions
from gonghui.orgs.choices import OrgKind
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.calendar.models import HolidayDate
from gonghui.platform.testing.factories import make_org, root_org, staff_with_role
from gonghui.platform.testing.tokens import authenticator, issue_token

MATRIX_PATH = settings.BASE_DIR / "gonghui" / "platform" / "access" / "matrix.yaml"


def load_matrix(path=MATRIX_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Tree:
    """The attributes ``gonghui.assistance.testing.Staff`` expects."""


@dataclass
class World:
    tree: Tree
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def build_tree() -> Tree:
    t = Tree()
    t.city = root_org()
    t.yubei = make_org(t.city, name="渝北区总工会", region_code="500112")
    t.jiangbei = make_org(t.city, name="江北区总工会", region_code="500105")
    t.township = make_org(t.yubei, OrgKind.TOWNSHIP_FEDERATION, name="回兴街道总工会")
    t.grassroots = make_org(
        t.township,
        OrgKind.GRASSROOTS,
        name="渝北测试公司工会",
        contact_name="赵联络",
        contact_phone="13812345678",
    )
    t.jb_grassroots = make_org(t.jiangbei, OrgKind.GRASSROOTS, name="江北测试公司工会")
    t.industry = make_org(t.city, OrgKind.INDUSTRY_UNION, name="重庆市教育工会")
    return t


def build_world() -> World:
    t = build_tree()
    w = World(tree=t)
    u = w.users
    u["anonymous"] = None
    u["grassroots_staff"] = staff_with_role(t.grassroots, "org_admin", username="m_grassroots")
    u["district_staff"] = staff_with_role(t.yubei, "org_admin", username="m_district")
    u["other_district_staff"] = staff_with_role(t.jiangbei, "org_admin", username="m_jiangbei")
    u["industry_staff"] = staff_with_role(t.industry, "org_admin", username="m_industry")
    u["city_staff"] = staff_with_role(t.city, "org_admin", username="m_city")
    # A court's clerk, as the 合作机构 page makes the account: the grant at the city without
    # descendants only opens the console; its rows come from the partner scope hooks.
    u["partner_agent"] = staff_with_role(
        t.city, "partner_agent", include_descendants=False, username="m_partner", kind="partner"
    )
    # A lawyer of the law firm the union contracts (consultations, legal aid): made the same way.
    u["lawfirm_partner"] = staff_with_role(
        t.city, "partner_agent", include_descendants=False, username="m_lawyer", kind="partner"
    )
    for officer in ("system_admin", "security_admin", "audit_admin"):
        u[officer] = staff_with_role(t.city, officer, username=f"m_{officer}")

    u["hotline_operator"] = staff_with_role(t.city, "hotline_operator", username="m_hotline")
    u["rights_officer"] = staff_with_role(t.yubei, "rights_officer", username="m_rights")
    staff = Staff(t)
    u["assistance_officer"] = staff.officer
    u["assistance_reviewer"] = staff.reviewer
    u["finance_officer"] = staff.finance
    budgets(t.yubei, staff.finance)

    # A member of the grassroots union, with a hardship file and a submitted application.
    person = make_person(t.grassroots, 1, name="王芳")
    application = staff_application(staff, t.grassroots, person, n=1)
    application = advance(staff, application, S.SUBMITTED)
    membership = person.memberships.get()

    # A second case, approved and put in a payment batch: the payment.
    payee = make_person(t.grassroots, 2, name="张三丰")
    paid = advance(staff, staff_application(staff, t.grassroots, payee, n=2), S.APPROVED)
    items = list(paid.items.filter(state=ItemState.APPROVED).order_by("pk"))
    batch = assistance_actions.create_batch(actor=staff.finance, org=t.yubei, items=items)
    payment = batch.payments.order_by("pk").first()

    join_request = member_actions.submit_join_request(
        actor=None,
        org=t.grassroots,
        name="李四",
        id_number="500112199001011234"[:-1] + _check("500112199001011234"[:-1]),
        phone="13900000042",
        employer_name="某某外卖平台",
        employment_form="food_delivery",
    )
    # A 12351 ticket dispatched to the grassroots union, waiting to be signed for.
    from gonghui.rights.choices import TicketState
    from gonghui.rights.testing import TicketFactory

    ticket = TicketFactory(
        org=t.grassroots,
        dispatched_by=t.township,
        state=TicketState.DISPATCHED,
        facts="物流公司拖欠三个月工资",
        caller_phone="13500000042",
    )
    cases = _mediation_cases(t, u["partner_agent"])
    firm_work = _law_firm_work(t, u["lawfirm_partner"])
    event = AuditEvent.objects.filter(org_path=t.grassroots.path).order_by("id").first()
    holiday = HolidayDate.objects.select_related("calendar_year").get(date=date(2026, 2, 14))

    # Everyone has an authenticator; the city administrator made an API token (the issue's
    # "city_admin" whose token the security administrator must not create or read).
    for user in u.values():
        if user is not None:
            authenticator(user)
    api_token, api_token_raw = issue_token(
        u["city_staff"], ["orgs.view_org", "members.view_membership"], name="花名册同步"
    )

    w.ids = {
        "org": t.grassroots.pk,
        "org_name": t.grassroots.name,
        "membership": membership.pk,
        "person": person.pk,
        "person_name": person.name,
        "person_id_number": person.id_number,
        "join_request_id_number": join_request.id_number,
        "join_request": join_request.pk,
        "file": application.file_id,
        "application": application.pk,
        "payment_batch": batch.pk,
        "payment": payment.pk,
        "payment_item": payment.item_id,
        "payment_file": paid.file_id,
        "audit_event": event.pk,
        "api_token": api_token.pk,
        "api_token_raw": api_token_raw,
        "api_token_prefix": api_token.prefix,
        "api_token_hash": api_token.key_hash,
        "token_owner": u["city_staff"].pk,
        # The holiday calendar (seeded by a migration): 2026-02-14, a 调休 working Saturday.
        "ticket": ticket.pk,
        "ticket_facts": ticket.facts,
        "ticket_phone": ticket.caller_phone,
        # Two mediation cases of the grassroots union: one referred in by the partner's court,
        # one the partner never sees (no referral to or from its agency).
        **cases,
        **firm_work,
        "holiday": holiday.pk,
        "holiday_year": holiday.calendar_year_id,
        "holiday_notice": holiday.calendar_year.notice,
    }
    return w


def _mediation_cases(t: Tree, partner) -> dict:
    from datetime import date as day

    from gonghui.rights.choices import PartnerKind
    from gonghui.rights.mediation.choices import Direction, ReferralKind
    from gonghui.rights.mediation.models import Referral
    from gonghui.rights.mediation.testing import MediationCaseFactory
    from gonghui.rights.models import PartnerAgency, PartnerAgent

    court = PartnerAgency.objects.create(
        org=t.yubei, name="重庆市渝北区人民法院", kind=PartnerKind.COURT
    )
    PartnerAgent.objects.create(user=partner, agency=court)
    referred = MediationCaseFactory(org=t.grassroots, facts="快递公司拖欠分拣工两个月工资")
    Referral.objects.create(
        case=referred,
        agency=court,
        direction=Direction.IN,
        kind=ReferralKind.ENTRUSTED_PRE,
        referred_on=day(2026, 11, 2),
    )
    other = MediationCaseFactory(org=t.grassroots, facts="超市拒付加班费共八千元")
    return {
        "mediation_case": referred.pk,
        "mediation_case_facts": referred.facts,
        "other_case": other.pk,
        "other_case_facts": other.facts,
    }


def _law_firm_work(t: Tree, lawyer) -> dict:
    """A consultation and a legal-aid application of the grassroots union assigned to the law
    firm ``lawyer`` works for, and one of each assigned to nobody."""
    from gonghui.rights.choices import PartnerKind
    from gonghui.rights.consult.choices import ConsultState
    from gonghui.rights.consult.testing import ConsultationFactory
    from gonghui.rights.legalaid.choices import AidState
    from gonghui.rights.legalaid.testing import AidApplicationFactory
    from gonghui.rights.models import PartnerAgency, PartnerAgent

    firm = PartnerAgency.objects.create(
        org=t.yubei, name="重庆渝工律师事务所", kind=PartnerKind.LAW_FIRM
    )
    PartnerAgent.objects.create(user=lawyer, agency=firm)
    consultation = ConsultationFactory(
        org=t.grassroots,
        agency=firm,
        state=ConsultState.WAITING,
        question="公司拖欠两个月工资，可以申请仲裁吗？",
        worker_phone="13700000042",
    )
    other_consultation = ConsultationFactory(
        org=t.grassroots, question="试用期被辞退有没有补偿？", worker_phone="13700000043"
    )
    aid = AidApplicationFactory(
        org=t.grassroots,
        lawyer_agency=firm,
        state=AidState.ASSIGNED,
        facts="装修公司拖欠木工工资两万元",
        applicant_phone="13600000042",
    )
    other_aid = AidApplicationFactory(org=t.grassroots, facts="餐馆未签劳动合同双倍工资纠纷")
    return {
        "consultation": consultation.pk,
        "consultation_question": consultation.question,
        "consultation_phone": consultation.worker_phone,
        "other_consultation": other_consultation.pk,
        "other_consultation_question": other_consultation.question,
        "aid": aid.pk,
        "aid_facts": aid.facts,
        "aid_phone": aid.applicant_phone,
        "other_aid": other_aid.pk,
        "other_aid_facts": other_aid.facts,
    }


def _check(body: str) -> str:
    from gonghui.platform.validators.idcard import id_check_char

    return id_check_char(body)


def xlsx_rows(content: bytes) -> list[tuple]:
    """The data rows (after the header) of the first sheet of an xlsx download."""
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def xlsx_text(content: bytes) -> str:
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row) for row in xlsx_rows(content)
    )
