"""One error body for every API failure::

{"error": {"code": "not_found", "message": "…", "details": […], "request_id": "…"}}
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("gonghui.api")


def error_response(api, request, status: int, code: str, message: str, details=None):
    body = {
        "error": {
            "code": code,
            "message": message,
            "request_id": getattr(request, "request_id", ""),
        }
    }
    if details:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


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


def install(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request, exc):
        return error_response(
            api,
            request,
            422,
            "validation_error",
            _("Some fields are missing or invalid."),
            _clean_details(exc.errors),
        )

    @api.exception_handler(DjangoValidationError)
    def action_refused(request, exc):
        code = getattr(exc, "code", None) or "invalid"
        return error_response(api, request, 400, code, " ".join(exc.messages))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return error_response(
            api,
            request,
            403,
            "permission_denied",
            str(exc) or _("You do not have permission to do this."),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(
            api, request, 401, "unauthenticated", _("Log in or send a valid API token.")
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return error_response(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error")
        return error_response(
            api,
            request,
            500,
            "server_error",
            _("Something went wrong on our side. Quote the request id."),
        )
