"""Test helpers for declared transitions: what a page or a response offers, read back the way
a person sees it, to compare the console, the API and the portal with the declarations."""

from __future__ import annotations

from html.parser import HTMLParser

from gonghui.platform.workflow.transitions import machine_for


class _Buttons(HTMLParser):
    """Reads the transition buttons of a page: an element carrying ``data-transition`` is a
    console button (``data-disabled="1"`` when disabled) or a portal ``<form>`` whose
    ``<button>`` carries ``disabled``."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, bool] = {}
        self.form: str | None = None  # the portal form being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("data-transition")
        if name is not None:
            if tag == "form":
                self.form = name
                self.found.setdefault(name, True)
            else:
                self.found.setdefault(name, attrs.get("data-disabled") != "1")
        elif tag == "button" and self.form is not None and "disabled" in attrs:
            self.found[self.form] = False

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


def rendered_transitions(html: str | bytes) -> dict[str, bool]:
    """``{name: enabled}`` of the transition buttons in a page (``workflow/buttons.html`` and
    ``workflow/portal_buttons.html`` mark each with ``data-transition``). A page listing many
    objects gives the first button of each name."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Buttons()
    parser.feed(html)
    return parser.found


def api_transitions(body: dict) -> dict[str, bool]:
    """``{name: enabled}`` of a detail response's ``allowed_transitions``."""
    return {t["name"]: t["enabled"] for t in body.get("allowed_transitions", [])}


def declared(obj, user, face: str) -> dict[str, bool]:
    """``{name: enabled}`` the declarations offer ``user`` on ``face``."""
    machine = machine_for(type(obj))
    return {o.name: o.enabled for o in machine.offered(obj, user, face)}
