"""No response, page or export completes a masked ID number (issue #11, findings 1 and 2).

``GET /api/v1/members/361`` once answered ``510107********7978`` next to ``birth_date
1983-09-23``: together, the stored number, read without the reveal permission and without an
audit event. This module fetches, as a user who may see everything (city-wide union
administrator and every assistance role, sensitive details included), with people, households,
a join request, a transfer, a paid case and a portal applicant present:

* every GET operation of the OpenAPI schema (``/api/v1/openapi.json``; an operation whose path
  parameter has no sample here fails the test, so a new endpoint is covered or named), and the
  bodies of the API writes that create the data;
* every console page reachable from the console's index, its model lists and the change pages
  of the objects (links followed, exports and history pages included);
* every portal page of the applicant (a member whose household is on file).

In each, every masked number is matched against the stored ones, and the rest of the same
response is searched for the birth date in any format (1983-09-23, 19830923, 1983年9月23日,
Sept. 23, 1983, 1983-09, 1983年, an age): the test fails if the stored number is among at most
100 candidates for some guess (``gonghui.platform.testing.rebuild``), or is written out in full.

Why the birth date must go entirely, not down to the year, and why gender does not matter:
the detail mask ``110105********002X`` shows the region, the three sequence digits and the
check character, so only the 8 birth-date digits are hidden. The 17th digit (odd for men, even
for women) is among the visible ones: showing the gender adds nothing. The check character
leaves one date in 11 (ISO 7064 MOD 11-2). So with the birth date the number is unique; with
the year, 365 dates leave ~33 candidates (a month: ~3; an age: a 365-day window, ~33) — all
within reach of a search box that takes a full ID number. Without any birth information, a
working life of ~84 years (~30,700 dates) leaves ~2,800 candidates (10^3.4). The list mask
``1****************X`` hides region, birth date and sequence; with the gender shown, the 17th
digit has 5 values instead of 10, so even for an attacker who knows the region, a full birth
date leaves 10 × 10 × 5 / 11 ≈ 45 candidates (so no birth date next to a list mask either) and
no birth information leaves ~30,700 × 500 / 11 ≈ 1.4 million (10^6.1), ×~3,000 valid region
codes if he does not know the region (10^9.6).
"""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from gonghui.assistance import actions as assistance_actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState
from gonghui.assistance.models import HardshipFile
from gonghui.assistance.testing import FILE_DATA, Staff, advance, budgets, png
from gonghui.members import actions as member_actions
from gonghui.members.models import JoinRequest, Person
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.access.tests.matrix import build_tree, xlsx_text
from gonghui.platform.testing.factories import MemberFactory, grant
from gonghui.platform.testing.factories import staff_with_role as make_staff
from gonghui.platform.testing.rebuild import (
    LIMIT,
    Guess,
    birth_guesses,
    candidates,
    masked_ids,
    matches,
    rebuilds,
)
from gonghui.platform.validators.idcard import id_check_char

TODAY = date(2026, 3, 15)


def make_id(region: str, born: str, sequence: str) -> str:
    body = f"{region}{born}{sequence}"
    return body + id_check_char(body)


# --- the reconstruction itself (so the page tests below can fail) ---------------------------

NUMBER = make_id("510107", "19830923", "797")  # the number of the report


def test_detail_mask_and_birth_date_rebuild_the_number():
    masked = "510107********" + NUMBER[14:]
    for written in ("1983-09-23", "19830923", "1983年9月23日", "Sept. 23, 1983", "23/09/1983"):
        found = rebuilds(f'{{"id_number": "{masked}", "birth": "{written}"}}', [NUMBER], TODAY)
        assert [f.count for f in found] == [1], written


