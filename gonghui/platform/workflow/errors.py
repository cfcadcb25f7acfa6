"""The two refusals every action may raise (kept apart so the transition declarations and the
action decorator can both use them without importing each other)."""

from django.core.exceptions import ValidationError
from django.http import Http404


class ActionError(ValidationError):
    """A guard refused the action: the message is shown to the user, nothing was written."""


class OutOfScope(Http404):
    """The object is not in the actor's scope; answers 404 like a missing object."""
