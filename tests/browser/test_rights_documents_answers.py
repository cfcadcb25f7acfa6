"""12351 in real browsers, the ticket's documents and the 问答库 (issue #15): the worker attaches
a pay slip when she files on a 360 px phone; the hotline operator, on a call about social
insurance, finds the answer by typing a word, picks it and the ticket is closed at intake; the
worker reads the answer on her phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_rights_journey import _console_login
from .test_smoke import PHONE_VIEWPORT, enter_code, page_width, start_phone_login

pytestmark = pytest.mark.chinese
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.browser
def test_a_pay_slip_on_the_phone_and_a_consultation_answered_from_the_table(
    live_server, demo, new_context, screenshot
):
    from gonghui.accounts.models import User
    from gonghui.platform.pii.fields import index_for
    from gonghui.rights.models import KnowledgeAnswer, Ticket

    base = live_server.url
    phone = new_context(**PHONE_VIEWPORT).new_page()
    enter_code(phone, start_phone_login(phone, base))
    phone.wait_for_url(f"{base}/m/")
    phone.goto(f"{base}/m/rights/new/")
    phone.locator("select[name=category]").select_option("complaint-arrears")
    phone.locator("input[name=employer_name]").fill("重庆某某餐饮管理有限公司")
    phone.locator("textarea[name=facts]").fill("2026年10月的工资3200元没有发。")
    phone.locator("textarea[name=request]").fill("请工会帮我讨回工资。")
    phone.locator("input[name=files]").set_input_files(
        {"name": "十月工资条.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    assert page_width(phone) <= 360, "the ticket form scrolls sideways on a 360 px phone"
    phone.locator("#rights-submit").click()
    phone.wait_for_url(re.compile(r"/m/rights/\d+/$"))
    expect(phone.locator("#ticket-documents")).to_contain_text("十月工资条.pdf")
    assert page_width(phone) <= 360, "the ticket page scrolls sideways on a 360 px phone"
    screenshot(phone, "portal-rights-document-360")

    # She calls the hotline about social insurance; the operator answers from the 问答库.
    worker = User.objects.get(pk=Ticket.objects.order_by("-pk").first().caller_user_id)
    console = new_context().new_page()
    _console_login(console, base, "hotline_city", "/console/rights/ticket/add/")
    console.locator("select[name=category]").select_option("consult-insurance")
    console.locator("input[name=caller_name]").fill("王芳")
    console.locator("input[name=caller_phone]").fill(worker.phone)
    console.locator("input[name=employer_name]").fill("重庆某某餐饮管理有限公司")
    console.locator("textarea[name=facts]").fill("公司没有给她交社保。")
    console.locator("textarea[name=request]").fill("想知道怎么补缴。")
    search = console.locator("input.answer-search")
    search.fill("补缴")
    wanted = KnowledgeAnswer.objects.get(question="单位没给我交社保怎么办？")
    visible = console.locator("select[name=answer] option:not([hidden])")
    texts = [t.strip() for t in visible.all_inner_texts()]
    assert wanted.question in texts and "怎么加入工会？" not in texts
    console.locator("select[name=answer]").select_option(str(wanted.pk))
    console.locator("button[name=_save]").first.click()
    console.wait_for_url(re.compile(r"/console/rights/ticket/"))
    closed = Ticket.objects.get(answer=wanted, caller_phone_index=index_for("phone", worker.phone))
    assert closed.state == "closed" and closed.reply == wanted.answer
    screenshot(console, "console-rights-answered-at-intake")

    phone.goto(f"{base}/m/rights/{closed.pk}/")
    expect(phone.locator("#ticket-reply")).to_contain_text(wanted.answer[:20])
    expect(phone.locator("#ticket-state")).to_have_text("已结案")
    assert page_width(phone) <= 360