def test_detail_mask_and_birth_year_or_age_still_rebuild_it():
    masked = "510107********" + NUMBER[14:]
    for written in ("1983年", "born 1983", "1983-09", '"age": 42'):
        found = rebuilds(f"{masked} {written}", [NUMBER], TODAY)
        assert found and found[0].count <= LIMIT, written
    year = birth_guesses("1983", TODAY)[0]
    assert 20 <= len(candidates(masked, NUMBER, year)) <= 45  # ~365 / 11


def test_list_mask_and_birth_date_leave_about_45_candidates():
    masked = "5****************" + NUMBER[17]
    found = rebuilds(f"{masked} 1983-09-23 女", [NUMBER], TODAY)
    assert found and 30 <= found[0].count <= 60  # 10 x 10 x 5 / 11


def test_masks_alone_do_not_rebuild_the_number():
    for masked in ("510107********" + NUMBER[14:], "5****************" + NUMBER[17]):
        assert rebuilds(f"{masked} joined 2015-03-01, paid 2025-12-31", [NUMBER], TODAY) == []
    whole_life = Guess("none", date(1942, 1, 1), TODAY)
    assert candidates("510107********" + NUMBER[14:], NUMBER, whole_life) is None


def test_a_full_number_is_found_even_escaped():
    assert rebuilds(f"<input value=&quot;{NUMBER}&quot;>", [NUMBER], TODAY)
    assert masked_ids("x 510107********7978 y") == ["510107********7978"]


# --- the world: people with their real birth dates, through the real actions ---------------

# Birth years that no amount, card number or date of the world writes by accident.
APPLICANT = make_id("500112", "19830923", "797")
SPOUSE = make_id("500112", "19790417", "512")
CHILD = make_id("500112", "20120601", "704")
PORTAL_APPLICANT = make_id("500112", "19910214", "386")
PORTAL_SPOUSE = make_id("500112", "19680730", "219")
PORTAL_CHILD = make_id("500112", "20150811", "046")
OTHER_MEMBER = make_id("500112", "19740506", "631")
JOINER = make_id("500112", "19970305", "428")
HOUSEHOLD_NUMBERS = (SPOUSE, CHILD, PORTAL_SPOUSE, PORTAL_CHILD)
NUMBERS = (APPLICANT, PORTAL_APPLICANT, OTHER_MEMBER, JOINER, *HOUSEHOLD_NUMBERS)


class World:
    pages: dict  # url -> (status, text)
    api: dict  # "GET /api/v1/..." -> (status, text)


def docx_text(content: bytes) -> str:
    """The paragraphs and table cells of a Word document (the mediation documents)."""
    import io

    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK" and "wordprocessingml" in kind:
        return docx_text(content)
    if content[:2] == b"PK":
        return xlsx_text(content)
    if kind.startswith("application/json"):
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode("utf-8", "replace")


def _api_post(client, url, data):
    response = client.post(url, json.dumps(data), content_type="application/json")
    assert response.status_code in (200, 201), (url, response.content)
    return response


