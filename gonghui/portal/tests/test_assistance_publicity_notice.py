"""The worker in publicity reads for how many working days and until which day her case is
public (issue #14: the notice said 为期几个工作日, "a few working days")."""

from datetime import date, timedelta

import pytest

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import Staff, advance, make_person, staff_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_publicity(tree, client):
    """The member's own case, verified on 2026-09-29: 5 working days across 国庆 end 10-12."""
    staff = Staff(tree)
    person = make_person(tree.grassroots, account=True)
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    app = actions.verify(
        actor=staff.reviewer,
        application=app,
        civil_affairs_result="eligible",
        checked_on=date(2026, 9, 28),
        tier="relative",
        level="city",
        today=date(2026, 9, 29),
        amounts=None,
    )
    assert app.publicity_end == date(2026, 10, 12)
    client.force_login(person.user)
    return app


def _next_step(client, url) -> str:
    html = client.get(url).content.decode()
    return html.split('id="aid-next">', 1)[1].split("</p>", 1)[0]


def test_the_notice_names_the_working_days_and_the_end_date(client, in_publicity):
    for url in ("/m/assistance/", f"/m/assistance/{in_publicity.pk}/"):
        text = _next_step(client, url)
        assert "for 5 working days, until Oct. 12, 2026." in text
        assert "a few" not in text


def test_one_working_day_is_said_in_the_singular(client, in_publicity):
    """The days are counted on the calendar between the case's own start and end."""
    app = in_publicity
    app.publicity_end = date(2026, 9, 30)
    app.save(update_fields=["publicity_end"])
    text = _next_step(client, f"/m/assistance/{app.pk}/")
    assert "for 1 working day, until Sept. 30, 2026." in text


@pytest.mark.chinese
def test_the_chinese_notice_says_the_number(client, in_publicity):
    text = _next_step(client, f"/m/assistance/{in_publicity.pk}/")
    assert "为期5个工作日，至2026年10月12日止" in text
    assert "几个" not in text
    assert in_publicity.publicity_end - in_publicity.publicity_start > timedelta(days=7)
