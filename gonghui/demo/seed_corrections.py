"""Demo: the demo worker's requests to correct her data (我的数据 → 申请更正, issue #14), so
that her union sees one waiting on its start page and she sees one answered.

Both go through the actions a worker and a union officer use; only the submission times are
moved back (as the other demo seeders back-date what happened weeks ago)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members.choices import CURRENT_STATES
from gonghui.members.models import Membership
from gonghui.platform.consent.corrections import mark_corrected, request_correction
from gonghui.platform.consent.models import CorrectionRequest
from gonghui.platform.pii.fields import index_for

ANSWERED = {
    "record": "会员信息 · 民族",
    "requested": "土家族",
    "explanation": "入会时漏填了民族。",
    "note": "已按您的身份证件核对并更正为土家族。",
    "days_ago": 40,
}
WAITING = {
    "record": "会员信息 · 工作单位",
    "requested": "重庆两江智造汽车零部件有限公司（2026年9月起）",
    "explanation": "我已换了工作，新单位的劳动合同可以提供。",
    "days_ago": 6,
}


def seed_corrections(*, phone: str, officer: User) -> int:
    """The demo worker's two correction requests (none if she has no account or union yet, or
    they were seeded before). Returns how many were created."""
    user = User.objects.filter(phone_index=index_for("phone", phone)).first()
    if user is None or CorrectionRequest.objects.filter(user=user).exists():
        return 0
    membership = (
        Membership.objects.filter(
            person__phone_index=index_for("phone", phone), state__in=CURRENT_STATES
        )
        .select_related("org")
        .first()
    )
    if membership is None:
        return 0
    now = timezone.now()
    answered = request_correction(
        actor=user,
        org=membership.org,
        record=ANSWERED["record"],
        requested=ANSWERED["requested"],
        explanation=ANSWERED["explanation"],
    )
    CorrectionRequest.objects.filter(pk=answered.pk).update(
        submitted_at=now - timedelta(days=ANSWERED["days_ago"])
    )
    mark_corrected(actor=officer, request=answered, note=ANSWERED["note"])
    CorrectionRequest.objects.filter(pk=answered.pk).update(
        decided_at=now - timedelta(days=ANSWERED["days_ago"] - 5)  # answered within the week
    )
    waiting = request_correction(
        actor=user,
        org=membership.org,
        record=WAITING["record"],
        requested=WAITING["requested"],
        explanation=WAITING["explanation"],
    )
    CorrectionRequest.objects.filter(pk=waiting.pk).update(
        submitted_at=now - timedelta(days=WAITING["days_ago"])
    )
    return 2