def build(client: Client):
    """People, a household case driven to payment, a join request, a transfer, a visit, and a
    portal applicant's draft with a household. Returns the ids for the API's path parameters
    and the bodies of the API writes."""
    t = build_tree()
    staff = Staff(t)
    budgets(t.yubei, staff.finance)
    viewer = make_staff(t.city, "org_admin", username="rebuild_viewer")
    for role in (
        "assistance_officer",
        "assistance_reviewer",
        "assistance_approver",
        "finance_officer",
        "hotline_operator",
        "rights_officer",
    ):
        grant(viewer, t.city, role)
    client.force_login(viewer)
    writes = {}

    # A member registered through the API (its answer is a response too).
    response = _api_post(
        client,
        "/api/v1/members/",
        {
            "org_id": t.grassroots.pk,
            "name": "邓丽",
            "id_number": APPLICANT,
            "phone": "13900000001",
            "employer_name": "渝北测试公司",
        },
    )
    writes["POST /api/v1/members/"] = (response.status_code, _body_text(response))
    applicant = Person.objects.get(id_index=Person.objects.get(name="邓丽").id_index)
    assert applicant.birth_date == date(1983, 9, 23)  # derived from the number, as in production
    member_actions.register_member(
        actor=viewer,
        org=t.grassroots,
        name="周强",
        id_number=OTHER_MEMBER,
        phone="13900000002",
    )

    # A hardship file with a household, created through the API.
    household = [
        {"name": "李强", "relation": "spouse", "id_number": SPOUSE, "monthly_income": "800"},
        {
            "name": "李小明",
            "relation": "child",
            "id_number": CHILD,
            "school_or_employer": "渝北区实验小学",
        },
    ]
    response = _api_post(
        client,
        "/api/v1/assistance/files/",
        {
            "org_id": t.grassroots.pk,
            "applicant_id": applicant.pk,
            **{k: v for k, v in FILE_DATA.items() if k != "tier"},
            "household": household,
        },
    )
    writes["POST /api/v1/assistance/files/"] = (response.status_code, _body_text(response))
    file = HardshipFile.objects.get(applicant=applicant)
    child = file.household.get(relation="child")
    application = assistance_actions.save_application(
        actor=staff.officer,
        file=file,
        items=[
            {"aid_type": "living", "amount_requested": "3000"},
            {
                "aid_type": "education",
                "amount_requested": "2000",
                "beneficiary": child.pk,
                "school": "渝北区实验小学",
            },
        ],
        situation="丈夫失业，本人患病，孩子上小学。",
    )
    assistance_actions.upload_attachment(
        actor=staff.officer, file=file, application=application, kind="other", upload=png()
    )
    application = advance(staff, application, S.APPROVED)
    items = list(application.items.filter(state=ItemState.APPROVED).order_by("pk"))
    batch = assistance_actions.create_batch(actor=staff.finance, org=t.yubei, items=items)

    # A campaign and a visit to the applicant.
    campaign = assistance_actions.save_campaign(
        actor=viewer,
        org=t.yubei,
        name="春送温暖",
        kind="festivals",
        starts_on=timezone.localdate().replace(month=1, day=1),
        ends_on=timezone.localdate().replace(month=12, day=31),
        budget="50000",
    )
    assistance_actions.record_visit(
        actor=viewer,
        org=t.grassroots,
        campaign=campaign,
        person=applicant,
        head_count=1,
        cash="500",
        goods_value="0",
        visited_on=timezone.localdate(),
        leaders="张主席",
    )

    # A join request, a transfer, an employer.
    join_request = member_actions.submit_join_request(
        actor=None,
        org=t.grassroots,
        name="王小二",
        id_number=JOINER,
        phone="13900000003",
        employer_name="某某外卖平台",
        employment_form="food_delivery",
    )
    membership = applicant.memberships.get()
    transfer = member_actions.request_transfer(
        actor=viewer,
        membership=Person.objects.get(name="周强").memberships.get(),
        to_org=t.jb_grassroots,
        initiated_by="sender",
    )
    employer = EmployerFactory(org=t.grassroots)
    member_actions.create_join_channel(actor=viewer, org=t.grassroots, label="食堂海报")
    assistance_actions.start_annual_review(
        actor=staff.reviewer, org=t.yubei, year=timezone.localdate().year, ratio="1"
    )

    # The portal applicant: a member with an account, whose draft names a household.
    portal_user = MemberFactory(phone="13900000004")
    member_actions.register_member(
        actor=viewer,
        org=t.grassroots,
        name="陈芳",
        id_number=PORTAL_APPLICANT,
        phone="13900000004",
    )
    Person.objects.filter(name="陈芳").update(user=portal_user)
    portal = Client()
    portal.force_login(portal_user)
    draft = portal.post(
        "/m/assistance/apply/",
        {
            "household-TOTAL_FORMS": "2",
            "household-INITIAL_FORMS": "0",
            "household-MIN_NUM_FORMS": "0",
            "household-MAX_NUM_FORMS": "30",
            "save": "1",
            "aid_living": "on",
            "amount_living": "1500",
            "situation": "丈夫工伤。",
            "household-0-name": "陈父",
            "household-0-relation": "parent",
            "household-0-id_number": PORTAL_SPOUSE,
            "household-1-name": "陈小",
            "household-1-relation": "child",
            "household-1-id_number": PORTAL_CHILD,
        },
    )
    assert draft.status_code == 302, draft.content.decode()[:2000]
    portal_file = HardshipFile.objects.get(applicant__name="陈芳")
    assert sorted(m.id_number for m in portal_file.household.all()) == sorted(
        [PORTAL_SPOUSE, PORTAL_CHILD]
    )

    # A 12351 ticket taken through the API (the caller's name and phone come back masked).
    response = _api_post(
        client,
        "/api/v1/rights/tickets/",
        {
            "category": "complaint-arrears",
            "caller_name": "邓丽",
            "caller_phone": "13900000001",
            "facts": "拖欠工资",
            "request": "追讨欠薪",
        },
    )
    writes["POST /api/v1/rights/tickets/"] = (response.status_code, _body_text(response))
    ticket_id = response.json()["id"]

    # The worker's ID number on a mediation case and a legal-aid application (the parties'
    # numbers go into the application and the agreement), and a consultation.
    response = _api_post(
        client,
        "/api/v1/mediation/cases/",
        {
            "org_id": t.yubei.pk,
            "applicants": [{"name": "邓丽", "phone": "13900000001", "id_number": APPLICANT}],
            "claims": [{"item": "拖欠工资", "amount": "12000.00"}],
            "employer_name": "渝北测试公司",
            "facts": "拖欠三个月工资",
        },
    )
    writes["POST /api/v1/mediation/cases/"] = (response.status_code, _body_text(response))
    case_id = response.json()["id"]
    response = _api_post(
        client,
        "/api/v1/legal-aid/applications/",
        {
            "applicant_name": "邓丽",
            "applicant_phone": "13900000001",
            "applicant_id_number": APPLICANT,
            "case_type": "wages",
            "employer_name": "渝北测试公司",
            "facts": "拖欠三个月工资",
            "claims": "支付工资",
        },
    )
    writes["POST /api/v1/legal-aid/applications/"] = (response.status_code, _body_text(response))
    aid_application_id = response.json()["id"]
    from gonghui.rights.consult.testing import ConsultationFactory

    consultation = ConsultationFactory(org=t.city)

    ids = {
        "ticket_id": ticket_id,
        "case_id": case_id,
        "kind": "application",
        "aid_application_id": aid_application_id,
        "consultation_id": consultation.pk,
        "org_id": t.grassroots.pk,
        "employer_id": employer.pk,
        "membership_id": membership.pk,
        "request_id": join_request.pk,
        "transfer_id": transfer.pk,
        "file_id": file.pk,
        "application_id": application.pk,
        "batch_id": batch.pk,
    }
    assert JoinRequest.objects.filter(pk=join_request.pk).exists()
    return viewer, portal_user, ids, writes


