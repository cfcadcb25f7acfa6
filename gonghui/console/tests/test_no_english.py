"""No English in the Chinese console (issue #14): every console page, as the city's
administrator and as 渝北's assistance officer, reads Chinese.

The walk starts from the start page, each registered model's list and add page and the
import pages, and follows the links it finds under /console/ once per URL name (so the change
page of one object per model, its history, the queues, the step pages...). Error pages count:
a page a role may not open must say so in Chinese.
"""

from __future__ import annotations

import re

import pytest
from django.db.models import Min
from django.urls import NoReverseMatch, reverse

from gonghui.accounts.models import User
from gonghui.console.sites import console_site
from gonghui.demo.seed import DEMO_PASSWORD, seed_demo
from gonghui.platform.testing.english import ALLOWED, english_in, walk

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]


# Pages the walk must not open: they end the session or change something on GET.
SKIP = ("/console/logout/", "/console/pii/reveal/", "/i18n/")


def _seeds() -> list[str]:
    # /console/ sends assistance staff to their queues; ?home=1 is the start page itself.
    seeds = ["/console/", "/console/?home=1"]
    for model in console_site._registry:
        opts = model._meta
        for page in ("changelist", "add"):
            try:
                seeds.append(reverse(f"console:{opts.app_label}_{opts.model_name}_{page}"))
            except NoReverseMatch:
                pass
        # A record in each state: the buttons and step pages differ from state to state.
        if any(field.name == "state" for field in opts.get_fields()):
            firsts = model._default_manager.values("state").annotate(first=Min("pk"))
            for row in firsts.order_by("state"):
                seeds.append(
                    reverse(
                        f"console:{opts.app_label}_{opts.model_name}_change", args=[row["first"]]
                    )
                )
    for name in ("console:imports_importjob_add", "console:assistance_visit_import"):
        try:
            seeds.append(reverse(name))
        except NoReverseMatch:
            pass
    # A search that finds nothing shows unfold's empty-list message and its reset link.
    seeds += [
        "/console/members/membership/?q=zzzz",
        "/console/assistance/application/?q=zzzz",
        "/console/2fa/setup/",
        "/console/no-such-page/",
    ]
    return seeds


def _english_on_console(client) -> dict[str, list[str]]:
    found = {}
    pages = 0
    for path, response in walk(client, _seeds(), "/console/", skip=SKIP):
        pages += 1
        english = english_in(response.content.decode(), ALLOWED)
        if english:
            found[f"{path} ({response.status_code})"] = english
    assert pages > 20, "the walk found too few pages to mean anything"
    # An add form sent empty answers with its errors, in Chinese too (nothing is created).
    for path in dict.fromkeys(p for p in _seeds() if p.endswith("/add/")):
        if client.get(path).status_code == 200:
            response = client.post(path, {})
            english = english_in(response.content.decode(), ALLOWED)
            if english:
                found[f"POST {path} ({response.status_code})"] = english
    return found


@pytest.fixture
def demo():
    return seed_demo(members_per_union=2)


@pytest.mark.parametrize("username", ["city_admin", "yubei_assist"])
def test_every_console_page_reads_chinese(client, demo, username):
    client.force_login(User.objects.get(username=username))
    found = _english_on_console(client)
    assert not found, "English on console pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )


def test_console_login_reads_chinese_and_leads_back_to_the_home_page(client, demo):
    page = client.get("/console/login/").content.decode()
    assert english_in(page, ALLOWED) == []
    assert "欢迎回到" in page
    # "Return to site" went to /console/, which is this login page again.
    assert re.search(r'<a href="/"[^>]*>\s*<span[^>]*>arrow_back</span>\s*返回首页', page)


def test_console_login_without_next_lands_on_the_start_page(client, demo):
    response = client.post("/console/login/", {"username": "city_admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/console/"


def test_theme_menu_reads_follow_the_system_and_the_menu_group_system_management(client, demo):
    client.force_login(User.objects.get(username="sysadmin"))
    page = client.get("/console/").content.decode()
    assert "跟随系统" in page
    # the sidebar group of users, grants and lockouts (not the display name 系统管理员)
    assert re.search(r">\s*系统管理\s*<", page)


def test_a_page_outside_the_role_says_so_in_chinese(client, demo):
    client.force_login(User.objects.get(username="city_admin"))
    response = client.get("/console/audit/auditevent/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "403 Forbidden" not in page and "您无权打开此页面" in page
    assert 'href="/console/"' in page


def test_english_in_sees_text_and_attributes_but_not_scripts_or_icons():
    html = """
      <p>会员 <span class="material-symbols-outlined">search</span></p>
      <script>var x = "Hello";</script><style>.a{color:red}</style>
      <input placeholder="Type to search"><a title="Return to site" href="/x">返回</a>
      <p>yubei_assist 500112 GB/T 2260 a@b.cn PDF</p><button>Apply Filters</button>
    """
    assert english_in(html, {"PDF"}) == ["Type to search", "Return to site", "Apply Filters"]


def test_no_breadcrumb_reads_the_same_name_twice():
    """A console list's breadcrumb is 首页 › app › list: the orgs app read "组织 › 组织"."""
    repeated = [
        f"{model._meta.app_config.verbose_name} › {model._meta.verbose_name_plural}"
        for model in console_site._registry
        if str(model._meta.app_config.verbose_name) == str(model._meta.verbose_name_plural)
    ]
    assert repeated == []
