"""Log hygiene (AUD-5): a full staff and member flow writes no ID number, no mobile number and
no password into any log record (all loggers, DEBUG and up, message and arguments rendered)."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import pytest
from django.urls import reverse

from gonghui.members.models import Membership
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.testing.factories import TEST_PASSWORD, staff_with_role

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
ID_RE = re.compile(r"\d{17}[\dXx]")
PHONE_RE = re.compile(r"1[3-9]\d{9}")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        text = self.format(record)  # includes the traceback, if any
        self.lines.append(f"{text} {record.args!r} {record.__dict__.get('request', '')!s}")


@contextmanager
def capturing():
    """Everything the project's logging would write with ``LOG_LEVEL=DEBUG``: the root logger
    at DEBUG; loggers the settings pin higher (SQL, templates) keep their levels."""
    handler = Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(params=["locmem", "demo"])
def sms_backend(request, settings):
    settings.SMS_BACKEND = {
        "locmem": "gonghui.platform.sms.backends.LocmemBackend",
        "demo": "gonghui.platform.sms.backends.DemoBackend",
    }[request.param]
    return request.param


def test_full_flow_leaks_no_id_number_phone_or_password(client, tree, sms_backend):
    from gonghui.members import actions as member_actions

    admin = staff_with_role(tree.yubei, "org_admin", username="loghygiene_admin")
    membership = member_actions.register_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        name="张三",
        id_number=ID_NUMBER,
        phone=PHONE,
    )
    if not isinstance(membership, Membership):  # some actions return (obj, extra)
        membership = Membership.objects.get(person__name="张三")
    person = membership.person

    with capturing() as lines:
        # A failed staff login, then a good one, through the console's form.
        client.post("/console/login/", {"username": admin.username, "password": "Wrong-pass-1!"})
        client.post("/console/login/", {"username": admin.username, "password": TEST_PASSWORD})
        # Whatever the second factor requires, carry on as the logged-in staff user.
        client.force_login(admin)
        client.get(reverse("console:members_membership_changelist"))
        client.get(reverse("console:members_membership_changelist") + f"?q={PHONE}")
        client.get(reverse("console:members_membership_change", args=[membership.pk]))
        client.get(reverse("console:members_export"))
        for field in ("id_number", "phone"):
            client.post(
                reverse("console-reveal"),
                {
                    "label": "members.person",
                    "pk": person.pk,
                    "field": field,
                    f"reveal_purpose_{field}": "核实会员身份",
                },
            )
        # The API too, with the number as a search term (it must not be echoed into logs).
        client.get("/api/v1/members/", {"q": ID_NUMBER})
        client.logout()

        # The member logs into the portal by SMS code, once with a wrong code.
        client.post(reverse("portal:login"), {"phone": PHONE})
        client.post(reverse("portal:verify"), {"code": "000000"})
        code = next((m for _, m in reversed(LocmemBackend.outbox)), "")
        digits = re.search(r"\d{6}", code)
        client.post(reverse("portal:verify"), {"code": digits.group(0) if digits else "123456"})
        client.get(reverse("portal:home"))
        # A 404 logs a django.request warning: proves the capture sees the project's logs.
        client.get("/api/v1/members/987654321")

    text = "\n".join(lines)
    assert any("987654321" in line for line in lines), "the capture saw nothing"
    assert not ID_RE.search(text), ID_RE.search(text)
    assert not PHONE_RE.search(text), PHONE_RE.search(text)
    assert TEST_PASSWORD not in text
    assert "Wrong-pass-1!" not in text


# --- query strings (issue #11, finding 8) ----------------------------------------------------
# What a user types into a search box ends up in the URL: ``?q=<ID or mobile>``. Request lines
# (runserver, gunicorn), referers, and the request a django.request record carries must not
# write it out.

QUERY_VALUES = [
    ID_NUMBER,
    ID_NUMBER.lower(),
    "110105491231002",  # a legacy 15-digit number
    PHONE,
    "+86" + PHONE,
    "138 1234 5678",
    "138-1234-5678",
]
# Looked for literally (a random request id in hex may hold any run of digits): the numbers
# of QUERY_VALUES, and the mobile's tail however it was separated or encoded.
SECRETS = [
    ID_NUMBER[:15],
    "110105491231002",
    PHONE,
    "13812345678",
    *(f"1234{sep}5678" for sep in (" ", "-", "+", "%20", "%2D", "%2d")),
]


def _leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@contextmanager
def project_output():
    """What the project's own handlers (settings.LOGGING's StreamHandlers on the root logger
    and on django.server; pytest's capture handlers are subclasses) write."""
    import io

    buffer = io.StringIO()
    swapped = []
    for name in ("", "django.server"):
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(buffer)))
    assert len(swapped) == 2, "the project's handlers were not found"
    try:
        yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


