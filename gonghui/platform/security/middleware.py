"""Security response headers that Django's SecurityMiddleware does not set.

* ``ContentSecurityPolicyMiddleware``: django-csp 4.0 with one relaxation for the console
  (WEB-3, WEB-4). The policy itself lives in ``settings.CONTENT_SECURITY_POLICY``; the console
  (django-unfold) runs Alpine.js, whose standard build evaluates its ``x-data``/``x-init``
  expressions with ``new Function`` and so needs ``'unsafe-eval'``, and renders ``<style>``
  elements and ``style=""`` attributes without a nonce, so its ``style-src`` allows
  ``'unsafe-inline'``. The portal, the landing page and the API keep the strict policy.
  ``docs/security.md`` ("Headers, cookies and CSP") explains why.
* ``NoStoreMiddleware``: ``Cache-Control: no-store`` on every response under the prefixes
  that can show personal information (DATA-5), and ``Clear-Site-Data`` on logout.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.utils.cache import add_never_cache_headers

CONSOLE_PREFIX = "/console/"

# What the console adds to or replaces in the strict policy (see the module docstring).
CONSOLE_SCRIPT_EXTRA = [UNSAFE_EVAL]
CONSOLE_STYLE_SRC = [SELF, UNSAFE_INLINE]  # no nonce here: a nonce disables 'unsafe-inline'

NO_STORE_PREFIXES_DEFAULT = ("/console/", "/m/", "/api/")
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def is_console(request) -> bool:
    return request.path_info.startswith(CONSOLE_PREFIX)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if is_console(request):
            update = dict(parts.update or {})
            update["script-src"] = [*list(update.get("script-src") or []), *CONSOLE_SCRIPT_EXTRA]
            replace = dict(parts.replace or {})
            replace.setdefault("style-src", CONSOLE_STYLE_SRC)
            parts.update, parts.replace = update, replace
        return parts


def _sets_live_cookie(response) -> bool:
    """True when the response sets a cookie (as opposed to only deleting cookies)."""
    return any(morsel.value and morsel["max-age"] != 0 for morsel in response.cookies.values())


class NoStoreMiddleware:
    """``no-store`` for personal-information prefixes; ``Clear-Site-Data`` after logout.

    A view that deliberately sets a public cache (``Cache-Control: public``) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(
            getattr(settings, "GONGHUI_NO_STORE_PREFIXES", NO_STORE_PREFIXES_DEFAULT)
        )

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(self.prefixes):
            cache_control = response.get("Cache-Control", "").lower()
            # A view that already said no-store keeps its header as it is; one that
            # deliberately allows a shared cache ("public") is left alone too.
            if "no-store" not in cache_control and "public" not in cache_control:
                add_never_cache_headers(response)
        if getattr(request, "_gonghui_clear_site_data", False) and not _sets_live_cookie(response):
            # Not when the same response sets a fresh cookie (e.g. the login form's CSRF
            # cookie after an idle-timeout logout): the browser would clear that one too.
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
