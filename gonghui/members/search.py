"""Read helpers for finding people and memberships from one search box.

One box understands what staff type: a Chinese name, pinyin or initials, an 18-character ID
number or an 11-digit mobile (matched exactly through their blind indexes, never by scanning
decrypted values) and a card number. The caller passes an already scoped queryset.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gonghui.members.deadlines import JOIN_REVIEW
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.deadlines import start_of_day
from gonghui.platform.pii.fields import index_for

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^(?:\+?86)?1\d{10}$")
_DIGITS_RE = re.compile(r"^\d{4,20}$")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_LATIN_RE = re.compile(r"^[a-z]+$")
# Pinyin "contains" scans the column; only worth it for a fragment that can discriminate.
_PINYIN_CONTAINS_MIN = 3


def _compact(text: str) -> str:
    return "".join((text or "").split()).upper()


def _person_q(text: str, prefix: str, pinyin: bool = True) -> Q | None:
    """The filter on person fields, or None when the text is not about a person's name,
    ID or phone (e.g. a card number). ``pinyin=False`` for rows without the pinyin columns
    (a join application): a latin fragment is then looked for in the name as typed."""
    compact = _compact(text)
    if _ID_RE.match(compact):
        return Q(**{f"{prefix}id_index": index_for("id_number", compact)})
    if _MOBILE_RE.match(compact):
        return Q(**{f"{prefix}phone_index": index_for("phone", compact)})
    if _DIGITS_RE.match(compact):
        return None
    name = " ".join(text.split())
    if _CJK_RE.search(name):
        return Q(**{f"{prefix}name__icontains": name})
    latin = re.sub(r"[^a-z]", "", name.lower())
    if pinyin and latin and _LATIN_RE.match(latin):
        q = Q(**{f"{prefix}name_pinyin__startswith": latin}) | Q(
            **{f"{prefix}name_initials__startswith": latin}
        )
        if len(latin) >= _PINYIN_CONTAINS_MIN:
            q |= Q(**{f"{prefix}name_pinyin__contains": latin})
        return q
    return Q(**{f"{prefix}name__icontains": name})


def _card_no(text: str) -> str | None:
    compact = _compact(text)
    return compact if _DIGITS_RE.match(compact) else None


def search_memberships(qs: QuerySet, text: str) -> QuerySet:
    """Memberships in ``qs`` whose person or card matches ``text`` (empty text: all)."""
    text = (text or "").strip()[:100]
    if not text:
        return qs
    q = _person_q(text, "person__")
    card = _card_no(text)
    if card:
        # An 18-digit card number has the shape of an ID number: try both.
        q = Q(card_no=card) | q if q is not None else Q(card_no=card)
    return qs.filter(q)


def search_people(qs: QuerySet, text: str) -> QuerySet:
    """People in ``qs`` matching ``text`` by name, pinyin, ID, phone or a card number."""
    from gonghui.members.models import Membership

    text = (text or "").strip()[:100]
    if not text:
        return qs
    q = _person_q(text, "")
    card = _card_no(text)
    if card:
        has_card = Exists(Membership.objects.filter(person=OuterRef("pk"), card_no=card))
        q = has_card | q if q is not None else Q(has_card)
    return qs.filter(q)


# --- the join review queue --------------------------------------------------------------------


def search_join_requests(qs: QuerySet, text: str) -> QuerySet:
    """Applications in ``qs`` by the applicant's name, her full ID number or mobile (exact,
    through the blind indexes) or the label of the QR channel she came through."""
    text = (text or "").strip()[:100]
    if not text:
        return qs
    q = _person_q(text, "", pinyin=False)
    if q is None:  # digits that are neither an ID nor a mobile: a channel label may hold them
        return qs.filter(channel__label__icontains=text)
    compact = _compact(text)
    if _ID_RE.match(compact) or _MOBILE_RE.match(compact):
        return qs.filter(q)
    return qs.filter(q | Q(channel__label__icontains=" ".join(text.split())))


def review_limit() -> int:
    """Working days a union has to decide an application (then it is overdue)."""
    return JOIN_REVIEW.days


def submitted_before_for_age(days: int, today=None):
    """The moment before which an application is more than ``days`` working days old,
    counted on the holiday calendar like ``actions.working_days_between`` (so the filter
    agrees with the age column): computed once, then one indexed comparison."""
    today = today or timezone.localdate()
    # more than ``days`` working days old = at least days + 1 of them after the submission
    # day, up to today: submitted before the (days + 1)-th working day counting back
    return start_of_day(workdays.add_working_days(today + timedelta(days=1), -(days + 1)))


def overdue_join_requests(qs: QuerySet, today=None) -> QuerySet:
    """Pending applications in ``qs`` past their review's due day (``actions.is_overdue``):
    the cutoff submission day comes from the calendar once, then the filter is indexed."""
    cutoff = start_of_day(JOIN_REVIEW.overdue_if_started_before(today))
    return qs.filter(state="pending", submitted_at__lt=cutoff)
