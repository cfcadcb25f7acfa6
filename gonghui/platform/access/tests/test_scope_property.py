"""Scope property (security.md AC-2, §6): on random org trees with random grants and records,
what a user can list is exactly the records whose org lies in one of their granted subtrees,
through restrict(), the API lists, the console changelists and the member export.

The expected sets are computed from the generated parent links, not from org paths, so the
materialised-path arithmetic of ``restrict`` is checked against an independent model.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.accounts.models import User
from gonghui.assistance.models import Application, HardshipFile
from gonghui.members.models import Membership, Person
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.roles import ROLES
from gonghui.platform.access.scoping import restrict
from gonghui.platform.access.tests.matrix import xlsx_rows
from gonghui.platform.validators.idcard import id_check_char

MAX_DEPTH = 5  # the city root is depth 1
ROLE_CHOICES = ["org_admin", "viewer", "assistance_officer"]


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 30))
    parents: list[int | None] = [None]
    depth = [1]
    for i in range(1, n):
        candidates = [j for j in range(i) if depth[j] < MAX_DEPTH]
        p = draw(st.sampled_from(candidates))
        parents.append(p)
        depth.append(depth[p] + 1)
    org_ix = st.integers(0, n - 1)
    grant = st.tuples(org_ix, st.booleans(), st.sampled_from(ROLE_CHOICES))
    users = draw(st.lists(st.lists(grant, min_size=0, max_size=3), min_size=1, max_size=2))
    members = draw(st.lists(org_ix, max_size=12))
    files = draw(st.lists(st.booleans(), min_size=len(members), max_size=len(members)))
    return parents, users, members, files


def _subtree(parents, root: int, descendants: bool) -> set[int]:
    if not descendants:
        return {root}
    out = {root}
    changed = True
    while changed:
        changed = False
        for i, p in enumerate(parents):
            if p in out and i not in out:
                out.add(i)
                changed = True
    return out


def _expected_orgs(parents, grants, perm: str) -> set[int]:
    orgs: set[int] = set()
    for ix, desc, role in grants:
        if perm in ROLES[role].permissions:
            orgs |= _subtree(parents, ix, desc)
    return orgs


def _id_number(n: int) -> str:
    body = f"500112198501{(n % 28) + 1:02d}{n % 1000:03d}"
    return body + id_check_char(body)


def _build(parents, users, members, files):
    orgs: list[Org] = []
    for i, p in enumerate(parents):
        data = {"kind": OrgKind.GRASSROOTS, "name": f"性质组织{i}"}
        if p is None:
            data["kind"] = OrgKind.CITY_FEDERATION
            orgs.append(Org.objects.add_root(data))
        else:
            orgs.append(Org.objects.add_child(orgs[p], data))
    fresh = {}
    if any(f.name == "password_changed_at" for f in User._meta.fields):
        fresh["password_changed_at"] = timezone.now()  # not an expired admin password
    accounts = User.objects.bulk_create(
        [User(username=f"prop{u}", kind="staff", is_staff=True, **fresh) for u in range(len(users))]
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user=accounts[u], org=orgs[ix], role=role, include_descendants=desc)
            for u, grants in enumerate(users)
            for ix, desc, role in grants
        ]
    )
    people, memberships, hardship = [], [], []
    for k, ix in enumerate(members):
        person = Person.objects.create(
            name=f"会员{k}", id_number=_id_number(k), phone=f"137{k:08d}", org=orgs[ix]
        )
        people.append(person)
        memberships.append(
            Membership(person=person, org=orgs[ix], state="active", joined_on=date(2020, 1, 1))
        )
        if files[k]:
            hardship.append(
                HardshipFile(
                    number=f"PROP{k}",
                    org=orgs[ix],
                    applicant=person,
                    main_cause="illness",
                    created_by=accounts[0],
                )
            )
    memberships = Membership.objects.bulk_create(memberships)
    hardship = HardshipFile.objects.bulk_create(hardship)
    applications = Application.objects.bulk_create(
        [
            Application(
                number=f"PROPA{f.pk}",
                file=f,
                org=f.org,
                applicant=f.applicant,
                channel="staff",
                year=2026,
                created_by=accounts[0],
            )
            for f in hardship
        ]
    )
    return orgs, accounts, memberships, hardship, applications


def _api_ids(client, url) -> set[int]:
    response = client.get(url, {"limit": 200})
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return {item["id"] for item in response.json()["items"]}


def _console_ids(client, path: str) -> set[int] | None:
    response = client.get(f"/console/{path}/")
    if response.status_code in (302, 403):
        return None  # no console access at all (302 to login) or no view permission (403)
    assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    html = response.content.decode()
    return {int(x) for x in re.findall(rf"/console/{path}/(\d+)/change/", html)}


@pytest.fixture(autouse=True)
def _password_only(settings):
    # The second factor has its own tests; the scope property is about what a logged-in,
    # verified user sees.
    settings.GONGHUI_REQUIRE_2FA = False


@pytest.mark.django_db
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds())
def test_listed_records_equal_granted_subtrees(world):
    parents, users, members, files = world
    with transaction.atomic():
        orgs, accounts, memberships, hardship, applications = _build(parents, users, members, files)
        member_orgs = [orgs.index(m.org) for m in memberships]
        file_rows = [(f, orgs.index(f.org)) for f in hardship]
        app_rows = [(a, orgs.index(a.org)) for a in applications]
        for u, grants in enumerate(users):
            user = User.objects.get(pk=accounts[u].pk)
            see_members = _expected_orgs(parents, grants, "members.view_membership")
            want_members = {
                m.pk for m, ix in zip(memberships, member_orgs, strict=True) if ix in see_members
            }
            see_files = _expected_orgs(parents, grants, "assistance.view_hardshipfile")
            want_files = {f.pk for f, ix in file_rows if ix in see_files}
            see_apps = _expected_orgs(parents, grants, "assistance.view_application")
            want_apps = {a.pk for a, ix in app_rows if ix in see_apps}
            see_orgs = _expected_orgs(parents, grants, "orgs.view_org")
            export_orgs = _expected_orgs(parents, grants, "members.export_membership")

            # 1. restrict()
            assert set(restrict(Org, user, "view").values_list("pk", flat=True)) == {
                orgs[i].pk for i in see_orgs
            }
            assert set(restrict(Membership, user, "view").values_list("pk", flat=True)) == (
                want_members
            )
            assert set(restrict(HardshipFile, user, "view").values_list("pk", flat=True)) == (
                want_files
            )
            assert set(restrict(Application, user, "view").values_list("pk", flat=True)) == (
                want_apps
            )

            client = Client()
            client.force_login(user)
            # 2. the API lists
            assert _api_ids(client, "/api/v1/members/") == want_members
            assert _api_ids(client, "/api/v1/assistance/files/") == want_files
            assert _api_ids(client, "/api/v1/assistance/applications/") == want_apps

            # 3. the console changelists (403 = no view permission at all)
            listed = _console_ids(client, "members/membership")
            assert listed == want_members if see_members else not listed
            listed = _console_ids(client, "assistance/hardshipfile")
            assert listed == want_files if see_files else not listed

            # 4. the member export (names are unique per example; small, so no approval)
            response = client.get("/console/imports/exportrequest/export.xlsx")
            if not export_orgs:
                assert response.status_code in (302, 403)
            else:
                assert response.status_code == 200, (response.status_code, response.get("Location"))
                names = {row[0] for row in xlsx_rows(b"".join(response.streaming_content))}
                assert names == {
                    f"会员{k}" for k, ix in enumerate(member_orgs) if ix in export_orgs
                }
        transaction.set_rollback(True)


# --- partner agencies: scoped by referrals, never by the tree (issue #15) ---------------------


@st.composite
def referral_worlds(draw):
    """A random tree, cases at random unions below the city, agencies kept by random unions,
    random referrals (agency, case, direction) and random staff grants."""
    n = draw(st.integers(2, 12))
    parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    below_city = st.integers(1, n - 1)
    cases = draw(st.lists(below_city, min_size=1, max_size=8))
    agencies = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    referrals = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(agencies) - 1),
                st.integers(0, len(cases) - 1),
                st.sampled_from(["in", "out"]),
            ),
            max_size=10,
        )
    )
    staff = draw(st.lists(st.tuples(st.integers(0, n - 1), st.booleans()), max_size=3))
    # Consultations and legal-aid applications: (union, the agency assigned or None).
    assigned = st.tuples(below_city, st.one_of(st.none(), st.integers(0, len(agencies) - 1)))
    consultations = draw(st.lists(assigned, max_size=5))
    aid = draw(st.lists(assigned, max_size=5))
    return parents, cases, agencies, referrals, staff, consultations, aid


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=referral_worlds())
def test_partners_see_exactly_the_cases_referred_to_or_from_their_agency(world):
    """restrict(partner) is the cases with a referral of its agency (and the consultations and
    legal-aid applications assigned to it), whatever the tree; a union's staff see their
    subtree's cases, never one more because a partner referred it."""
    from gonghui.rights.consult.models import Consultation
    from gonghui.rights.consult.testing import ConsultationFactory
    from gonghui.rights.legalaid.models import AidApplication
    from gonghui.rights.legalaid.testing import AidApplicationFactory
    from gonghui.rights.mediation.choices import ReferralKind
    from gonghui.rights.mediation.models import MediationCase, Referral
    from gonghui.rights.mediation.testing import MediationCaseFactory
    from gonghui.rights.models import PartnerAgency, PartnerAgent

    parents, case_orgs, agency_orgs, referrals, staff, consultations, aid = world
    with transaction.atomic():
        orgs, _accounts, *_ = _build(parents, [[]], [], [])
        cases = [MediationCaseFactory(org=orgs[ix]) for ix in case_orgs]
        agencies = [
            PartnerAgency.objects.create(org=orgs[ix], name=f"机构{k}", kind="court")
            for k, ix in enumerate(agency_orgs)
        ]
        for a, c, direction in referrals:
            Referral.objects.create(
                case=cases[c],
                agency=agencies[a],
                direction=direction,
                kind=ReferralKind.OTHER,
                referred_on=date(2026, 11, 2),
            )
        asked = [
            ConsultationFactory(org=orgs[ix], agency=agencies[a] if a is not None else None)
            for ix, a in consultations
        ]
        applied = [
            AidApplicationFactory(
                org=orgs[ix], lawyer_agency=agencies[a] if a is not None else None
            )
            for ix, a in aid
        ]
        partners = []
        for k, agency in enumerate(agencies):
            user = User.objects.create(username=f"partner{k}", kind="partner", is_staff=True)
            RoleGrant.objects.create(
                user=user, org=orgs[0], role="partner_agent", include_descendants=False
            )
            PartnerAgent.objects.create(user=user, agency=agency)
            partners.append(user)
        for k, user in enumerate(partners):
            want = {cases[c].pk for a, c, _d in referrals if a == k}
            user = User.objects.get(pk=user.pk)
            got = list(restrict(MediationCase, user, "view").values_list("pk", flat=True))
            assert sorted(got) == sorted(want)  # and no case twice
            assert not restrict(MediationCase, user, "change").exists()
            # The consultations and legal-aid applications assigned to its firm, no others.
            mine = {c.pk for c, (_ix, a) in zip(asked, consultations, strict=True) if a == k}
            assert set(restrict(Consultation, user).values_list("pk", flat=True)) == mine
            mine = {x.pk for x, (_ix, a) in zip(applied, aid, strict=True) if a == k}
            assert set(restrict(AidApplication, user).values_list("pk", flat=True)) == mine

        for s, (ix, desc) in enumerate(staff):
            user = User.objects.create(username=f"staff{s}", kind="staff", is_staff=True)
            RoleGrant.objects.create(
                user=user, org=orgs[ix], role="rights_officer", include_descendants=desc
            )
            see = _subtree(parents, ix, desc)
            want = {case.pk for case, c_ix in zip(cases, case_orgs, strict=True) if c_ix in see}
            user = User.objects.get(pk=user.pk)
            assert set(restrict(MediationCase, user, "view").values_list("pk", flat=True)) == want
            want = {c.pk for c, (c_ix, _a) in zip(asked, consultations, strict=True) if c_ix in see}
            assert set(restrict(Consultation, user).values_list("pk", flat=True)) == want
            want = {x.pk for x, (x_ix, _a) in zip(applied, aid, strict=True) if x_ix in see}
            assert set(restrict(AidApplication, user).values_list("pk", flat=True)) == want
        transaction.set_rollback(True)
