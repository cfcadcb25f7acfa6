"""The words of a legal-aid application (工会法律援助): case types, states, the union's
hardship assessment, the outcome and the documents an application carries.

States (domain-scenarios.md C3, 法律援助法 as reference, §68 for unions): 申请 ``submitted`` →
(补正 ``correction`` → resubmitted) → 审查 ``reviewing`` → 批准 ``granted`` / 不予援助
``refused`` → 指派律师 ``assigned`` → 办理中 ``handling`` → 结案 ``closed``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseType(models.TextChoices):
    LABOUR_CONTRACT = "labour_contract", _("Labour contract")
    WAGES = "wages", _("Unpaid wages")
    WORK_INJURY = "work_injury", _("Work injury")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    DISMISSAL = "dismissal", _("Dismissal")
    OTHER = "other", pgettext_lazy("legal aid case type", "Other")


class AidState(models.TextChoices):
    SUBMITTED = "submitted", _("Applied, waiting for review")
    CORRECTION = "correction", _("Documents to be completed")
    REVIEWING = "reviewing", _("Under review")
    GRANTED = "granted", _("Legal aid granted, waiting for a lawyer")
    REFUSED = "refused", _("Legal aid refused")
    ASSIGNED = "assigned", _("Lawyer assigned")
    HANDLING = "handling", _("Lawyer handling the case")
    CLOSED = "closed", pgettext_lazy("legal aid", "Closed")


OPEN_STATES = frozenset(
    {
        AidState.SUBMITTED,
        AidState.CORRECTION,
        AidState.REVIEWING,
        AidState.GRANTED,
        AidState.ASSIGNED,
        AidState.HANDLING,
    }
)
# Waiting for the union's decision (the 7-day clock runs; paused while documents are missing).
UNDECIDED = (AidState.SUBMITTED, AidState.REVIEWING)


class Hardship(models.TextChoices):
    """The union's 经济困难 assessment."""

    ON_FILE = "on_file", _("On the union's hardship file")
    CERTIFIED = "certified", _("Hardship certified by the union")
    NOT_HARDSHIP = "not_hardship", _("Not in financial hardship")


class Outcome(models.TextChoices):
    WON = "won", _("Won")
    SETTLED = "settled", _("Settled")
    LOST = "lost", _("Lost")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AidChannel(models.TextChoices):
    PORTAL = "portal", _("Worker portal")
    STAFF = "staff", _("Entered by union staff")
    TICKET = "ticket", _("From a 12351 ticket")
    API = "api", _("API")


class DocumentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("Application form")
    ID_CARD = "id_card", _("Identity document")
    HARDSHIP = "hardship", _("Union's certificate of financial hardship")
    EVIDENCE = "evidence", _("Case evidence")
