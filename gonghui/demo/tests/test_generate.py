"""generate_city: a deterministic, valid, bulk-generated city (tiny scale here)."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import override_settings

from gonghui.assistance.choices import OPEN_FILE_STATES
from gonghui.assistance.models import (
    Campaign,
    HardshipFile,
    HouseholdClaim,
    HouseholdMember,
    Visit,
)
from gonghui.demo.generate import GenerateRefused, generate_city
from gonghui.members.actions import MEMBER_ORG_KINDS
from gonghui.members.choices import (
    CURRENT_STATES,
    NEW_EMPLOYMENT_FORMS,
    MembershipState,
)
from gonghui.members.models import JoinRequest, Membership, Person, Transfer
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.factories import UserFactory, grant
from gonghui.platform.validators import check_uscc, normalize_mobile, parse_id_number

pytestmark = pytest.mark.django_db(transaction=True)

N = 600


def _quiet(line):
    pass


def _digest() -> str:
    h = hashlib.sha256()
    for row in Org.objects.order_by("path").values_list("path", "kind", "name", "uscc"):
        h.update(repr(row).encode())
    for row in Person.objects.order_by("pk").values_list("pk", "id_index", "phone_index", "org_id"):
        h.update(repr(row).encode())
    for row in Membership.objects.order_by("pk").values_list(
        "pk", "person_id", "org_id", "state", "employment_form", "joined_on", "card_no"
    ):
        h.update(repr(row).encode())
    for row in JoinRequest.objects.order_by("pk").values_list("pk", "id_index", "state"):
        h.update(repr(row).encode())
    return h.hexdigest()


def _wipe():
    from django.apps import apps
    from django.db import connection

    # Fresh database for the second run: the transactional test case flushes at teardown only.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys=OFF")
        tables = [
            m._meta.db_table
            for m in apps.get_models()
            if m._meta.app_label in ("assistance", "members", "orgs")
        ]
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("DELETE FROM sqlite_sequence")


@pytest.fixture
def city():
    return generate_city(members=N, seed=7, out=_quiet)


def test_same_seed_same_city():
    generate_city(members=N, seed=7, out=_quiet)
    first = _digest()
    _wipe()
    generate_city(members=N, seed=7, out=_quiet)
    assert _digest() == first
    _wipe()
    generate_city(members=N, seed=8, out=_quiet)
    assert _digest() != first


def test_people_have_valid_unique_ids_and_phones(city):
    people = list(Person.objects.all())
    assert len(people) == N
    ids, phones = set(), set()
    for person in people:
        info = parse_id_number(person.id_number)
        assert info.birth_date == person.birth_date
        assert info.gender == person.gender
        assert 1960 <= info.birth_date.year <= 2006
        assert normalize_mobile(person.phone) == person.phone
        assert index_for("id_number", person.id_number) == person.id_index
        assert index_for("phone", person.phone) == person.phone_index
        ids.add(person.id_number)
        phones.add(person.phone)
        assert person.name_pinyin and person.name_initials
    assert len(ids) == N and len(phones) == N
    for request in JoinRequest.objects.all():
        parse_id_number(request.id_number)
        normalize_mobile(request.phone)
        assert index_for("id_number", request.id_number) == request.id_index
    for member in HouseholdMember.objects.all():
        parse_id_number(member.id_number)


def test_uscc_valid_and_unique(city):
    codes = list(Employer.objects.values_list("uscc", flat=True))
    assert len(codes) == len(set(codes)) > 0
    union_codes = [c for c in Org.objects.values_list("uscc", flat=True) if c]
    assert len(union_codes) == len(set(union_codes))
    for code in codes + union_codes:
        result = check_uscc(code)
        assert result.checksum_ok and result.org_code_ok


def test_tree_is_valid_and_real(city):
    assert Org.objects.find_problems() == ([], [], [], [], [])
    root = Org.objects.get(depth=1)
    assert root.kind == OrgKind.CITY_FEDERATION
    districts = Org.objects.filter(depth=2, kind=OrgKind.DISTRICT_FEDERATION)
    assert districts.filter(region_code="500112", name="渝北区总工会").count() == 1
    assert districts.count() == 38 + 3
    assert Org.objects.filter(kind=OrgKind.TOWNSHIP_FEDERATION).count() > 1000
    assert Org.objects.filter(kind=OrgKind.INDUSTRY_UNION).count() == 11
    assert Org.objects.filter(kind=OrgKind.UNION_FEDERATION).count() >= 4
    assert Org.objects.filter(kind=OrgKind.GRASSROOTS).count() >= 60
    # numchild agrees with the paths.
    for org in Org.objects.filter(depth__lte=2):
        children = Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
        assert org.numchild == children


def test_memberships_cover_states_forms_and_orgs(city):
    kinds = set(Membership.objects.values_list("org__kind", flat=True).distinct())
    assert kinds <= set(MEMBER_ORG_KINDS)
    assert set(Membership.objects.values_list("state", flat=True)) == set(MembershipState.values)
    forms = set(Membership.objects.values_list("employment_form", flat=True))
    assert "standard" in forms and forms & NEW_EMPLOYMENT_FORMS
    current = (
        Membership.objects.filter(state__in=CURRENT_STATES)
        .values("person")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not current.exists()
    assert Person.objects.filter(memberships__isnull=True).count() == 0
    years = {d.year for d in Membership.objects.values_list("joined_on", flat=True)}
    assert len(years) >= 5
    # A transferring membership has an open transfer; a transferred one a completed transfer.
    for m in Membership.objects.filter(state=MembershipState.TRANSFERRING):
        assert m.transfers.filter(state__in=["pending_sender", "pending_receiver"]).exists()
    for m in Membership.objects.filter(state=MembershipState.TRANSFERRED):
        assert m.transfers.get().new_membership.state == MembershipState.ACTIVE
    assert Transfer.objects.exists()
    pending = JoinRequest.objects.filter(state="pending").count()
    assert 0 < pending <= N // 20
    for m in Membership.objects.select_related("org", "person")[:50]:
        assert m.person.birth_date.replace(year=m.person.birth_date.year + 16) <= m.joined_on


def test_assistance_is_consistent(city):
    files = HardshipFile.objects.all()
    for f in files:
        claims = set(HouseholdClaim.objects.filter(file=f).values_list("id_index", flat=True))
        if f.state in OPEN_FILE_STATES:
            assert f.applicant.id_index in claims
            assert {m.id_index for m in f.household.all()} <= claims
        else:
            assert not claims
    opened = files.filter(state__in=sorted(OPEN_FILE_STATES))
    assert opened.values("applicant").distinct().count() == opened.count()
    # Every district runs its seasonal campaigns; a comfort visit falls on a day of its
    # campaign and is made by a union of the campaign's district.
    districts = Org.objects.filter(kind=OrgKind.DISTRICT_FEDERATION)
    assert districts.exists()
    for district in districts:
        assert Campaign.objects.filter(org=district).exists(), district.name
    for v in Visit.objects.select_related("campaign__org", "org"):
        assert v.campaign.starts_on <= v.visited_on <= v.campaign.ends_on
        assert v.org.path.startswith(v.campaign.org.path)


def test_restrict_on_generated_tree(city):
    yubei = Org.objects.get(name="渝北区总工会", depth=2)
    user = UserFactory()
    grant(user, yubei, "org_admin")
    visible = Membership.objects.restrict(user, "view")
    expected = Membership.objects.filter(org__path__startswith=yubei.path)
    assert visible.count() == expected.count()
    assert not visible.exclude(org__path__startswith=yubei.path).exists()
    assert (
        Person.objects.restrict(user, "view").count()
        == Person.objects.filter(org__path__startswith=yubei.path).count()
    )


def test_refuses_production_and_existing_people():
    with override_settings(PRODUCTION=True), pytest.raises(GenerateRefused):
        generate_city(members=10, seed=1, out=_quiet)
    assert not Org.objects.exists()
    call_command("generate_city", "--members", "50", "--seed", "3", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("generate_city", "--members", "50", "--seed", "3", stdout=io.StringIO())
    before = Person.objects.count()
    call_command(
        "generate_city", "--members", "40", "--seed", "4", "--append", stdout=io.StringIO()
    )
    assert Person.objects.count() == before + 40
    assert Person.objects.values("id_index").distinct().count() == before + 40


def test_cockpit_summaries_match_the_generated_records(city):
    from gonghui.cockpit import summaries
    from gonghui.cockpit.models import OrgMonthStat

    assert OrgMonthStat.objects.exists()
    assert summaries.check() == []
