"""Chinese is the working language; English is a choice the user makes."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]


def test_chinese_by_default_even_for_english_browsers(client, tree):
    client.force_login(tree.yubei_admin)
    page = client.get("/console/orgs/org/tree/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = page.content.decode()
    assert 'lang="zh-hans"' in text
    assert "组织树" in text
    login = client.get("/m/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "获取验证码" in login


def test_user_can_switch_to_english_and_back(client, tree):
    client.post("/i18n/setlang/", {"language": "en", "next": "/m/login/"})
    assert "Send code" in client.get("/m/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/m/login/"})
    assert "获取验证码" in client.get("/m/login/").content.decode()
