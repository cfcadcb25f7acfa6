"""The public notice (公示) of a union's hardship cases at /gs/<union>/: only cases in
publicity of that union and below, only what a notice may say (张*, union, aid, amount,
period), and an objection form that records through the one objection action, so the
centre's case page lists it and decides it as any other."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Objection
from gonghui.assistance.publicity import case_token
from gonghui.assistance.testing import FILE_DATA, Staff, advance, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.english import ALLOWED, english_in
from gonghui.platform.testing.factories import staff_with_role
from gonghui.portal.publicity_views import OBJECTIONS_PER_IP_HOUR

pytestmark = pytest.mark.django_db

ITEMS = [
    {"aid_type": "living", "amount_requested": "3500"},
    {"aid_type": "medical", "amount_requested": "12000"},
    {"aid_type": "employment"},
]


def notice(org) -> str:
    return f"/gs/{org.pk}/"


@pytest.fixture
def staff(tree):
    return Staff(tree)


@pytest.fixture
def cases(tree, staff):
    """In 渝北: one case in publicity, one still being verified, one whose publicity ended;
    in 江北: one in publicity."""
    public = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 1, name="张三丰"), items=ITEMS
    )
    public = advance(staff, public, S.PUBLICITY)
    checking = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 2, name="赵敏"), n=2
    )
    checking = advance(staff, checking, S.VERIFICATION)
    ended = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 3, name="钱多多"), n=3
    )
    ended = advance(staff, ended, S.PUBLICITY)
    ended.publicity_start = timezone.localdate() - timedelta(days=20)
    ended.publicity_end = timezone.localdate() - timedelta(days=10)
    ended.save(update_fields=["publicity_start", "publicity_end"])
    jiangbei = SimpleNamespace(
        officer=staff_with_role(tree.jb_grassroots, "assistance_officer", username="jb_officer"),
        reviewer=staff.jb_reviewer,
    )
    other = staff_application(
        jiangbei, tree.jb_grassroots, make_person(tree.jb_grassroots, 4, name="孙悟空"), n=4
    )
    other = advance(jiangbei, other, S.PUBLICITY)
    return SimpleNamespace(public=public, checking=checking, ended=ended, other=other)


def test_the_notice_lists_only_cases_in_publicity_of_the_union_and_below(client, tree, cases):
    html = client.get(notice(tree.yubei)).content.decode()
    assert html.count('class="card pub-case"') == 1
    assert "张*" in html and tree.grassroots.name in html
    for shown in ("Living aid", "3,500.00", "12,000.00", "Employment help"):
        assert shown in html, shown
    start, end = cases.public.publicity_start, cases.public.publicity_end
    assert f"Public from {start:%Y-%m-%d} to {end:%Y-%m-%d}" in html
    for absent in ("赵*", "钱*", "孙*"):
        assert absent not in html
    # The grassroots union's own notice lists its case too; 江北's lists only its own.
    assert "张*" in client.get(notice(tree.grassroots)).content.decode()
    jiangbei = client.get(notice(tree.jiangbei)).content.decode()
    assert "孙*" in jiangbei and "张*" not in jiangbei


def test_the_notice_reveals_nothing_else(client, tree, cases):
    html = client.get(notice(tree.city)).content.decode()
    app = cases.public
    person = app.applicant
    secrets = [
        person.name,
        "三丰",
        "张**",  # not even the length of the given name
        person.id_number,
        person.id_number[-4:],
        person.phone,
        app.number,
        "李强",
        "李小明",
        "渝北区实验小学",
        FILE_DATA["health"],
        FILE_DATA["bank_account"],
        FILE_DATA["household_monthly_income"],
        "丈夫失业",
        "Relative hardship",
    ]
    for secret in secrets:
        assert secret not in html, secret
    # A case is named by a keyed token, not by a number one could count up.
    tokens = {case_token(app), case_token(cases.other)}  # the city's notice: both districts
    assert set(re.findall(r'href="/gs/\d+/([^/"]+)/"', html)) == tokens
    assert len(case_token(app)) == 24 and not case_token(app).isdigit()


def test_unknown_unions_and_cases_out_of_publicity_answer_404(client, tree, cases):
    assert client.get("/gs/999999/").status_code == 404
    for app in (cases.checking, cases.ended):
        url = f"/gs/{tree.yubei.pk}/{case_token(app)}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"content": "他家有两套房子没有申报"}).status_code == 404
    # Another district's case is not reached through this union's notice.
    other = f"/gs/{tree.yubei.pk}/{case_token(cases.other)}/"
    assert client.get(other).status_code == 404
    assert client.get(f"/gs/{tree.yubei.pk}/{cases.public.pk}/").status_code == 404
    assert not Objection.objects.exists()


def test_an_objection_lands_in_the_centre_s_objection_flow(client, tree, staff, cases):
    url = f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/"
    page = client.get(url).content.decode()
    assert "张*" in page and "张三丰" not in page
    response = client.post(
        url,
        {
            "content": "申请人家里有一辆新买的轿车，没有申报。",
            "name": "老李",
            "phone": "13912345678",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{notice(tree.yubei)}?objection=received"
    assert "Your objection was received" in client.get(response["Location"]).content.decode()

    objection = Objection.objects.get()
    assert objection.application == cases.public and objection.lodged_publicly
    assert objection.raised_by == "老李" and objection.contact_phone == "13912345678"
    with connection.cursor() as cursor:  # who objected is stored encrypted, never in clear
        cursor.execute("SELECT raised_by FROM assistance_objection WHERE id = %s", [objection.pk])
        assert "老李" not in cursor.fetchone()[0]
    assert objection.received_on == timezone.localdate()
    assert cases.public.steps.filter(name="objection").exists()
    event = AuditEvent.objects.get(action="assistance.record_objection")
    assert event.actor is None and event.details.get("public") is True
    assert "13912345678" not in str(event.details)

    # The centre's case page lists it, the phone masked, and decides it as any other.
    client.force_login(staff.reviewer)
    case_page = reverse("console:assistance_application_change", args=[cases.public.pk])
    html = client.get(case_page).content.decode()
    assert "申请人家里有一辆新买的轿车" in html and "via the public notice" in html
    assert "139****5678" in html and "13912345678" not in html
    assert "老*" in html and "老李" not in html  # the objector's name masked too
    assert f'href="{notice(tree.grassroots)}"' in html  # the case page links to its notice
    with pytest.raises(Exception) as exc:
        actions.end_publicity(
            actor=staff.reviewer,
            application=cases.public,
            today=cases.public.publicity_end + timedelta(days=1),
        )
    assert getattr(exc.value, "code", "") == "open_objections"
    actions.decide_objection(
        actor=staff.reviewer, objection=objection, upheld=False, note="经核实车辆为亲属所有"
    )


def test_a_bad_phone_or_an_empty_objection_is_refused_with_the_reason(client, tree, cases):
    url = f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/"
    html = client.post(url, {"content": "太短"}).content.decode()
    assert 'aria-invalid="true"' in html and "id_content_error" in html
    html = client.post(url, {"content": "他家有两套房子没有申报。", "phone": "123"}).content
    assert "Enter a valid mobile number, or leave it empty." in html.decode()
    assert not Objection.objects.exists()


def test_one_network_cannot_flood_the_objections(client, tree, cases):
    url = f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/"
    for n in range(OBJECTIONS_PER_IP_HOUR):
        response = client.post(url, {"content": f"第{n}条异议：收入情况不实。"})
        assert response.status_code == 302
    response = client.post(url, {"content": "再来一条异议：收入情况不实。"})
    assert response.status_code == 429
    assert "Too many objections from this network." in response.content.decode()
    assert Objection.objects.count() == OBJECTIONS_PER_IP_HOUR


def test_a_staff_member_without_the_permission_still_cannot_record_one(tree, staff, cases):
    outsider = staff_with_role(tree.jiangbei, "assistance_reviewer", username="jb_reviewer2")
    with pytest.raises(Exception) as exc:
        actions.record_objection(actor=outsider, application=cases.public, content="收入不实")
    assert type(exc.value).__name__ == "OutOfScope"
    with pytest.raises(TypeError):
        actions.record_objection(
            actor=staff.reviewer, application=cases.public, content="收入不实", public=True
        )


@pytest.mark.chinese
def test_the_notice_and_its_form_read_chinese(client, tree, cases):
    found = {}
    pages = [
        notice(tree.yubei),
        f"{notice(tree.yubei)}?objection=received",
        f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/",
        f"/gs/{tree.yubei.pk}/{case_token(cases.ended)}/",
        notice(tree.industry),
    ]
    for path in pages:
        english = english_in(client.get(path).content.decode(), ALLOWED)
        if english:
            found[path] = english
    url = f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/"
    english = english_in(client.post(url, {"content": "短"}).content.decode(), ALLOWED)
    if english:
        found["objection errors"] = english
    assert not found, found
    html = client.get(notice(tree.yubei)).content.decode()
    assert "公示" in html and "张*" in html


def test_the_centre_reveals_the_objector_s_phone_to_call_back_with_a_purpose(
    client, tree, staff, cases
):
    """The phone left on the public notice is useless unless the centre can read it: the
    reviewer reveals it on the case page for a stated purpose, audited; another district's
    reviewer cannot."""
    client.post(
        f"/gs/{tree.yubei.pk}/{case_token(cases.public)}/",
        {"content": "申请人有车辆未申报。", "phone": "13912345678"},
    )
    objection = Objection.objects.get()
    client.force_login(staff.reviewer)
    case_page = reverse("console:assistance_application_change", args=[cases.public.pk])
    html = client.get(case_page).content.decode()
    assert f'id="reveal-objection-{objection.pk}"' in html
    data = {
        "label": "assistance.objection",
        "pk": objection.pk,
        "field": "contact_phone",
        "reveal_purpose_contact_phone": "回电核实异议",
    }
    answer = client.post(reverse("console-reveal"), data).content.decode()
    assert "13912345678" in answer
    event = AuditEvent.objects.filter(action="pii.reveal").latest("pk")
    assert event.details["field"] == "contact_phone" and event.details["purpose"] == "回电核实异议"

    client.force_login(staff.jb_reviewer)
    assert client.post(reverse("console-reveal"), data).status_code == 404
