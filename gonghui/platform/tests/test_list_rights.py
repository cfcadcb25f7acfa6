"""Every list of the API shows nothing to a role without the right to read it (issue #11, #10).

``/api/v1/assistance/campaigns/`` once listed campaign names, descriptions and budgets to the
三员 and to union administrators without any assistance role: it asked for *a* grant, not for
``assistance.view_campaign``. Here every GET operation of the OpenAPI schema without a path
parameter (a list, a tree or a total) is fetched by one user per role of the registry (granted
at the city root, so scope is never what hides the rows) in a world where every list has rows.
A role that does not hold the operation's read permission gets 403 or an empty list. A new
list operation fails the test until its read permission is named in ``READ_PERMISSION``.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from gonghui.assistance import actions as assistance_actions
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.access.roles import ROLES
from gonghui.platform.access.scoping import user_permissions
from gonghui.platform.access.tests.matrix import build_world
from gonghui.platform.testing.factories import staff_with_role

# GET operation -> the permission its rows are read with.
READ_PERMISSION = {
    "/api/v1/orgs/": "orgs.view_org",
    "/api/v1/orgs/tree": "orgs.view_org",
    "/api/v1/employers/": "orgs.view_employer",
    "/api/v1/members/": "members.view_membership",
    "/api/v1/join-requests/": "members.view_joinrequest",
    "/api/v1/join-channels/": "members.view_joinchannel",
    "/api/v1/transfers/": "members.view_transfer",
    "/api/v1/assistance/files/": "assistance.view_hardshipfile",
    "/api/v1/assistance/applications/": "assistance.view_application",
    "/api/v1/assistance/budgets/": "assistance.view_budget",
    "/api/v1/assistance/items/": "assistance.view_aiditem",
    "/api/v1/assistance/payment-batches/": "assistance.view_paymentbatch",
    "/api/v1/assistance/campaigns/": "assistance.view_campaign",
    "/api/v1/assistance/visits/": "assistance.view_visit",
    "/api/v1/assistance/visits/totals": "assistance.view_visit",
    "/api/v1/rights/tickets/": "rights.view_ticket",
    "/api/v1/mediation/cases/": "mediation.view_mediationcase",
    "/api/v1/legal-aid/applications/": "legalaid.view_aidapplication",
    "/api/v1/consult/consultations/": "consult.view_consultation",
}
# Not lists of business data: the caller's own account.
NOT_LISTS = {"/api/v1/me"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The permission matrix's world (a case, a payment, a join request, ...) plus a campaign
    with a visit, a transfer, a join channel and an employer; one user per role at the city
    root, and what each got from every list."""
    with django_db_blocker.unblock(), override_settings(GONGHUI_REQUIRE_2FA=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            t = w.tree
            officer = w.users["assistance_officer"]
            campaign = assistance_actions.save_campaign(
                actor=officer,
                org=t.grassroots,
                name="金秋助学",
                kind="autumn_school",
                starts_on=timezone.localdate().replace(month=1, day=1),
                ends_on=timezone.localdate().replace(month=12, day=31),
                budget="80000",
                description="预算八万元",
            )
            assistance_actions.record_visit(
                actor=officer,
                org=t.grassroots,
                campaign=campaign,
                recipient="装配车间",
                head_count=12,
                cash="1200",
                goods_value="0",
                visited_on=timezone.localdate(),
            )
            # A city campaign too: everyone below the city runs it, so it was listed to anyone
            # with a grant there (the finding), whatever the grant was for.
            assistance_actions.save_campaign(
                actor=staff_with_role(t.city, "assistance_officer", username="lists_city_aid"),
                org=t.city,
                name="春送岗位",
                kind="spring_jobs",
                starts_on=timezone.localdate().replace(month=1, day=1),
                ends_on=timezone.localdate().replace(month=12, day=31),
                budget="500000",
                description="全市预算五十万元",
            )
            from gonghui.members import actions as member_actions
            from gonghui.members.models import Membership

            member_actions.request_transfer(
                actor=w.users["district_staff"],
                membership=Membership.objects.get(pk=w.ids["membership"]),
                to_org=t.jb_grassroots,
                initiated_by="sender",
            )
            member_actions.create_join_channel(
                actor=w.users["district_staff"], org=t.grassroots, label="食堂海报"
            )
            EmployerFactory(org=t.grassroots)
            from gonghui.rights.testing import TicketFactory

            TicketFactory(org=t.grassroots)
            client = Client()
            client.force_login(w.users["city_staff"])
            schema = client.get("/api/v1/openapi.json").json()
            lists = sorted(
                path
                for path, ops in schema["paths"].items()
                if "get" in ops and "{" not in path and not path.startswith("/api/v1/public/")
            )
            answers = {}
            for role in ROLES:
                user = staff_with_role(t.city, role, username=f"lists_as_{role}")
                client.force_login(user)
                for path in lists:
                    response = client.get(path)
                    body = response.json() if response.status_code == 200 else None
                    answers[role, path] = (response.status_code, body, user_permissions(user))
            yield {"lists": lists, "answers": answers}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _rows(body):
    if isinstance(body, dict) and "items" in body:
        return body["items"]
    return body


@pytest.mark.django_db
def test_every_list_operation_names_its_read_permission(world):
    unknown = sorted(set(world["lists"]) - set(READ_PERMISSION) - NOT_LISTS)
    assert not unknown, f"name the permission these lists are read with: {unknown}"


@pytest.mark.django_db
def test_the_lists_have_rows_for_someone(world):
    """Not vacuous: every list shows rows to some role holding its permission."""
    empty = []
    for path, perm in READ_PERMISSION.items():
        shown = [
            role
            for role in ROLES
            if world["answers"][role, path][0] == 200
            and perm in world["answers"][role, path][2]
            and _rows(world["answers"][role, path][1])
        ]
        if not shown:
            empty.append(path)
    assert not empty, f"no role saw any row of {empty}"


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.django_db
def test_a_role_without_the_read_permission_gets_nothing(world, role):
    shown = []
    for path, perm in READ_PERMISSION.items():
        status, body, perms = world["answers"][role, path]
        if perm in perms:
            continue
        if status == 403 or (status == 200 and not _rows(body)):
            continue
        shown.append(f"{path}: {status} {str(body)[:300]}")
    assert not shown, f"{role} holds none of the read permissions, yet:\n" + "\n".join(shown)
