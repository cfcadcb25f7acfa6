"""Declared transitions: each is written once, and the console, the API and the portal are
built from the declaration (issue #12 §1, docs/decisions: "one declaration per transition").

A :class:`Transition` names its code name, its outcome-phrased label, the states it starts
from and leads to, the permission it needs *for this object* (or an ``owner`` test for a
worker's own record), the schema of its input, ``check`` — the reasons it cannot run now —
and ``execute``, which calls the one action function. A :class:`StateMachine` holds the
transitions of one state field and answers, for one object and one user:

* :meth:`StateMachine.offered` — the transitions from the current state the user may take:
  without the permission a transition is left out; with it but failing ``check`` it is offered
  *disabled* with its reasons, so a button that cannot succeed is never a primary button;
* :meth:`StateMachine.run` — takes one, refusing with :class:`TransitionRefused` (the API's
  409) when ``check`` has reasons;
* :meth:`StateMachine.describe` — ``allowed_transitions`` for detail responses.

:func:`add_transition_routes` turns the declarations into one API endpoint per transition,
each with its own request schema in OpenAPI. Apps register their machines from
``AppConfig.ready()`` (:func:`register`), so the platform never imports a domain app, and a
test can find a stateful model that declares nothing.

The action still checks permission and scope itself: the declaration decides what is
*offered*, the action decides what is *done*.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import permission_name, restrict_queryset, user_permissions
from gonghui.platform.workflow.errors import ActionError

FACES = frozenset({"console", "api", "portal"})


class TransitionRefused(ActionError):
    """``check`` found reasons the transition cannot run now (the API answers 409)."""

    def __init__(self, reasons: list[str]):
        self.reasons = [str(r) for r in reasons]
        super().__init__(" ".join(self.reasons), code="transition_refused")


@dataclass(frozen=True)
class Transition:
    """One move of one state field. Only ``name``, ``source`` and ``target`` are needed by
    :meth:`StateMachine.apply`; the rest makes it offerable on the console, API and portal."""

    name: str
    source: frozenset[str]
    target: str | None
    label: str = ""
    permission: str | None = None
    owner: Callable[[Any, Any], bool] | None = None
    input: type | None = None
    check: Callable[[Any, Any], list] | None = None
    execute: Callable[..., Any] | None = None
    faces: frozenset[str] = frozenset({"console", "api"})
    style: str = "primary"  # primary, secondary or danger: how a button shows it
    form: type | None = None  # a Django form for console/portal (default: built from input)
    done: str = ""  # the message after it ran ("申请已退回补正。")
    intro: str = ""  # a sentence above its form (what happens next)

    def __post_init__(self):
        unknown = set(self.faces) - FACES
        if unknown:
            raise ValueError(f"transition {self.name}: unknown faces {sorted(unknown)}")


@dataclass(frozen=True)
class Offer:
    """A transition the user may take from here, and why it cannot run now (if it cannot)."""

    transition: Transition
    reasons: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return not self.reasons

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.label or self.transition.name)


class StateMachine:
    """A declared transition table over one choices field.

    ``apply`` refuses a transition from a state it does not list, so the console, the API
    and the portal cannot disagree about which moves are legal.
    """

    def __init__(self, field_name: str, transitions: list[Transition]):
        self.field_name = field_name
        self.transitions = {t.name: t for t in transitions}
        self.model = None  # set by register()
        self.links: dict = {}  # face -> fn(obj, name) -> URL, set where the face lives

    def link(self, face: str, url) -> None:
        """Say how ``face`` reaches a transition: ``url(obj, name)`` returns the page's URL."""
        if face not in FACES:
            raise ValueError(f"unknown face {face!r}")
        self.links[face] = url

    # --- the state table -------------------------------------------------------------------

    def allowed(self, obj) -> list[Transition]:
        state = getattr(obj, self.field_name)
        return [t for t in self.transitions.values() if state in t.source]

    def can(self, obj, name: str) -> bool:
        t = self.transitions.get(name)
        return t is not None and getattr(obj, self.field_name) in t.source

    def apply(self, ctx, obj, name: str, *, extra_fields=()) -> str:
        t = self.transitions[name]
        current = getattr(obj, self.field_name)
        if current not in t.source:
            raise ActionError(
                _("This cannot be done while the record is in state “%(state)s”."),
                code="invalid_transition",
                params={"state": current},
            )
        setattr(obj, self.field_name, t.target)
        obj.save(update_fields=[self.field_name, *extra_fields])
        ctx.details.setdefault("transition", f"{current}→{t.target}")
        for listener in _LISTENERS:
            listener(ctx, obj, t, current)
        return t.target

    # --- what a user is offered ------------------------------------------------------------

    def permitted(self, transition: Transition, obj, user) -> bool:
        """The user holds what the transition needs for this very object."""
        if transition.owner is not None:
            return bool(transition.owner(obj, user))
        if transition.permission is None:
            return True
        primed = getattr(obj, "_workflow_permitted", None)
        if primed is not None and primed[0] == getattr(user, "pk", None):
            if transition.permission in primed[1]:
                return primed[1][transition.permission]
        if transition.permission not in user_permissions(user):
            return False
        model = type(obj)
        qs = restrict_queryset(
            model._default_manager.all(), user, permission_name(model, transition.permission)
        )
        return qs.filter(pk=obj.pk).exists()

    def prime(self, objects, user) -> list:
        """For a page of rows (a queue, a list response): which of the machine's permissions
        ``user`` holds on each row, one query per permission, so that :meth:`permitted` reads
        the answer instead of asking once per row and button. Returns the rows as a list (the
        same instances)."""
        objects = list(objects)
        if not objects:
            return objects
        model = type(objects[0])
        pks = [o.pk for o in objects]
        held = user_permissions(user)
        verdicts = {}
        for perm in {t.permission for t in self.transitions.values() if t.permission}:
            allowed = set()
            if perm in held:
                qs = restrict_queryset(
                    model._default_manager.all(), user, permission_name(model, perm)
                )
                allowed = set(qs.filter(pk__in=pks).values_list("pk", flat=True))
            verdicts[perm] = allowed
        key = getattr(user, "pk", None)
        for obj in objects:
            obj._workflow_permitted = (key, {p: obj.pk in ok for p, ok in verdicts.items()})
        return objects

    def reasons(self, transition: Transition, obj, user) -> tuple[str, ...]:
        if transition.check is None:
            return ()
        return tuple(str(r) for r in transition.check(obj, user) or ())

    def offered(self, obj, user, face: str = "console") -> list[Offer]:
        """The transitions from the current state on ``face`` that ``user`` holds the
        permission for, each with the reasons it cannot run now (empty: it can)."""
        if face not in FACES:
            raise ValueError(f"unknown face {face!r}")
        checked: dict[str, bool] = {}
        reasons: dict[int, tuple[str, ...]] = {}  # one run per check shared by transitions
        offers = []
        for t in self.allowed(obj):
            if face not in t.faces:
                continue
            key = f"{id(t.owner)}:{t.permission}"
            if key not in checked:
                checked[key] = self.permitted(t, obj, user)
            if checked[key]:
                if id(t.check) not in reasons:
                    reasons[id(t.check)] = self.reasons(t, obj, user)
                offers.append(Offer(t, reasons[id(t.check)]))
        return offers

    def describe(self, obj, user, face: str = "api") -> list[dict]:
        """``allowed_transitions`` of a detail response."""
        return [
            {
                "name": offer.name,
                "label": offer.label,
                "enabled": offer.enabled,
                "reasons": list(offer.reasons),
            }
            for offer in self.offered(obj, user, face)
        ]

    def run(self, obj, user, name: str, data: dict | None = None, face: str = "api"):
        """Take transition ``name``: refused as an invalid transition from this state or on
        this face, with :class:`TransitionRefused` when its check has reasons; otherwise its
        ``execute`` runs (the action checks permission and scope itself)."""
        t = self.transitions.get(name)
        if t is None or face not in t.faces or t.execute is None:
            raise ActionError(_("Unknown change."), code="invalid_transition")
        if getattr(obj, self.field_name) not in t.source:
            raise ActionError(
                _("This cannot be done while the record is in state “%(state)s”."),
                code="invalid_transition",
                params={"state": getattr(obj, self.field_name)},
            )
        # Permission before the check: the reasons may tell things (members on file, an open
        # objection) that only someone who may take the step should learn.
        if not self.permitted(t, obj, user):
            raise PermissionDenied(_("You do not have permission to do this."))
        reasons = self.reasons(t, obj, user)
        if reasons:
            raise TransitionRefused(list(reasons))
        return t.execute(obj, actor=user, **(data or {}))


