"""People, memberships in every state, transfers and join requests."""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

from gonghui.demo.generate.common import (
    BATCH,
    GenerateRefused,
    _add_years,
    _bisect,
    _cumulate,
)
from gonghui.demo.generate.identifiers import BIRTH_FIRST, BIRTH_LAST, IdNumbers, Mobiles
from gonghui.demo.generate.tree import City
from gonghui.demo.generate.words import (
    END_REASONS,
    ETHNICITIES,
    MIGRANT_REGIONS,
    NEW_FORMS,
    PLATFORMS,
    STATE_SHARES,
)
from gonghui.platform.calendar import workdays


class PeopleMixin:
    """:class:`~gonghui.demo.generate.generator.CityGenerator` steps for people."""

    def submission_days(self) -> tuple[date, ...]:
        """The days new people's join applications are submitted on, drawn with equal weight:
        their ages are working days on the holiday calendar counted back from ``as_of``, around
        the join review period (``JOIN_REVIEW``, ``GONGHUI_JOIN_REVIEW_WORKING_DAYS``), so that
        most are fresh, some due soon (inside its 3-day warning) and some overdue. Refused when
        the calendar lacks a year they need."""
        from gonghui.members.deadlines import JOIN_REVIEW

        review = JOIN_REVIEW.days
        ages = (0, 1, 1, 2, 3, 5, 8, review - 3, review - 1, review + 5, review + 20)
        try:
            return tuple(workdays.add_working_days(self.as_of, -max(age, 0)) for age in ages)
        except workdays.CalendarYearMissing as exc:
            raise GenerateRefused(
                f"join applications are dated on the holiday calendar: {exc}"
            ) from exc

    # -- people, memberships, transfers, join requests
    def people(self, city: City) -> None:
        from gonghui.members.models import (
            JoinChannel,
            JoinRequest,
            Membership,
            Person,
            Transfer,
        )

        rng, w, enc = self.rng, self.writer, self.encrypt
        cq_regions = sorted({d.region_code for d in city.districts if d.region_code})
        exclude_ids = exclude_phones = None
        if self.append:
            exclude_ids = {
                *Person.objects.values_list("id_index", flat=True),
                *JoinRequest.objects.values_list("id_index", flat=True),
            }
            exclude_phones = {
                *Person.objects.exclude(phone_index=None).values_list("phone_index", flat=True),
                *JoinRequest.objects.values_list("phone_index", flat=True),
            }
        ids = IdNumbers([*cq_regions, *MIGRANT_REGIONS], BIRTH_FIRST, BIRTH_LAST, exclude_ids)
        self.ids = ids
        self.mobiles = Mobiles(rng, exclude_phones)
        days = BIRTH_LAST.toordinal() - BIRTH_FIRST.toordinal() + 1
        as_of = self.as_of
        retire_cut = date(as_of.year - 60, as_of.month, 1).toordinal() - BIRTH_FIRST.toordinal()
        peak = date(1988, 1, 1).toordinal() - BIRTH_FIRST.toordinal()
        earliest_join = as_of - timedelta(days=12 * 365)
        state_names = [s for s, _ in STATE_SHARES]
        state_cum = list(_cumulate(x for _, x in STATE_SHARES))

        # Join channels (QR posters): one per member-holding org.
        channel_id = w.next_id(JoinChannel)
        channels = {}
        rows = []
        t0 = w.dt(self.at(earliest_join, 0))
        for i, org in enumerate(city.member_orgs):
            channels[org.id] = channel_id + i
            token = hashlib.sha256(f"{self.seed}:{org.id}".encode()).hexdigest()[:24]
            rows.append(
                (channel_id + i, org.id, "入会海报", token, False, None, None, self.user_id, t0)
            )
        w.insert(
            JoinChannel,
            [
                "id",
                "org",
                "label",
                "token",
                "auto_approve",
                "expires_at",
                "revoked_at",
                "created_by",
                "created_at",
            ],
            rows,
        )

        person_cols = [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "id_number",
            "id_index",
            "gender",
            "birth_date",
            "phone",
            "phone_index",
            "ethnicity",
            "education",
            "household_type",
            "skill_level",
            "model_worker_level",
            "residence_region",
            "org",
            "user",
            "created_at",
            "updated_at",
        ]
        membership_cols = [
            "id",
            "person",
            "org",
            "employer",
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
            "created_at",
        ]
        transfer_cols = [
            "id",
            "membership",
            "from_org",
            "to_org",
            "employer_name",
            "initiated_by",
            "requested_by",
            "state",
            "reason",
            "requested_at",
            "sender_decided_at",
            "sender_decided_by",
            "decided_at",
            "decided_by",
            "new_membership",
        ]
        request_cols = [
            "id",
            "org",
            "channel",
            "name",
            "id_number",
            "id_index",
            "phone",
            "phone_index",
            "employer",
            "employer_name",
            "employment_form",
            "is_migrant",
            "residence_region",
            "extra",
            "state",
            "submitted_at",
            "decided_at",
            "decided_by",
            "reason",
            "membership",
        ]
        pid, mid = w.next_id(Person), w.next_id(Membership)
        tid, rid = w.next_id(Transfer), w.next_id(JoinRequest)
        educations = (
            "primary",
            "junior",
            "junior",
            "senior",
            "senior",
            "senior",
            "college",
            "college",
            "bachelor",
            "bachelor",
            "master",
        )
        skills = ("",) * 12 + ("5", "4", "4", "3", "2", "1")
        self.hardship_candidates: list = []  # (person id, org id, name, id index, birth)
        self.visit_candidates: list = []
        counts = dict.fromkeys(state_names, 0)
        forms_seen: dict[str, int] = {}
        pending = 0
        started = time.perf_counter()
        last_report = started
        done = 0
        n_pending = max(3, self.members // 100)
        n_rejected = max(1, self.members // 500)
        while done < self.members:
            size = min(BATCH, self.members - done)
            picks = rng.choices(city.member_orgs, cum_weights=city.cum_weights, k=size)
            people, memberships, transfers, requests = [], [], [], []
            for org in picks:
                state = state_names[_bisect(state_cum, rng.random() * state_cum[-1])]
                kind = org.kind
                loose = kind in ("holding_pool", "union_federation")
                migrant = rng.random() < (0.55 if loose else 0.18)
                # Birth: retired members were born 60+ years before as_of.
                while True:
                    if state == "retained":
                        day = rng.randrange(0, max(1, retire_cut))
                    else:
                        day = int(rng.triangular(0, days - 1, peak))
                    male = rng.random() < (0.62 if loose else 0.52)
                    if migrant:
                        region = rng.choice(MIGRANT_REGIONS)
                    elif rng.random() < 0.7 and org.region_code in ids.regions:
                        region = org.region_code
                    else:
                        region = rng.choice(cq_regions)
                    made = ids.make(region, day, male)
                    if made is not None:
                        break
                id_number, id_index = made
                born = BIRTH_FIRST + timedelta(days=day)
                phone, phone_index = self.mobiles.make()
                name = self.name()
                pinyin, initials = self.pinyin_of(name)
                # Employment.
                if kind == "union_federation":
                    form = rng.choice(org.forms or NEW_FORMS)
                elif kind == "holding_pool":
                    form = rng.choice((*NEW_FORMS, "flexible", "flexible", "other"))
                elif kind == "township_federation":
                    form = rng.choice(("standard", "standard", "flexible", "other", "domestic"))
                else:
                    r = rng.random()
                    form = (
                        "standard"
                        if r < 0.93
                        else "flexible"
                        if r < 0.95
                        else "other"
                        if r < 0.96
                        else rng.choice(NEW_FORMS)
                    )
                forms_seen[form] = forms_seen.get(form, 0) + 1
                if org.employers and kind == "grassroots":
                    employer_id, employer_name = rng.choice(org.employers)
                else:
                    employer_id, employer_name = None, rng.choice(PLATFORMS.get(form, ("",)))
                # Joining: after the 16th birthday, more joins in recent years.
                first = max(earliest_join, _add_years(born, 16) + timedelta(days=1))
                span = (as_of - first).days
                joined = first + timedelta(days=int(rng.triangular(0, max(span, 1), span)))
                joined = min(joined, as_of)
                source = rng.choice(("import", "import", "import", "qr", "qr", "manual"))
                person_org = org.id
                common = (employer_id, employer_name, form, migrant)

                def membership(
                    m_id,
                    m_org,
                    m_state,
                    m_joined,
                    m_source,
                    ended=None,
                    reason="",
                    changed=None,
                    region_code=org.region_code,
                    emp=common,
                    pid=pid,
                ):
                    dues = (
                        as_of - timedelta(days=rng.randrange(0, 180))
                        if m_state in ("active", "retained", "transferring")
                        else ended
                    )
                    dues = max(dues, m_joined) if dues else None
                    lapse_flag = None
                    if m_state == "active" and rng.random() < 0.02:
                        dues = max(m_joined, as_of - timedelta(days=rng.randrange(200, 400)))
                        lapse_flag = w.dt(self.at(as_of - timedelta(days=rng.randrange(1, 30))))
                    card = f"{m_joined:%Y}{(region_code or '500000')[:6]}{m_id:08d}"
                    at_join = self.at(m_joined)
                    return (
                        m_id,
                        pid,
                        m_org,
                        emp[0],
                        emp[1][:200],
                        emp[2],
                        emp[3],
                        m_state,
                        m_source,
                        w.d(m_joined),
                        card,
                        w.d(dues),
                        w.d(dues) if rng.random() < 0.3 else None,
                        w.dt(changed or at_join),
                        w.d(ended),
                        reason[:200],
                        lapse_flag,
                        w.dt(at_join),
                    )

                if state == "transferred":
                    other = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                    if other is org:
                        other = city.member_orgs[
                            (city.member_orgs.index(org) + 1) % len(city.member_orgs)
                        ]
                    moved = joined + timedelta(days=rng.randrange(0, max(1, (as_of - joined).days)))
                    moved_at = self.at(moved)
                    memberships.append(
                        membership(
                            mid,
                            org.id,
                            "transferred",
                            joined,
                            source,
                            ended=moved,
                            reason="转会",
                            changed=moved_at,
                        )
                    )
                    new_emp = (None, rng.choice(PLATFORMS.get(form, ("",))), form, migrant)
                    if other.employers and other.kind == "grassroots":
                        new_emp = (*rng.choice(other.employers), "standard", migrant)
                    memberships.append(
                        membership(
                            mid + 1,
                            other.id,
                            "active",
                            moved,
                            "transfer",
                            region_code=other.region_code,
                            emp=new_emp,
                        )
                    )
                    requested = moved_at - timedelta(days=rng.randrange(1, 20))
                    transfers.append(
                        (
                            tid,
                            mid,
                            org.id,
                            other.id,
                            new_emp[1][:200],
                            "member",
                            None,
                            "approved",
                            "",
                            w.dt(requested),
                            w.dt(moved_at),
                            None,
                            w.dt(moved_at),
                            None,
                            mid + 1,
                        )
                    )
                    tid += 1
                    mid += 2
                    person_org = other.id
                    counts["active"] += 1
                elif state == "transferring":
                    other = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                    if other is org:
                        other = city.member_orgs[
                            (city.member_orgs.index(org) + 1) % len(city.member_orgs)
                        ]
                    requested = self.at(as_of - timedelta(days=rng.randrange(1, 30)))
                    memberships.append(
                        membership(mid, org.id, "transferring", joined, source, changed=requested)
                    )
                    sender_first = rng.random() < 0.5
                    transfers.append(
                        (
                            tid,
                            mid,
                            org.id,
                            other.id,
                            "",
                            "member",
                            None,
                            "pending_sender" if sender_first else "pending_receiver",
                            "",
                            w.dt(requested),
                            None,
                            None,
                            None,
                            None,
                            None,
                        )
                    )
                    tid += 1
                    mid += 1
                elif state in END_REASONS:
                    ended = joined + timedelta(
                        days=rng.randrange(30, max(31, (as_of - joined).days))
                    )
                    ended = min(ended, as_of)
                    memberships.append(
                        membership(
                            mid,
                            org.id,
                            state,
                            joined,
                            source,
                            ended=ended,
                            reason=rng.choice(END_REASONS[state]),
                            changed=self.at(ended),
                        )
                    )
                    mid += 1
                elif state == "retained":
                    retired = max(joined, _add_years(born, 60))
                    retired = min(retired, as_of)
                    memberships.append(
                        membership(
                            mid, org.id, "retained", joined, source, changed=self.at(retired)
                        )
                    )
                    mid += 1
                else:
                    memberships.append(membership(mid, org.id, "active", joined, source))
                    if source == "qr" and rng.random() < 0.3:
                        submitted = self.at(joined - timedelta(days=rng.randrange(0, 10)))
                        requests.append(
                            (
                                rid,
                                org.id,
                                channels.get(org.id),
                                name,
                                enc(id_number),
                                id_index,
                                enc(phone),
                                phone_index,
                                employer_id,
                                employer_name[:200],
                                form,
                                migrant,
                                region,
                                "{}",
                                "approved",
                                w.dt(submitted),
                                w.dt(self.at(joined)),
                                None,
                                "",
                                mid,
                            )
                        )
                        rid += 1
                    mid += 1
                counts[state] += 1
                created = self.at(joined)
                people.append(
                    (
                        pid,
                        name,
                        pinyin,
                        initials,
                        enc(id_number),
                        id_index,
                        "M" if male else "F",
                        w.d(born),
                        enc(phone),
                        phone_index,
                        rng.choice(ETHNICITIES),
                        rng.choice(educations),
                        rng.choice(("agricultural", "non_agricultural", "resident"))
                        if rng.random() < 0.8
                        else "",
                        rng.choice(skills),
                        ""
                        if rng.random() > 0.002
                        else rng.choice(("national", "provincial", "city", "district", "district")),
                        org.region_code if not migrant else rng.choice(cq_regions),
                        person_org,
                        None,
                        w.dt(created),
                        w.dt(created),
                    )
                )
                if state in ("active", "retained", "transferred"):
                    r = rng.random()
                    if r < 0.004:
                        self.hardship_candidates.append((pid, person_org, name, id_index, born))
                    elif r < 0.014:
                        self.visit_candidates.append((pid, person_org, name))
                pid += 1
            # New people's applications, dated on the holiday calendar: pending (some due
            # soon, some overdue), rejected.
            share = size / self.members
            want_pending = round(n_pending * (done + size) / self.members) - pending
            want_rejected = (
                round(n_rejected * share) if self.members >= 500 else (1 if done == 0 else 0)
            )
            for k in range(want_pending + want_rejected):
                org = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                rejected = k >= want_pending
                while True:
                    made = ids.make(
                        rng.choice(cq_regions + list(MIGRANT_REGIONS)),
                        int(rng.triangular(0, days - 1, days - 1)),
                        rng.random() < 0.6,
                    )
                    if made is not None:
                        break
                phone, phone_index = self.mobiles.make()
                form = rng.choice(org.forms or (*NEW_FORMS, "standard", "standard"))
                employer_id, employer_name = (
                    rng.choice(org.employers)
                    if org.employers and org.kind == "grassroots"
                    else (None, rng.choice(PLATFORMS.get(form, ("美团",))))
                )
                submitted = self.at(rng.choice(self.join_request_days))
                name = self.name()
                requests.append(
                    (
                        rid,
                        org.id,
                        channels.get(org.id),
                        name,
                        enc(made[0]),
                        made[1],
                        enc(phone),
                        phone_index,
                        employer_id,
                        employer_name[:200],
                        form,
                        rng.random() < 0.5,
                        org.region_code,
                        "{}",
                        "rejected" if rejected else "pending",
                        w.dt(submitted),
                        w.dt(submitted + timedelta(days=2)) if rejected else None,
                        None,
                        "信息不实" if rejected else "",
                        None,
                    )
                )
                rid += 1
                pending += 0 if rejected else 1
            w.insert(Person, person_cols, people)
            w.insert(Membership, membership_cols, memberships)
            w.insert(Transfer, transfer_cols, transfers)
            w.insert(JoinRequest, request_cols, requests)
            done += size
            now = time.perf_counter()
            if now - last_report > 5 or done == self.members:
                self.progress("members", done, self.members, started)
                last_report = now
        self.summary["members"] = {
            "people": self.members,
            "states": counts,
            "employment_forms": forms_seen,
            "pending_requests": pending,
        }
