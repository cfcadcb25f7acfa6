"""Union building: founding (建会), terms (换届), the three teams and the duty lists."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from gonghui.orgs import building
from gonghui.orgs.actions import change_org_status
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import (
    DutyLetter,
    DutyLevel,
    FoundingApplication,
    FoundingState,
    Official,
    OfficialPosition,
    Org,
    Team,
    Term,
    add_years,
)
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import make_org, staff_with_role
from gonghui.platform.testing.scope import ScopeCase, check_scope
from gonghui.platform.validators import make_uscc_for
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
UNION_USCC = make_uscc_for(424242, region_code="500112", authority="8", entity_type="1")


def _application(tree, actor=None, **overrides):
    employer = overrides.pop("employer", None) or EmployerFactory(
        org=tree.township, name="渝北新建科技有限公司", region_code="500112"
    )
    fields = {
        "parent": tree.township,
        "name": "渝北新建科技有限公司工会委员会",
        "kind": OrgKind.GRASSROOTS,
        "employer": employer,
        "proposed_chair": "张三",
        "committee": "李四, vice_chair\n王五，委员\n赵六 经审会主任",
        "meeting_date": TODAY - datetime.timedelta(days=10),
        "term_years": 5,
        "member_count": 42,
        "contact_name": "陈七",
        "contact_phone": "13800138001",
    }
    fields.update(overrides)
    return building.create_founding_application(actor=actor or tree.yubei_admin, **fields)


def _submitted(tree, **overrides):
    application = _application(tree, **overrides)
    return building.submit_founding_application(actor=tree.yubei_admin, application=application)


# --- founding -----------------------------------------------------------------------------------


def test_founding_approval_registers_the_union_under_the_parent(tree):
    application = _submitted(tree)
    employer = application.employer
    assert application.state == FoundingState.SUBMITTED
    assert application.committee == [
        {"name": "李四", "position": OfficialPosition.VICE_CHAIR},
        {"name": "王五", "position": OfficialPosition.COMMITTEE_MEMBER},
        {"name": "赵六", "position": OfficialPosition.AUDIT_CHAIR},
    ]

    building.approve_founding_application(
        actor=tree.yubei_admin,
        application=application,
        certificate_no="工法证字第500112-0042号",
        union_uscc=UNION_USCC,
    )

    application.refresh_from_db()
    org = application.org
    assert application.state == FoundingState.APPROVED
    assert application.certificate_no == "工法证字第500112-0042号"
    assert application.union_uscc == UNION_USCC
    assert org.kind == OrgKind.GRASSROOTS
    assert org.uscc == UNION_USCC
    assert org.name == "渝北新建科技有限公司工会委员会"
    assert Org.objects.get_parent(org) == tree.township
    assert org.founded_on == application.meeting_date
    employer.refresh_from_db()
    assert employer.org == org
    term = Term.objects.get(org=org)
    assert term.number == 1 and term.is_current
    assert term.started_on == application.meeting_date
    assert term.ends_on == add_years(application.meeting_date, 5)
    officials = {(o.name, o.position) for o in Official.objects.filter(term=term)}
    assert officials == {
        ("张三", OfficialPosition.CHAIR),
        ("李四", OfficialPosition.VICE_CHAIR),
        ("王五", OfficialPosition.COMMITTEE_MEMBER),
        ("赵六", OfficialPosition.AUDIT_CHAIR),
    }
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"orgs.approve_founding_application", "orgs.create_org"} <= actions


def test_federation_founding_needs_an_area_not_an_employer(tree):
    application = _application(
        tree,
        parent=tree.yubei,
        kind=OrgKind.TOWNSHIP_FEDERATION,
        name="双凤桥街道总工会",
        employer=None,
    )
    application.employer = None
    application.save()
    with pytest.raises(ActionError) as exc:
        building.submit_founding_application(actor=tree.yubei_admin, application=application)
    assert exc.value.code == "area_required"
    building.update_founding_application(
        actor=tree.yubei_admin, application=application, area_description="双凤桥街道辖区"
    )
    building.submit_founding_application(actor=tree.yubei_admin, application=application)
    building.approve_founding_application(
        actor=tree.yubei_admin,
        application=application,
        certificate_no="C-1",
        union_uscc=UNION_USCC,
    )
    application.refresh_from_db()
    assert application.org.kind == OrgKind.TOWNSHIP_FEDERATION
    assert Org.objects.get_parent(application.org) == tree.yubei


def test_grassroots_founding_needs_an_employer_without_a_union(tree):
    employer = EmployerFactory(org=tree.grassroots)  # already covered by a union
    application = _application(tree, employer=employer)
    with pytest.raises(ActionError) as exc:
        building.submit_founding_application(actor=tree.yubei_admin, application=application)
    assert exc.value.code == "employer_has_union"
    with pytest.raises(ActionError) as exc:
        _application(tree, employer=employer, name="重复申请")
    assert exc.value.code == "duplicate_application"


def test_outsider_cannot_see_or_approve_an_application(client, tree):
    application = _submitted(tree)
    with pytest.raises(Http404):
        building.approve_founding_application(
            actor=tree.jiangbei_admin,
            application=application,
            certificate_no="C-1",
            union_uscc=UNION_USCC,
        )
    with pytest.raises(Http404):
        building.reject_founding_application(
            actor=tree.jiangbei_admin, application=application, reason="不在本辖区"
        )
    check_scope(
        client,
        ScopeCase(
            obj=application,
            insider=tree.yubei_admin,
            outsider=tree.jiangbei_admin,
            console_list="console:orgs_foundingapplication_changelist",
            console_detail="console:orgs_foundingapplication_change",
            label=application.name,
        ),
    )
    client.force_login(tree.jiangbei_admin)
    url = reverse("console:orgs_foundingapplication_do", args=[application.pk, "reject"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED


@pytest.mark.parametrize(
    "decide", [building.return_founding_application, building.reject_founding_application]
)
def test_returning_or_rejecting_needs_a_reason(tree, decide):
    application = _submitted(tree)
    for reason in ("", "   "):
        with pytest.raises(ActionError) as exc:
            decide(actor=tree.yubei_admin, application=application, reason=reason)
        assert exc.value.code == "reason_required"
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED
    decide(actor=tree.yubei_admin, application=application, reason="会员人数材料不全")
    application.refresh_from_db()
    assert application.reason == "会员人数材料不全"
    assert application.state in (FoundingState.RETURNED, FoundingState.REJECTED)


def test_a_returned_application_can_be_corrected_and_resubmitted(tree):
    application = _submitted(tree)
    building.return_founding_application(
        actor=tree.yubei_admin, application=application, reason="补充会员名册"
    )
    building.update_founding_application(
        actor=tree.yubei_admin, application=application, member_count=50
    )
    building.submit_founding_application(actor=tree.yubei_admin, application=application)
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED
    assert application.member_count == 50
    assert application.reason == ""


def test_a_rejected_application_is_final(tree):
    application = _submitted(tree)
    building.reject_founding_application(
        actor=tree.yubei_admin, application=application, reason="不符合建会条件"
    )
    with pytest.raises(ActionError):
        building.submit_founding_application(actor=tree.yubei_admin, application=application)
    with pytest.raises(ActionError):
        building.update_founding_application(
            actor=tree.yubei_admin, application=application, member_count=60
        )


def test_approval_checks_the_union_credit_code_and_certificate(tree):
    application = _submitted(tree)
    company_code = make_uscc_for(777, region_code="500112")  # authority 9: a company
    cases = [
        ({"certificate_no": "", "union_uscc": UNION_USCC}, "certificate_required"),
        ({"certificate_no": "C-1", "union_uscc": "not-a-code"}, "invalid_uscc"),
        ({"certificate_no": "C-1", "union_uscc": company_code}, "uscc_not_union"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ActionError) as exc:
            building.approve_founding_application(
                actor=tree.yubei_admin, application=application, **kwargs
            )
        assert exc.value.code == code
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED
    assert application.org is None
    assert not Org.objects.filter(uscc=UNION_USCC).exists()


def test_a_draft_cannot_be_approved(tree):
    application = _application(tree)
    with pytest.raises(ActionError):
        building.approve_founding_application(
            actor=tree.yubei_admin,
            application=application,
            certificate_no="C-1",
            union_uscc=UNION_USCC,
        )


def test_founding_through_the_console(client, tree):
    employer = EmployerFactory(org=tree.township, name="控制台建会公司")
    client.force_login(tree.yubei_admin)
    data = {
        "parent": tree.township.pk,
        "name": "控制台建会公司工会",
        "kind": OrgKind.GRASSROOTS,
        "employer": employer.pk,
        "area_description": "",
        "proposed_chair": "张三",
        "committee_text": "李四, vice chair",
        "meeting_date": (TODAY - datetime.timedelta(days=3)).isoformat(),
        "term_years": "3",
        "member_count": "30",
        "contact_name": "陈七",
        "new_contact_phone": "13800138002",
        "_save": "Save",
    }
    response = client.post(reverse("console:orgs_foundingapplication_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application = FoundingApplication.objects.get(name="控制台建会公司工会")
    assert application.contact_phone == "13800138002"

    def do(name):
        return reverse("console:orgs_foundingapplication_do", args=[application.pk, name])

    assert client.post(do("submit")).status_code == 302
    response = client.post(do("return"), {"reason": "   "})
    assert response.status_code == 200  # the form again, with the reason required
    assert "This field is required." in response.content.decode()
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED
    response = client.post(do("approve"), {"certificate_no": "C-9", "union_uscc": UNION_USCC})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == FoundingState.APPROVED
    assert application.org.uscc == UNION_USCC
    page = client.get(reverse("console:orgs_foundingapplication_change", args=[application.pk]))
    assert page.status_code == 200
    assert "13800138002" not in page.content.decode()


# --- terms --------------------------------------------------------------------------------------


def _term(org, ends_in_days: int, years: int = 5) -> Term:
    started = add_years(TODAY + datetime.timedelta(days=ends_in_days), -years)
    return Term.objects.create(org=org, number=1, started_on=started, years=years)


def test_terms_due_and_overdue_are_listed_per_subtree(client, tree):
    soon = _term(tree.grassroots, 30)
    overdue = _term(tree.jb_grassroots, -10)
    _term(tree.township, 400)  # not due
    assert set(building.terms_due(tree.yubei_admin)) == {soon}
    assert set(building.terms_due(tree.jiangbei_admin)) == {overdue}
    assert set(building.terms_due(tree.city_admin)) == {soon, overdue}
    assert set(building.terms_overdue(tree.city_admin)) == {overdue}

    changelist = reverse("console:orgs_term_changelist")
    client.force_login(tree.yubei_admin)
    html = client.get(changelist + "?due=due").content.decode()
    assert "渝北测试公司工会" in html and "Due in 30 days" in html
    assert "江北测试公司工会" not in html
    assert "回兴街道总工会" not in html
    client.force_login(tree.city_admin)
    response = client.get(changelist + "?due=overdue")
    html = response.content.decode()
    assert "江北测试公司工会" in html and "Overdue by 10 days" in html
    assert "渝北测试公司工会" not in html
    assert response.context["overdue_count"] == 1
    assert response.context["due_count"] == 1


def test_one_current_term_per_org(tree):
    _term(tree.grassroots, 100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(org=tree.grassroots, number=2, started_on=TODAY, years=5)


def test_starting_a_new_term_closes_the_current_one(tree):
    old = _term(tree.grassroots, 20)
    chair = Official.objects.create(
        org=tree.grassroots,
        term=old,
        name="张三",
        position=OfficialPosition.CHAIR,
        started_on=old.started_on,
    )
    new = building.start_term(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        started_on=TODAY,
        years=3,
        officials=[{"name": "李四", "position": "主席", "full_time": True}],
    )
    old.refresh_from_db()
    chair.refresh_from_db()
    assert not old.is_current and old.closed_on == TODAY
    assert chair.ended_on == TODAY
    assert new.number == 2 and new.is_current and new.ends_on == add_years(TODAY, 3)
    assert list(new.officials.values_list("name", "position", "full_time")) == [
        ("李四", OfficialPosition.CHAIR, True)
    ]
    assert Term.objects.filter(org=tree.grassroots, is_current=True).get() == new
    with pytest.raises(ActionError):
        building.start_term(actor=tree.yubei_admin, org=tree.grassroots, started_on=TODAY)
    with pytest.raises(Http404):
        building.start_term(
            actor=tree.jiangbei_admin, org=tree.grassroots, started_on=TODAY, years=5
        )


def test_start_a_new_term_in_the_console(client, tree):
    _term(tree.grassroots, -5)
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console:orgs_term_add"),
        {
            "org": tree.grassroots.pk,
            "started_on": TODAY.isoformat(),
            "years": "5",
            "note": "",
            "officials_text": "王五, chair\n赵六, 女职工委员会主任",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    current = Term.objects.get(org=tree.grassroots, is_current=True)
    assert current.number == 2
    assert current.officials.count() == 2
    # terms outside the subtree cannot be chosen
    response = client.post(
        reverse("console:orgs_term_add"),
        {"org": tree.jb_grassroots.pk, "started_on": TODAY.isoformat(), "years": "5"},
    )
    assert response.status_code == 200
    assert not Term.objects.filter(org=tree.jb_grassroots).exists()


def test_term_detail_is_scoped(client, tree):
    term = _term(tree.grassroots, 30)
    check_scope(
        client,
        ScopeCase(
            obj=term,
            insider=tree.yubei_admin,
            outsider=tree.jiangbei_admin,
            console_list="console:orgs_term_changelist",
            console_detail="console:orgs_term_change",
            label="渝北测试公司工会",
        ),
    )


# --- teams --------------------------------------------------------------------------------------


def test_team_members_are_listed_per_org_and_scoped(client, tree):
    informant = building.appoint_team_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        team=Team.SAFETY_INFORMANT,
        name="孙八",
        phone="13900139000",
        employer_name="渝北测试公司",
        appointed_on=TODAY,
    )
    building.appoint_team_member(
        actor=tree.jiangbei_admin,
        org=tree.jb_grassroots,
        team=Team.LEGAL_SUPERVISOR,
        name="周九",
        appointed_on=TODAY,
    )
    with pytest.raises(Http404):
        building.appoint_team_member(
            actor=tree.jiangbei_admin,
            org=tree.grassroots,
            team=Team.LEGAL_SUPERVISOR,
            name="吴十",
            appointed_on=TODAY,
        )
    check_scope(
        client,
        ScopeCase(
            obj=informant,
            insider=tree.yubei_admin,
            outsider=tree.jiangbei_admin,
            console_list="console:orgs_teammember_changelist",
            console_detail="console:orgs_teammember_change",
            label="孙八",
        ),
    )
    client.force_login(tree.city_admin)
    url = reverse("console:orgs_teammember_changelist")
    html = client.get(url + "?team=safety_informant").content.decode()
    assert "孙八" in html and "周九" not in html
    assert "13900139000" not in html and "139****9000" in html
    building.end_team_member(actor=tree.yubei_admin, member=informant, ended_on=TODAY)
    html = client.get(url + "?serving=yes").content.decode()
    assert "孙八" not in html and "周九" in html


def test_team_member_phone_is_validated_and_encrypted(tree):
    with pytest.raises(ActionError) as exc:
        building.appoint_team_member(
            actor=tree.yubei_admin,
            org=tree.grassroots,
            team=Team.SAFETY_INFORMANT,
            name="孙八",
            phone="12345",
            appointed_on=TODAY,
        )
    assert exc.value.code == "invalid_phone"
    member = building.appoint_team_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        team=Team.SAFETY_INFORMANT,
        name="孙八",
        phone="139 0013 9000",
        appointed_on=TODAY,
    )
    member.refresh_from_db()
    assert member.phone == "13900139000"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM orgs_teammember WHERE id = %s", [member.pk])
        raw = cursor.fetchone()[0]
    assert "13900139000" not in raw


# --- duty lists and letters ---------------------------------------------------------------------


def _published_list(actor, org, level=DutyLevel.GRASSROOTS, year=None):
    duty_list = building.create_duty_list(
        actor=actor,
        org=org,
        level=level,
        year=year or TODAY.year,
        title="基层工会责任清单",
        items="落实建会入会工作\n做好职工维权服务",
    )
    return building.publish_duty_list(actor=actor, duty_list=duty_list)


def test_not_signed_list_is_scoped_to_the_users_subtree(client, tree):
    extra = make_org(tree.township, OrgKind.GRASSROOTS, name="渝北第二公司工会")
    duty_list = _published_list(tree.city_admin, tree.city)
    assert list(duty_list.items.values_list("order", "text")) == [
        (1, "落实建会入会工作"),
        (2, "做好职工维权服务"),
    ]
    building.sign_duty_letter(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        duty_list=duty_list,
        signed_on=TODAY,
        signed_by="张三",
    )

    def unsigned(user):
        return {row["org"].name for row in building.unsigned_letters(user, TODAY.year)}

    assert unsigned(tree.city_admin) == {extra.name, "江北测试公司工会"}
    assert unsigned(tree.yubei_admin) == {extra.name}
    assert unsigned(tree.jiangbei_admin) == {"江北测试公司工会"}
    assert building.unsigned_letters(tree.city_admin, TODAY.year - 1) == []

    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_dutyletter_not_signed")
    html = client.get(url + f"?year={TODAY.year}").content.decode()
    assert extra.name in html
    assert "江北测试公司工会" not in html
    assert "渝北测试公司工会" not in html

    letter = DutyLetter.objects.get()
    check_scope(
        client,
        ScopeCase(
            obj=letter,
            insider=tree.yubei_admin,
            outsider=tree.jiangbei_admin,
            console_list="console:orgs_dutyletter_changelist",
            console_detail="console:orgs_dutyletter_change",
            label="渝北测试公司工会",
        ),
    )


def test_signing_checks_the_list(tree):
    draft = building.create_duty_list(
        actor=tree.city_admin,
        org=tree.city,
        level=DutyLevel.GRASSROOTS,
        year=TODAY.year,
        title="草稿",
        items=["一"],
    )
    district_list = _published_list(tree.city_admin, tree.city, level=DutyLevel.DISTRICT)
    jiangbei_list = _published_list(tree.jiangbei_admin, tree.jiangbei)
    for duty_list in (draft, district_list, jiangbei_list):
        with pytest.raises(ActionError) as exc:
            building.sign_duty_letter(
                actor=tree.yubei_admin,
                org=tree.grassroots,
                duty_list=duty_list,
                signed_on=TODAY,
                signed_by="张三",
            )
        assert exc.value.code == "list_not_for_org"
    city_list = _published_list(tree.city_admin, tree.city, year=TODAY.year + 1)
    kwargs = {"org": tree.grassroots, "duty_list": city_list, "signed_on": TODAY}
    building.sign_duty_letter(actor=tree.yubei_admin, signed_by="张三", **kwargs)
    with pytest.raises(ActionError) as exc:
        building.sign_duty_letter(actor=tree.yubei_admin, signed_by="张三", **kwargs)
    assert exc.value.code == "already_signed"
    with pytest.raises(ActionError) as exc:
        building.update_duty_list(actor=tree.city_admin, duty_list=city_list, title="改")
    assert exc.value.code == "published"


def test_sign_a_letter_in_the_console(client, tree):
    duty_list = _published_list(tree.city_admin, tree.city)
    client.force_login(tree.yubei_admin)
    add = reverse("console:orgs_dutyletter_add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "org": tree.grassroots.pk,
            "list": duty_list.pk,
            "signed_on": TODAY.isoformat(),
            "signed_by": "张三",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DutyLetter.objects.filter(org=tree.grassroots, list=duty_list).exists()


def test_empty_list_cannot_be_published(tree):
    duty_list = building.create_duty_list(
        actor=tree.city_admin, org=tree.city, level=DutyLevel.CITY, year=TODAY.year, title="空"
    )
    with pytest.raises(ActionError) as exc:
        building.publish_duty_list(actor=tree.city_admin, duty_list=duty_list)
    assert exc.value.code == "empty_list"


# --- nothing is orphaned ------------------------------------------------------------------------


def test_dissolving_an_org_with_members_is_refused(tree):
    from gonghui.members.actions import register_member

    register_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        name="张三",
        id_number="11010519491231002X",
        phone="13800138000",
    )
    for transition in ("dissolve", "mark_merged"):
        with pytest.raises(ActionError) as exc:
            change_org_status(
                actor=tree.yubei_admin,
                org=tree.grassroots,
                transition=transition,
                reason="企业注销",
            )
        assert exc.value.code == "has_members"
    tree.grassroots.refresh_from_db()
    assert tree.grassroots.status == OrgStatus.ACTIVE
    # an org without members closes as before
    change_org_status(
        actor=tree.jiangbei_admin, org=tree.jb_grassroots, transition="dissolve", reason="注销"
    )
    tree.jb_grassroots.refresh_from_db()
    assert tree.jb_grassroots.status == OrgStatus.DISSOLVED


# --- roles --------------------------------------------------------------------------------------


def test_viewer_reads_building_records_but_cannot_write(client, tree):
    viewer = staff_with_role(tree.yubei, "viewer", username="yubei_viewer")
    term = _term(tree.grassroots, 30)
    client.force_login(viewer)
    for name in (
        "foundingapplication",
        "term",
        "official",
        "teammember",
        "dutylist",
        "dutyletter",
    ):
        assert client.get(reverse(f"console:orgs_{name}_changelist")).status_code == 200
    assert client.get(reverse("console:orgs_term_change", args=[term.pk])).status_code == 200
    with pytest.raises(PermissionDenied):
        building.start_term(actor=viewer, org=tree.grassroots, started_on=TODAY)


# --- demo data ----------------------------------------------------------------------------------


def test_demo_seed_is_idempotent_and_has_pending_work(tree):
    from gonghui.demo.seed_building import seed_union_building

    EmployerFactory(org=tree.township, name="未建会甲公司")
    EmployerFactory(org=tree.jiangbei, name="未建会乙公司")
    first = seed_union_building(tree.city_admin)
    assert first.founding_applications == 2
    assert first.terms > 0 and first.team_members > 0 and first.letters > 0
    states = set(FoundingApplication.objects.values_list("state", flat=True))
    assert states == {FoundingState.SUBMITTED, FoundingState.APPROVED}
    assert building.terms_overdue(tree.city_admin).exists()
    assert building.terms_due(tree.city_admin).filter(ends_on__gte=TODAY).exists()
    assert building.unsigned_letters(tree.city_admin, TODAY.year)
    counts = (Term.objects.count(), DutyLetter.objects.count(), AuditEvent.objects.count())
    again = seed_union_building(tree.city_admin)
    assert again.terms == again.letters == again.founding_applications == 0
    assert (Term.objects.count(), DutyLetter.objects.count(), AuditEvent.objects.count()) == counts


def test_console_pages_render(client, tree, django_assert_max_num_queries):
    term = _term(tree.grassroots, 30)
    official = building.appoint_official(
        actor=tree.yubei_admin,
        term=term,
        name="钱一",
        position=OfficialPosition.VICE_CHAIR,
        started_on=TODAY,
        phone="13700137000",
    )
    member = building.appoint_team_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        team=Team.LABOUR_PROTECTION_INSPECTOR,
        name="孙二",
        phone="13700137001",
        appointed_on=TODAY,
    )
    draft = building.create_duty_list(
        actor=tree.yubei_admin,
        org=tree.yubei,
        level=DutyLevel.GRASSROOTS,
        year=TODAY.year,
        title="渝北清单",
        items="一\n二",
    )
    published = _published_list(tree.city_admin, tree.city)
    application = _submitted(tree)
    client.force_login(tree.yubei_admin)
    pages = [
        reverse(f"console:orgs_{name}_add")
        for name in (
            "foundingapplication",
            "term",
            "official",
            "teammember",
            "dutylist",
            "dutyletter",
        )
    ] + [
        reverse("console:orgs_official_change", args=[official.pk]),
        reverse("console:orgs_teammember_change", args=[member.pk]),
        reverse("console:orgs_dutylist_change", args=[draft.pk]),
        reverse("console:orgs_foundingapplication_change", args=[application.pk]),
        reverse("console:orgs_foundingapplication_do", args=[application.pk, "approve"]),
        reverse("console:orgs_dutyletter_not_signed"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "13700137000" not in html and "13700137001" not in html, url
    # the city's published list is outside the district admin's scope
    city_list = reverse("console:orgs_dutylist_change", args=[published.pk])
    assert client.get(city_list).status_code == 404
    client.force_login(tree.city_admin)
    response = client.get(city_list)
    assert response.status_code == 200
    assert "做好职工维权服务" in response.content.decode()
    changelist = reverse("console:orgs_dutylist_changelist")
    response = client.post(
        changelist, {"action": "publish_selected", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "published"
    for name in ("term", "official", "teammember", "dutylist", "dutyletter"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(f"console:orgs_{name}_changelist")).status_code == 200


def test_officials_end_through_the_console(client, tree):
    term = _term(tree.grassroots, 30)
    official = building.appoint_official(
        actor=tree.yubei_admin,
        term=term,
        name="钱一",
        position=OfficialPosition.COMMITTEE_MEMBER,
        started_on=TODAY,
    )
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_official_change", args=[official.pk])
    response = client.post(url, {"ended_on": TODAY.isoformat(), "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:2000]
    official.refresh_from_db()
    assert official.ended_on == TODAY
    client.force_login(tree.jiangbei_admin)
    assert client.get(url).status_code == 404


def test_team_member_phone_is_revealed_with_a_purpose(client, tree):
    member = building.appoint_team_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        team=Team.SAFETY_INFORMANT,
        name="孙八",
        phone="13900139000",
        appointed_on=TODAY,
    )
    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:orgs_teammember_change", args=[member.pk]))
    html = page.content.decode()
    assert "139****9000" in html and "13900139000" not in html
    data = {
        "label": "orgs.teammember",
        "pk": member.pk,
        "field": "phone",
        "reveal_purpose_phone": "通知培训",
    }
    response = client.post(reverse("console-reveal"), data)
    assert "13900139000" in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal").exists()
    client.force_login(tree.jiangbei_admin)
    assert client.post(reverse("console-reveal"), data).status_code == 404
