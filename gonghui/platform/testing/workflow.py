"""Test helpers for declared transitions: what a page or a response offers, read back the way
a person sees it, to compare the console, the API and the portal with the declarations."""

from __future__ import annotations

import re

from gonghui.platform.workflow.transitions import machine_for

_ATTR = re.compile(r'data-transition="([a-z_]+)"(\s+data-disabled="1")?')


def rendered_transitions(html: str | bytes) -> dict[str, bool]:
    """``{name: enabled}`` of the transition buttons in a page (``workflow/buttons.html`` and
    ``workflow/portal_buttons.html`` mark each with ``data-transition``)."""
    if isinstance(html, bytes):
        html = html.decode()
    found: dict[str, bool] = {}
    for match in _ATTR.finditer(html):
        name, disabled = match.group(1), match.group(2)
        if name in found:
            continue
        found[name] = not disabled
    # The portal form marks a disabled button on the <button>, not on the <form>.
    for name in list(found):
        block = re.search(rf'data-transition="{name}".*?</(?:form|div)>', html, re.S)
        if block and "disabled" in block.group(0).split(">", 1)[1]:
            found[name] = False
    return found


def api_transitions(body: dict) -> dict[str, bool]:
    """``{name: enabled}`` of a detail response's ``allowed_transitions``."""
    return {t["name"]: t["enabled"] for t in body.get("allowed_transitions", [])}


def declared(obj, user, face: str) -> dict[str, bool]:
    """``{name: enabled}`` the declarations offer ``user`` on ``face``."""
    machine = machine_for(type(obj))
    return {o.name: o.enabled for o in machine.offered(obj, user, face)}
