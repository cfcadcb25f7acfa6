"""axe-core in the browser tests: every page a test visits is checked for WCAG 2.1 AA (issue #14).

``watch_every_page()`` wraps Playwright's frame actions (click, fill, goto, …, used by pages and
locators alike) so that, before a test acts on a document for the first time, axe-core runs on
it and any violation of the wcag2a, wcag2aa, wcag21a and wcag21aa rules fails the test there,
naming the page, the rule and the elements. ``check_page()`` runs the same check on demand (the
fixtures call it on every page still open when a test ends). New browser tests get the check
without doing anything.

axe is a test tool, so it lives beside the tests (``vendor/axe-core``), not in ``static/``,
where ``collectstatic`` would ship it to every server. It is injected with ``evaluate`` (through
the DevTools protocol, outside the page's Content-Security-Policy), never as a <script> tag.
"""

from __future__ import annotations

import functools
from pathlib import Path

from playwright._impl import frame as frame_impl
from playwright._impl import page as page_impl

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in the page: once per document, waits for it to finish loading and returns axe's
# violations (or null when this document was checked already).
RUN_AXE = """async (tags) => {
  if (window.__gonghuiAxeChecked) return null;
  window.__gonghuiAxeChecked = true;
  if (document.contentType !== "text/html") return null;  // an API's JSON, a file
  if (document.readyState !== "complete") {
    await new Promise((done) => window.addEventListener("load", done, { once: true }));
  }
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + n.failureSummary),
  }));
}"""

ACTIONS = (
    "goto",
    "click",
    "dblclick",
    "tap",
    "fill",
    "type",
    "press",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
)


class AccessibilityViolation(AssertionError):
    pass


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


async def _check(frame) -> None:
    """axe on the frame's current document, unless it was checked or is not a page of ours."""
    if frame._parent_frame is not None or not frame.url.startswith("http"):
        return
    if frame._page is not None and frame._page.is_closed():
        return
    try:
        if not await frame.evaluate("typeof window.axe !== 'undefined'", None):
            await frame.evaluate(AXE_SOURCE, None)
        violations = await frame.evaluate(RUN_AXE, WCAG_TAGS)
    except Exception as exc:
        # The document went away while axe ran (a navigation the test started); the new
        # document is checked before the next action on it.
        if "context was destroyed" in str(exc) or "navigat" in str(exc):
            return
        raise
    if violations:
        raise AccessibilityViolation(describe(frame.url, violations))


def _checked_first(method):
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        if Watch.enabled:
            await _check(self)
        return await method(self, *args, **kwargs)

    return wrapper


def _page_checked_first(method):
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        if Watch.enabled:
            await _check(self._main_frame)
        return await method(self, *args, **kwargs)

    return wrapper


class Watch:
    enabled = False
    installed = False


def watch_every_page() -> None:
    """Install the check before every frame action (once per session)."""
    if Watch.installed:
        return
    for name in ACTIONS:
        setattr(frame_impl.Frame, name, _checked_first(getattr(frame_impl.Frame, name)))
    for name in ("reload", "go_back", "go_forward", "close"):
        setattr(page_impl.Page, name, _page_checked_first(getattr(page_impl.Page, name)))
    Watch.installed = True


def check_page(page) -> None:
    """Run axe on the page's current document now (sync API page); raise on violations."""
    if page.is_closed() or not page.url.startswith("http"):
        return
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    if violations:
        raise AccessibilityViolation(describe(page.url, violations))
