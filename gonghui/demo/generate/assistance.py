"""Hardship files, applications, aid items, campaigns and condolence visits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from gonghui.demo.generate.identifiers import IdNumbers
from gonghui.demo.generate.tree import City

# Applications still under way (submitted recently).
OPEN_STATES = ("submitted", "home_visit", "verification", "publicity", "approval")


def _publicity(state: str, submitted: date, as_of: date, rng) -> tuple[date, date] | None:
    """The publicity of a case that reached it, on the holiday calendar (PUBLICITY): still
    running on ``as_of`` for a case in publicity, over before it for one decided after it."""
    from gonghui.assistance.deadlines import PUBLICITY
    from gonghui.platform.calendar.workdays import CalendarYearMissing

    if state == "publicity":
        start = as_of - timedelta(days=rng.randrange(0, 4))
    elif state in ("approval", "closed"):
        start = submitted + timedelta(days=rng.randrange(6, 10))
    else:
        return None
    try:
        end = PUBLICITY.due(start)
    except CalendarYearMissing:
        return None
    if state != "publicity" and end >= as_of:
        # Decided after a publicity that has ended: it ran in the weeks before.
        start = as_of - timedelta(days=rng.randrange(14, 21))
        end = PUBLICITY.due(start)
    return start, end


class AssistanceMixin:
    """:class:`~gonghui.demo.generate.generator.CityGenerator` steps for assistance."""

    # -- hardship files, applications, aid items, campaigns and condolence visits
    def assistance(self, city: City) -> None:
        from gonghui.assistance.models import (
            AidItem,
            Application,
            Campaign,
            HardshipFile,
            HouseholdClaim,
            HouseholdMember,
            Visit,
        )

        rng, w, enc, as_of = self.rng, self.writer, self.encrypt, self.as_of
        children = IdNumbers(self.ids.regions, date(2007, 1, 1), date(2020, 12, 31))
        fid, hid, aid, iid = (
            w.next_id(m) for m in (HardshipFile, HouseholdMember, Application, AidItem)
        )
        files, household, claims, applications, items = [], [], [], [], []
        states = ("filed",) * 12 + ("adjusted",) * 2 + ("draft",) * 2 + ("closed",) * 4
        causes = (
            "illness",
            "illness",
            "disability",
            "education",
            "unemployment",
            "accident",
            "single_parent",
            "low_wage",
            "elder_care",
            "disaster",
        )
        app_states = (
            "submitted",
            "home_visit",
            "verification",
            "approval",
            "publicity",
            "rejected",
            "rejected",
            "withdrawn",
            "returned",
            "closed",
        )
        regions = list(self.ids.regions)
        for person_id, org_id, _name, id_index, _born in self.hardship_candidates:
            state = rng.choice(states)
            created = self.at(as_of - timedelta(days=rng.randrange(30, 3 * 365)))
            filed = None if state == "draft" else created + timedelta(days=rng.randrange(1, 20))
            closed = None
            if state == "closed":
                closed = min(self.at(as_of), filed + timedelta(days=rng.randrange(30, 700)))
            members = []
            if rng.random() < 0.75:  # spouse
                while (
                    made := self.ids.make(
                        rng.choice(regions), rng.randrange(0, self.ids.days), rng.random() < 0.5
                    )
                ) is None:
                    pass
                members.append(("spouse", made))
            for _ in range(rng.choice((0, 1, 1, 2))):
                while (
                    made := children.make(
                        rng.choice(regions), rng.randrange(0, children.days), rng.random() < 0.5
                    )
                ) is None:
                    pass
                members.append(("child", made))
            income = Decimal(rng.randrange(800, 3500))
            # The household earns what the applicant and each member earn (and perhaps a
            # little from odd jobs): never less than the applicant's own income.
            member_incomes = [rng.randrange(0, 3000) for _ in members]
            household_income = (
                income + Decimal(sum(member_incomes)) + Decimal(rng.randrange(0, 500))
            )
            files.append(
                (
                    fid,
                    f"KN{created.year}{fid:08d}",
                    org_id,
                    person_id,
                    state,
                    rng.choice(("deep", "relative", "relative", "accident")),
                    rng.choice(("city", "city", "provincial", "national")),
                    rng.choice(causes),
                    "[]",
                    "",
                    "",
                    w.dec(income),
                    rng.choice(("own", "rented", "public_rental", "relatives")),
                    w.dec(Decimal(rng.randrange(200, 900)) / 10),
                    len(members) + 1,
                    w.dec(household_income),
                    w.dec(household_income * 12),
                    rng.random() < 0.1,
                    rng.random() < 0.05,
                    "",
                    "",
                    "",
                    "",
                    w.dt(filed),
                    w.d(as_of + timedelta(days=rng.randrange(1, 365))) if filed else None,
                    w.dt(closed),
                    "家庭收入已超过标准" if closed else "",
                    self.user_id,
                    w.dt(created),
                    w.dt(closed or filed or created),
                )
            )
            open_file = state != "closed"
            if open_file:
                claims.append((id_index, fid))
            for (relation, (number, index)), member_income in zip(
                members, member_incomes, strict=True
            ):
                born_m = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                household.append(
                    (
                        hid,
                        fid,
                        enc(self.name()),
                        relation,
                        enc(number),
                        index,
                        w.d(born_m),
                        enc(str(member_income)),
                        "",
                        enc("在读" if relation == "child" else "务工"),
                    )
                )
                if open_file:
                    claims.append((index, fid))
                hid += 1
            if state in ("draft",):
                fid += 1
                continue
            app_state = rng.choice(app_states)
            submitted = filed + timedelta(days=rng.randrange(0, 30))
            if app_state in OPEN_STATES:
                # A case still under way was submitted in the last weeks, not years ago (one
                # waiting for approval long enough ago for its publicity to be over).
                weeks = (25, 45) if app_state == "approval" else (12, 40)
                submitted = max(filed, self.at(as_of - timedelta(days=rng.randrange(*weeks))))
            latest = 30 if app_state in ("approval", "closed") else 1
            submitted = min(submitted, self.at(as_of - timedelta(days=latest)))
            year = submitted.year
            closed_at = None
            if app_state in ("rejected", "withdrawn", "closed"):
                closed_at = submitted + timedelta(days=rng.randrange(5, 40))
            reviewed = submitted + timedelta(days=3) if app_state not in ("submitted",) else None
            publicity = _publicity(app_state, submitted.date(), as_of, rng)
            if app_state == "closed" and publicity:
                # Paid and completed after the publicity and the decision, not before.
                closed_at = max(closed_at, self.at(publicity[1] + timedelta(days=3)))
            if closed_at:
                closed_at = min(closed_at, self.at(as_of))
            applications.append(
                (
                    aid,
                    f"BF{year}{aid:08d}",
                    fid,
                    org_id,
                    person_id,
                    app_state,
                    rng.choice(("portal", "staff")),
                    year,
                    self.encrypt("家庭困难，申请帮扶"),
                    self.user_id,
                    w.dt(submitted - timedelta(days=1)),
                    self.user_id,
                    w.dt(submitted),
                    self.user_id if reviewed else None,
                    w.dt(reviewed),
                    "",
                    "",
                    "",
                    "信息不实" if app_state == "rejected" else "",
                    w.dt(closed_at),
                    w.dt(closed_at or reviewed or submitted),
                    w.d(publicity[0]) if publicity else None,
                    w.d(publicity[1]) if publicity else None,
                )
            )
            if app_state == "closed":
                kinds = [("employment", None, "referred")]
            else:
                item_state = "rejected" if app_state == "rejected" else "requested"
                kinds = [
                    (t, Decimal(rng.choice((500, 800, 1000, 2000, 3000))), item_state)
                    for t in rng.sample(
                        ("living", "medical", "warmth", "employment"), rng.choice((1, 1, 2))
                    )
                ]
                kinds = [(t, None if t == "employment" else amount, s) for t, amount, s in kinds]
            for aid_type, amount, item_state in kinds:
                items.append(
                    (iid, aid, aid_type, None, "", w.dec(amount), None, item_state, None, "", None)
                )
                iid += 1
            aid += 1
            fid += 1
        file_cols = [
            "id",
            "number",
            "org",
            "applicant",
            "state",
            "tier",
            "level",
            "main_cause",
            "secondary_causes",
            "other_cause",
            "employer_position",
            "personal_monthly_income",
            "housing",
            "housing_area",
            "household_size",
            "household_monthly_income",
            "household_annual_income",
            "single_parent",
            "zero_employment",
            "health",
            "disability",
            "bank_name",
            "bank_account",
            "filed_at",
            "next_review_due",
            "closed_at",
            "close_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]
        w.insert(HardshipFile, file_cols, files)
        w.insert(
            HouseholdMember,
            [
                "id",
                "file",
                "name",
                "relation",
                "id_number",
                "id_index",
                "birth_date",
                "monthly_income",
                "health",
                "school_or_employer",
            ],
            household,
        )
        w.insert(HouseholdClaim, ["id_index", "file"], claims)
        w.insert(
            Application,
            [
                "id",
                "number",
                "file",
                "org",
                "applicant",
                "state",
                "channel",
                "year",
                "situation",
                "created_by",
                "created_at",
                "submitted_by",
                "submitted_at",
                "first_reviewed_by",
                "first_reviewed_at",
                "visitors",
                "visit_findings",
                "civil_affairs_note",
                "decision_reason",
                "closed_at",
                "updated_at",
                "publicity_start",
                "publicity_end",
            ],
            applications,
        )
        w.insert(
            AidItem,
            [
                "id",
                "application",
                "aid_type",
                "beneficiary",
                "school",
                "amount_requested",
                "amount_approved",
                "state",
                "budget",
                "note",
                "paid_at",
            ],
            items,
        )

        # Campaigns: each district's Spring Festival and summer campaigns of the last 2 years.
        cid = w.next_id(Campaign)
        campaigns, by_district = [], {}
        for district in city.districts:
            for year in (as_of.year - 1, as_of.year):
                for kind, name, start, end in (
                    ("festivals", "元旦春节送温暖", date(year, 1, 1), date(year, 2, 28)),
                    ("summer_cool", "夏送清凉", date(year, 6, 1), date(year, 8, 31)),
                ):
                    if start > as_of:
                        continue
                    campaigns.append(
                        (
                            cid,
                            district.id,
                            f"{year}年{district.short_name}{name}",
                            kind,
                            w.d(start),
                            w.d(end),
                            w.dec(Decimal(500000)),
                            "",
                            self.user_id,
                            w.dt(self.at(start)),
                            (start, min(end, as_of)),
                        )
                    )
                    by_district.setdefault(district.id, []).append(len(campaigns) - 1)
                    cid += 1
        w.insert(
            Campaign,
            [
                "id",
                "org",
                "name",
                "kind",
                "starts_on",
                "ends_on",
                "budget",
                "description",
                "created_by",
                "created_at",
            ],
            [c[:-1] for c in campaigns],
        )
        vid = w.next_id(Visit)
        visits = []
        for person_id, org_id, name in self.visit_candidates:
            district = city.district_of.get(org_id)
            choices = by_district.get(district.id) if district else None
            if not choices:
                continue
            campaign = campaigns[rng.choice(choices)]
            start, end = campaign[-1]
            day = start + timedelta(days=rng.randrange(0, (end - start).days + 1))
            visits.append(
                (
                    vid,
                    campaign[0],
                    rng.choice((org_id, district.id)),
                    person_id,
                    name,
                    1,
                    w.dec(Decimal(rng.choice((300, 500, 800, 1000)))),
                    w.dec(Decimal(rng.choice((0, 100, 200)))),
                    w.d(day),
                    "",
                    "",
                    None,
                    "",
                    self.user_id,
                    w.dt(self.at(day)),
                )
            )
            vid += 1
        w.insert(
            Visit,
            [
                "id",
                "campaign",
                "org",
                "person",
                "recipient",
                "head_count",
                "cash",
                "goods_value",
                "visited_on",
                "leaders",
                "note",
                "import_job",
                "import_key",
                "created_by",
                "created_at",
            ],
            visits,
        )
        self.summary["assistance"] = {
            "files": len(files),
            "applications": len(applications),
            "aid_items": len(items),
            "campaigns": len(campaigns),
            "visits": len(visits),
        }
        self.out(f"  assistance: {self.summary['assistance']}")
