"""Counts and amounts in console lists carry thousands separators (issue #14: "amounts lack
thousands separators"), without grouping years or ids."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from gonghui.accounts.testing import verified_client
from gonghui.console.base import grouped_column
from gonghui.orgs.models import Employer
from gonghui.orgs.testing import EmployerFactory, make_grassroots
from gonghui.platform.testing.factories import staff_with_role


@pytest.mark.django_db
def test_the_employer_list_shows_headcounts_grouped_and_still_sorts_by_them(client):
    union = make_grassroots()
    EmployerFactory(org=union, name="大厂有限公司", headcount=12345)
    EmployerFactory(org=union, name="小店有限公司", headcount=5)
    client = verified_client(staff_with_role(union, "org_admin"), client)
    html = client.get("/console/orgs/employer/").content.decode()
    assert re.search(r'<td class="field-headcount gh-cell"[^>]*>12,345</td>', html)
    assert "12345" not in html
    by_headcount = client.get("/console/orgs/employer/?o=4").content.decode()
    assert by_headcount.index("小店有限公司") < by_headcount.index("大厂有限公司")


def test_a_grouped_amount_keeps_its_decimal_places_and_an_empty_one_reads_as_empty():
    admin = SimpleNamespace(model=Employer, get_empty_value_display=lambda: "-")
    column = grouped_column(admin, "headcount")
    assert column(SimpleNamespace(headcount=Decimal("3500.00"))) == "3,500.00"
    assert column(SimpleNamespace(headcount=1234567)) == "1,234,567"
    assert column(SimpleNamespace(headcount=None)) == "-"
    assert column.__name__ == "headcount"  # the cell's class stays field-headcount


@pytest.mark.django_db
def test_roster_import_and_export_request_lists_show_their_row_counts_grouped(client):
    from gonghui.platform.testing.factories import ExportRequestFactory, ImportJobFactory

    union = make_grassroots()
    admin = staff_with_role(union, "org_admin")
    ImportJobFactory(
        org=union, created_by=admin, total_rows=23456, processed_rows=23456, created_count=12000
    )
    ExportRequestFactory(
        org=union, requested_by=staff_with_role(union, "membership_officer"), row_count=15000
    )
    client = verified_client(admin, client)
    jobs = client.get("/console/imports/importjob/").content.decode()
    assert re.search(r'class="field-processed_rows gh-cell"[^>]*>23,456</td>', jobs)
    assert re.search(r'class="field-created_count gh-cell"[^>]*>12,000</td>', jobs)
    requests = client.get("/console/imports/exportrequest/").content.decode()
    assert re.search(r'class="field-row_count gh-cell"[^>]*>15,000</td>', requests)
