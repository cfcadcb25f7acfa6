"""The two public pages: the landing page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from gonghui.console.sites import console_site
from gonghui.platform.api.errors import error_response


def landing(request):
    return render(request, "landing.html")


def healthz(request):
    """For the load balancer: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)


def _console_layout(request) -> dict | None:
    """The console's own layout (its sidebar, header and user menu) for an error page under
    /console/ seen by someone who may use the console; None for everyone else, who get the
    portal's page (it names no console page and needs no console context)."""
    if not request.path.startswith("/console/"):
        return None
    if not hasattr(request, "user") or not console_site.has_permission(request):
        return None
    return console_site.each_context(request)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response(request, 404, "not_found", gettext("Not found."))
    if (console := _console_layout(request)) is not None:
        return render(
            request, "admin/404.html", {**console, "title": gettext("Page not found")}, status=404
        )
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """A refused page (PermissionDenied) in the console's layout under /console/, in the
    portal's otherwise; never Django's bare English "403 Forbidden"."""
    if (console := _console_layout(request)) is not None:
        context = {**console, "title": gettext("You cannot open this page")}
        return render(request, "admin/403.html", context, status=403)
    return render(request, "403.html", status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return error_response(
            request,
            500,
            "server_error",
            gettext("Something went wrong on our side. Quote the request id."),
        )
    return render(
        request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500
    )
