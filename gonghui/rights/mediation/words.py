"""The names of a case's steps as the worker and the staff read them on the timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

STEP_LABELS = {
    "apply": _("Applied for mediation"),
    "accept": pgettext_lazy("mediation", "Accepted"),
    "record_session": _("Mediation session"),
    "extend": _("Time limit extended with consent"),
    "agree": _("Agreement reached"),
    "fail": _("No agreement"),
    "withdraw": _("Withdrawn"),
    "confirm": _("Judicial confirmation"),
    "return_referral": _("Feedback letter sent to the agency"),
    "refer_out": _("Referred to an agency"),
}