# --- fetching everything ---------------------------------------------------------------------

# Console links not followed: they end the session, change the language, ask for the second
# factor or reveal a value (a POST, audited, and the point of the permission).
SKIP = re.compile(r"/logout/|/2fa/|/i18n/|/jsi18n/|/pii/reveal/|/password")
MAX_PAGES = 900
MAX_QUERY_VARIANTS = 3
# The apps whose pages show ID numbers: every console route of theirs is fetched (from the
# URL walker's list, with the world's objects), except these, for the reason given.
WALKED_APPS = ("members", "assistance", "imports")
NOT_FETCHED = {
    # Admin catch-alls: redirect to the change page (fetched) or the index.
    r"^console/\^\(\?P<app_label>": "the app index, a link list",
    r"^console/\(\?P<url>": "the admin catch-all",
    # Uploads by staff: the error workbook gives the uploader back the rows they typed (its
    # storage is finding 6); there is no masked value to complete.
    r"^console/imports/importjob/": "no roster import in this world (see above)",
    # Large exports go through a request (more than 500 rows); the approved file is written by
    # the same write_memberships_xlsx as the direct export fetched here.
    r"^console/imports/exportrequest/": "same workbook as the direct member export",
}


def _links(text: str, base: str, prefix: str) -> list[str]:
    out = []
    for href in re.findall(r"""href=["']([^"'#]+)""", text):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(prefix) and not SKIP.search(path):
            out.append(path)
    return out


