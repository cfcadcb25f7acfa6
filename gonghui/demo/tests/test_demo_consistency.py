"""The hardship demo does not contradict itself on screen (issue #14): cases past publicity
showed publicity ending next week, household incomes were lower than the applicant's own, and
every timeline entry was stamped the same minute. Also: a union's public notice (公示) shows
the demo's cases in publicity."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import Application, HardshipFile, Objection
from gonghui.demo.seed import seed_demo
from gonghui.orgs.models import Org

pytestmark = pytest.mark.django_db

PAST_PUBLICITY = (S.APPROVAL, S.APPROVED, S.CLOSED)
BEFORE_PUBLICITY = (S.DRAFT, S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.WITHDRAWN)


@pytest.fixture
def demo():
    return seed_demo(members_per_union=2)


def _publicity_contradictions(today) -> list[str]:
    wrong = []
    for app in Application.objects.order_by("pk"):
        start, end = app.publicity_start, app.publicity_end
        if app.state in PAST_PUBLICITY and not (end and end < today):
            wrong.append(f"{app.number} is {app.state} but its publicity ends {end}")
        if app.state in BEFORE_PUBLICITY and (start or end):
            wrong.append(f"{app.number} is {app.state} but has a publicity {start}–{end}")
        if app.state == S.PUBLICITY:
            if not (start and end and start <= today):
                wrong.append(f"{app.number} in publicity from {start} to {end}")
        if start and end != PUBLICITY.due(start):
            wrong.append(f"{app.number}: publicity {start}–{end} is not the calendar's")
        if start and app.visit_date and app.visit_date > start:
            wrong.append(f"{app.number}: home visit {app.visit_date} after verification {start}")
    for objection in Objection.objects.select_related("application"):
        app = objection.application
        if not (app.publicity_start <= objection.received_on <= min(app.publicity_end, today)):
            wrong.append(f"{app.number}: objection received {objection.received_on} outside")
    return wrong


def _income_contradictions() -> list[str]:
    wrong = []
    for file in HardshipFile.objects.prefetch_related("household"):
        own = file.personal_monthly_income or Decimal(0)
        members = sum(
            (Decimal(m.monthly_income or 0) for m in file.household.all()), start=Decimal(0)
        )
        if file.household_monthly_income is None or file.household_monthly_income < own + members:
            wrong.append(
                f"{file.number}: household {file.household_monthly_income} < applicant {own}"
                f" + members {members}"
            )
    return wrong


def _timeline_contradictions() -> list[str]:
    wrong = []
    now = timezone.now()
    minutes = set()
    for app in Application.objects.prefetch_related("steps").order_by("pk"):
        steps = sorted(app.steps.all(), key=lambda s: s.pk)  # the order they were taken in
        times = [s.at for s in steps]
        minutes |= {t.replace(second=0, microsecond=0) for t in times}
        if any(a >= b for a, b in zip(times, times[1:], strict=False)):
            wrong.append(f"{app.number}: steps not at distinct times in their order")
        if times and times[-1] > now:
            wrong.append(f"{app.number}: a step in the future")
        for step in steps:
            day = timezone.localtime(step.at).date()
            if step.name == "home_visit" and day != app.visit_date:
                wrong.append(f"{app.number}: home visit step {day}, visit {app.visit_date}")
            if step.name == "verify" and day != app.publicity_start:
                wrong.append(f"{app.number}: verified {day}, publicity from {app.publicity_start}")
        if app.submitted_at and not any(s.at == app.submitted_at for s in steps):
            wrong.append(f"{app.number}: submitted_at is not its submission step's time")
    if len(minutes) < 20:
        wrong.append(f"only {len(minutes)} distinct minutes over every timeline")
    return wrong


def test_demo_dates_and_incomes_agree_with_each_other(demo):
    today = timezone.localdate()
    assert Application.objects.filter(state__in=PAST_PUBLICITY).count() >= 4
    assert not _publicity_contradictions(today), _publicity_contradictions(today)
    assert not _income_contradictions(), _income_contradictions()


def test_demo_timelines_are_spread_and_the_public_notice_shows_cases(client, demo):
    assert not _timeline_contradictions(), _timeline_contradictions()
    yubei = Org.objects.get(name="渝北区总工会")
    html = client.get(f"/gs/{yubei.pk}/").content.decode()
    in_publicity = Application.objects.filter(
        state=S.PUBLICITY,
        publicity_end__gte=timezone.localdate(),
        org__path__startswith=yubei.path,
    ).count()
    assert in_publicity >= 1
    assert html.count('class="card pub-case"') == in_publicity


@pytest.mark.django_db(transaction=True)
def test_a_generated_city_agrees_with_itself_too():
    from gonghui.demo.generate import generate_city
    from gonghui.demo.generate.generator import DEFAULT_AS_OF as as_of

    generate_city(members=600, seed=7, out=lambda line: None)
    assert HardshipFile.objects.exists()
    assert not _income_contradictions(), _income_contradictions()[:5]
    wrong = []
    for app in Application.objects.all():
        start, end = app.publicity_start, app.publicity_end
        if app.state == S.PUBLICITY and not (start and end and start <= as_of <= end):
            wrong.append(f"{app.number} in publicity {start}–{end}")
        if app.state in (S.APPROVAL, S.CLOSED) and not (end and end < as_of):
            wrong.append(f"{app.number} {app.state} with publicity {start}–{end}")
        if app.state in BEFORE_PUBLICITY and (start or end):
            wrong.append(f"{app.number} {app.state} with publicity {start}–{end}")
    assert not wrong, wrong


def test_generated_publicity_dates_agree_with_the_state():
    """The generator's publicity of a case, for many draws: running on the day the city is
    generated for a case in publicity, over before it for one decided, after submission,
    and on the calendar (a city of a few hundred members has too few cases to show it)."""
    import random

    from gonghui.demo.generate.assistance import _publicity
    from gonghui.demo.generate.generator import DEFAULT_AS_OF as as_of

    rng = random.Random(7)
    for _ in range(300):
        for state, back in (("publicity", 20), ("approval", 30), ("closed", 200)):
            submitted = as_of - timedelta(days=rng.randrange(back, back + 20))
            start, end = _publicity(state, submitted, as_of, rng)
            assert end == PUBLICITY.due(start)
            assert submitted < start
            if state == "publicity":
                assert start <= as_of <= end
            else:
                assert end < as_of, (state, submitted, start, end)
    assert _publicity("verification", as_of, as_of, rng) is None
