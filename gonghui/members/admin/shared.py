"""Pieces the members console pages share: list filters, the masked person columns, the reveal
panel's fields, and calling an action from a list action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.members.actions import MEMBER_ORG_KINDS
from gonghui.members.models import Person
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict, subtree_ids
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError


def messages_of(exc) -> str:
    return " ".join(str(m) for m in exc.messages)


def run_action(http_request, fn, /, **kwargs):
    """Call an action; a refused guard becomes an error message (None is returned)."""
    try:
        return fn(actor=http_request.user, **kwargs)
    except ActionError as exc:
        messages.error(http_request, messages_of(exc))
    except PermissionDenied:
        messages.error(http_request, _("You do not have permission to do this."))
    return None


class SubtreeFilter(DropdownFilter):
    """Rows whose union is the chosen org or below it; the choices are the user's orgs."""

    title = _("organisation (with everything below)")
    parameter_name = "subtree"
    org_fields: tuple[str, ...] = ("org",)
    LIMIT = 300

    def lookups(self, request, model_admin):
        orgs = list(
            restrict(Org, request.user, "view")
            .order_by("path")
            .only("pk", "name", "depth")[: self.LIMIT]
        )
        top = min((o.depth for o in orgs), default=1)
        return [(str(o.pk), "— " * (o.depth - top) + o.name) for o in orgs]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            org = restrict(Org, request.user, "view").get(pk=int(value))
        except (Org.DoesNotExist, ValueError, TypeError):
            return queryset.none()
        ids = subtree_ids(request.user, org.path)
        q = Q()
        for field in self.org_fields:
            q |= Q(**{f"{field}_id__in": ids})
        return queryset.filter(q)


class TransferSubtreeFilter(SubtreeFilter):
    org_fields = ("from_org", "to_org")


class LapsingFilter(DropdownFilter):
    title = _("lapsing")
    parameter_name = "lapsing"

    def lookups(self, request, model_admin):
        return [
            ("first", _("Flagged as lapsing first")),
            ("only", _("Only flagged as lapsing")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "only":
            return queryset.filter(lapse_flagged_at__isnull=False)
        return queryset


class ReviewFlagFilter(DropdownFilter):
    """Memberships staff flagged for review (actions.flag_for_review), newest flag first."""

    title = pgettext_lazy("review flag", "review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("flagged", _("Flagged for review"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(review_flagged_at__isnull=False)
        return queryset


def member_org_choices(user, perm: str):
    """The unions in ``user``'s scope for ``perm`` that can hold members."""
    return (
        restrict(Org, user, perm)
        .filter(kind__in=MEMBER_ORG_KINDS, status=OrgStatus.ACTIVE)
        .order_by("path")
    )


class PersonColumns:
    """Masked person columns for lists whose rows have a ``person`` (or are one)."""

    @admin.display(description=_("union"), ordering="org__name")
    def union_name(self, obj):
        # The short name keeps the column readable; the full name is in the tooltip.
        return format_html('<span title="{}">{}</span>', obj.org.name, obj.org.display_name)

    @staticmethod
    def _person(obj):
        return obj if isinstance(obj, Person) else obj.person

    @admin.display(description=pgettext_lazy("person", "Name"), ordering="person__name")
    def masked_name(self, obj):
        return mask_name(self._person(obj).name)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_list(self._person(obj).id_number)

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        phone = self._person(obj).phone
        return mask_phone(phone) if phone else ""

    @admin.display(description=_("ID number"))
    def masked_id_detail(self, obj):
        return mask_id_detail(self._person(obj).id_number)

    @admin.display(description=pgettext_lazy("person", "Name"))
    def person_name(self, obj):
        return self._person(obj).name

    @admin.display(description=_("Gender"))
    def person_gender(self, obj):
        return self._person(obj).get_gender_display()


def reveal_fields(person: Person) -> list:
    fields = [("id_number", _("ID number"), mask_id_detail(person.id_number))]
    if person.phone:
        fields.append(("phone", _("Mobile phone"), mask_phone(person.phone)))
    return fields
