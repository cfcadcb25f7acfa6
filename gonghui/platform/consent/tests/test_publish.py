"""A new version of a notice is published by command, and workers are asked again."""

import pytest
from django.core.management import CommandError, call_command

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.consent.models import PrivacyNotice
from gonghui.platform.consent.services import current_notice, has_accepted
from gonghui.platform.testing.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_seeded_notices_are_chinese_and_ask_separate_consent_where_needed():
    assert current_notice("portal").version == 1 and not current_notice("portal").sensitive
    assert "身份证号码" in current_notice("join").sensitive
    assert "健康状况" in current_notice("assistance").sensitive


def test_publishing_a_version_asks_again(tmp_path):
    worker = MemberFactory()
    assert has_accepted(worker, "join") is False and has_accepted(worker, "portal")
    body = tmp_path / "notice.txt"
    body.write_text("修订后的告知正文。\n", encoding="utf-8")
    call_command("publish_privacy_notice", "join", "--body-file", str(body), "--keep-sensitive")
    notice = current_notice("join")
    assert notice.version == 2 and notice.body == "修订后的告知正文。"
    assert notice.title == PrivacyNotice.objects.get(purpose="join", version=1).title
    assert "身份证号码" in notice.sensitive
    assert AuditEvent.objects.filter(action="consent.publish_notice").exists()
    call_command("publish_privacy_notice", "portal", "--body-file", str(body))
    assert not has_accepted(worker, "portal")  # asked again at her next page
    assert PrivacyNotice.objects.get(purpose="portal", version=1).body != "修订后的告知正文。"


def test_an_empty_text_is_refused(tmp_path):
    body = tmp_path / "empty.txt"
    body.write_text("  \n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("publish_privacy_notice", "portal", "--body-file", str(body))
