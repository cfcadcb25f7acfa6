"""Which records' state changes leave the worker a message, registered by the apps.

An app declares, from ``AppConfig.ready()``, for one model with declared transitions: who the
worker is (:class:`Recipient`), the words of the message for each transition (English
message ids marked with ``gettext_noop``, translated when shown), the parameters they use
and the portal page the message links to. Every applied transition of such a model then
writes one message, in the action's transaction (``workflow.transitions.listen``): no view
writes one itself, so a new button or API endpoint cannot forget to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gonghui.platform.inbox.models import Message


@dataclass(frozen=True)
class Recipient:
    """A member account, or the keyed hash of the phone of a worker without one yet."""

    user: Any = None
    phone_index: str = ""


@dataclass(frozen=True)
class Source:
    model: type
    recipient: Callable[[Any], Recipient | None]
    texts: dict[str, str]  # transition name -> English msgid with %(name)s placeholders
    params: Callable[[Any], dict] = lambda obj: {}
    link: Callable[[Any], str] | None = None
    quiet: frozenset[str] = field(default_factory=frozenset)  # moves she is not told about


_SOURCES: dict[str, Source] = {}


def topic_of(model) -> str:
    return model._meta.label_lower


def notify_on(model, **kwargs) -> Source:
    """Leave the worker a message on every transition of ``model`` (see the module)."""
    source = Source(model=model, **kwargs)
    _SOURCES[topic_of(model)] = source
    return source


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def on_transition(ctx, obj, transition, before) -> Message | None:
    """The workflow listener: one message for the worker whose record ``obj`` is."""
    source = _SOURCES.get(topic_of(type(obj)))
    if source is None or transition.name in source.quiet:
        return None
    text = source.texts.get(transition.name)
    if text is None:
        if transition.target in (None, before):
            return None  # a step that keeps the state (an identity check) is no news
        raise LookupError(f"no message text for {topic_of(type(obj))}.{transition.name}")
    recipient = source.recipient(obj)
    if recipient is None or not (recipient.user or recipient.phone_index):
        return None
    user = recipient.user
    own = user is not None and getattr(ctx.actor, "pk", None) == user.pk
    now = timezone.now()
    return Message.objects.create(
        user=user,
        phone_index=recipient.phone_index or getattr(user, "phone_index", "") or "",
        topic=topic_of(type(obj)),
        object_id=obj.pk,
        event=transition.name,
        text=text,
        params=source.params(obj),
        link=source.link(obj) if source.link else "",
        created_at=now,
        # What she did herself is on record, but not news to her.
        read_at=now if own else None,
    )
