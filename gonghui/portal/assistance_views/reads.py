"""The member's own hardship-help data, and the words the portal shows for each state and
step.

Reads here are the member's *own* data, not a staff-scoped read: every query starts from
``Model.objects.own(request.user)`` (each model's ``owner_field`` leads through its Person to
the account; attachments also need ``uploaded_by=request.user``), so a member only ever sees
applications filed for their own Person; anything else answers 404.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from gonghui.assistance.choices import (
    OPEN_APPLICATION_STATES,
    AidType,
    ApplicationState,
    AttachmentKind,
)
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import AidItem, Application, Attachment, HardshipFile
from gonghui.platform.calendar.workdays import CalendarYearMissing, working_days_between
from gonghui.platform.workflow.base import ActionError

S = ApplicationState
MONEY_AIDS = (AidType.LIVING, AidType.MEDICAL, AidType.WARMTH)
SCHOOL_SLOTS = 3
MIN_HOUSEHOLD_ROWS = 4
MAX_HOUSEHOLD_ROWS = 30
# Kinds a worker uploads; publicity material is the union's own document.
MEMBER_ATTACHMENT_KINDS = [(k, label) for k, label in AttachmentKind.choices if k != "publicity"]

# What comes next, in plain words, per state.
NEXT_STEP = {
    S.DRAFT: gettext_lazy(
        "Your application is saved as a draft. Complete it and press “Submit” to send it to "
        "your union."
    ),
    S.SUBMITTED: gettext_lazy(
        "Your union will check your application (first review). Nothing to do for now."
    ),
    S.HOME_VISIT: gettext_lazy(
        "The union will visit your home to see your situation. They will contact you to agree "
        "on a day."
    ),
    S.VERIFICATION: gettext_lazy(
        "The district assistance centre is checking your application, including your "
        "household income with the civil affairs office."
    ),
    S.APPROVAL: gettext_lazy("The union is deciding on your application and the amounts."),
    S.APPROVED: gettext_lazy(
        "Your application was approved. The money is being paid into your bank account."
    ),
    S.CLOSED: gettext_lazy("Completed: all the aid granted has been paid."),
    S.RETURNED: gettext_lazy(
        "The union sent your application back for correction. Correct it and submit it again."
    ),
    S.REJECTED: gettext_lazy("Your application was not approved."),
    S.WITHDRAWN: gettext_lazy("You withdrew this application."),
}


def publicity_days(application: Application) -> int:
    """The working days this case's publicity runs: counted on the holiday calendar from its
    start (not counted) to its end, as ``verify`` set them; the configured length when the
    calendar of those years is not loaded."""
    start, end = application.publicity_start, application.publicity_end
    if start and end:
        try:
            return working_days_between(start, end)
        except CalendarYearMissing:
            pass
    return PUBLICITY.days


def next_step(application: Application | None) -> str:
    """What comes next for ``application``, in plain words; in publicity, for how many working
    days and until which day (not "a few working days")."""
    if application is None:
        return ""
    if application.state != S.PUBLICITY:
        return str(NEXT_STEP.get(application.state, ""))
    days = publicity_days(application)
    if application.publicity_end is None:
        return ngettext(
            "Your application is being made public (公示) for %(days)d working day. If nobody "
            "raises a valid objection, it goes on to the decision.",
            "Your application is being made public (公示) for %(days)d working days. If nobody "
            "raises a valid objection, it goes on to the decision.",
            days,
        ) % {"days": days}
    return ngettext(
        "Your application is being made public (公示) for %(days)d working day, until "
        "%(end)s. If nobody raises a valid objection, it goes on to the decision.",
        "Your application is being made public (公示) for %(days)d working days, until "
        "%(end)s. If nobody raises a valid objection, it goes on to the decision.",
        days,
    ) % {"days": days, "end": date_format(application.publicity_end)}


# Step names (Step.name) in plain words.
STEP_LABELS = {
    "create": gettext_lazy("Application started"),
    "submit": gettext_lazy("Submitted to the union"),
    "resubmit": gettext_lazy("Corrected and submitted again"),
    "first_review": gettext_lazy("First review by the union passed"),
    "home_visit": gettext_lazy("Home visit done"),
    "verify": gettext_lazy("Checked by the assistance centre; publicity started"),
    "objection": gettext_lazy("Objection received during publicity"),
    "objection_upheld": gettext_lazy("Objection upheld: the case is checked again"),
    "end_publicity": gettext_lazy("Publicity ended without valid objections"),
    "escalate": gettext_lazy("Referred to the higher level for approval"),
    "approve": gettext_lazy("Approved"),
    "complete": gettext_lazy("All aid paid: completed"),
    "return": gettext_lazy("Returned for correction"),
    "reject": gettext_lazy("Not approved"),
    # "Withdrawn" alone is a membership's 已退会: an application is 已撤回.
    "withdraw": pgettext_lazy("application", "Withdrawn"),
}
# Steps whose opinion is shown to the worker (the reason given to them). Other opinions are
# the staff's working notes (and an objection may identify who raised it).
STEPS_WITH_REASON = {"return", "reject", "withdraw"}


# --- reads: the member's own data ---------------------------------------------------------


def own_applications(user):
    """The member's own applications (their own data, not a staff-scoped ``restrict`` read:
    filtered on the Person linked to this very account)."""
    return (
        Application.objects.own(user)
        .select_related("org", "file", "applicant")
        .order_by("-created_at", "-pk")
    )


def current_application(user) -> Application | None:
    """The member's application in progress (at most one per household), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return own_applications(user).filter(state__in=OPEN_APPLICATION_STATES).first()


def _own_application_or_404(request, pk: int) -> Application:
    items = AidItem.objects.select_related("beneficiary").order_by("pk")
    return get_object_or_404(
        own_applications(request.user).prefetch_related(Prefetch("items", queryset=items)),
        pk=pk,
    )


def _own_attachments(user):
    """Documents the member uploaded themselves to their own applications."""
    return Attachment.objects.own(user).filter(uploaded_by=user)


def _household_rows(file: HardshipFile | None) -> list:
    """The household rows of the member's own file, without rows blanked out by a shorter
    list (they always come last, see ``actions._write_file``)."""
    if file is None:
        return []
    return [m for m in file.household.all().order_by("pk") if m.name]


def _error_text(exc: ActionError) -> str:
    return " ".join(exc.messages)
