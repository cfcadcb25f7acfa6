"""Security headers on a sample of responses (WEB-3), no-store on pages that can show personal
information and Clear-Site-Data on logout (DATA-5), production cookies (WEB-2), and no
third-party origin in the policy, the templates or the static files (WEB-4, PI-12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from gonghui.platform.security.middleware import NoStoreMiddleware
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.testing.factories import MemberFactory, staff_with_role

BASE_DIR = Path(settings.BASE_DIR)

ANONYMOUS = ["/", "/healthz", "/console/login/", "/m/login/"]
STAFF = ["/console/", "/console/orgs/org/", "/console/orgs/org/tree/", "/api/v1/me"]
MEMBER = ["/m/", "/m/assistance/"]
# Responses that can show personal information (or a login form): never stored.
NO_STORE = ["/console/login/", "/m/login/", *STAFF, *MEMBER]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_common_headers(response, url: str) -> None:
    assert response.status_code == 200, (url, response.status_code)
    csp = directives(response)
    assert csp["default-src"] == ["'self'"], url
    assert csp["object-src"] == ["'none'"], url
    assert csp["base-uri"] == ["'none'"], url
    assert csp["frame-ancestors"] == ["'none'"], url
    assert csp["form-action"] == ["'self'"], url
    assert set(csp["img-src"]) == {"'self'", "data:"}, url
    for name, values in csp.items():
        for value in values:
            assert value.startswith("'") or value == "data:", (url, name, value)
            assert "http" not in value and "*" not in value, (url, name, value)
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}, url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response["X-Frame-Options"] == "DENY", url


def assert_no_store(response, url: str) -> None:
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, (url, cache_control)
    assert "public" not in cache_control, (url, cache_control)


@pytest.mark.parametrize("url", ANONYMOUS)
def test_anonymous_pages_carry_the_security_headers(client, db, url):
    response = client.get(url)
    assert_common_headers(response, url)
    if url in NO_STORE:
        assert_no_store(response, url)
    else:  # the landing page and the health check may be cached
        assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", STAFF)
def test_staff_pages_and_api_carry_the_security_headers(client, tree, url):
    client.force_login(staff_with_role(tree.city))
    response = client.get(url)
    assert_common_headers(response, url)
    assert_no_store(response, url)


@pytest.mark.parametrize("url", MEMBER)
def test_member_pages_carry_the_security_headers(client, db, url):
    client.force_login(MemberFactory())
    response = client.get(url)
    assert_common_headers(response, url)
    assert_no_store(response, url)


def test_portal_policy_is_strict_and_console_relaxes_only_what_unfold_needs(client, tree):
    portal = directives(client.get("/m/login/"))
    assert "'unsafe-eval'" not in portal["script-src"]
    assert "'unsafe-inline'" not in portal["script-src"] + portal["style-src"]
    console = directives(client.get("/console/login/"))
    assert "'unsafe-eval'" in console["script-src"]
    assert "'unsafe-inline'" not in console["script-src"]
    assert console["style-src"] == ["'self'", "'unsafe-inline'"]


def test_inline_styles_carry_the_nonce_of_the_header(client, db):
    client.force_login(MemberFactory())
    response = client.get("/m/assistance/")
    html = response.content.decode()
    nonces = set(re.findall(r'<(?:script|style) nonce="([^"]+)"', html))
    assert len(nonces) == 1, nonces
    (nonce,) = nonces
    csp = directives(response)
    assert f"'nonce-{nonce}'" in csp["script-src"] and f"'nonce-{nonce}'" in csp["style-src"]
    assert "<style>" not in html and "<script>" not in html
    # A fresh nonce for every response.
    assert nonce not in client.get("/m/assistance/")["Content-Security-Policy"]


def test_no_inline_script_or_handler_without_nonce_in_templates():
    """Inline <script>/<style> need nonce="{{ CSP_NONCE }}"; on*="" handlers never run."""
    offenders = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<(script|style)\b([^>]*)>", text):
            attrs = match.group(2)
            if "src=" in attrs or "nonce=" in attrs:
                continue
            offenders.append(f"{path.relative_to(BASE_DIR)}: <{match.group(1)}{attrs}>")
        for match in re.finditer(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.relative_to(BASE_DIR)}: inline handler {match.group(0)}")
    assert not offenders, "\n".join(offenders)


def test_explicit_public_cache_is_kept():
    def view(request):
        response = HttpResponse("ok")
        response["Cache-Control"] = "public, max-age=60"
        return response

    middleware = NoStoreMiddleware(view)
    response = middleware(RequestFactory().get("/m/public-thing/"))
    assert response["Cache-Control"] == "public, max-age=60"
    response = NoStoreMiddleware(lambda r: HttpResponse("ok"))(RequestFactory().get("/m/x/"))
    assert "no-store" in response["Cache-Control"]


def test_console_logout_clears_site_data(client, tree):
    client.force_login(staff_with_role(tree.city))
    response = client.post("/console/logout/")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert_no_store(response, "/console/logout/")


def test_portal_logout_clears_site_data(client, db):
    client.force_login(MemberFactory())
    response = client.post("/m/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # Other responses do not clear anything.
    assert "Clear-Site-Data" not in client.get("/m/login/")


def test_cookies_are_host_only_secure_and_httponly_in_production(
    client, db, django_capture_on_commit_callbacks
):
    """The production cookie settings (config/settings.py, GONGHUI_ENV=production; the
    subprocess test in test_deploy_check.py reads them), applied to a real login."""
    with override_settings(
        SESSION_COOKIE_NAME="__Host-sessionid",
        CSRF_COOKIE_NAME="__Host-csrftoken",
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
    ):
        form = client.get("/m/login/")  # renders a form: sets the CSRF cookie
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/m/login/", {"phone": "13800138000"})
        code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
        logged_in = client.post("/m/login/verify/", {"code": code})
        assert logged_in.status_code == 302
        for response, name in ((logged_in, "__Host-sessionid"), (form, "__Host-csrftoken")):
            cookie = response.cookies[name]
            assert cookie["secure"] and cookie["httponly"], name
            assert cookie["samesite"] == "Lax" and cookie["path"] == "/", name
            assert not cookie["domain"], name


# --- no third-party origins (WEB-4) -------------------------------------------------------------

# Namespaces and identifiers that look like URLs but are never fetched.
ALLOWED_URL = re.compile(
    r"https?://(www\.)?w3\.org/"
    r"|https?://(www\.)?(localhost|127\.0\.0\.1|testserver)\b"
    r"|https?://\{\{"  # a template variable: the configured own host
)
URL = re.compile(r"https?://[^\s\"'<>)]+")


def template_files() -> list[Path]:
    roots = [BASE_DIR / "templates", *sorted((BASE_DIR / "gonghui").glob("**/templates"))]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def references(text: str) -> list[str]:
    """URLs that a browser would fetch: in src/href/url()/@import, not in comments or prose."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    found = []
    for match in re.finditer(
        r"(?:src|href|action|srcset|poster|data)\s*=\s*[\"']?(https?://[^\s\"'>]+)"
        r"|url\(\s*[\"']?(https?://[^\s\"')]+)"
        r"|@import\s+[\"'](https?://[^\"']+)",
        text,
        flags=re.I,
    ):
        url = next(g for g in match.groups() if g)
        if not ALLOWED_URL.match(url):
            found.append(url)
    return found


def test_templates_reference_no_external_origin():
    offenders = {}
    for path in template_files():
        for url in references(path.read_text(encoding="utf-8")):
            offenders.setdefault(str(path.relative_to(BASE_DIR)), []).append(url)
    assert not offenders, offenders


def test_static_files_load_nothing_from_another_origin():
    """CSS and HTML in our and the vendored static files fetch nothing from another origin.

    Minified JavaScript is not grepped for every string that looks like a URL (licence
    banners and documentation links are harmless text); the CSP would block such a fetch
    anyway, which test_csp.py in tests/browser verifies in a real browser.
    """
    offenders = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(["*.map", "*.txt", "*.md", "LICENSE*", "NOTICE*"]):
            if not path.endswith((".css", ".html", ".svg")):
                continue
            with storage.open(path) as handle:
                text = handle.read().decode("utf-8", "replace")
            urls = references(text)
            if urls:
                offenders[path] = sorted(set(urls))[:5]
    assert not offenders, offenders


def test_rendered_pages_reference_no_external_origin(client, tree):
    client.force_login(staff_with_role(tree.city))
    for url in ["/", "/console/", "/console/orgs/org/tree/", "/console/orgs/org/"]:
        html = client.get(url).content.decode()
        assert not references(html), (url, references(html))
