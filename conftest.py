"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _english_by_default(request, settings):
    """Tests read English messages; the product defaults to Simplified Chinese, which the
    tests marked ``chinese`` check."""
    from django.utils import translation

    if request.node.get_closest_marker("chinese"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at Django 5.2's 1,000,000 iterations costs ~0.4 s per hash; tests create
    # hundreds of users. Production keeps the strong hasher (settings.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Uploads and error workbooks go to the test's own directory, sealed as in production,
    never to var/private (and no maintenance command a test runs walks var/private)."""
    from gonghui.platform.pii.testing import use_private_root

    use_private_root(settings, tmp_path / "private")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters (the public join counts attempts per IP) and other cached values
    must not carry from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    from gonghui.platform.sms.backends import LocmemBackend

    settings.SMS_BACKEND = "gonghui.platform.sms.backends.LocmemBackend"
    # The outbox sends on commit in the test's own thread (gonghui/platform/sms/outbox.py).
    settings.GONGHUI_SMS_RUNNER = "inline"
    LocmemBackend.outbox.clear()
    yield


@pytest.fixture(autouse=True)
def _calendar_covers_the_test_date(request):
    """Tests run on the real date, and the holiday package stops at its last State Council
    notice (2026 in chinesecalendar 1.11). So that a test on 4 January 2027 computes its
    deadlines instead of failing on a missing year, a database test finds this year and next
    entered as having no holidays (source "tests"), where the seed lacks them. The calendar's
    own tests, which are about missing years, opt out with ``calendar_as_loaded``."""
    names = set(request.fixturenames)
    if not names & {"db", "transactional_db"} or request.node.get_closest_marker(
        "calendar_as_loaded"
    ):
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from django.utils import timezone

    from gonghui.platform.calendar.models import CalendarYear

    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.get_or_create(
            year=year, defaults={"complete": True, "source": "tests: no holidays known"}
        )
    yield


@pytest.fixture
def tree(db):
    """A small tree: city → two districts (each with a township and a grassroots union) and an
    industry union, plus an admin for each district and one for the city."""
    from gonghui.orgs.choices import OrgKind
    from gonghui.platform.testing.factories import make_org, root_org, staff_with_role

    city = root_org()
    yubei = make_org(city, name="渝北区总工会", region_code="500112")
    jiangbei = make_org(city, name="江北区总工会", region_code="500105")
    township = make_org(yubei, OrgKind.TOWNSHIP_FEDERATION, name="回兴街道总工会")
    grassroots = make_org(township, OrgKind.GRASSROOTS, name="渝北测试公司工会")
    jb_grassroots = make_org(jiangbei, OrgKind.GRASSROOTS, name="江北测试公司工会")
    industry = make_org(city, OrgKind.INDUSTRY_UNION, name="重庆市教育工会")

    class Tree:
        pass

    t = Tree()
    t.city, t.yubei, t.jiangbei = city, yubei, jiangbei
    t.township, t.grassroots, t.jb_grassroots, t.industry = (
        township,
        grassroots,
        jb_grassroots,
        industry,
    )
    for name in ("city", "yubei", "jiangbei"):
        setattr(
            t,
            f"{name}_admin",
            staff_with_role(getattr(t, name), "org_admin", username=f"{name}_admin"),
        )
    return t
