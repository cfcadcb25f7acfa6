"""Duty lists and responsibility letters (四类责任清单): the duty list's declared transition
(publish) and the actions that draft, change and publish a list and record a signed letter."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.building.common import _require_active
from gonghui.orgs.building.queries import lists_for_org
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import (
    DUTY_LEVEL_KINDS,
    DutyItem,
    DutyLetter,
    DutyList,
    DutyListState,
    Org,
)
from gonghui.platform.workflow.base import ActionError, StateMachine, Transition, action

# --- duty lists and responsibility letters (四类责任清单) ---------------------------------------


def _clean_items(items) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    return [text.strip() for text in items or () if text and text.strip()]


def _replace_items(duty_list: DutyList, items: list[str]) -> None:
    duty_list.items.all().delete()
    DutyItem.objects.bulk_create(
        DutyItem(list=duty_list, order=i, text=text) for i, text in enumerate(items, start=1)
    )


@action("orgs.create_duty_list", permission="orgs.add_dutylist")
def create_duty_list(ctx, *, org: Org, level: str, year: int, title: str, items=()) -> DutyList:
    """Draft a duty-list template for one org level and year, published by a federation."""
    org = ctx.require(org, "orgs.add_dutylist")
    _require_active(org)
    if org.kind in (OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL):
        raise ActionError(
            _("Duty lists are published by a federation."), code="publisher_not_federation"
        )
    if level not in DUTY_LEVEL_KINDS:
        raise ActionError(_("Unknown level."), code="invalid_level")
    title = (title or "").strip()
    if not title:
        raise ActionError(_("The title is required."), code="required")
    if not year or not 2000 <= int(year) <= 2100:
        raise ActionError(_("Enter a valid year."), code="invalid_year")
    if DutyList.objects.filter(org=org, level=level, year=year).exists():
        raise ActionError(
            _("This organisation already has a list for this level and year."),
            code="duplicate_list",
        )
    duty_list = DutyList.objects.create(org=org, level=level, year=int(year), title=title)
    _replace_items(duty_list, _clean_items(items))
    ctx.org = org
    ctx.wrote(duty_list, details={"level": level, "year": int(year)})
    return duty_list


@action("orgs.update_duty_list", permission="orgs.change_dutylist")
def update_duty_list(ctx, *, duty_list: DutyList, title: str | None = None, items=None):
    """Change the title or the duties of a draft list."""
    duty_list = ctx.require(duty_list)
    ctx.lock(duty_list)
    if duty_list.state != DutyListState.DRAFT:
        raise ActionError(_("A published list cannot be changed."), code="published")
    if title is not None:
        title = title.strip()
        if not title:
            raise ActionError(_("The title is required."), code="required")
        duty_list.title = title
        duty_list.save(update_fields=["title"])
    if items is not None:
        _replace_items(duty_list, _clean_items(items))
    ctx.org = duty_list.org
    ctx.wrote(duty_list)
    return duty_list


@action("orgs.publish_duty_list", permission="orgs.change_dutylist")
def publish_duty_list(ctx, *, duty_list: DutyList) -> DutyList:
    """Publish the list: from now on the orgs of its level sign it, and it is frozen."""
    duty_list = ctx.require(duty_list)
    ctx.lock(duty_list)
    if not duty_list.items.exists():
        raise ActionError(_("A list needs at least one duty."), code="empty_list")
    duty_list.published_at = timezone.now()
    duty_list_states.apply(ctx, duty_list, "publish", extra_fields=["published_at"])
    ctx.org = duty_list.org
    ctx.wrote(duty_list)
    return duty_list


@action("orgs.sign_duty_letter", permission="orgs.add_dutyletter")
def sign_duty_letter(
    ctx,
    *,
    org: Org,
    duty_list: DutyList,
    signed_on: datetime.date,
    signed_by: str,
    file=None,
) -> DutyLetter:
    """Record that ``org`` signed the responsibility letter for a published duty list."""
    org = ctx.require(org, "orgs.add_dutyletter")
    ctx.lock(org)
    _require_active(org)
    # The list belongs to a federation above the org, usually outside the signer's scope:
    # it is checked against the org's own ancestry instead of ``restrict``.
    if not lists_for_org(org).filter(pk=duty_list.pk).exists():
        raise ActionError(
            _("This duty list is not published for this organisation."), code="list_not_for_org"
        )
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise ActionError(_("Give the name of the person who signed."), code="required")
    if signed_on is None:
        raise ActionError(_("Give the signing date."), code="required")
    if DutyLetter.objects.filter(org=org, list=duty_list).exists():
        raise ActionError(
            _("This organisation has already signed this list."), code="already_signed"
        )
    letter = DutyLetter(
        org=org, list=duty_list, year=duty_list.year, signed_on=signed_on, signed_by=signed_by
    )
    if file:
        letter.file = file
    letter.save()
    ctx.org = org
    ctx.wrote(letter, details={"list": duty_list.pk, "year": duty_list.year})
    return letter


# --- the declared transition --------------------------------------------------------------------


def empty_list_reasons(duty_list: DutyList, user=None) -> list:
    """``check`` of publish: a list without duties has nothing to sign."""
    if not duty_list.items.exists():
        return [_("A list needs at least one duty.")]
    return []


duty_list_states = StateMachine(
    "state",
    [
        Transition(
            "publish",
            frozenset({DutyListState.DRAFT}),
            DutyListState.PUBLISHED,
            label=_("Publish for the unions to sign"),
            permission="orgs.change_dutylist",
            check=empty_list_reasons,
            execute=lambda obj, actor: publish_duty_list(actor=actor, duty_list=obj),
            # The API has no duty-list endpoints: publishing is offered on the console.
            faces=frozenset({"console"}),
            intro=_(
                "Once published the list cannot be changed, and the unions of its level below "
                "the publisher record their signed responsibility letters against it."
            ),
            done=_("The list is published: the unions of its level can sign it now."),
        )
    ],
)
