"""The member list as a spreadsheet: which memberships an export holds (the list's own
search and filters, through ``restrict``) and the masked xlsx written in constant memory."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import translation

from gonghui.members.choices import EmploymentForm, MembershipState
from gonghui.members.models import Membership
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_id_list, mask_phone
from gonghui.platform.security.cells import xlsx_row

EXPORT_PERMISSION = "members.export_membership"
# Exports above this many rows need an approved ExportRequest (maker-checker).
EXPORT_DIRECT_LIMIT = 500


# --- export ----------------------------------------------------------------------------------

# The member list's own filters (members.admin.MembershipAdmin.list_filter, by their query
# parameters) → lookup. The list's search box ("q") and its "subtree" and "lapsing" filters
# are applied below exactly as the list applies them; test_export_matches_the_list fails when
# the list gains a filter the export does not honour.
EXPORT_FILTERS = {
    "state__exact": "state",
    "employment_form__exact": "employment_form",
    "is_migrant__exact": "is_migrant",
    "source__exact": "source",
    "joined_on_from": "joined_on__gte",  # unfold's RangeDateFilter
    "joined_on_to": "joined_on__lte",
    # Names kept for export requests stored before the list's names were used.
    "org": "org_id",
    "org__id__exact": "org_id",
    "state": "state",
    "employment_form": "employment_form",
    "is_migrant": "is_migrant",
    "joined_on__gte": "joined_on__gte",
    "joined_on__lte": "joined_on__lte",
}
EXPORT_SEARCH_AND_OWN_FILTERS = ("q", "subtree", "lapsing", "review")
# "Export the selected members" (a list action): the chosen rows' numbers, comma-separated.
EXPORT_SELECTION = "ids"


def _selection(value) -> str:
    ids = [part for part in str(value).split(",") if part.strip().isdigit()]
    return ",".join(part.strip() for part in ids[:EXPORT_DIRECT_LIMIT])


def export_filters_from(params) -> dict[str, str]:
    """The filters of the membership list (its query string) that an export honours."""
    filters = {}
    for name in [*EXPORT_FILTERS, *EXPORT_SEARCH_AND_OWN_FILTERS]:
        value = params.get(name)
        if value not in (None, ""):
            filters[name] = str(value)[:100]
    selection = _selection(params.get(EXPORT_SELECTION) or "")
    if selection:
        filters[EXPORT_SELECTION] = selection
    return filters


def _list_date(value: str) -> date | None:
    """A date as the list's date-range filter reads it (any of DATE_INPUT_FORMATS)."""
    from django.conf import settings

    for fmt in settings.DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date, no zone)
        except (ValueError, TypeError):
            continue
    return None


def export_queryset(user, filters: dict, *, permission: str = EXPORT_PERMISSION):
    """The memberships ``user`` may export, narrowed by the list's search and filters.

    The search is the list's own (``members.search.search_memberships``: name, pinyin or
    initials, a full ID number or mobile by blind index, a card number), so the export has
    the rows the list shows."""
    from django.core.exceptions import ValidationError

    from gonghui.members.search import search_memberships
    from gonghui.platform.access.scoping import subtree_ids

    qs = restrict(Membership, user, permission)
    for name, value in filters.items():
        if name == "q":
            qs = search_memberships(qs, value)
        elif name == "subtree":
            # As the list's SubtreeFilter: an org the user may view, and everything below.
            org = (
                restrict(Org, user, "view").filter(pk=int(value)).first()
                if str(value).isdigit()
                else None
            )
            if org is None:
                return qs.none()
            qs = qs.filter(org_id__in=subtree_ids(user, org.path))
        elif name == "lapsing":
            if value == "only":
                qs = qs.filter(lapse_flagged_at__isnull=False)
        elif name == "review":
            if value == "flagged":
                qs = qs.filter(review_flagged_at__isnull=False)
        elif name == EXPORT_SELECTION:
            qs = qs.filter(pk__in=[int(part) for part in _selection(value).split(",") if part])
        elif name in EXPORT_FILTERS:
            lookup = EXPORT_FILTERS[name]
            if lookup == "is_migrant":
                value = str(value).lower() in ("1", "true", "yes")
            elif lookup.startswith("joined_on__"):
                value = _list_date(value) if name.endswith(("_from", "_to")) else value
                if value is None:
                    return qs.none()
            try:
                qs = qs.filter(**{lookup: value})
            except (ValueError, TypeError, ValidationError):
                return qs.none()
    return qs


EXPORT_HEADERS = (
    "姓名",
    "身份证号(脱敏)",
    "手机号(脱敏)",
    "所属工会",
    "所属工会编码",
    "用人单位或平台",
    "就业形态",
    "是否农民工",
    "状态",
    "入会日期",
    "会员卡号",
)


def write_memberships_xlsx(memberships: Iterable[Membership], target) -> int:
    """Write the memberships to ``target`` (a path or binary file) with openpyxl write-only
    mode (constant memory); ID numbers and phones are masked. Returns the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员名册")
    sheet.append(list(EXPORT_HEADERS))
    count = 0
    with translation.override("zh-hans"):
        for m in memberships:
            person = m.person
            # xlsx_row: a stored value with a control character must not fail the export.
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        person.name,
                        mask_id_list(person.id_number),
                        mask_phone(person.phone),
                        m.org.name,
                        m.org_id,
                        m.employer_name,
                        str(EmploymentForm(m.employment_form).label),
                        "是" if m.is_migrant else "否",
                        str(MembershipState(m.state).label),
                        m.joined_on,
                        m.card_no or "",
                    ],
                )
            )
            count += 1
    workbook.save(target)
    return count
