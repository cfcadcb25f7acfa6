"""The write path: every state change is one action function, written with :func:`action`.

An action

* takes keyword arguments only, the first being ``actor`` (the acting user);
* checks that the actor holds the action's permission at all (else 403) and, through
  :meth:`ActionContext.require`, that the objects it touches are inside the actor's scope for
  that permission (else 404, the object "does not exist" for them);
* runs inside ``transaction.atomic``; :meth:`ActionContext.lock` takes row locks in primary-key
  order so two actions never deadlock on the same rows;
* after the body returns, re-reads every written row through ``restrict`` and rolls the
  whole transaction back if one left the actor's scope (moving an org into a subtree you do
  not manage fails);
* writes exactly one audit event named after the action, with masked details;
* defers side effects (SMS, mail, cache purges) with :meth:`ActionContext.on_commit`, so they
  happen only if the transaction commits.

The console, the API, the portal and management commands call the same functions::

    @action("orgs.rename_org", permission="orgs.change_org")
    def rename_org(ctx, *, org, name):
        org = ctx.require(org)
        ctx.lock(org)
        org.name = name
        org.save(update_fields=["name"])
        ctx.wrote(org, details={"name": name})
        return org

    rename_org(actor=request.user, org=org, name="新名称")
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import (
    clear_subtree_ids,
    permission_name,
    restrict_queryset,
    user_permissions,
)
from gonghui.platform.audit.services import record_event
from gonghui.platform.workflow.errors import ActionError, OutOfScope
from gonghui.platform.workflow.transitions import StateMachine, Transition

__all__ = ["ActionContext", "ActionError", "OutOfScope", "StateMachine", "Transition", "action"]


@dataclass
class ActionContext:
    actor: Any
    name: str
    permission: str | None
    written: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    primary: Any = None
    org: Any = None
    _callbacks: list = field(default_factory=list)

    def has(self, perm: str) -> bool:
        return perm in user_permissions(self.actor)

    def require(self, obj, action: str | None = None):
        """Return ``obj`` re-read through ``restrict``; raise OutOfScope if not visible."""
        perm = action or self.permission
        if perm is None:
            return obj
        model = type(obj)
        qs = restrict_queryset(
            model._default_manager.all(), self.actor, permission_name(model, perm)
        )
        try:
            return qs.get(pk=obj.pk)
        except model.DoesNotExist as exc:
            raise OutOfScope(f"{model._meta.label} {obj.pk} not in scope") from exc

    def lock(self, *objs):
        """``SELECT … FOR UPDATE`` the given rows, in primary-key order, and refresh them."""
        by_model: dict[type, list] = {}
        for obj in objs:
            by_model.setdefault(type(obj), []).append(obj)
        for model, items in by_model.items():
            fresh = {
                row.pk: row
                for row in model._base_manager.select_for_update()
                .filter(pk__in=[o.pk for o in items])
                .order_by("pk")
            }
            for obj in items:
                if obj.pk not in fresh:
                    raise OutOfScope(f"{model._meta.label} {obj.pk} vanished")
                for f in model._meta.concrete_fields:
                    setattr(obj, f.attname, getattr(fresh[obj.pk], f.attname))
        return objs[0] if len(objs) == 1 else objs

    def wrote(self, obj, *, details: dict | None = None, recheck: str | bool | None = None):
        """Declare a written row: it is re-checked for scope and named in the audit event.

        ``recheck`` names the permission to re-check with (default: the action's); ``False``
        skips the re-check for a row the actor legitimately changes outside their scope, such
        as the sending union's membership when the receiving union approves a transfer."""
        self.written.append((obj, recheck))
        if self.primary is None:
            self.primary = obj
        if details:
            self.details.update(details)
        return obj

    def on_commit(self, fn: Callable[[], None]) -> None:
        self._callbacks.append(fn)

    def _recheck(self) -> None:
        # The body may have created orgs (founding a union): re-read the subtree ids.
        if self.written and self.actor is not None:
            clear_subtree_ids(self.actor)
        for obj, recheck in self.written:
            if recheck is False:
                continue  # declared for the audit event only (e.g. the other side's row)
            perm = recheck or self.permission
            if perm is None or not isinstance(obj, models.Model):
                continue
            if not hasattr(type(obj)._default_manager, "restrict"):
                continue
            model = type(obj)
            qs = restrict_queryset(
                model._default_manager.all(), self.actor, permission_name(model, perm)
            )
            if not qs.filter(pk=obj.pk).exists():
                raise OutOfScope(f"{model._meta.label} {obj.pk} would leave the actor's scope")


def action(name: str, *, permission: str | None = None, audit: bool = True):
    """Declare a write action. See the module docstring."""

    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, actor, **kwargs):
            if args:
                raise TypeError(f"{name} takes keyword arguments only")
            if permission is not None and permission not in user_permissions(actor):
                raise PermissionDenied(_("You do not have permission to do this."))
            ctx = ActionContext(actor=actor, name=name, permission=permission)
            with transaction.atomic():
                result = fn(ctx, **kwargs)
                ctx._recheck()
                if audit:
                    primary = (
                        ctx.primary
                        if ctx.primary is not None
                        else (result if isinstance(result, models.Model) else None)
                    )
                    record_event(
                        actor=actor, action=name, obj=primary, org=ctx.org, details=ctx.details
                    )
                for callback in ctx._callbacks:
                    transaction.on_commit(callback)
            return result

        run.action_name = name
        run.permission = permission
        return run

    return decorate
