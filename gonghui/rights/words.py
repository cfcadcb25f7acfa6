"""The words a person reads for the steps of a ticket's timeline (TicketStep.name)."""

from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    "receive": _("Received"),
    "classify": _("Classified"),
    "answer_close": _("Answered on the call and closed"),
    "dispatch": _("Dispatched to the handling union"),
    "accept": _("Signed for by the handling union"),
    "return_ticket": _("Returned to the dispatching union"),
    "request_extension": _("More time asked for"),
    "approve_extension": _("Extension granted"),
    "refuse_extension": _("Extension refused"),
    "resolve": _("Resolved: reply given"),
    "visit_back": _("Visited back"),
    "rate": _("Rated by the worker"),
    "reopen": _("Handled again"),
    "quality_check": _("Quality checked"),
    "close": _("Closed"),
}
