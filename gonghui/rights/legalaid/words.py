"""The words a person reads for the steps of a legal-aid application (AidStep.name)."""

from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    "apply": _("Applied"),
    "request_correction": _("Documents asked for"),
    "resubmit": _("Documents completed"),
    "start_review": _("Review started"),
    "assess_hardship": _("Financial hardship assessed"),
    "grant": _("Legal aid granted"),
    "refuse": _("Legal aid refused"),
    "assign_lawyer": _("Lawyer assigned"),
    "take_up": _("Taken up by the lawyer"),
    "record_progress": _("Progress recorded"),
    "close_case": _("Closed"),
}
# The steps the worker is shown (the union's internal ones are left out).
SHOWN_STEPS = (
    "apply",
    "request_correction",
    "resubmit",
    "grant",
    "refuse",
    "assign_lawyer",
    "take_up",
    "close_case",
)
