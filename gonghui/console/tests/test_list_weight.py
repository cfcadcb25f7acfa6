"""Console list pages stay light (issue #14: the join-channel list was 636 KB of HTML for 100
rows, 5.5 KB a row, most of it unfold's utility classes repeated on every cell; every page
loaded chart.js though none draws a chart).

Sizes and query counts are asserted here; timings are not (bench/pages.py measures them on the
demo data)."""

from __future__ import annotations

import re

import pytest

from gonghui.accounts.testing import verified_client
from gonghui.members.testing import JoinChannelFactory, make_member
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db

KB = 1024
# What a row of these lists may weigh (they weighed 5.5 KB and 3.9 KB).
ROW_BYTES = 1_500


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _rows(html: bytes) -> int:
    return len(re.findall(rb'<tr class="data-row', html))


@pytest.fixture
def union():
    return make_grassroots()


@pytest.fixture
def client_of(union, client):
    return verified_client(staff_with_role(union, "org_admin"), client)


def test_a_join_channel_list_of_100_rows_is_under_200_kb_at_under_1_5_kb_a_row(
    union, client_of, django_assert_max_num_queries
):
    url = "/console/members/joinchannel/"
    JoinChannelFactory.create_batch(10, org=union)
    ten = _get(client_of, url)
    JoinChannelFactory.create_batch(90, org=union)
    with django_assert_max_num_queries(20):
        hundred = _get(client_of, url)
    assert (_rows(ten), _rows(hundred)) == (10, 100)
    assert len(hundred) < 200 * KB
    assert (len(hundred) - len(ten)) / 90 < ROW_BYTES
    # the rows' selection boxes are drawn unticked (the compact box is not unfold's widget)
    boxes = re.findall(rb'<input type="checkbox" name="_selected_action"[^>]*>', hundred)
    assert len(boxes) == 100
    assert not any(b"checked" in box for box in boxes)
    assert b'class="gh-box action-select"' in boxes[0]


def test_a_member_list_row_is_under_1_5_kb(union, client_of):
    url = "/console/members/membership/"
    for _ in range(5):
        make_member(union)
    five = _get(client_of, url)
    for _ in range(20):
        make_member(union)
    twenty_five = _get(client_of, url)
    assert (_rows(five), _rows(twenty_five)) == (5, 25)
    assert (len(twenty_five) - len(five)) / 20 < ROW_BYTES


def test_list_cells_keep_their_column_name_for_the_phone_layout(union, client_of):
    JoinChannelFactory(org=union, label="东门海报")
    html = _get(client_of, "/console/members/joinchannel/").decode()
    # one class a cell, and the column name the phone layout shows before each value
    cell = r'<th class="field-label gh-cell" data-label="[^"]+"><a [^>]*>东门海报</a>'
    assert re.search(cell, html)
    assert 'href="/static/console/lists.css"' in html


@pytest.mark.parametrize(
    "url",
    ["/console/orgs/org/", "/console/members/joinchannel/", "/console/members/joinchannel/add/"],
)
def test_pages_without_a_chart_do_not_load_the_chart_library(union, client_of, url):
    html = _get(client_of, url)
    assert b"chart.js" not in html
    assert b"unfold/js/app.js" in html  # the page still loads unfold's own script


def test_a_list_works_out_its_column_headers_once_not_once_per_row(union, client_of):
    from unittest import mock

    from unfold.templatetags import unfold_list

    def labels_for(rows: int) -> int:
        JoinChannelFactory.create_batch(rows, org=union)
        with mock.patch.object(
            unfold_list, "label_for_field", wraps=unfold_list.label_for_field
        ) as label:
            _get(client_of, "/console/members/joinchannel/")
        return label.call_count

    assert labels_for(5) == labels_for(20)


def test_list_pages_leave_out_the_templates_indentation(union, client_of):
    JoinChannelFactory.create_batch(3, org=union)
    html = _get(client_of, "/console/members/joinchannel/")
    assert not re.search(rb"\n[ \t]+<", html)
    assert not re.search(rb">[ \t\r\n]{2,}<", html)
    assert _rows(html) == 3


def test_whitespace_is_left_alone_on_a_page_where_it_is_content():
    from django.http import HttpResponse

    from gonghui.console.base import compact_whitespace

    page = b"<div>\n    <textarea>  two  spaces\n    kept</textarea>\n</div>"
    assert compact_whitespace(HttpResponse(page)).content == page
    plain = b"<ul>\n    <li>a</li>\n    <li>b</li>\n</ul>"
    assert compact_whitespace(HttpResponse(plain)).content == b"<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
