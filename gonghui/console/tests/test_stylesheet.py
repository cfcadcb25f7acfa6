"""The console loads unfold's stylesheet cut to what it uses (issue #14: 330 KB of CSS on every
console page), and the cut file keeps every utility the sources name."""

from __future__ import annotations

import re

import pytest

from gonghui.accounts.testing import verified_client
from gonghui.console import stylesheet
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import staff_with_role

KB = 1024


def _classes(css: str) -> set[str]:
    return {stylesheet._ESCAPE.sub(r"\1", name) for name in stylesheet._CLASS.findall(css)}


def test_the_cut_stylesheet_has_every_utility_the_sources_name():
    on_disk = _classes(stylesheet.OUTPUT.read_text(encoding="utf-8"))
    missing = _classes(stylesheet.build()) - on_disk
    assert not missing, (
        "static/console/unfold.css lacks utilities the console's sources now use "
        f"({sorted(missing)[:20]}): run `python manage.py build_console_css`"
    )


def test_the_cut_stylesheet_is_a_third_of_unfolds_and_drops_only_unused_utilities():
    full = stylesheet.SOURCE.read_text(encoding="utf-8")
    cut = stylesheet.OUTPUT.read_text(encoding="utf-8")
    assert len(cut.encode()) < 200 * KB < len(full.encode())
    # a utility of the list rows stays, a safelisted margin nobody writes goes
    assert ".lg\\:table-row{" in cut and ".\\!-m-10{" in full and ".\\!-m-10{" not in cut
    # components whose classes scripts make up at run time stay whole (select2's theme)
    assert ".select2-container--admin-autocomplete" in cut


def test_cutting_nothing_gives_back_unfolds_file_unchanged():
    full = stylesheet.SOURCE.read_text(encoding="utf-8")
    everything = _classes(full)
    assert stylesheet.purge_utilities(full, everything) == full


@pytest.mark.django_db
def test_console_pages_load_the_cut_stylesheet_not_unfolds(client):
    client = verified_client(staff_with_role(make_grassroots(), "org_admin"), client)
    html = client.get("/console/orgs/org/").content.decode()
    assert re.search(r'<link href="/static/console/unfold\.css" rel="stylesheet">', html)
    assert "unfold/css/styles.css" not in html
