"""The words of a mediation case: its states, outcomes, and the kinds and directions of a
referral.

States follow domain-scenarios.md C2: 申请 → 受理 → 调解中 → 达成协议 (→ 司法确认 recorded) /
未达成 (→ 告知仲裁, or 退回法院 with the 反馈函 for a 委派 case) / 撤回.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseState(models.TextChoices):
    APPLIED = "applied", _("Applied, waiting to be accepted")
    ACCEPTED = "accepted", pgettext_lazy("mediation", "Accepted")
    MEDIATING = "mediating", _("In mediation")
    AGREED = "agreed", _("Agreement reached")
    FAILED = "failed", _("No agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset({CaseState.APPLIED, CaseState.ACCEPTED, CaseState.MEDIATING})
TIMED_STATES = frozenset({CaseState.ACCEPTED, CaseState.MEDIATING})


class Outcome(models.TextChoices):
    NONE = "", _("Not yet")
    AGREED = "agreed", _("Agreement reached")
    FAILED = "failed", _("No agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Source(models.TextChoices):
    PORTAL = "portal", _("Worker portal")
    STAFF = "staff", _("Opened by the union")
    TICKET = "ticket", _("From a 12351 ticket")
    REFERRAL = "referral", _("Referred by an agency")


class Direction(models.TextChoices):
    IN = "in", _("Referred to the union")
    OUT = "out", _("Referred by the union")


class ReferralKind(models.TextChoices):
    """特邀调解规定: 委派 before filing (30 days), 委托 after filing (15 days ordinary
    procedure, 7 days simple procedure)."""

    ENTRUSTED_PRE = "pre_filing", _("Delegated before filing (委派)")
    ENTRUSTED_ORDINARY = "ordinary", _("Entrusted after filing, ordinary procedure (委托)")
    ENTRUSTED_SIMPLE = "simple", _("Entrusted after filing, simple procedure (委托)")
    OTHER = "other", _("Other referral")


class Clock(models.TextChoices):
    """Which time limit runs for a case (deadlines.py has the days and the law)."""

    NONE = "", _("None")
    STATUTORY = "statutory", _("Labour dispute mediation, 15 days")
    PRE_FILING = "pre_filing", _("Court delegation before filing, 30 days")
    ORDINARY = "ordinary", _("Court entrustment, ordinary procedure, 15 days")
    SIMPLE = "simple", _("Court entrustment, simple procedure, 7 days")
