"""The words of a 12351 ticket: its channels, complexity classes, states and ratings.

The states follow domain-scenarios.md C1: 受理 → 分类定级 → 派单 → 签收 (or 退回 → 改派) → 办理
(延期申请 → 批准/驳回) → 办结反馈 → 回访 (满意 / 基本满意 / 不满意 → 重办) → 质检 → 结案.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    PORTAL = "portal", _("Worker portal")
    PHONE = "phone", _("Hotline call")
    API = "api", _("API")


class Complexity(models.TextChoices):
    GENERAL = "general", _("General")
    DIFFICULT = "difficult", _("Difficult")
    COMPLEX = "complex", _("Especially complex")


class TicketState(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified, waiting for dispatch")
    DISPATCHED = "dispatched", _("Dispatched, waiting to be signed for")
    HANDLING = "handling", _("Being handled")
    RESOLVED = "resolved", _("Resolved, waiting for the visit back")
    VISITED = "visited", _("Visited back, waiting to be closed")
    CLOSED = "closed", pgettext_lazy("ticket", "Closed")


OPEN_STATES = frozenset(
    {
        TicketState.RECEIVED,
        TicketState.CLASSIFIED,
        TicketState.DISPATCHED,
        TicketState.HANDLING,
    }
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Extension(models.TextChoices):
    NONE = "", _("None")
    PENDING = "pending", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class DeadlineStep(models.TextChoices):
    """The clocks of the editable deadline table (TicketDeadline)."""

    ACCEPT = "accept", _("Sign for")
    FINISH = "finish", _("Finish")
    EXTENSION = "extension", _("Extension")
    VISIT = "visit", _("Visit back")


# The national categories (S24), the root rows of the editable category table.
CONSULTATION = "consultation"


class PartnerKind(models.TextChoices):
    """The agencies the union works with (工会+法院/检察院/人社/司法, and contracted law firms)."""

    COURT = "court", _("People's court")
    PROCURATORATE = "procuratorate", _("People's procuratorate")
    ARBITRATION = "arbitration", _("Labour dispute arbitration commission")
    JUSTICE = "justice", _("Justice bureau")
    LAW_FIRM = "law_firm", _("Law firm")
    OTHER = "other", _("Other agency")
