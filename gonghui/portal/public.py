"""The two public pages: the landing page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

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


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response(request, 404, "not_found", gettext("Not found."))
    return render(request, "404.html", status=404)


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
