"""Query counts of the hardship-assistance pages do not grow with rows (issue #12 §4): the
console's lists and change pages of files, applications, aid items, budgets, payment batches,
annual reviews, campaigns and visits, the work queues, and every GET of /api/v1/assistance/,
cost as many queries with 9 rows as with 3 (give or take 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import (
    AidItemFactory,
    AnnualReviewFactory,
    ApplicationFactory,
    AttachmentFactory,
    BudgetFactory,
    CampaignFactory,
    HardshipFileFactory,
    HouseholdMemberFactory,
    ObjectionFactory,
    PaymentBatchFactory,
    PaymentFactory,
    ReviewEntryFactory,
    StepFactory,
    VisitFactory,
)
from gonghui.members.testing import make_member
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import grant, staff_with_role

pytestmark = pytest.mark.django_db

# A change form about one row: more rows of its kind are not on it, but must not cost more.
FORM = {"grows": False}
ROLES = ("assistance_officer", "assistance_reviewer", "assistance_approver", "finance_officer")


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.GONGHUI_2FA_DEMO_SKIP = False
    settings.GONGHUI_REQUIRE_2FA = True


@pytest.fixture
def everyone(tree):
    """One district account holding every assistance role, so that it sees every page."""
    user = staff_with_role(tree.yubei, ROLES[0], username="assistance_all")
    for role in ROLES[1:]:
        grant(user, tree.yubei, role)
    return user


def _many(make):
    return lambda k: [make() for _ in range(k)]


def _application(t, **kw):
    return ApplicationFactory(org=make_grassroots(t.township), **kw)


def _approved_item(t, application=None, **kw):
    application = application or _application(t, state=S.APPROVED)
    fields = {"state": "approved", "amount_approved": Decimal("3000.00"), **kw}
    return AidItemFactory(application=application, **fields)


# Each page: (tree, user) -> (url, grow(k) adding k rows the page shows[, options]).


def file_list(t, u):
    return "/console/assistance/hardshipfile/", _many(
        lambda: HardshipFileFactory(org=make_grassroots(t.township), created_by=u)
    )


def file_change(t, u):
    file = HardshipFileFactory(org=t.grassroots, created_by=u)

    def grow(k):
        for _ in range(k):
            HouseholdMemberFactory(file=file)
            AttachmentFactory(file=file, uploaded_by=u)

    return f"/console/assistance/hardshipfile/{file.pk}/change/", grow


def file_upload(t, u):
    file = HardshipFileFactory(org=t.grassroots, created_by=u)
    return (
        f"/console/assistance/hardshipfile/{file.pk}/upload/",
        _many(lambda: AttachmentFactory(file=file, uploaded_by=u)),
        FORM,
    )


def application_list(t, u):
    return "/console/assistance/application/", _many(lambda: _application(t))


def application_change(t, u):
    application = _application(t, state=S.PUBLICITY)

    def grow(k):
        for _ in range(k):
            StepFactory(application=application, actor=u)
            AttachmentFactory(file=application.file, application=application, uploaded_by=u)
            ObjectionFactory(application=application, recorded_by=u)

    return f"/console/assistance/application/{application.pk}/change/", grow


def application_change_items(t, u):
    application = _application(t, state=S.APPROVAL)
    return f"/console/assistance/application/{application.pk}/change/", _many(
        lambda: AidItemFactory(application=application)
    )


def queues(t, u):
    def grow(k):
        for state in (S.SUBMITTED, S.VERIFICATION, S.APPROVAL):
            for _ in range(k):
                _application(t, state=state)
        for _ in range(k):
            _approved_item(t)

    return "/console/assistance/queues/", grow


def aiditem_list(t, u):
    return "/console/assistance/aiditem/", _many(lambda: _approved_item(t))


def aiditem_change(t, u):
    item = _approved_item(t)
    return (
        f"/console/assistance/aiditem/{item.pk}/change/",
        _many(lambda: _approved_item(t, application=item.application)),
        FORM,
    )


def budget_list(t, u):
    return "/console/assistance/budget/", _many(
        lambda: BudgetFactory(org=make_grassroots(t.township))
    )


def budget_change(t, u):
    budget = BudgetFactory(org=t.yubei)
    return (
        f"/console/assistance/budget/{budget.pk}/change/",
        _many(lambda: _approved_item(t, budget=budget)),
        FORM,
    )


def batch_list(t, u):
    def grow(k):
        for _ in range(k):
            batch = PaymentBatchFactory(org=t.yubei, created_by=u)
            PaymentFactory(batch=batch, item=_approved_item(t, state="in_batch"))

    return "/console/assistance/paymentbatch/", grow


def batch_change(t, u):
    batch = PaymentBatchFactory(org=t.yubei, created_by=u)
    return f"/console/assistance/paymentbatch/{batch.pk}/change/", _many(
        lambda: PaymentFactory(batch=batch, item=_approved_item(t, state="in_batch"))
    )


def review_list(t, u):
    return "/console/assistance/annualreview/", _many(
        lambda: AnnualReviewFactory(org=make_grassroots(t.township), created_by=u)
    )


def review_change(t, u):
    review = AnnualReviewFactory(org=t.yubei, created_by=u)
    return f"/console/assistance/annualreview/{review.pk}/change/", _many(
        lambda: ReviewEntryFactory(
            review=review, file=HardshipFileFactory(org=t.grassroots, created_by=u)
        )
    )


def campaign_list(t, u):
    return "/console/assistance/campaign/", _many(
        lambda: CampaignFactory(org=t.yubei, created_by=u)
    )


def campaign_change(t, u):
    campaign = CampaignFactory(org=t.yubei, created_by=u)
    return (
        f"/console/assistance/campaign/{campaign.pk}/change/",
        _many(lambda: VisitFactory(org=t.yubei, campaign=campaign, created_by=u)),
        FORM,
    )


def _visit(t, u):
    person = make_member(t.grassroots).person
    return VisitFactory(org=t.grassroots, person=person, recipient=person.name, created_by=u)


def visit_list(t, u):
    return "/console/assistance/visit/", _many(lambda: _visit(t, u))


def visit_change(t, u):
    visit = _visit(t, u)
    return f"/console/assistance/visit/{visit.pk}/change/", _many(lambda: _visit(t, u)), FORM


def visit_totals(t, u):
    return "/console/assistance/visit/totals/", _many(
        lambda: VisitFactory(org=make_grassroots(t.township), created_by=u)
    )


def visit_import(t, u):
    return "/console/assistance/visit/import/", _many(lambda: _visit(t, u)), FORM


# --- the API -------------------------------------------------------------------------------


def api_files(t, u):
    return "/api/v1/assistance/files/?limit=50", file_list(t, u)[1]


def api_file(t, u):
    return _api(file_change(t, u), "hardshipfile", "/api/v1/assistance/files/")


def api_application_items(t, u):
    return _api(application_change_items(t, u), "application", "/api/v1/assistance/applications/")


def api_applications(t, u):
    return "/api/v1/assistance/applications/?limit=50", application_list(t, u)[1]


def api_application(t, u):
    return _api(application_change(t, u), "application", "/api/v1/assistance/applications/")


def api_budgets(t, u):
    return "/api/v1/assistance/budgets/?limit=50", budget_list(t, u)[1]


def api_items(t, u):
    return "/api/v1/assistance/items/?limit=50", aiditem_list(t, u)[1]


def api_batches(t, u):
    return "/api/v1/assistance/payment-batches/?limit=50", batch_list(t, u)[1]


def api_batch(t, u):
    return _api(batch_change(t, u), "paymentbatch", "/api/v1/assistance/payment-batches/")


def api_campaigns(t, u):
    return "/api/v1/assistance/campaigns/?limit=50", campaign_list(t, u)[1]


def api_visits(t, u):
    return "/api/v1/assistance/visits/?limit=50", visit_list(t, u)[1]


def api_visit_totals(t, u):
    return "/api/v1/assistance/visits/totals", visit_totals(t, u)[1], FORM


def _api(console_page, model, prefix):
    """The API detail of the object a console change page is about, with the same growth."""
    url, grow, *_ = console_page
    pk = url.split(f"/{model}/")[1].split("/")[0]
    return f"{prefix}{pk}", grow


CONSOLE = [
    file_list,
    file_change,
    file_upload,
    application_list,
    application_change,
    application_change_items,
    queues,
    aiditem_list,
    aiditem_change,
    budget_list,
    budget_change,
    batch_list,
    batch_change,
    review_list,
    review_change,
    campaign_list,
    campaign_change,
    visit_list,
    visit_change,
    visit_totals,
    visit_import,
]
API = [
    api_files,
    api_file,
    api_applications,
    api_application,
    api_application_items,
    api_budgets,
    api_items,
    api_batches,
    api_batch,
    api_campaigns,
    api_visits,
    api_visit_totals,
]
# The API paths these guards cover (platform/tests/test_query_counts.py checks that every GET
# of the OpenAPI document is covered somewhere).
API_PATHS = {
    "/api/v1/assistance/files/",
    "/api/v1/assistance/files/{file_id}",
    "/api/v1/assistance/applications/",
    "/api/v1/assistance/applications/{application_id}",
    "/api/v1/assistance/budgets/",
    "/api/v1/assistance/items/",
    "/api/v1/assistance/payment-batches/",
    "/api/v1/assistance/payment-batches/{batch_id}",
    "/api/v1/assistance/campaigns/",
    "/api/v1/assistance/visits/",
    "/api/v1/assistance/visits/totals",
}
XFAIL: dict = {}


def _params(pages):
    return [
        pytest.param(page, id=page.__name__, marks=XFAIL.get(page.__name__, ())) for page in pages
    ]


@pytest.mark.parametrize("page", _params(CONSOLE + API))
def test_page_costs_the_same_with_more_rows(page, tree, everyone, django_assert_max_num_queries):
    url, grow, *options = page(tree, everyone)
    client = verified_client(everyone)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, **(options or [{}])[0])
