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


# The API paths these guards cover (platform/tests/test_query_counts.py).
API_PATHS = {"/api/v1/consult/consultations/", "/api/v1/consult/consultations/{consultation_id}"}


@pytest.mark.parametrize("who", ["lawyer", "city_staff"])
def test_a_long_thread_costs_the_same(client, world, who, django_assert_max_num_queries):
    from gonghui.accounts.testing import assert_queries_flat, verified_client
    from gonghui.rights.consult.models import Consultation
    from gonghui.rights.consult.testing import MessageFactory

    _ask(world, 1)
    consultation = Consultation.objects.get()
    Consultation.objects.filter(pk=consultation.pk).update(agency=world.firm)

    def grow(k):
        for _ in range(k):
            MessageFactory(consultation=consultation)

    assert_queries_flat(
        django_assert_max_num_queries,
        verified_client(getattr(world, who)),
        f"/api/v1/consult/consultations/{consultation.pk}",
        grow,
    )
