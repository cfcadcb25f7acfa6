"""Scoped reads: visible files, sensitive details, work queues, campaigns and visit totals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from gonghui.assistance import actions, queries
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import (
    FILE_DATA,
    advance,
    budgets,
    make_person,
    staff_application,
)
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db


def pks(qs):
    return set(qs.values_list("pk", flat=True))


# --- files --------------------------------------------------------------------------------


@pytest.fixture
def two_files(tree, staff):
    open_file = actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=make_person(tree.grassroots, 1),
        data=FILE_DATA,
        household=[],
    )
    closed = actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=make_person(tree.grassroots, 2, name="张伟"),
        data=FILE_DATA,
        household=[],
    )
    actions.close_file(actor=staff.officer, file=closed, reason="家庭收入已稳定")
    return open_file, closed


def test_closed_files_are_hidden_from_the_officer_and_shown_to_the_reviewer(tree, staff, two_files):
    open_file, closed = two_files
    assert pks(queries.visible_files(staff.officer)) == {open_file.pk}
    assert pks(queries.visible_files(staff.reviewer)) == {open_file.pk, closed.pk}
    assert pks(queries.visible_files(staff.jb_reviewer)) == set()
    viewer = staff_with_role(tree.yubei, "viewer", username="viewer")
    assert pks(queries.visible_files(viewer)) == {open_file.pk}


def test_sensitive_details_only_with_the_permission_in_scope(tree, staff, two_files):
    file, _ = two_files
    viewer = staff_with_role(tree.yubei, "viewer", username="viewer")
    assert queries.can_see_sensitive(staff.officer, file) is True
    assert queries.can_see_sensitive(staff.reviewer, file) is True
    assert queries.can_see_sensitive(staff.approver, file) is True
    assert queries.can_see_sensitive(viewer, file) is False
    assert queries.can_see_sensitive(staff.finance, file) is False
    assert queries.can_see_sensitive(staff.jb_reviewer, file) is False


# --- queues -------------------------------------------------------------------------------


@pytest.fixture
def cases(tree, staff, funded):
    """One Yubei case in each state, and a Jiangbei case awaiting verification."""
    out = {}
    targets = [S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.PUBLICITY, S.APPROVAL, S.APPROVED]
    for n, state in enumerate(targets, start=1):
        person = make_person(tree.grassroots, n, name=f"职工{n}")
        out[state] = advance(staff, staff_application(staff, tree.grassroots, person, n=n), state)
    person = make_person(tree.grassroots, 20, name="退回")
    app = advance(staff, staff_application(staff, tree.grassroots, person, n=20), S.HOME_VISIT)
    out[S.RETURNED] = actions.return_application(
        actor=staff.officer, application=app, reason="缺少病历"
    )
    out[S.DRAFT] = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 21, name="草稿"), n=21
    )
    jb = SimpleNamespace(
        officer=staff_with_role(tree.jb_grassroots, "assistance_officer", username="jb_officer"),
        reviewer=staff.jb_reviewer,
    )
    person = make_person(tree.jb_grassroots, 30, name="江北")
    out["jiangbei"] = advance(
        jb, staff_application(jb, tree.jb_grassroots, person, n=30), S.VERIFICATION
    )
    return out


def test_each_queue_holds_exactly_the_cases_at_that_step_in_scope(staff, cases):
    assert pks(queries.queue(staff.officer, "first_review")) == {cases[S.SUBMITTED].pk}
    assert pks(queries.queue(staff.officer, "home_visit")) == {cases[S.HOME_VISIT].pk}
    assert pks(queries.queue(staff.reviewer, "verification")) == {cases[S.VERIFICATION].pk}
    assert pks(queries.queue(staff.jb_reviewer, "verification")) == {cases["jiangbei"].pk}
    assert pks(queries.queue(staff.reviewer, "publicity")) == {cases[S.PUBLICITY].pk}
    assert pks(queries.queue(staff.officer, "publicity")) == {cases[S.PUBLICITY].pk}
    assert pks(queries.queue(staff.approver, "approval")) == {cases[S.APPROVAL].pk}
    assert pks(queries.queue(staff.city_approver, "approval")) == {cases[S.APPROVAL].pk}
    assert pks(queries.queue(staff.officer, "returned")) == {cases[S.RETURNED].pk}
    unpaid = queries.queue(staff.finance, "unpaid")
    assert {i.application_id for i in unpaid} == {cases[S.APPROVED].pk}
    assert sorted(i.aid_type for i in unpaid) == ["education", "living", "medical"]
    assert list(queries.queue(staff.city_finance, "unpaid")) == list(unpaid)


def test_queues_are_empty_without_the_step_permission(staff, cases):
    assert pks(queries.queue(staff.officer, "verification")) == set()
    assert pks(queries.queue(staff.officer, "approval")) == set()
    assert pks(queries.queue(staff.reviewer, "first_review")) == set()
    assert pks(queries.queue(staff.finance, "approval")) == set()
    assert pks(queries.queue(staff.jb_reviewer, "publicity")) == set()
    assert list(queries.queue(staff.officer, "unpaid")) == []


def test_queue_counts(staff, cases):
    counts = queries.queue_counts(staff.officer)
    assert counts == {
        "first_review": 1,
        "home_visit": 1,
        "verification": 0,
        "publicity": 1,
        "approval": 0,
        "returned": 1,
        "unpaid": 0,
    }
    assert queries.queue_counts(staff.finance)["unpaid"] == 3


def test_a_case_leaves_the_queue_when_it_moves_on(staff, cases):
    app = cases[S.SUBMITTED]
    actions.first_review(actor=staff.officer, application=app, opinion="属实")
    assert pks(queries.queue(staff.officer, "first_review")) == set()
    assert pks(queries.queue(staff.officer, "home_visit")) == {
        cases[S.HOME_VISIT].pk,
        app.pk,
    }


def test_budget_lines_show_where_the_money_would_come_from(tree, staff, cases):
    lines = {line.item.aid_type: line for line in queries.budget_lines(cases[S.APPROVAL])}
    assert lines["employment"].budget is None and lines["employment"].remaining is None
    assert lines["living"].budget.org == tree.yubei
    assert lines["living"].remaining == Decimal("97000.00")  # 3,000 reserved for the approved
    budgets(tree.city, staff.city_finance, amount="5000")
    again = {line.item.aid_type: line for line in queries.budget_lines(cases[S.APPROVAL])}
    assert again["living"].budget.org == tree.yubei  # the nearest budget wins


# --- campaigns and visits -----------------------------------------------------------------


@pytest.fixture
def campaign_staff(tree):
    return SimpleNamespace(
        city=staff_with_role(tree.city, "assistance_officer", username="city_off"),
        yubei=staff_with_role(tree.yubei, "assistance_officer", username="yb_off"),
        jiangbei=staff_with_role(tree.jiangbei, "assistance_officer", username="jb_off"),
    )


def campaign(actor, org, name):
    today = timezone.localdate()
    return actions.save_campaign(
        actor=actor,
        org=org,
        name=name,
        kind="festivals",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        budget="50000",
    )


def test_campaigns_for_a_district_user_include_the_city_campaign(tree, staff, campaign_staff):
    city = campaign(campaign_staff.city, tree.city, "全市两节送温暖")
    yubei = campaign(campaign_staff.yubei, tree.yubei, "渝北区春风行动")
    jiangbei = campaign(campaign_staff.jiangbei, tree.jiangbei, "江北区金秋助学")
    assert pks(queries.campaigns_for(campaign_staff.yubei)) == {city.pk, yubei.pk}
    assert pks(queries.campaigns_for(staff.officer)) == {city.pk, yubei.pk}  # grassroots
    assert pks(queries.campaigns_for(campaign_staff.jiangbei)) == {city.pk, jiangbei.pk}
    assert pks(queries.campaigns_for(campaign_staff.city)) == {city.pk, yubei.pk, jiangbei.pk}


def visit(actor, org, cash, goods="0", head_count=1, camp=None, days_ago=1):
    return actions.record_visit(
        actor=actor,
        org=org,
        campaign=camp,
        recipient="困难职工慰问",
        head_count=head_count,
        cash=cash,
        goods_value=goods,
        visited_on=timezone.localdate() - timedelta(days=days_ago),
    )


def test_visit_totals_sum_only_visits_in_scope(tree, staff, campaign_staff):
    camp = campaign(campaign_staff.city, tree.city, "全市两节送温暖")
    visit(staff.officer, tree.grassroots, "500.00", "200.50", camp=camp)
    visit(campaign_staff.yubei, tree.yubei, "1000", head_count=30, camp=camp)
    visit(campaign_staff.jiangbei, tree.jiangbei, "800", "100", head_count=5, camp=camp)
    visit(campaign_staff.city, tree.city, "300", days_ago=60)

    yubei = queries.visit_totals(staff.reviewer)
    assert (yubei.visits, yubei.head_count) == (2, 31)
    assert (yubei.cash, yubei.goods_value, yubei.amount) == (
        Decimal("1500.00"),
        Decimal("200.50"),
        Decimal("1700.50"),
    )
    grassroots = queries.visit_totals(staff.officer)
    assert (grassroots.visits, grassroots.amount) == (1, Decimal("700.50"))
    jiangbei = queries.visit_totals(campaign_staff.jiangbei)
    assert (jiangbei.visits, jiangbei.head_count, jiangbei.amount) == (1, 5, Decimal("900.00"))
    city = queries.visit_totals(campaign_staff.city)
    assert (city.visits, city.head_count, city.amount) == (4, 37, Decimal("2900.50"))
    # Filters narrow within the scope, never widen it.
    in_campaign = queries.visit_totals(campaign_staff.city, campaign=camp)
    assert (in_campaign.visits, in_campaign.amount) == (3, Decimal("2600.50"))
    assert queries.visit_totals(staff.reviewer, org=tree.jiangbei).visits == 0
    recent = queries.visit_totals(
        campaign_staff.city, start=timezone.localdate() - timedelta(days=10)
    )
    assert recent.visits == 3
    industry = staff_with_role(tree.industry, "viewer", username="industry_viewer")
    nothing = queries.visit_totals(industry)
    assert (nothing.visits, nothing.head_count, nothing.amount) == (0, 0, Decimal("0.00"))


def test_totals_by_child_org_and_campaign(tree, staff, campaign_staff):
    camp = campaign(campaign_staff.city, tree.city, "全市两节送温暖")
    visit(staff.officer, tree.grassroots, "500")
    visit(campaign_staff.yubei, tree.yubei, "1000", camp=camp)
    visit(campaign_staff.jiangbei, tree.jiangbei, "800", camp=camp)
    by_org = {org.pk: t for org, t in queries.totals_by_child_org(campaign_staff.city, tree.city)}
    assert by_org[tree.yubei.pk].amount == Decimal("1500.00")
    assert by_org[tree.jiangbei.pk].amount == Decimal("800.00")
    yubei_only = {org.pk for org, _ in queries.totals_by_child_org(staff.reviewer, tree.city)}
    assert yubei_only == {tree.yubei.pk}
    by_campaign = {
        (c.pk if c else None): t.amount for c, t in queries.totals_by_campaign(campaign_staff.city)
    }
    assert by_campaign == {camp.pk: Decimal("1800.00"), None: Decimal("500.00")}
