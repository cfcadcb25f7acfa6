"""The console start page in a real browser: 渝北's administrator reads the overdue items and
opens the list of them; 渝北's assistance officer lands on the queues and a case shows its
step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.chinese


def console_login(page, base_url: str, username: str) -> None:
    from gonghui.demo.seed import DEMO_PASSWORD

    page.goto(f"{base_url}/console/login/?next=/console/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()


@pytest.mark.browser
def test_the_start_page_lists_the_overdue_items(live_server, demo, new_context, screenshot):
    page = new_context().new_page()
    console_login(page, live_server.url, "yubei_admin")
    page.wait_for_url(f"{live_server.url}/console/")
    todos = page.locator("#my-todos")
    expect(todos).to_contain_text("我的待办")
    expect(todos).to_contain_text("渝北区总工会：本届委员会任期已满，请组织换届选举")
    overdue = todos.locator("a", has_text="已超过审核期限的入会申请")
    expect(overdue).to_have_count(1)
    screenshot(page, "console-start-page-todos")
    overdue.click()
    page.wait_for_url(re.compile(r"/console/members/joinrequest/\?age=overdue$"))
    expect(page.locator("#result_list tbody tr").first).to_contain_text("逾期")


@pytest.mark.browser
def test_an_assistance_officer_lands_on_the_queues(live_server, demo, new_context, screenshot):
    page = new_context().new_page()
    console_login(page, live_server.url, "yubei_assist")
    page.wait_for_url(f"{live_server.url}/console/assistance/queues/")
    expect(page.locator("#assistance-queues")).to_contain_text("本环节已等待（工作日）")
    first = page.locator("#assistance-queues tbody tr a").first
    first.click()
    page.wait_for_url(re.compile(r"/console/assistance/application/\d+/change/$"))
    expect(page.locator(".step-indicator [aria-current=step]")).to_have_count(1)
    screenshot(page, "console-assistance-case-steps")