def _query_urls():
    urls = []
    for value in QUERY_VALUES:
        for path in (
            "/api/v1/members/",  # 401 anonymous, 200 signed in
            "/api/v1/members/?org=999999&",  # 404: logged by django.request with the request
            "/api/v1/members/987654321",
            "/console/members/membership/",
            "/console/members/membership/987654321/change/",
            "/console/assistance/hardshipfile/add/",
            "/m/",
        ):
            separator = "&" if path.endswith("&") else "?"
            urls.append(f"{path.rstrip('&')}{separator if '?' not in path else '&'}q={value}")
    return urls


def test_query_strings_leave_no_id_number_or_phone_in_any_log(client, tree, settings):
    from urllib.parse import quote

    settings.GONGHUI_REQUIRE_2FA = False
    urls = _query_urls()
    with capturing() as lines, project_output() as written:
        for url in urls:  # anonymous: 401 and redirects to the login pages
            client.get(url, HTTP_REFERER=f"https://example.cn{url}")
        client.force_login(tree.yubei_admin)
        for url in urls:
            client.get(url, HTTP_REFERER=f"https://example.cn{url}")
            path, _, query = url.partition("?")
            client.get(f"{path}?{quote(query, safe='=&')}")  # the same, URL-encoded
    records = "\n".join(lines)
    assert "987654321" in records and "987654321" in written.getvalue(), "nothing captured"
    assert not _leaked(records), _leaked(records)[:5]
    assert not _leaked(written.getvalue()), _leaked(written.getvalue())[:5]


def test_runserver_request_lines_are_redacted(db):
    """The real development server (``django.server``'s request lines: the whole URL)."""
    import threading
    import urllib.error
    import urllib.request

    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with capturing() as lines, project_output() as written:
        thread.start()
        try:
            port = server.server_address[1]
            for value in QUERY_VALUES:
                url = f"http://127.0.0.1:{port}/api/v1/members/?q={value.replace(' ', '%20')}"
                try:
                    urllib.request.urlopen(url, timeout=10)  # noqa: S310 (loopback)
                except urllib.error.HTTPError as exc:
                    assert exc.code == 401
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    records = "\n".join(lines)
    assert "/api/v1/members/?q=" in written.getvalue(), written.getvalue()
    assert not _leaked(records), _leaked(records)[:5]
    assert not _leaked(written.getvalue()), _leaked(written.getvalue())[:5]


def test_gunicorn_access_and_error_logs_are_redacted(tmp_path):
    """The logger class docs/operations.md runs gunicorn with; plain gunicorn writes the
    numbers out (so this test can tell)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from gonghui.platform.audit.gunicorn_logging import RedactingLogger
    from gonghui.platform.audit.scrub import RedactPIFilter

    def run(logger_class, name):
        cfg = Config()
        cfg.set("accesslog", str(tmp_path / f"{name}-access.log"))
        cfg.set("errorlog", str(tmp_path / f"{name}-error.log"))
        logger = logger_class(cfg)
        for value in QUERY_VALUES:
            query = f"q={value.replace(' ', '%20')}"
            environ = {
                "REQUEST_METHOD": "GET",
                "RAW_URI": f"/console/members/membership/?{query}",
                "PATH_INFO": "/console/members/membership/",
                "QUERY_STRING": query,
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1",
                "HTTP_REFERER": f"https://union.example.cn/console/?{query}",
            }
            response = SimpleNamespace(status="200 OK", sent=512, headers=[])
            request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
            logger.access(response, request, environ, timedelta(milliseconds=12))
            logger.exception("Error handling request %s", environ["RAW_URI"])
        for log in (logger.access_log, logger.error_log):
            for handler in log.handlers:
                handler.flush()
        return "\n".join(
            (tmp_path / f"{name}-{kind}.log").read_text(encoding="utf-8")
            for kind in ("access", "error")
        )

    from django.conf import settings

    operations = (settings.BASE_DIR / "docs" / "operations.md").read_text(encoding="utf-8")
    command = next(line for line in operations.splitlines() if "`gunicorn config.wsgi" in line)
    assert "--logger-class gonghui.platform.audit.gunicorn_logging.RedactingLogger`" in command

    gunicorn_loggers = [logging.getLogger("gunicorn.access"), logging.getLogger("gunicorn.error")]
    try:
        plain = run(Logger, "plain")
        assert ID_NUMBER in plain and PHONE in plain  # what the finding saw
        redacted = run(RedactingLogger, "redacted")
        assert "/console/members/membership/?q=" in redacted and "GET" in redacted
        assert not _leaked(redacted), _leaked(redacted)[:5]
    finally:
        for log in gunicorn_loggers:
            for f in [f for f in log.filters if isinstance(f, RedactPIFilter)]:
                log.removeFilter(f)
            for handler in list(log.handlers):
                log.removeHandler(handler)
                handler.close()


def test_redaction_keeps_what_is_not_a_number():
    from gonghui.platform.audit.scrub import redact_log_text

    text = "GET /api/v1/members/987654321?page=2&org=42 200 1234 [2026-03-15 10:00:00]"
    assert redact_log_text(text) == text
    assert redact_log_text(f"q={ID_NUMBER}") == "q=1****************X"
    assert redact_log_text("q=%2B8613912345678") == "q=139****5678"
    assert redact_log_text("card 6222020200112233445 end") == "card 6*****************5 end"