# --- registry -------------------------------------------------------------------------------

_MACHINES: dict[str, StateMachine] = {}
_LISTENERS: list[Callable] = []


def listen(listener: Callable) -> None:
    """Call ``listener(ctx, obj, transition, before)`` after every applied transition, inside
    the action's transaction (the worker's messages, platform/inbox). Side effects outside the
    database go through ``ctx.on_commit``."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def register(model, machine: StateMachine) -> StateMachine:
    """Declare ``machine`` as the workflow of ``model`` (from ``AppConfig.ready()``)."""
    label = model._meta.label_lower
    existing = _MACHINES.get(label)
    if existing is not None and existing is not machine:
        raise ValueError(f"{label} already has a workflow")
    machine.model = model
    _MACHINES[label] = machine
    return machine


def machine_for(model) -> StateMachine | None:
    return _MACHINES.get(model._meta.label_lower)


def registered() -> dict[str, StateMachine]:
    return dict(_MACHINES)


# --- API ------------------------------------------------------------------------------------


def _endpoint(machine: StateMachine, t: Transition, id_param: str, load, respond):
    def endpoint(request, **kwargs):
        obj = load(request, kwargs[id_param])
        payload = kwargs.get("payload")
        data = payload.dict() if payload is not None else {}
        machine.run(obj, request.user, t.name, data, face="api")
        # The action worked on its own locked copy: answer with the row as it is now.
        return respond(request, load(request, kwargs[id_param]))

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(id_param, inspect.Parameter.KEYWORD_ONLY, annotation=int),
    ]
    if t.input is not None:
        parameters.append(
            inspect.Parameter("payload", inspect.Parameter.KEYWORD_ONLY, annotation=t.input)
        )
    endpoint.__signature__ = inspect.Signature(parameters)
    endpoint.__name__ = f"transition_{t.name}"
    endpoint.__doc__ = str(t.label or t.name)
    return endpoint


def add_transition_routes(
    router, machine: StateMachine, *, id_param: str, load, respond, response: dict
) -> list[str]:
    """One ``POST /{id}/{name}`` per transition offered on the API, each with its own input
    schema. ``load(request, id)`` reads the object through ``restrict`` (404 outside the
    scope), ``respond(request, obj)`` builds the answer, ``response`` maps statuses to
    schemas. Refusals become responses through the API's exception handlers (409 for
    :class:`TransitionRefused`). Returns the paths added."""
    paths = []
    prefix = machine.model._meta.model_name if machine.model is not None else "object"
    for t in machine.transitions.values():
        if "api" not in t.faces or t.execute is None:
            continue
        path = f"/{{{id_param}}}/{t.name}"
        router.add_api_operation(
            path,
            ["POST"],
            _endpoint(machine, t, id_param, load, respond),
            response=response,
            summary=str(t.label or t.name),
            operation_id=f"{prefix}_{t.name}",
        )
        paths.append(path)
    return paths
