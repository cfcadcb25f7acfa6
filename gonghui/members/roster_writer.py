"""Writing a batch of roster rows (the roster import's writer, ``roster.import_roster``).

New people and memberships go in with the exact column values the ORM would store (ids
reserved first, COPY on PostgreSQL), changed ones with one UPDATE from arrays
(``bulk.update_rows``). A person is found city-wide by the blind index of the ID number; a
current member of *another* union is an error row (transfers are their own workflow), a
current member of the same union is updated, and re-importing the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members import identity
from gonghui.members.actions import card_number_for
from gonghui.members.choices import CURRENT_STATES, MembershipSource, MembershipState
from gonghui.members.models import Membership, Person
from gonghui.members.roster_rows import pinyin as _pinyin
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.feeds import summaries
from gonghui.platform.imports.bulk import any_of, insert_rows, reserve_ids, update_rows
from gonghui.platform.imports.cells import Formatted as _Formatted
from gonghui.platform.imports.pipeline import ImportStats, RetryBatch, RowResult
from gonghui.platform.pii.fields import index_for

BATCH_SIZE = 500
# PostgreSQL: refresh the planner's statistics after this many new members (see BatchWriter).
ANALYZE_EVERY = 5000

MSG_OTHER_UNION = _(
    "This person is already a member of %(org)s. Ask for a transfer instead of importing."
)
MSG_MEMBER_ELSEWHERE = _(
    "This person is already a member of another union. Ask for a transfer instead of importing."
)
MSG_PHONE_CHANGED = _(
    "[gonghui] The mobile number on your union record was changed by your union's roster. "
    "If you did not ask for this, tell your union at once."
)
MSG_SAVE_FAILED = _("The row could not be saved because it changed meanwhile; import it again.")


# --- writing batches -------------------------------------------------------------------------

PERSON_EXTRA = (
    "ethnicity",
    "education",
    "household_type",
    "skill_level",
    "model_worker_level",
    "residence_region",
)


def assign_card_numbers(memberships: list[Membership]) -> None:
    """Give new memberships their card numbers (``actions.card_number_for``: year + region + id).

    ``bulk_update`` would build a CASE expression per row (measured: a third of the import
    time); rows share a handful of year+region prefixes, so one UPDATE per prefix computes
    the number in SQL from the id instead.
    """
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    groups: dict[str, list[int]] = {}
    for membership in memberships:
        membership.card_no = card_number_for(membership)
        groups.setdefault(membership.card_no[:-8], []).append(membership.pk)
    if max(m.pk for m in memberships) >= 10**8:
        # LPAD would cut a 9-digit id; the generic path keeps every digit.
        Membership.objects.bulk_update(memberships, ["card_no"], batch_size=BATCH_SIZE)
        return
    for prefix, ids in groups.items():
        for start in range(0, len(ids), BATCH_SIZE):
            Membership.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(
                card_no=Concat(
                    Value(prefix),
                    LPad(Cast("id", CharField()), 8, Value("0")),
                    output_field=CharField(),
                )
            )


# --- the insert fast path ----------------------------------------------------------------------
#
# ``bulk_create`` spends most of its time compiling the INSERT (pre_save and
# get_db_prep_save per field and row: measured, half of the import time). New people and
# memberships are inserted with the exact column values it would store instead: the ids are
# reserved first (a sequence on PostgreSQL, the next AUTOINCREMENT values under the write lock
# on SQLite), so the card numbers are part of the row, and the rows go in with COPY on
# PostgreSQL or multi-row INSERTs on SQLite. The column lists below name every concrete field;
# a model field they do not know switches the importer back to ``bulk_create``
# (test_roster_fast_path checks that they are complete and that both paths store the same).

PERSON_COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "id_number",
    "id_index",
    "gender",
    "birth_date",
    "phone",
    "phone_index",
    *PERSON_EXTRA,
    "org_id",
    "user_id",
    "created_at",
    "updated_at",
)
MEMBERSHIP_COLUMNS = (
    "person_id",
    "org_id",
    "employer_id",
    "employer_name",
    "employment_form",
    "is_migrant",
    "state",
    "source",
    "joined_on",
    "card_no",
    "last_dues_on",
    "last_activity_on",
    "state_changed_at",
    "ended_on",
    "end_reason",
    "lapse_flagged_at",
    "review_reason",
    "review_flagged_at",
    "review_flagged_by_id",
    "created_at",
)


def _attnames(model) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields if not f.primary_key}


def _fast_insert_supported() -> bool:

    return (
        connection.vendor in ("sqlite", "postgresql")
        and _attnames(Person) == set(PERSON_COLUMNS)
        and _attnames(Membership) == set(MEMBERSHIP_COLUMNS)
    )


@dataclass(eq=False)
class NewMembership:
    """A membership inserted by the import fast path: the attributes ``card_number_for`` and
    the cockpit summaries (``summaries.snapshot``) read, without a model instance."""

    pk: int
    person_id: int
    org: Org
    employer_name: str
    employment_form: str
    is_migrant: bool
    joined_on: date
    state: str = MembershipState.ACTIVE.value
    source: str = MembershipSource.IMPORT.value
    card_no: str | None = None
    ended_on: date | None = None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def org_id(self) -> int:
        return self.org.pk


@dataclass(eq=False)
class Plan:
    """One batch, classified by :meth:`BatchWriter.prepare` (reads only) and written by
    :meth:`BatchWriter.commit`."""

    rows: list[RowResult]  # the rows to write (the batch less the refused ones)
    new_people: list  # Person objects, or on the fast path the rows themselves
    changed_people: dict[int, Person]
    person_fields: set[str]
    new_members: list[tuple[RowResult, Any]]  # (row, Person or the row of a new one)
    changed_members: list[Membership]
    member_fields: set[str]
    summary_before: dict[int, Any]  # membership id → what it counted in the summaries
    old_phones: list[str]  # numbers whose account lost the record: told on commit
    counts: dict[str, int]
    fast: bool
    size: int  # rows in the batch, refused ones included (the audit event's count)


class BatchWriter:
    """Writes one batch of valid rows in one transaction, in two steps that the pipeline may
    run on two threads (``platform/imports/overlap.py``): :meth:`prepare` reads and classifies
    (who exists, who is a member where, what changed) and :meth:`commit` writes."""

    def __init__(self, actor, audit_obj=None, audit_org=None, today: date | None = None):
        self.actor, self.audit_obj, self.audit_org = actor, audit_obj, audit_org
        self.today = today or timezone.localdate()
        self.batches = 0
        self._created_since_analyze = 0
        self._analyze_every: int | None = None  # read from the statistics on first use

    def write(self, rows: list[RowResult], stats: ImportStats) -> list[RowResult]:
        """Write ``rows`` on this thread; return the rows that turned out to be errors (other
        union, or a row that changed meanwhile twice)."""
        if not rows:
            return []
        for attempt in range(2):
            plan, refused = self.prepare(rows)
            try:
                self.commit(plan, stats)
            except RetryBatch:
                if attempt == 0:
                    continue
                for row in plan.rows:
                    row.errors.append(("身份证号", MSG_SAVE_FAILED))
                return refused + plan.rows
            return refused
        return []  # pragma: no cover

    def commit(self, plan: Plan, stats: ImportStats) -> None:
        """Write a prepared batch in one transaction with its audit event, and count it in
        ``stats``. Raises :class:`RetryBatch` when a concurrent join or import created one
        of these people or memberships between ``prepare`` and now: prepare it afresh."""
        try:
            with transaction.atomic():
                self._apply(plan)
                record_event(
                    actor=self.actor,
                    action="members.import_roster",
                    obj=self.audit_obj,
                    org=self.audit_org,
                    details={"batch": self.batches + 1, "rows": plan.size, **plan.counts},
                )
        except IntegrityError:
            raise RetryBatch from None
        self.batches += 1
        stats.created += plan.counts["created"]
        stats.updated += plan.counts["updated"]
        stats.unchanged += plan.counts["unchanged"]
        self._refresh_statistics(plan.counts["created"])

    def _refresh_statistics(self, created: int) -> None:
        """On PostgreSQL, ANALYZE the member tables once a big import has grown them.

        Measured on the bench: a 10k-row import into tables analysed while nearly empty left
        the planner estimating one row, and ``current_membership_of_id`` (the join check of
        every other write path) took 4-10 s per call instead of a millisecond, until
        autovacuum caught up. ANALYZE of both tables costs about 0.1 s per 100k rows on an
        idle machine (0.5-0.8 s measured on the loaded bench box: a tenth of a 10k import).
        The interval doubles after each ANALYZE (5k, 10k, 20k … new members): statistics
        stay within a factor of two or three of the truth, with about log2(n / 5000) runs
        per import instead of n / 5000. The first interval is at least the number of members
        the statistics already count (``pg_class.reltuples``): a table of a million members
        that grows by 5k does not need new statistics (measured: 0.9 s per ANALYZE at 200k
        members, three of them a tenth of a 50k-row import).
        """
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        if self._analyze_every is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                    [Membership._meta.db_table],
                )
                row = cursor.fetchone()
            self._analyze_every = max(ANALYZE_EVERY, int(row[0]) if row else 0)
        self._created_since_analyze += created
        if self._created_since_analyze < self._analyze_every:
            return
        self._created_since_analyze = 0
        self._analyze_every *= 2
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Person._meta.db_table}, {Membership._meta.db_table}"  # noqa: S608
            )

    def prepare(self, rows: list[RowResult]) -> tuple[Plan, list[RowResult]]:
        """Classify ``rows`` (reads only): returns the plan of the batch and the rows refused
        (a current member of another union)."""
        for row in rows:
            row.errors.clear()
        fast = _fast_insert_supported()
        index = {r.derived["id_index"]: r for r in rows}
        people = {p.id_index: p for p in any_of(Person.objects.all(), "id_index", list(index))}
        currents = {
            m.person_id: m
            for m in Membership.objects.filter(
                person_id__in=[p.pk for p in people.values()], state__in=CURRENT_STATES
            ).select_related("org")
        }
        # what the current memberships count in the cockpit summaries before this batch
        summary_before = {m.pk: summaries.snapshot(m) for m in currents.values()}
        new_people: list = []  # Person objects, or on the fast path the rows themselves
        changed_people: dict[int, Person] = {}
        person_fields: set[str] = set()
        new_members: list[tuple[RowResult, Any]] = []  # (row, Person or the row of a new one)
        changed_members: list[Membership] = []
        member_fields: set[str] = set()
        failed: list[RowResult] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0, "other_union": 0}
        # A union elsewhere is named only if the importer may see that membership (#11).
        elsewhere = [m.pk for m in currents.values()]
        visible_elsewhere = (
            set(
                restrict(Membership, self.actor, "view")
                .filter(pk__in=elsewhere)
                .values_list("pk", flat=True)
            )
            if elsewhere
            else set()
        )
        old_phones: list[str] = []  # numbers whose account lost the record: told on commit

        for idx, row in index.items():
            v = row.values
            org: Org = v["org"]
            person = people.get(idx)
            current = currents.get(person.pk) if person else None
            if current is not None and current.org_id != org.pk:
                message = (
                    _Formatted(MSG_OTHER_UNION, {"org": current.org.name})
                    if current.pk in visible_elsewhere
                    else MSG_MEMBER_ELSEWHERE
                )
                row.errors.append(("身份证号", message))
                failed.append(row)
                counts["other_union"] += 1
                continue
            if person is None and fast:
                new_people.append(row)
                new_members.append((row, row))
                counts["created"] += 1
                continue
            if person is None:
                pinyin, initials = _pinyin(v["name"])
                person = Person(
                    name=v["name"],
                    name_pinyin=pinyin,
                    name_initials=initials,
                    id_number=v["id_number"],
                    phone=v["phone"],
                    gender=v["gender"],
                    birth_date=v["birth_date"],
                    org=org,
                    **{k: v[k] for k in PERSON_EXTRA if v.get(k)},
                )
                new_people.append(person)
                new_members.append((row, person))
                counts["created"] += 1
                continue
            old_phone = person.phone
            person_changes = self._person_changes(person, v, org)
            if "phone" in person_changes and person.user_id is not None:
                # The account of the old number no longer opens the record; the old number
                # is told (as members.identity.set_phone does for a single change).
                person.user = None
                person_changes.add("user")
                if old_phone:
                    old_phones.append(old_phone)
            if person_changes:
                person_fields |= person_changes
                changed_people[person.pk] = person
            if current is None:
                new_members.append((row, person))
                counts["created"] += 1
                continue
            member_changes = self._member_changes(current, v)
            if member_changes:
                member_fields |= member_changes
                changed_members.append(current)
            if person_changes or member_changes:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1

        accepted = [row for row in index.values() if not row.errors]
        plan = Plan(
            accepted,
            new_people,
            changed_people,
            person_fields,
            new_members,
            changed_members,
            member_fields,
            summary_before,
            old_phones,
            counts,
            fast,
            len(rows),
        )
        return plan, failed

    def _apply(self, plan: Plan) -> None:
        new_people, new_members = plan.new_people, plan.new_members
        changed_people, changed_members = plan.changed_people, plan.changed_members
        person_fields, fast = plan.person_fields, plan.fast
        now = timezone.now()
        person_ids: dict[int, int] = {}
        if new_people and fast:
            person_ids = self._insert_people(new_people, now)
        elif new_people:
            # bulk_create runs pre_save: the blind indexes are computed there.
            Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
        if changed_people:
            person_fields.add("updated_at")
            for person in changed_people.values():
                person.updated_at = now
            update_rows(Person, list(changed_people.values()), sorted(person_fields))
        memberships: list = []  # Membership objects, or NewMembership on the fast path
        if new_members and fast:
            memberships = self._insert_memberships(new_members, person_ids, now)
        elif new_members:
            for row, person in new_members:
                v = row.values
                memberships.append(
                    Membership(
                        person=person,
                        org=v["org"],
                        employer_name=v["employer_name"],
                        employment_form=v["employment_form"],
                        is_migrant=bool(v["is_migrant"]),
                        source=MembershipSource.IMPORT,
                        joined_on=v["joined_on"] or self.today,
                        state=MembershipState.ACTIVE,
                    )
                )
            Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
            assign_card_numbers(memberships)
        if changed_members:
            update_rows(Membership, changed_members, sorted(plan.member_fields))
        # Same transaction as the rows: new memberships and changed ones (start date, form of
        # employment, migrant flag) move the cockpit summary counts.
        summaries.memberships_changed(
            [plan.summary_before[m.pk] for m in changed_members],
            [summaries.snapshot(m) for m in (*memberships, *changed_members)],
        )
        for phone in plan.old_phones:
            transaction.on_commit(identity.notify(phone, str(MSG_PHONE_CHANGED)))

    def _insert_people(self, rows: list[RowResult], now) -> dict[int, int]:
        """Insert a new person per row with the column values ``bulk_create`` would store
        (ciphertexts, blind indexes and pinyin derived ahead); returns ``id(row) → pk``."""

        created = Person._meta.get_field("created_at").get_db_prep_save(now, connection)
        day = connection.ops.adapt_datefield_value
        data = []
        for row in rows:
            v, d = row.values, row.derived
            data.append(
                (
                    v["name"],
                    d["name_pinyin"],
                    d["name_initials"],
                    d["id_number"],
                    d["id_index"],
                    v["gender"],
                    day(v["birth_date"]),
                    d["phone"],
                    d["phone_index"],
                    *[v.get(key) or "" for key in PERSON_EXTRA],
                    v["org"].pk,
                    None,
                    created,
                    created,
                )
            )
        ids = insert_rows(Person, PERSON_COLUMNS, data)
        return {id(row): pk for row, pk in zip(rows, ids, strict=True)}

    def _insert_memberships(self, new_members: list, person_ids: dict[int, int], now) -> list:
        """Insert the new memberships with their card numbers (ids reserved first, so the
        numbers are computed here instead of by an UPDATE); returns lightweight
        :class:`NewMembership` objects."""

        created = Membership._meta.get_field("created_at").get_db_prep_save(now, connection)
        day = connection.ops.adapt_datefield_value
        ids = reserve_ids(Membership, len(new_members))
        memberships, data = [], []
        for (row, person), pk in zip(new_members, ids, strict=True):
            v = row.values
            membership = NewMembership(
                pk=pk,
                person_id=person_ids[id(row)] if person is row else person.pk,
                org=v["org"],
                employer_name=v["employer_name"],
                employment_form=str(v["employment_form"]),
                is_migrant=bool(v["is_migrant"]),
                joined_on=v["joined_on"] or self.today,
            )
            membership.card_no = card_number_for(membership)
            memberships.append(membership)
            data.append(
                (
                    membership.person_id,
                    membership.org_id,
                    None,
                    membership.employer_name,
                    membership.employment_form,
                    membership.is_migrant,
                    membership.state,
                    membership.source,
                    day(membership.joined_on),
                    membership.card_no,
                    None,
                    None,
                    created,
                    None,
                    "",
                    None,
                    "",
                    None,
                    None,
                    created,
                )
            )
        insert_rows(Membership, MEMBERSHIP_COLUMNS, data, ids=ids)
        return memberships

    @staticmethod
    def _person_changes(person: Person, v: dict, org: Org) -> set[str]:
        changes: set[str] = set()
        if person.name != v["name"]:
            person.name = v["name"]
            person.name_pinyin, person.name_initials = _pinyin(v["name"])
            changes |= {"name", "name_pinyin", "name_initials"}
        if person.phone != v["phone"]:
            person.phone = v["phone"]
            # update_rows skips pre_save: keep the blind index in step by hand.
            person.phone_index = index_for("phone", v["phone"])
            changes |= {"phone", "phone_index"}
        for key in ("gender", "birth_date"):
            if getattr(person, key) != v[key]:
                setattr(person, key, v[key])
                changes.add(key)
        for key in PERSON_EXTRA:
            if v.get(key) and getattr(person, key) != v[key]:
                setattr(person, key, v[key])
                changes.add(key)
        if person.org_id != org.pk:
            person.org = org
            changes.add("org")
        return changes

    @staticmethod
    def _member_changes(membership: Membership, v: dict) -> set[str]:
        changes: set[str] = set()
        wanted = {"employer_name": v["employer_name"], "employment_form": v["employment_form"]}
        if v["is_migrant"] is not None:
            wanted["is_migrant"] = v["is_migrant"]
        if v["joined_on"] is not None:
            wanted["joined_on"] = v["joined_on"]
        for key, value in wanted.items():
            if getattr(membership, key) != value:
                setattr(membership, key, value)
                changes.add(key)
        return changes
