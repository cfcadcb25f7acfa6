"""Seasonal campaigns and condolence visits in the console: forms through the actions, the
messages of bad input, masking on the list, scope, and the totals page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions, queries
from gonghui.assistance.models import Campaign, Visit
from gonghui.assistance.testing import make_person
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import TEST_PASSWORD, staff_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def yb(tree):
    return staff_with_role(tree.yubei, "assistance_officer", username="yb_officer")


@pytest.fixture
def jb(tree):
    return staff_with_role(tree.jiangbei, "assistance_officer", username="jb_officer")


@pytest.fixture
def city(tree):
    return staff_with_role(tree.city, "assistance_officer", username="city_officer")


def make_campaign(actor, org, name="2025春送温暖", budget="50000", start=-30, end=30, **kw):
    return actions.save_campaign(
        actor=actor,
        org=org,
        name=name,
        kind=kw.pop("kind", "festivals"),
        starts_on=TODAY + timedelta(days=start),
        ends_on=TODAY + timedelta(days=end),
        budget=budget,
        **kw,
    )


def visit(actor, org, campaign=None, cash="500", goods="0", head_count=1, days_ago=1, **kw):
    return actions.record_visit(
        actor=actor,
        org=org,
        campaign=campaign,
        recipient=kw.pop("recipient", "环卫工人"),
        head_count=head_count,
        cash=cash,
        goods_value=goods,
        visited_on=TODAY - timedelta(days=days_ago),
        **kw,
    )


def campaign_post(org=None, **overrides):
    data = {
        "name": "2025夏送清凉",
        "kind": "summer_cool",
        "starts_on": (TODAY - timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=20)).isoformat(),
        "budget": "30000.00",
        "description": "高温慰问一线职工",
    }
    if org is not None:
        data["org"] = org.pk
    data.update(overrides)
    return data


def form_errors(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- campaigns -------------------------------------------------------------------------------


def test_campaign_created_and_edited_in_the_console(client, tree, yb):
    login(client, yb)
    response = client.post(reverse("console:assistance_campaign_add"), campaign_post(tree.yubei))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert (campaign.org, campaign.name, campaign.kind) == (
        tree.yubei,
        "2025夏送清凉",
        "summer_cool",
    )
    assert campaign.budget == Decimal("30000.00") and campaign.created_by == yb
    assert AuditEvent.objects.filter(action="assistance.save_campaign").count() == 1

    response = client.post(
        reverse("console:assistance_campaign_change", args=[campaign.pk]),
        campaign_post(name="2025夏送清凉（追加）", budget="45000"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign.refresh_from_db()
    assert campaign.name == "2025夏送清凉（追加）" and campaign.budget == Decimal("45000.00")
    assert campaign.org == tree.yubei

    listing = client.get(reverse("console:assistance_campaign_changelist"))
    assert listing.status_code == 200
    assert "2025夏送清凉（追加）" in listing.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "starts_on": TODAY.isoformat(),
                "ends_on": (TODAY - timedelta(days=1)).isoformat(),
            },
            "The campaign ends after it starts.",
        ),
        ({"budget": "-100"}, "Amounts must be greater than zero."),
        ({"budget": "abc"}, "is not an amount of money."),
        ({"budget": "10.123"}, "Amounts have at most two decimals."),
        ({"starts_on": ""}, "The campaign ends after it starts."),
    ],
)
def test_campaign_bad_input_is_refused_with_the_actions_message(
    client, tree, yb, overrides, message
):
    login(client, yb)
    response = client.post(
        reverse("console:assistance_campaign_add"), campaign_post(tree.yubei, **overrides)
    )
    assert message in form_errors(response)
    assert not Campaign.objects.exists()


def test_save_campaign_refuses_bad_input(tree, yb):
    from gonghui.platform.workflow.base import ActionError

    with pytest.raises(ActionError) as exc:
        make_campaign(yb, tree.yubei, start=5, end=1)
    assert exc.value.code == "period"
    with pytest.raises(ActionError) as exc:
        make_campaign(yb, tree.yubei, budget="-1")
    assert exc.value.code == "negative_amount"
    assert not Campaign.objects.exists()


def test_campaign_outside_scope_is_refused(client, tree, yb):
    login(client, yb)
    response = client.post(reverse("console:assistance_campaign_add"), campaign_post(tree.jiangbei))
    assert response.status_code == 200  # not a choice: the form refuses it
    assert not Campaign.objects.exists()


def test_campaign_list_shows_totals_against_the_budget(client, tree, yb):
    campaign = make_campaign(yb, tree.yubei, budget="10000")
    visit(yb, tree.grassroots, campaign, cash="1000", goods="250.50", head_count=12)
    visit(yb, tree.yubei, campaign, cash="300")
    login(client, yb)
    page = client.get(reverse("console:assistance_campaign_changelist")).content.decode()
    assert "1,550.50 / 10,000.00" in page
    totals = queries.visit_totals(yb, campaign=campaign)
    assert (totals.visits, totals.head_count, totals.amount) == (2, 13, Decimal("1550.50"))


def test_city_campaign_is_listed_for_a_district_but_read_only(client, tree, yb, city):
    campaign = make_campaign(city, tree.city, name="全市送温暖")
    login(client, yb)
    page = client.get(reverse("console:assistance_campaign_changelist")).content.decode()
    assert "全市送温暖" in page
    response = client.post(
        reverse("console:assistance_campaign_change", args=[campaign.pk]),
        campaign_post(name="改名"),
    )
    assert response.status_code in (403, 200)
    campaign.refresh_from_db()
    assert campaign.name == "全市送温暖"


# --- visits ----------------------------------------------------------------------------------


def visit_post(org, **overrides):
    data = {
        "org": org.pk,
        "campaign": "",
        "person_lookup": "",
        "recipient": "环卫工人",
        "head_count": "20",
        "cash": "2000",
        "goods_value": "500.50",
        "visited_on": (TODAY - timedelta(days=2)).isoformat(),
        "leaders": "张主席",
        "note": "",
    }
    data.update(overrides)
    return data


def test_group_visit_recorded_in_the_console(client, tree, yb):
    campaign = make_campaign(yb, tree.yubei)
    login(client, yb)
    response = client.post(
        reverse("console:assistance_visit_add"),
        visit_post(tree.grassroots, campaign=campaign.pk),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    v = Visit.objects.get()
    assert (v.org, v.campaign, v.person, v.head_count) == (tree.grassroots, campaign, None, 20)
    assert (v.cash, v.goods_value) == (Decimal("2000.00"), Decimal("500.50"))
    assert AuditEvent.objects.filter(action="assistance.record_visit").count() == 1
    listing = client.get(reverse("console:assistance_visit_changelist")).content.decode()
    assert "环卫工人" in listing  # a group's name is shown as is
    detail = client.get(reverse("console:assistance_visit_change", args=[v.pk]))
    assert detail.status_code == 200 and "张主席" in detail.content.decode()
    assert client.get(reverse("console:assistance_visit_add")).status_code == 200
    assert client.get(reverse("console:assistance_campaign_add")).status_code == 200
    page = client.get(reverse("console:assistance_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200


def test_visit_to_a_person_found_by_id_number_is_masked_on_the_list(client, tree, yb):
    person = make_person(tree.grassroots, 3, name="王小芳")
    login(client, yb)
    response = client.post(
        reverse("console:assistance_visit_add"),
        visit_post(tree.grassroots, person_lookup=person.id_number, recipient="", head_count=""),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    v = Visit.objects.get()
    assert (v.person, v.recipient, v.head_count) == (person, "王小芳", 1)
    listing = client.get(reverse("console:assistance_visit_changelist")).content.decode()
    assert "王小芳" not in listing and "王**" in listing

    # by mobile number too
    response = client.post(
        reverse("console:assistance_visit_add"),
        visit_post(tree.grassroots, person_lookup=person.phone, recipient="", cash="100"),
    )
    assert response.status_code == 302
    assert Visit.objects.filter(person=person).count() == 2


def test_person_outside_scope_is_not_found(client, tree, yb):
    other = make_person(tree.jb_grassroots, 4, name="李四")
    login(client, yb)
    response = client.post(
        reverse("console:assistance_visit_add"),
        visit_post(tree.grassroots, person_lookup=other.id_number, recipient=""),
    )
    assert "No member of your unions has this ID number or mobile number." in form_errors(response)
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cash": "-5"}, "Amounts must be greater than zero."),
        ({"head_count": "0"}, "The head count is a whole number of people."),
        ({"head_count": "2.5"}, "The head count is a whole number of people."),
        (
            {"visited_on": (TODAY + timedelta(days=1)).isoformat()},
            "The visit date is in the future.",
        ),
        ({"visited_on": ""}, "Give the date of the visit."),
        ({"cash": "0", "goods_value": ""}, "Give the cash or the value of the goods."),
        ({"recipient": ""}, "Name the person or group visited."),
        ({"campaign": "CAMPAIGN", "visited_on": "OUTSIDE"}, "outside the campaign"),
    ],
)
def test_visit_bad_input_is_refused_with_the_clean_visit_message(
    client, tree, yb, overrides, message
):
    campaign = make_campaign(yb, tree.yubei, start=-10, end=10)
    if overrides.get("campaign") == "CAMPAIGN":
        overrides = {
            "campaign": campaign.pk,
            "visited_on": (TODAY - timedelta(days=20)).isoformat(),
        }
    login(client, yb)
    response = client.post(
        reverse("console:assistance_visit_add"), visit_post(tree.grassroots, **overrides)
    )
    page = form_errors(response)
    assert message in page.replace("&#x27;", "'")
    assert not Visit.objects.exists()


def test_visit_action_messages_match(tree, yb):
    from gonghui.platform.workflow.base import ActionError

    campaign = make_campaign(yb, tree.yubei, start=-10, end=-5)
    cases = [
        ({"cash": "-1"}, "negative_amount"),
        ({"head_count": 0}, "head_count"),
        ({"days_ago": -1}, "visited_on"),
        ({"campaign": campaign, "days_ago": 1}, "period"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ActionError) as exc:
            visit(yb, tree.grassroots, **kwargs)
        assert exc.value.code == code
    assert not Visit.objects.exists()


def test_visit_list_filters_by_campaign_and_date(client, tree, yb):
    campaign = make_campaign(yb, tree.yubei)
    visit(yb, tree.grassroots, campaign, recipient="快递员群体", days_ago=2)
    visit(yb, tree.grassroots, None, recipient="外卖骑手群体", days_ago=40)
    login(client, yb)
    url = reverse("console:assistance_visit_changelist")
    page = client.get(url, {"campaign": campaign.pk}).content.decode()
    assert "快递员群体" in page and "外卖骑手群体" not in page
    page = client.get(
        url,
        {
            "visited_on_from": (TODAY - timedelta(days=50)).isoformat(),
            "visited_on_to": (TODAY - timedelta(days=30)).isoformat(),
        },
    ).content.decode()
    assert "外卖骑手群体" in page and "快递员群体" not in page
    page = client.get(url, {"q": "快递"}).content.decode()
    assert "快递员群体" in page and "外卖骑手群体" not in page


def test_other_districts_visits_are_invisible(client, tree, yb, jb):
    theirs = visit(jb, tree.jb_grassroots, recipient="江北环卫工人")
    login(client, yb)
    page = client.get(reverse("console:assistance_visit_changelist")).content.decode()
    assert "江北环卫工人" not in page
    response = client.get(reverse("console:assistance_visit_change", args=[theirs.pk]))
    assert response.status_code == 404


# --- totals ----------------------------------------------------------------------------------


def test_totals_are_the_sums_of_the_visits_the_user_can_see(client, tree, yb, jb, city):
    city_campaign = make_campaign(city, tree.city, name="全市送温暖", start=-60, end=10)
    visit(yb, tree.grassroots, city_campaign, cash="1000", goods="200", head_count=10)
    visit(yb, tree.township, city_campaign, cash="300", head_count=3, days_ago=5)
    visit(yb, tree.yubei, None, cash="50.25", days_ago=3)
    visit(yb, tree.yubei, None, cash="999", days_ago=50)  # outside the period below
    visit(jb, tree.jb_grassroots, city_campaign, cash="7777", head_count=77)

    period = {"start": TODAY - timedelta(days=30), "end": TODAY}
    mine = Visit.objects.filter(
        org__path__startswith=tree.yubei.path,
        **{"visited_on__gte": period["start"], "visited_on__lte": period["end"]},
    )
    totals = queries.visit_totals(yb, **period)
    assert totals.visits == mine.count() == 3
    assert totals.amount == sum(v.cash + v.goods_value for v in mine) == Decimal("1550.25")
    assert totals.head_count == 14

    by_campaign = dict(queries.totals_by_campaign(yb, **period))
    assert by_campaign[city_campaign].amount == Decimal("1500.00")
    assert by_campaign[None].amount == Decimal("50.25")

    login(client, yb)
    page = client.get(
        reverse("console:assistance_visit_totals"),
        {"start": period["start"].isoformat(), "end": period["end"].isoformat()},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="total-amount">1,550.25<' in html
    assert 'id="total-head-count">14<' in html
    assert "7777" not in html and "江北" not in html
    assert "回兴街道总工会" in html  # the child org of 渝北 with its subtree's visits

    by_org = dict(queries.totals_by_child_org(yb, tree.yubei, **period))
    assert by_org[tree.township].amount == Decimal("1500.00")
    assert by_org[tree.yubei].amount == Decimal("50.25")

    # the city sees both districts, per district
    city_by_org = dict(queries.totals_by_child_org(city, tree.city, **period))
    assert city_by_org[tree.jiangbei].amount == Decimal("7777.00")
    assert city_by_org[tree.yubei].amount == Decimal("1550.25")


def test_totals_page_filters_by_campaign_and_is_linked_from_the_list(client, tree, yb):
    campaign = make_campaign(yb, tree.yubei, name="助学活动")
    visit(yb, tree.grassroots, campaign, cash="800")
    visit(yb, tree.grassroots, None, cash="100")
    login(client, yb)
    listing = client.get(reverse("console:assistance_visit_changelist")).content.decode()
    assert reverse("console:assistance_visit_totals") in listing
    assert reverse("console:assistance_visit_import") in listing
    html = client.get(
        reverse("console:assistance_visit_totals"), {"campaign": campaign.pk}
    ).content.decode()
    assert 'id="total-amount">800.00<' in html


def test_totals_page_needs_the_view_permission(client, tree):
    member_admin = staff_with_role(tree.yubei, "membership_officer", username="mo")
    login(client, member_admin)
    assert client.get(reverse("console:assistance_visit_totals")).status_code == 403
