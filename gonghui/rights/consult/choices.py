"""The words of a legal consultation (法律咨询): its topics, states and who wrote a message.

待分配 (``unassigned``: in the city's queue, no law firm yet) → 待答复 (``waiting``: a law firm
has it) → 已答复 (``answered``) → 追问 (back to ``waiting``) → 已评价 (``rated``) or 已结束
(``closed``: no follow-up for a while); 已转办 (``converted``) when staff turned it into a 12351
ticket, a mediation case or a legal-aid application.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Topic(models.TextChoices):
    WAGES = "wages", _("Wages")
    CONTRACT = "contract", _("Labour contract")
    INJURY = "injury", _("Work injury")
    INSURANCE = "insurance", _("Social insurance")
    DISMISSAL = "dismissal", _("Dismissal")
    OTHER = "other", pgettext_lazy("consultation topic", "Other")


class ConsultState(models.TextChoices):
    UNASSIGNED = "unassigned", _("Waiting for a law firm")
    WAITING = "waiting", _("Waiting for the lawyer's answer")
    ANSWERED = "answered", _("Answered")
    RATED = "rated", _("Rated")
    CLOSED = "closed", pgettext_lazy("consultation", "Closed")
    CONVERTED = "converted", _("Taken up by the union")


OPEN_STATES = frozenset({ConsultState.UNASSIGNED, ConsultState.WAITING, ConsultState.ANSWERED})


class Author(models.TextChoices):
    WORKER = "worker", _("Worker")
    LAWYER = "lawyer", _("Lawyer")


class ConvertedTo(models.TextChoices):
    NONE = "", _("Not turned into anything")
    TICKET = "ticket", _("12351 ticket")
    MEDIATION = "mediation", _("Mediation case")
    LEGAL_AID = "legal_aid", _("Legal-aid application")
