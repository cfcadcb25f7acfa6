"""Everything the platform holds about one worker, for her own eyes (我的数据; PIPL Art. 45:
the right to consult and copy).

Each app registers, from ``AppConfig.ready()``, a function ``(user) -> list[Section]`` that
returns what it holds about the person behind the member account ``user``: labelled fields
and records, decrypted (she is the data subject), read through her own links (``own(user)``,
her person record, her phone's keyed hash) and never through a staff grant, so another
worker's records cannot appear. The platform adds its own: her consents, her messages and her
correction requests. The portal shows the sections as one printable page and as JSON.

A :class:`Field` has a stable ``key`` (the JSON name), a ``label`` (translated on the page)
and a ``value`` (text, number, ``Decimal``, date, time, bool or ``None``). A :class:`Record`
may hold sections of its own (an application's family members, amounts and timeline).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.platform.audit.services import record_event


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: Any = None


@dataclass
class Record:
    title: str
    fields: list[Field] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    records: list[Record] = field(default_factory=list)
    note: str = ""  # where the records come from, when not obvious


_SOURCES: dict[str, Callable[[Any], list[Section]]] = {}


def register_subject_source(name: str, collect: Callable[[Any], list[Section]]) -> None:
    """Register ``collect(user) -> sections`` under ``name`` (from ``AppConfig.ready()``)."""
    existing = _SOURCES.get(name)
    if existing is not None and existing is not collect:
        raise ValueError(f"subject source {name} is already registered")
    _SOURCES[name] = collect


_PERSON_LINKS: list[Callable[[Any], tuple[str, str] | None]] = []


def register_person_link(link: Callable[[Any], tuple[str, str] | None]) -> None:
    """``link(user)`` returns the masked name of the person behind a member account and the
    console page of her record, or None: how staff handling her correction find the record."""
    if link not in _PERSON_LINKS:
        _PERSON_LINKS.append(link)


def person_link(user) -> tuple[str, str] | None:
    for link in _PERSON_LINKS:
        found = link(user)
        if found:
            return found
    return None


def registered_sources() -> list[str]:
    return sorted(_SOURCES)


def sections_for(user) -> list[Section]:
    """All sections about ``user``: the apps' (in the order registered) and the platform's."""
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[Section] = []
    for collect in _SOURCES.values():
        found.extend(collect(user))
    found.extend(platform_sections(user))
    return found


def fields_of(obj, names) -> list[Field]:
    """Fields of a model row, labelled with the model's own (translated) field names: the
    readable choice for a choices field, the related row's name for a foreign key."""
    out = []
    for name in names:
        model_field = obj._meta.get_field(name)
        if model_field.choices:
            value = getattr(obj, f"get_{name}_display")() if getattr(obj, name) else ""
        elif model_field.is_relation:
            related = getattr(obj, name)
            value = str(related) if related is not None else None
        else:
            value = getattr(obj, name)
        out.append(Field(name, capfirst(model_field.verbose_name), value))
    return out


def masked(fields: list[Field], **masks) -> list[Field]:
    """``fields`` with the values named in ``masks`` passed through their mask
    (``masked(fields, id_number=mask_id_detail)``): the numbers every page masks stay masked
    here too, so a lost phone does not give them away whole."""
    return [
        Field(f.key, f.label, masks[f.key](f.value)) if f.key in masks and f.value else f
        for f in fields
    ]


# --- display and JSON -------------------------------------------------------------------------


def display(value) -> str:
    """How a value reads on the page (the JSON keeps the value itself)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # money as text with two places, never a float
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def record_as_dict(record: Record) -> dict:
    out: dict[str, Any] = {"title": str(record.title)}
    out["fields"] = {f.key: _plain(f.value) for f in record.fields}
    out["labels"] = {f.key: str(f.label) for f in record.fields}
    if record.sections:
        out["sections"] = [section_as_dict(s) for s in record.sections]
    return out


def section_as_dict(section: Section) -> dict:
    return {
        "key": section.key,
        "title": str(section.title),
        "records": [record_as_dict(r) for r in section.records],
    }


def export(user) -> dict:
    """The JSON download: when, and every section."""
    return {
        "exported_at": timezone.localtime().isoformat(),
        "sections": [section_as_dict(s) for s in sections_for(user)],
    }


def audit_access(user, how: str) -> None:
    """Her reading (``page``) or download (``json``) of her own data, like a reveal: one
    audit event, naming no value."""
    record_event(
        actor=user,
        action="consent.view_own_data" if how == "page" else "consent.download_own_data",
        object_type="accounts.user",
        object_id=str(user.pk),
        details={"format": how, "sources": registered_sources()},
    )


# --- what the platform itself holds -----------------------------------------------------------


def platform_sections(user) -> list[Section]:
    from gonghui.platform.consent.models import Consent, CorrectionRequest
    from gonghui.platform.inbox.services import messages_for

    mine = Consent.objects.filter(user=user)
    if getattr(user, "phone_index", ""):
        mine = Consent.objects.filter(user=user) | Consent.objects.filter(
            user__isnull=True, phone_index=user.phone_index
        )
    consents = [
        Record(
            title=f"{c.notice.title} v{c.notice.version}",
            fields=[
                Field("purpose", _("Purpose"), c.get_purpose_display()),
                Field("version", _("Version"), c.notice.version),
                Field("separate", _("Separate consent to sensitive information"), c.separate),
                Field("channel", _("Channel"), c.get_channel_display()),
                Field("accepted_at", _("Accepted"), c.accepted_at),
                Field("withdrawn_at", _("Withdrawn"), c.withdrawn_at),
            ],
        )
        for c in mine.select_related("notice").order_by("accepted_at", "pk")
    ]
    messages = [
        Record(
            title=display(m.created_at),
            fields=[
                Field("sent_at", _("Sent"), m.created_at),
                Field("text", _("Message"), m.rendered),
                Field("read_at", pgettext_lazy("message", "Read"), m.read_at),
            ],
        )
        for m in messages_for(user).order_by("created_at", "id")
    ]
    corrections = [
        Record(
            title=c.record,
            fields=[
                Field("record", _("What is wrong"), c.record),
                Field("requested", _("What it should be"), c.requested),
                Field("explanation", _("Explanation"), c.explanation),
                Field("state", _("State"), c.get_state_display()),
                Field("submitted_at", _("Submitted"), c.submitted_at),
                Field("decided_at", _("Answered"), c.decided_at),
                Field("outcome", _("Answer"), c.outcome),
            ],
        )
        for c in CorrectionRequest.objects.own(user).order_by("submitted_at", "pk")
    ]
    account = Record(
        title=str(_("Your account")),
        fields=[
            Field("phone", _("Mobile phone"), getattr(user, "phone", "")),
            Field("date_joined", _("Account created"), getattr(user, "date_joined", None)),
            Field("last_login", _("Last login"), getattr(user, "last_login", None)),
        ],
    )
    return [
        Section("account", _("Your account"), [account]),
        Section("consents", _("Consents you gave"), consents),
        Section("corrections", _("Your correction requests"), corrections),
        Section("messages", _("Messages to you"), messages),
    ]
