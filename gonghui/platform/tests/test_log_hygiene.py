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
