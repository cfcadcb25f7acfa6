"""What the consultation app holds about a worker, for 我的数据 (platform/consent/subject.py):
her consultations with the question, the thread (who wrote, when, what — the lawyer's
name is not shown), her rating and what it was turned into. Read through ``own(user)``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.subject import Record, Section, fields_of
from gonghui.rights.consult.models import Consultation

FIELDS = (
    "number",
    "topic",
    "state",
    "worker_name",
    "worker_phone",
    "question",
    "org",
    "agency",
    "asked_at",
    "answered_at",
    "rating",
    "rating_comment",
    "closed_at",
    "converted_to",
    "converted_number",
)


def _consultation(c: Consultation) -> Record:
    messages = [
        Record(str(m.get_author_display()), fields_of(m, ("at", "text")))
        for m in c.messages.order_by("at", "pk")
    ]
    return Record(c.number, fields_of(c, FIELDS), [Section("thread", _("Messages"), messages)])


def sections(user) -> list[Section]:
    rows = Consultation.objects.own(user).select_related("org", "agency").order_by("pk")
    return [
        Section("consultations", _("Your legal consultations"), [_consultation(c) for c in rows])
    ]


def register() -> None:
    from gonghui.platform.consent.subject import register_subject_source

    register_subject_source("consult", sections)