def crawl(client: Client, seeds, prefix: str) -> dict:
    pages: dict = {}
    variants: dict = {}
    queue = deque(seeds)
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if url in pages:
            continue
        path, _, query = url.partition("?")
        if query:
            seen = variants.setdefault(path, set())
            if len(seen) >= MAX_QUERY_VARIANTS:
                continue
            seen.add(query)
        response = client.get(url)
        if response.status_code in (301, 302):
            target = urlsplit(response["Location"])
            if not target.netloc:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
            pages[url] = (response.status_code, "")
            continue
        text = _body_text(response) if response.status_code == 200 else ""
        pages[url] = (response.status_code, text)
        if "html" in response.get("Content-Type", ""):
            queue.extend(_links(text, url, prefix))
    return pages


def console_seeds() -> list[str]:
    """The console index, every model list, the first objects' change pages, and every
    route of the WALKED_APPS from the URL walker with the world's objects in it."""
    from django.apps import apps

    from gonghui.console.sites import console_site
    from gonghui.platform.tests.test_url_walker import ROUTES

    seeds = ["/console/"]
    for model in console_site._registry:
        opts = model._meta
        name = f"console:{opts.app_label}_{opts.model_name}"
        seeds.append(reverse(f"{name}_changelist"))
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:3]:
            seeds.append(reverse(f"{name}_change", args=[pk]))
    for route in walked_routes(ROUTES):
        app, model_name = route.template.split("/")[1:3]
        try:
            model = apps.get_model(app, model_name)
        except LookupError:
            continue
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:2]:
            url = re.sub(r"<(?:int|path):(?:object_id|pk)>", str(pk), route.template)
            fmt = "svg" if "/qr." in url else "xlsx"
            seeds.append("/" + url.replace("<str:fmt>", fmt))
        if "<" not in route.template:
            seeds.append("/" + route.template)
    return seeds


def walked_routes(routes):
    return [
        r
        for r in routes
        if r.template.split("/")[:2] in (["console", app] for app in WALKED_APPS)
        and not any(re.search(pattern, r.template) for pattern in NOT_FETCHED)
    ]


