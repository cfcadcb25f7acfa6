"""API pages are bounded: a huge limit or offset is invalid input (422), never a server error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query, status",
    [
        ("limit=200", 200),
        ("limit=201", 422),
        ("limit=301786923896004280320", 422),
        ("offset=54097051576491411230425088", 422),
        ("limit=0", 422),
    ],
)
def test_page_bounds(client, tree, query, status):
    client.force_login(tree.city_admin)
    response = client.get(f"/api/v1/orgs/?{query}")
    assert response.status_code == status
