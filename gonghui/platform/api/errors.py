"""One error body for every API failure, built here and nowhere else::

{"error": {"code": "not_found", "message": "…", "details": […], "field": "…", "request_id": "…"}}

``details`` (a list of ``{"loc", "message", "type"}``) and ``field`` (the input the error is
about) appear only when there is something to say. The exception handlers below, the API's
own routes (``rate_limited``, ``invalid_code``, a refused action), the token check, the
second factor, the input middleware, idempotency and the 404/500 handlers all answer with
``error_response``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.workflow.transitions import TransitionRefused

logger = logging.getLogger("gonghui.api")


def error_body(request, code: str, message: str, *, details=None, field=None) -> dict:
    error = {"code": code, "message": str(message)}
    if details:
        error["details"] = details
    if field:
        error["field"] = field
    error["request_id"] = getattr(request, "request_id", "")
    return {"error": error}


def error_response(
    request,
    status: int,
    code: str,
    message: str,
    *,
    details=None,
    field=None,
    headers=None,
) -> JsonResponse:
    """The uniform error response (``headers``: e.g. ``Retry-After``, ``WWW-Authenticate``)."""
    response = JsonResponse(
        error_body(request, code, message, details=details, field=field), status=status
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


# Refusals that are a conflict with the record's present state answer 409, not 400: the
# request was fine, the record is not ready for it (or no longer). Apps add their codes from
# ``AppConfig.ready()`` with :func:`conflict_codes`.
CONFLICT_CODES = {"invalid_transition", "transition_refused"}


def conflict_codes(*codes: str) -> None:
    CONFLICT_CODES.update(codes)


def replaced(request, names: list[str]) -> JsonResponse:
    """410 Gone for an endpoint replaced by one endpoint per declared transition, naming the
    new paths (``POST …/{id}/{name}``); kept for one release after a workflow moves onto the
    engine (ADR 0013)."""
    base = request.path.rstrip("/").rsplit("/", 1)[0]
    paths = [f"POST {base}/{name}" for name in names]
    return error_response(
        request,
        410,
        "gone",
        _("This endpoint was replaced: %(paths)s.") % {"paths": ", ".join(paths)},
        details=[{"loc": ["path"], "message": path, "type": "replaced_by"} for path in paths],
    )


def _clean_details(errors):
    details = []
    for err in errors:
        details.append(
            {
                "loc": [str(p) for p in err.get("loc", [])],
                "message": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return details


# The error body every handler below answers with, declared in the OpenAPI schema.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
                "field": {"type": "string"},
            },
            "required": ["code", "message", "request_id"],
        }
    },
    "required": ["error"],
}
# Answered by the handlers below on any operation: 400 an action refused, 422 invalid
# input; with authentication also 401, 403 (permission) and 404 (outside the caller's scope).
COMMON_ERRORS = {
    400: "The action was refused.",
    409: "The record is not in a state that allows this now; details give the reasons.",
    422: "Some fields are missing or invalid.",
}
AUTH_ERRORS = {
    401: "Not logged in and no valid API token.",
    403: "Permission denied.",
    404: "Not found, or outside the caller's org subtree.",
}


def document_errors(schema: dict) -> dict:
    """Declare the uniform error responses on every operation of an OpenAPI schema."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = dict(COMMON_ERRORS)
            if operation.get("security"):
                codes.update(AUTH_ERRORS)
            for status, description in codes.items():
                responses.setdefault(status, {"description": description, "content": ref})
    return schema


def install(api) -> None:
    get_schema = api.get_openapi_schema

    def get_openapi_schema(*args, **kwargs):
        return document_errors(get_schema(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema

    @api.exception_handler(NinjaValidationError)
    def validation(request, exc):
        return error_response(
            request,
            422,
            "validation_error",
            _("Some fields are missing or invalid."),
            details=_clean_details(exc.errors),
        )

    @api.exception_handler(DjangoValidationError)
    def action_refused(request, exc):
        code = getattr(exc, "code", None) or "invalid"
        status = 409 if code in CONFLICT_CODES else 400
        return error_response(request, status, code, " ".join(exc.messages))

    @api.exception_handler(TransitionRefused)
    def transition_refused(request, exc):
        # A declared transition whose check has reasons: each reason is one detail.
        details = [{"loc": [], "message": r, "type": "transition_refused"} for r in exc.reasons]
        return error_response(
            request, 409, "transition_refused", " ".join(exc.reasons), details=details
        )

    @api.exception_handler(CalendarYearMissing)
    def calendar_year_missing(request, exc):
        # A filter or action that needs a working-day count for a year the holiday calendar
        # does not hold: say which year, never guess Monday–Friday.
        return error_response(request, 409, "calendar_year_missing", str(exc.message))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return error_response(
            request,
            403,
            "permission_denied",
            str(exc) or _("You do not have permission to do this."),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(
            request, 401, "unauthenticated", _("Log in or send a valid API token.")
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return error_response(request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error")
        return error_response(
            request,
            500,
            "server_error",
            _("Something went wrong on our side. Quote the request id."),
        )
