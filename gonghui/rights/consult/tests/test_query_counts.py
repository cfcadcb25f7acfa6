"""The consultation lists cost the same number of queries for 2 rows as for 8 (the console
queue and the API list), for staff and for a lawyer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.rights.consult import actions

pytestmark = pytest.mark.django_db


def _ask(world, n):
    for _ in range(n):
        actions.ask(actor=world.worker.user, person=world.worker, topic="wages", question="欠薪")


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["lawyer", "city_staff"])
@pytest.mark.parametrize(
    "url", ["/console/consult/consultation/?queue=all", "/api/v1/consult/consultations/"]
)
def test_a_list_does_not_query_per_row(client, world, who, url):
    client.force_login(getattr(world, who))
    _ask(world, 2)
    _count(client, url)  # warm the per-process caches (calendar, categories)
    few = _count(client, url)
    _ask(world, 6)
    many = _count(client, url)
    assert many == few
