"""No English on the mediation pages: the console (queues, the case in every state, each
declared step's page, the forms sent empty) as 渝北's rights officer, and the worker's
/m/mediation/ pages, over the demo seeder's cases."""

import pytest
from django.db.models import Min

from gonghui.assistance.testing import make_person
from gonghui.demo.seed_mediation import seed_mediation
from gonghui.platform.testing.english import ALLOWED, english_in, walk
from gonghui.portal.tests.test_no_english import _accept_the_notices
from gonghui.rights.mediation import todos
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.workflows import case_states
from gonghui.rights.testing import TicketFactory

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]
CONSOLE = "/console/mediation/mediationcase/"


@pytest.fixture
def seeded(tree, staff):
    TicketFactory(org=tree.yubei)
    worker = make_person(tree.grassroots, account=True, phone="13700008888").user
    seed_mediation(yubei=tree.yubei, officer=staff.yubei, demo_phone="13700008888")
    return worker


def _found(client, seeds, prefix, skip=()):
    found, pages = {}, 0
    for path, response in walk(client, seeds, prefix, skip=skip):
        pages += 1
        english = english_in(response.content.decode(), ALLOWED)
        if english:
            found[f"{path} ({response.status_code})"] = english
    return found, pages


def test_every_mediation_console_page_reads_chinese(client, seeded, staff):
    client.force_login(staff.yubei)
    seeds = ["/console/?home=1", CONSOLE, f"{CONSOLE}add/", "/console/mediation/referral/"]
    seeds += ["/console/mediation/referral/add/"]
    seeds += [f"{CONSOLE}?queue={q}" for q in todos.QUEUES]
    firsts = MediationCase.objects.values("state").annotate(first=Min("pk"))
    for row in firsts:
        case = MediationCase.objects.get(pk=row["first"])
        seeds.append(f"{CONSOLE}{case.pk}/change/")
        seeds += [f"{CONSOLE}{case.pk}/do/{t.name}/" for t in case_states.allowed(case)]
    found, pages = _found(client, seeds, "/console/mediation/", skip=("/console/logout/",))
    assert pages > 15, "the walk found too few pages to mean anything"
    for path in (f"{CONSOLE}add/", "/console/mediation/referral/add/"):
        english = english_in(client.post(path, {}).content.decode(), ALLOWED)
        if english:
            found[f"POST {path}"] = english
    assert not found, "English on console pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )


def test_every_mediation_portal_page_reads_chinese(client, seeded):
    client.force_login(seeded)
    _accept_the_notices(seeded)
    found, pages = _found(client, ["/m/mediation/", "/m/mediation/apply/"], "/m/mediation/")
    english = english_in(client.post("/m/mediation/apply/", {}).content.decode(), ALLOWED)
    if english:
        found["POST /m/mediation/apply/"] = english
    assert pages >= 3  # her list, the form, a case (one page per URL name)
    assert not found, "English on portal pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )
