"""Fixtures for the end-to-end browser tests (``make browser``).

The tests drive Debian's chromium (``/usr/bin/chromium``) through Playwright's sync API against
pytest-django's ``live_server``. Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop running in the main thread (it switches
# between greenlets). Django then refuses ORM calls from that thread with
# SynchronousOnlyOperation, although they are really synchronous: the demo seed and
# pytest-django's database flush after each test both run there while the browser is open.
# Allowing it is safe in tests: nothing else runs in that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from .axe import Watch, check_page, watch_every_page  # noqa: E402

CHROMIUM = os.environ.get("GONGHUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item so fixtures can see whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    for old in SCREENSHOTS.glob("FAILED-*.png"):
        old.unlink()  # failure shots of an earlier run would mislead
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def axe_on_every_page():
    """axe-core checks every page a browser test acts on (WCAG 2.1 AA, issue #14); see axe.py."""
    watch_every_page()
    Watch.enabled = True
    yield
    Watch.enabled = False


@pytest.fixture
def demo(transactional_db):
    """The demo data set (orgs, accounts, the demo member).

    ``live_server`` needs ``transactional_db``, which empties the database after every test,
    so the seed (~3 s) runs again for each test; the tests are few and coarse for that reason.
    """
    from gonghui.demo.seed import seed_demo

    return seed_demo(members_per_union=4)


@pytest.fixture
def new_context(browser, request):
    """Factory for isolated browser contexts (own cookies). Pages of a failed test are saved
    as var/screenshots/FAILED-<test>-<n>.png."""
    contexts = []

    def factory(**options):
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield factory

    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    problems = []
    if not failed:
        # The last page of each context was not followed by an action: axe checks it here.
        for context in contexts:
            for page in context.pages:
                try:
                    check_page(page)
                except AssertionError as exc:
                    problems.append(str(exc))
                    failed = True
    Watch.enabled = False
    for context in contexts:
        if failed:
            for page in context.pages:
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                try:
                    shot(page, f"FAILED-{name}-{len(list(SCREENSHOTS.glob('FAILED-*')))}")
                except Exception as exc:  # a dead page must not hide the real failure
                    print(f"could not take a screenshot: {exc}")
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves var/screenshots/<name>.png for humans to look at."""
    return shot


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