def _sample_path(path: str, ids: dict) -> str | None:
    try:
        return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    except KeyError:
        return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built and fetched once per module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(GONGHUI_REQUIRE_2FA=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with translation.override("zh-hans"):
                client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
                viewer, portal_user, ids, writes = build(client)
                w = World()
                w.ids = ids
                w.api = dict(writes)
                schema = client.get("/api/v1/openapi.json").json()
                w.unsampled = []
                for path, operations in schema["paths"].items():
                    if "get" not in operations:
                        continue
                    url = _sample_path(path, ids)
                    if url is None:
                        w.unsampled.append(path)
                        continue
                    response = client.get(url)
                    w.api[f"GET {path}"] = (response.status_code, _body_text(response))
                w.pages = crawl(client, console_seeds(), "/console/")
                # The bank file of the batch: an export by POST (the crawl only GETs).
                bank = client.post(
                    f"/console/assistance/paymentbatch/{ids['batch_id']}/export/xlsx/"
                )
                w.pages["POST bank file"] = (bank.status_code, _body_text(bank))
                portal = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
                portal.force_login(portal_user)
                w.portal = crawl(
                    portal, ["/m/", "/m/card/", "/m/assistance/", "/m/assistance/apply/"], "/m/"
                )
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _leaks(responses: dict) -> list[str]:
    today = timezone.localdate()
    out = []
    for where, (_, text) in responses.items():
        for found in rebuilds(text, NUMBERS, today):
            out.append(f"{where}: {found}")
    return out


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_get_operation_of_the_api_was_fetched(world):
    assert not world.unsampled, f"no sample id for the path parameters of {world.unsampled}"
    refused = {op: status for op, (status, _) in world.api.items() if status not in (200, 201)}
    assert not refused, f"the authorised user could not read {refused}"


@pytest.mark.django_db
def test_no_api_response_completes_a_masked_id_number(world):
    # Not vacuous: the member, the household and the join request are in these answers, masked
    # the detail way (region and last four shown).
    seen = {m for _, text in world.api.values() for m in masked_ids(text)}
    for number in (APPLICANT, SPOUSE, CHILD):
        assert number[:6] + "********" + number[14:] in seen, number
    assert any(matches(m, JOINER) for m in seen)
    leaks = _leaks(world.api)
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_every_console_route_of_the_personal_data_apps_was_fetched(world):
    """The URL walker's routes of members, assistance and imports: each one fetched (with an
    object of its model where it takes one), or named in NOT_FETCHED with the reason."""
    from django.urls import Resolver404, resolve

    from gonghui.platform.tests.test_url_walker import ROUTES

    fetched = set()
    for url in world.pages:
        try:
            fetched.add(resolve(url.split("?")[0]).route)
        except Resolver404:
            continue
    missing = [r.template for r in walked_routes(ROUTES) if r.template not in fetched]
    assert not missing, "routes never fetched (add an object to the world, or a reason):\n" + (
        "\n".join(missing)
    )


@pytest.mark.django_db
def test_no_console_page_or_export_completes_a_masked_id_number(world):
    pages = world.pages
    ok = [url for url, (status, _) in pages.items() if status == 200]
    # Not vacuous: the pages that show these people were reached.
    ids = world.ids
    for url in (
        f"/console/members/membership/{ids['membership_id']}/change/",
        f"/console/members/joinrequest/{ids['request_id']}/change/",
        f"/console/assistance/hardshipfile/{ids['file_id']}/change/",
        f"/console/assistance/application/{ids['application_id']}/change/",
        f"/console/assistance/paymentbatch/{ids['batch_id']}/change/",
    ):
        assert url in ok, f"{url} was not reached"
    assert any("/person/" in url and url.endswith("/change/") for url in ok)
    export = reverse("console:members_export")  # the roster export (xlsx), read as text
    assert export in ok and "5****************" in pages[export][1]
    assert len(ok) > 50, len(ok)
    shown = {m for url in ok for m in masked_ids(pages[url][1])}
    for number in (APPLICANT, SPOUSE, CHILD):
        assert number[:6] + "********" + number[14:] in shown, number
    assert any(matches(m, JOINER) for m in shown)
    leaks = _leaks(pages)
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_no_portal_page_completes_a_masked_id_number(world):
    ok = [url for url, (status, _) in world.portal.items() if status == 200]
    assert "/m/assistance/apply/" in ok and len(ok) >= 4, ok
    leaks = _leaks(world.portal)
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_no_page_shows_a_household_members_full_id_number(world):
    """Finding 1: household numbers are masked on every page, the apply form included (the
    edit field stays empty, the mask is its placeholder)."""
    apply_page = world.portal["/m/assistance/apply/"][1]
    assert "500112********219" in apply_page  # the saved spouse, masked, as the placeholder
    shown = []
    for where, (_, text) in {**world.pages, **world.portal}.items():
        for number in HOUSEHOLD_NUMBERS:
            if number in text:
                shown.append(f"{where}: {number}")
    assert not shown, "\n".join(shown)
