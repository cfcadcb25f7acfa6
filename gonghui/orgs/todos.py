"""The org app's to-dos on the console start page (registered in ``OrgsConfig.ready``):
committee terms overdue for election and due within ``DUE_WITHIN_DAYS`` days (the user's own
union's term said apart, with the link that starts the new term), and the responsibility
letters (责任书) of this year's published duty lists that are not signed yet.

A term's clock is its end date (``Term.ends_on``, indexed), counted in calendar days.
"""

from __future__ import annotations

import datetime
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.building.common import DUE_WITHIN_DAYS
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import DUTY_LEVEL_KINDS, DutyLetter, DutyList, DutyListState, Org, Term
from gonghui.platform.access.scoping import grant_scopes, restrict, subtree_q
from gonghui.platform.todos import DUE_SOON, OVERDUE, WAITING, Todo, TodoSource, count_and_oldest

GROUP = _("Union building")
START_TERM = "orgs.add_term"
RECORD_LETTER = "orgs.add_dutyletter"


def term_todos(user, today: date) -> list[Todo]:
    horizon = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
    own = sorted({s.org_id for s in grant_scopes(user) if START_TERM in s.permissions})
    terms = restrict(Term, user, START_TERM).filter(is_current=True, ends_on__lte=horizon)
    row = count_and_oldest(
        terms,
        "ends_on",
        overdue=Q(ends_on__lt=today),
        soon=Q(ends_on__gte=today),
        own_overdue=Q(ends_on__lt=today, org_id__in=own),
    )
    url = reverse("console:orgs_term_changelist")
    todos = []
    if row["own_overdue"]:
        # The union the user answers for is itself past its election (e.g. the district).
        term = (
            restrict(Term, user, START_TERM)
            .filter(is_current=True, ends_on__lt=today, org_id__in=own)
            .select_related("org")
            .order_by("ends_on")
            .first()
        )
        todos.append(
            Todo(
                label=_("%(org)s: the committee's term has ended, elect a new one")
                % {"org": term.org.name},
                count=row["own_overdue"],
                url=f"{reverse('console:orgs_term_add')}?org={term.org_id}",
                level=OVERDUE,
                group=GROUP,
                days_overdue=(today - term.ends_on).days,
            )
        )
    others = row["overdue"] - row["own_overdue"]
    if others:
        todos.append(
            Todo(
                label=_("Committee terms overdue for election"),
                count=others,
                url=f"{url}?due=overdue",
                level=OVERDUE,
                group=GROUP,
                days_overdue=(today - row["overdue_oldest"]).days,
            )
        )
    if row["soon"]:
        todos.append(
            Todo(
                label=_("Committee terms due for election within %(n)d days")
                % {"n": DUE_WITHIN_DAYS},
                count=row["soon"],
                url=f"{url}?due=soon",
                level=DUE_SOON,
                group=GROUP,
                due=row["soon_oldest"],
            )
        )
    return todos


def letter_todos(user, today: date) -> list[Todo]:
    """Orgs in the user's scope that have not signed this year's list of their level. One
    count per published list that reaches the scope (a few a year), as on the not-signed
    page (``building.unsigned_letters``), which the line links to."""
    year = today.year
    scope = restrict(Org, user, "orgs.view_dutyletter").filter(status=OrgStatus.ACTIVE)
    lists = DutyList.objects.filter(state=DutyListState.PUBLISHED, year=year).select_related("org")
    paths = [s.path for s in grant_scopes(user) if "orgs.view_dutyletter" in s.permissions]
    missing = 0
    first_published = None
    for duty_list in lists:
        publisher = duty_list.org.path
        if not any(p.startswith(publisher) or publisher.startswith(p) for p in paths):
            continue  # the list reaches no org of the user's
        orgs = (
            scope.filter(subtree_q("path", duty_list.org.path))
            .filter(kind__in=DUTY_LEVEL_KINDS[duty_list.level])
            .exclude(pk__in=DutyLetter.objects.filter(list=duty_list).values("org_id"))
        )
        n = orgs.count()
        if n:
            missing += n
            published = duty_list.published_at
            if published and (first_published is None or published < first_published):
                first_published = published
    if not missing:
        return []
    return [
        Todo(
            label=_("Responsibility letters not signed in %(year)s") % {"year": year},
            count=missing,
            url=f"{reverse('console:orgs_dutyletter_not_signed')}?year={year}",
            level=WAITING,
            group=GROUP,
            oldest_days=(today - timezone.localdate(first_published)).days
            if first_published
            else None,
            working=False,
        )
    ]


SOURCES = (
    TodoSource("orgs.terms", _("Committee terms"), (START_TERM,), term_todos),
    TodoSource("orgs.duty_letters", _("Responsibility letters"), (RECORD_LETTER,), letter_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
