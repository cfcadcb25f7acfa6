"""No English on the consultation pages in the Chinese UI: the worker's pages on /m/consult/
(with the answer, the follow-up and rating forms), the lawyer's and staff's console pages and
the transition forms."""

import pytest

from gonghui.platform.testing.english import ALLOWED as COMMON
from gonghui.platform.testing.english import english_in
from gonghui.rights.consult import actions

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]
ALLOWED = {*COMMON, "ZX", "GONGHUI_CONSULT_ANSWER_WORKING_DAYS"}


def _answered(world):
    c = actions.ask(
        actor=world.worker.user, person=world.worker, topic="wages", question="欠薪怎么办"
    )
    return actions.answer(actor=world.lawyer, consultation=c, text="可以申请劳动仲裁。")


def test_the_workers_pages_read_chinese(client, world):
    c = _answered(world)
    client.force_login(world.worker.user)
    for url in ("/m/consult/", "/m/consult/ask/", f"/m/consult/{c.pk}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        assert english_in(response.content.decode(), ALLOWED) == [], url


# Sidebar entries of the mediation and 12351 slices built alongside, translated by them.
OTHERS = {"Knowledge base", "Mediation cases"}


@pytest.mark.parametrize("who", ["lawyer", "city_staff"])
def test_the_console_pages_read_chinese(client, world, who):
    c = actions.ask(
        actor=world.worker.user, person=world.worker, topic="wages", question="欠薪怎么办"
    )
    client.force_login(getattr(world, who))
    base = "/console/consult/consultation/"
    step = "answer" if who == "lawyer" else "assign"
    for url in (base, f"{base}{c.pk}/change/", f"{base}{c.pk}/do/{step}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        found = english_in(response.content.decode(), ALLOWED)
        assert [t for t in found if t not in OTHERS] == [], url
