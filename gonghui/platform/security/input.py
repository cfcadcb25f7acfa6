"""``RequestInputMiddleware``: requests the platform refuses before any view sees them.

One place, for every route (console, portal, public pages, API), so that no form, filter or
API schema has to remember it:

* **413** when ``Content-Length`` is over the limit of the route, answered before the body is
  read. Every body may be ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (5 MB); multipart uploads may be
  larger on the routes that take files (``GONGHUI_UPLOAD_REQUEST_LIMITS``, path prefix →
  bytes), where each upload view still applies its own per-file limit.
* **400** when a form body cannot be parsed (a multipart body without a boundary, too many
  fields), instead of the exception reaching a view (django-ninja turned it into a 500).
* **400 naming the field** when text input holds a control character
  (:mod:`gonghui.platform.security.text`): the URL path, every query-string parameter, every
  urlencoded or multipart form field (names and values; not the contents of uploaded files)
  and every string of a JSON body, keys included, named by its path (``household[0].name``).
  PostgreSQL refuses NUL in text while SQLite stores it; refusing here makes both databases
  answer the same, and keeps such characters out of the records and of the exports.

Pages get a short page in the site's language (``request_refused.html``); ``/api/`` gets the
API's error body (``{"error": {"code", "message", "field", "details", "request_id"}}``).
The middleware sits after ``LocaleMiddleware`` (the page is translated) and before
``CsrfViewMiddleware`` (the first to read a form body).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from gonghui.platform.api.errors import error_response
from gonghui.platform.security.text import CONTROL_CHARACTERS_RE, printable_name

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MB = 1024 * 1024


@dataclass
class Refusal:
    status: int
    code: str
    message: str
    field: str | None = None
    location: str | None = None  # "path", "query", "form" or "body", for the API details


def content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body then either


def body_limit(request) -> int | None:
    """The largest body this route accepts, in bytes (None: no limit)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.content_type == "multipart/form-data":
        for prefix, upload_limit in getattr(settings, "GONGHUI_UPLOAD_REQUEST_LIMITS", {}).items():
            if request.path_info.startswith(prefix):
                return upload_limit if limit is None else max(limit, upload_limit)
    return limit


def _too_large(limit: int) -> Refusal:
    size = f"{limit / MB:.0f}" if limit % MB == 0 else f"{limit / MB:.1f}"
    return Refusal(
        413,
        "request_too_large",
        _("The request is too large: at most %(size)s MB may be sent here.") % {"size": size},
    )


def _unreadable() -> Refusal:
    return Refusal(400, "malformed_request", _("The request could not be read."))


def _control_character(field: str, location: str) -> Refusal:
    return Refusal(
        400,
        "invalid_character",
        _(
            "“%(field)s” contains a control character (an invisible character such as NUL). "
            "Remove it and send again."
        )
        % {"field": field},
        field=field,
        location=location,
    )


def _first_bad_pair(pairs, location: str) -> Refusal | None:
    """The first (name, value) pair whose name or value holds a control character."""
    search = CONTROL_CHARACTERS_RE.search
    for name, values in pairs:
        if search(name) or any(isinstance(v, str) and search(v) for v in values):
            return _control_character(printable_name(name), location)
    return None


def _json_path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    key = printable_name(key)
    return f"{parent}.{key}" if parent else key


def _first_bad_json_string(data) -> str | None:
    """The path of the first string (value or key) in ``data`` holding a control character.
    Iterative: a deeply nested body must not exhaust the stack here."""
    search = CONTROL_CHARACTERS_RE.search
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if search(value):
                return path or "(body)"
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                child = _json_path(path, key)
                if search(key):
                    return child
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend(
                (_json_path(path, i), item) for i, item in reversed(list(enumerate(value)))
            )
    return None


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def inspect_request(request) -> Refusal | None:
    """Why ``request`` is refused before it reaches a view, or None."""
    limit = body_limit(request)
    if limit is not None and content_length(request) > limit:
        return _too_large(limit)
    if CONTROL_CHARACTERS_RE.search(request.path_info):
        return _control_character("path", "path")
    try:
        refusal = _first_bad_pair(request.GET.lists(), "query")
        if refusal or request.method not in BODY_METHODS:
            return refusal
        content_type = request.content_type or ""
        if content_type == "multipart/form-data":
            # Validates the content type, boundary and length without reading the body.
            MultiPartParser(request.META, BytesIO(), [], request.encoding)
        if request.method == "POST" and content_type in FORM_TYPES:
            refusal = _first_bad_pair(request.POST.lists(), "form")
            if refusal is None and request.FILES:
                refusal = _first_bad_pair(((name, ()) for name in request.FILES), "form")
            return refusal
        if _is_json(content_type) and content_length(request):
            try:
                data = json.loads(request.body)
            except (ValueError, RecursionError):
                return None  # the view answers an unreadable body (the API: 400)
            path = _first_bad_json_string(data)
            return _control_character(path, "body") if path else None
    except RequestDataTooBig:
        return _too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except (MultiPartParserError, SuspiciousOperation):
        return _unreadable()
    return None


def refusal_response(request, refusal: Refusal):
    if request.path_info.startswith(API_PREFIX):
        details = None
        if refusal.field:
            details = [
                {
                    "loc": [refusal.location or "body", refusal.field],
                    "message": refusal.message,
                    "type": refusal.code,
                }
            ]
        return error_response(
            request,
            refusal.status,
            refusal.code,
            refusal.message,
            details=details,
            field=refusal.field or None,
        )
    return render(
        request,
        "request_refused.html",
        {"refusal": refusal, "too_large": refusal.status == 413},
        status=refusal.status,
    )


class RequestInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = inspect_request(request)
        if refusal is not None:
            return refusal_response(request, refusal)
        return self.get_response(request)
