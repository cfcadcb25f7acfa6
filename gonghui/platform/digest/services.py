"""The staff daily digest: what is overdue in each staff user's scope, and what became overdue
since their previous digest.

Once a day (``manage.py send_staff_digest``: cron, or the Celery beat entry when REDIS_URL is
set) every active account with a role grant gets its overdue to-dos from the to-do registry
(``gonghui/platform/todos.py``; each source counts through ``restrict``, so a district's
administrator hears only of her district). Where something is overdue, the user gets

* one message in the console (``/console/account/messages/``), listing each overdue line with
  its count, how many of them are new since the previous digest, and the link to the list;
* one SMS through the outbox, if the account has a phone and its user switched the SMS on
  (``digest_sms``, off by default).

Nobody with nothing overdue is told anything. Each user's run is recorded per day
(:class:`DigestRun`, unique per user and day): a second run on the same day sends nothing,
and tomorrow's "new since" compares with today's counts. The registry counts, it does not
list rows, so "new" is the rise of a line's count since the previous digest: a line that
went from 3 to 5 has 2 new (if 1 was settled and 3 became overdue, it says 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from gonghui.platform.access.models import RoleGrant
from gonghui.platform.digest.models import DigestRun
from gonghui.platform.inbox.models import Message
from gonghui.platform.sms.outbox import enqueue_sms
from gonghui.platform.todos import OVERDUE, todos_for
from gonghui.platform.workflow.base import action

TOPIC = "digest.daily"
EVENT = "overdue"
# Where the message leads: the start page, even for staff who land on a queue.
LINK = "/console/?home=1"
MESSAGE_TEXT = N_(
    "Daily digest: %(n)s overdue in your scope, %(new)s of them new since your previous digest."
)
SMS_TEXT = N_(
    "[gonghui] Daily digest: %(n)s overdue in your scope, %(new)s of them new since your "
    "previous digest. Details under My messages in the console."
)


@dataclass(frozen=True)
class Outcome:
    users: int = 0
    messages: int = 0
    sms: int = 0
    already: int = 0


def overdue_lines(user, today: date) -> dict[str, dict]:
    """The user's overdue to-do lines: key -> label, group, count and link."""
    lines = {}
    for todo in todos_for(user, today):
        if todo.level != OVERDUE or not todo.count:
            continue
        key = todo.url or f"{todo.group}|{todo.label}"
        lines[key] = {
            "label": str(todo.label),
            "group": str(todo.group),
            "count": todo.count,
            "url": todo.url,
        }
    return lines


def staff_to_digest():
    """Active non-member accounts holding an active role grant."""
    holders = RoleGrant.objects.active().values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, pk__in=holders)
        .exclude(kind="member")
        .order_by("pk")
    )


@action("digest.send_staff_digest", permission=None, audit=False)
def deliver_digest(ctx, *, user, today: date) -> DigestRun | None:
    """Record ``user``'s digest for ``today`` and, if something is overdue, leave the message
    and queue the SMS. None when today's digest was already recorded."""
    if DigestRun.objects.filter(user=user, day=today).exists():
        return None
    lines = overdue_lines(user, today)
    previous = DigestRun.objects.filter(user=user, day__lt=today).order_by("-day").first()
    before = {key: line["count"] for key, line in (previous.lines if previous else {}).items()}
    for key, line in lines.items():
        line["new"] = max(0, line["count"] - before.get(key, 0))
    total = sum(line["count"] for line in lines.values())
    new = sum(line["new"] for line in lines.values())
    run = DigestRun.objects.create(
        user=user, day=today, lines=lines, overdue_count=total, new_count=new
    )
    if not lines:
        return run
    params = {"n": total, "new": new, "lines": list(lines.values())}
    run.message = Message.objects.create(
        user=user, topic=TOPIC, event=EVENT, text=MESSAGE_TEXT, params=params, link=LINK
    )
    phone = getattr(user, "phone", "") or ""
    if phone and getattr(user, "digest_sms", False):
        enqueue_sms(phone, gettext(SMS_TEXT) % params)
        run.sms_queued = True
    run.save(update_fields=["message", "sms_queued"])
    return run


def send_staff_digest(today: date) -> Outcome:
    """Every staff user's digest for ``today`` (see the module). Safe to run again."""
    users = messages = sms = already = 0
    # Labels and the SMS in the platform's language; the message text is translated when read.
    with translation.override(settings.LANGUAGE_CODE):
        for user in staff_to_digest().iterator():
            users += 1
            try:
                run = deliver_digest(actor=None, user=user, today=today)
            except IntegrityError:
                run = None  # another run recorded this user's digest a moment ago
            if run is None:
                already += 1
                continue
            messages += run.message_id is not None
            sms += run.sms_queued
    return Outcome(users=users, messages=messages, sms=sms, already=already)
