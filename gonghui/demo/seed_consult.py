"""Legal consultations for the demo (issue #15): questions of 渝北 workers answered by the law
firm 重庆渝工律师事务所 (kept by 渝北区总工会; its login ``lawfirm_partner`` comes from the
partners seeder, which runs first), in every state — waiting in the city's queue (a 江北 worker:
no union on her way up keeps a firm), waiting for the answer (some past the 3-working-day
default, so the nightly run escalates them), answered, followed up, rated, closed by itself,
taken up as a 12351 ticket — and a few of the demo worker's own.

Every consultation goes through the real actions; only the timestamps are then moved back in
time (directly, like the other seeders' back-dating)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.rights.choices import PartnerKind
from gonghui.rights.consult import actions
from gonghui.rights.consult.choices import ConsultState
from gonghui.rights.consult.models import Consultation, Message
from gonghui.rights.models import PartnerAgency

S = ConsultState
FIRM = "重庆渝工律师事务所"
QUESTIONS = [
    ("wages", "公司已经两个月没发工资了，说资金紧张，我可以怎么办？"),
    ("contract", "入职半年了公司一直不签劳动合同，能要求双倍工资吗？"),
    ("injury", "上班路上骑电动车被撞，算不算工伤？"),
    ("insurance", "公司只按最低基数给我交社保，合法吗？"),
    ("dismissal", "公司以经营困难为由让我主动辞职，我该签字吗？"),
    ("wages", "外卖平台扣了我一个月的配送费，理由是超时，可以申诉吗？"),
    ("other", "加班没有加班费，每天工作十一个小时，怎么维权？"),
    ("dismissal", "试用期最后一天被通知不合格，需要赔偿吗？"),
]
ANSWERS = [
    "根据《劳动合同法》第三十条，用人单位应当按时足额支付劳动报酬。可以先与公司协商，协商不成可向"
    "劳动保障监察机构投诉，或在一年内申请劳动仲裁。请保留工资条、考勤记录和聊天记录。",
    "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍"
    "的工资（《劳动合同法》第八十二条）。建议收集入职证明、工资发放记录。",
    "在上下班途中，受到非本人主要责任的交通事故伤害的，应当认定为工伤（《工伤保险条例》第十四条）。"
    "请保存交警出具的事故责任认定书，在一年内申请工伤认定。",
]
FOLLOW_UP = "如果公司不承认，我手里只有微信聊天记录，可以作为证据吗？"
SECOND_ANSWER = "微信聊天记录可以作为证据，建议完整保存并注明对方身份，必要时可申请公证。"
# What each consultation is taken to, in turn.
PATH = [
    S.WAITING,
    S.ANSWERED,
    "follow_up",
    S.RATED,
    S.CLOSED,
    S.CONVERTED,
    S.WAITING,
    S.ANSWERED,
]


def _firm(yubei: Org) -> PartnerAgency:
    firm = PartnerAgency.objects.filter(name=FIRM).first()
    if firm is None:
        firm = PartnerAgency.objects.create(name=FIRM, kind=PartnerKind.LAW_FIRM, org=yubei)
    return firm


def _member_account(person: Person) -> User:
    """The worker's member account (demo set-up: as if she had logged in with her phone)."""
    if person.user_id:
        return person.user
    user = User.objects.create_member(phone=person.phone)
    person.user = user
    person.save(update_fields=["user"])
    return user


def _back_date(c: Consultation, days: int) -> None:
    shift = timedelta(days=days)
    stamps = {
        name: getattr(c, name) - shift
        for name in ("asked_at", "assigned_at", "waiting_since", "answered_at", "closed_at")
        if getattr(c, name) is not None
    }
    Consultation.objects.filter(pk=c.pk).update(**stamps)
    for message in Message.objects.filter(consultation=c):
        Message.objects.filter(pk=message.pk).update(at=message.at - shift)


def _advance(c, target, *, lawyer, officer, i):
    answer = ANSWERS[i % len(ANSWERS)]
    if target == S.WAITING:
        return c
    if target == S.CONVERTED:
        return actions.to_ticket(
            actor=officer,
            consultation=c,
            category="complaint-arrears",
            request="要求公司支付拖欠的工资",
            employer_name="渝北区某企业",
        )
    if lawyer is None:
        return c  # no lawyer login: it stays waiting for the answer
    c = actions.answer(actor=lawyer, consultation=c, text=answer)
    if target == "follow_up":
        c = actions.follow_up(actor=c.worker, consultation=c, text=FOLLOW_UP)
    elif target == S.RATED:
        c = actions.rate(actor=c.worker, consultation=c, rating="satisfied", comment="答复很及时")
    elif target == S.CLOSED:
        c.refresh_from_db()
        c.answered_at -= timedelta(days=10)
        Consultation.objects.filter(pk=c.pk).update(answered_at=c.answered_at)
        actions.auto_close(
            actor=None, consultation=c, answered_on=timezone.localdate(c.answered_at)
        )
    return c


def seed_consult(*, root: Org, yubei: Org, jiangbei: Org, demo_phone: str) -> int:
    """The consultations once (nothing is added when one exists); how many were made."""
    if Consultation.objects.exists():
        return 0
    firm = _firm(yubei)
    lawyer = User.objects.filter(username="lawfirm_partner", kind="partner").first()
    officer = User.objects.filter(username="yubei_rights").first()
    queue_staff = User.objects.filter(username="hotline_city").first()
    people = list(
        Person.objects.filter(org__path__startswith=yubei.path)
        .exclude(phone_index=index_for("phone", demo_phone))
        .order_by("pk")[: len(PATH)]
    )
    made = 0
    for i, person in enumerate(people):
        topic, question = QUESTIONS[i % len(QUESTIONS)]
        _member_account(person)
        c = actions.ask(actor=person.user, person=person, topic=topic, question=question)
        target = PATH[i % len(PATH)]
        if c.agency_id != firm.pk and queue_staff is not None:
            c = actions.assign(actor=queue_staff, consultation=c, agency=firm.pk)
        if target != S.CONVERTED or officer is not None:
            c = _advance(c, target, lawyer=lawyer, officer=officer, i=i)
        c.refresh_from_db()
        # The first ones are the oldest: two waiting ones end up past the answer deadline.
        _back_date(c, 12 - i)
        made += 1
    # A 江北 worker's question: no union on her way up keeps a firm, so the city's queue.
    jb_person = Person.objects.filter(org__path__startswith=jiangbei.path).order_by("pk").first()
    if jb_person is not None:
        _member_account(jb_person)
        actions.ask(
            actor=jb_person.user, person=jb_person, topic="contract", question=QUESTIONS[1][1]
        )
        made += 1
    # The demo worker's own: one answered waiting for her rating, one waiting for the lawyer.
    demo = Person.objects.filter(phone_index=index_for("phone", demo_phone)).first()
    if demo is not None:
        _member_account(demo)
        first = actions.ask(actor=demo.user, person=demo, topic="wages", question=QUESTIONS[0][1])
        if lawyer is not None:
            _advance(first, S.ANSWERED, lawyer=lawyer, officer=officer, i=0)
        actions.ask(actor=demo.user, person=demo, topic="injury", question=QUESTIONS[2][1])
        made += 2
    return made
