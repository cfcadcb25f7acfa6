"""Feeds: how a write path tells an app above it that its rows changed, without importing it.

The org tree and the members app keep the cockpit's running totals up to date in the same
transaction as their writes (ADR 0008), but the cockpit stands on top of them. So they call
``summaries`` here, and the cockpit plugs its module in from ``CockpitConfig.ready()``::

    from gonghui.platform.feeds import summaries
    before = summaries.snapshot(membership)
    ...
    summaries.memberships_changed([before], [summaries.snapshot(membership)])

The names a feed answers are those of the module registered for it (for ``summaries``:
``gonghui/cockpit/summaries.py``'s ``snapshot``, ``memberships_added``,
``memberships_changed``, ``org_snapshot``, ``org_changed``, ``org_moved``). A feed with
nothing plugged in raises ``ImproperlyConfigured``: totals are never skipped silently.

``ticket_figures`` keeps the cockpit's 12351 ticket figures (``gonghui/cockpit/tickets.py``):
the rights actions call ``before(ticket)`` ahead of a step and ``changed(before, ticket)``
after it (``changed(None, ticket)`` for a new ticket).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class Feed:
    """A named socket for one module of an app above the caller (see the module docstring)."""

    def __init__(self, name: str):
        self._name = name
        self._target = None

    def plug(self, target) -> None:
        """Called once, from the ``AppConfig.ready()`` of the app that answers this feed."""
        if self._target is not None and self._target is not target:
            raise ImproperlyConfigured(f"the {self._name!r} feed is already plugged in")
        self._target = target

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._target is None:
            raise ImproperlyConfigured(
                f"nothing is plugged into the {self._name!r} feed (AppConfig.ready())"
            )
        return getattr(self._target, attr)

    def __repr__(self) -> str:
        return f"<Feed {self._name!r} -> {getattr(self._target, '__name__', None)}>"


# The cockpit's running totals (gonghui/cockpit/summaries.py), fed by orgs and members.
summaries = Feed("summaries")

# The cockpit's 12351 ticket figures (gonghui/cockpit/tickets.py), fed by the rights actions.
ticket_figures = Feed("ticket_figures")
