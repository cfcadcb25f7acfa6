"""年度复核: every filed household in the subtree is listed, at least 30 % spot-checked by a
reproducible draw, and each file is kept, re-tiered or closed."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import FileState, ReviewOutcome
from gonghui.assistance.models import AnnualReview, HardshipFile, HouseholdClaim, ReviewEntry
from gonghui.assistance.testing import FILE_DATA, household, make_person
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

YEAR = 2026


def filed_files(staff, org, count, start=1):
    """``count`` filed households (the filing itself is covered by test_flow; here the state
    is set directly as test set-up)."""
    files = []
    for n in range(start, start + count):
        person = make_person(org, n, name=f"职工{n}")
        file = actions.save_file(
            actor=staff.officer,
            org=org,
            applicant=person,
            data={**FILE_DATA, "tier": "relative"},
            household=household(n),
        )
        HardshipFile.objects.filter(pk=file.pk).update(state=FileState.FILED)
        file.refresh_from_db()
        files.append(file)
    return files


@pytest.fixture
def files(tree, staff):
    return filed_files(staff, tree.grassroots, 7)


def start(staff, tree, **kw):
    kw.setdefault("year", YEAR)
    kw.setdefault("seed", "seed-2026")
    return actions.start_annual_review(actor=staff.reviewer, org=tree.yubei, **kw)


@pytest.mark.parametrize("ratio, expected", [("0.30", 3), ("0.50", 4), ("1", 7)])
def test_at_least_the_ratio_is_spot_checked_rounded_up(staff, tree, files, ratio, expected):
    review = start(staff, tree, ratio=ratio)
    entries = review.entries.all()
    assert entries.count() == 7
    checked = entries.filter(spot_check=True).count()
    assert checked == expected == math.ceil(7 * Decimal(ratio))
    assert review.sample_ratio == Decimal(ratio)


@pytest.mark.parametrize("ratio", ["0.29", "0.1", "1.01", "0"])
def test_ratio_outside_30_to_100_percent_is_refused(staff, tree, files, ratio):
    with pytest.raises(ActionError) as exc:
        start(staff, tree, ratio=ratio)
    assert exc.value.code == "ratio"
    assert exc.value.messages == ["Spot-check at least 30% of the files."]
    assert not AnnualReview.objects.exists() and not ReviewEntry.objects.exists()


def test_the_same_seed_redraws_the_same_sample(staff, tree, files):
    review = start(staff, tree, seed="abc123")
    drawn = sorted(review.entries.filter(spot_check=True).values_list("file_id", flat=True))
    ids = [f.pk for f in files]
    assert actions.draw_sample(ids, "abc123", Decimal("0.30")) == drawn
    assert actions.draw_sample(list(reversed(ids)), review.seed, review.sample_ratio) == drawn
    assert actions.draw_sample([], "abc123", Decimal("0.30")) == []
    # Different seeds are recorded and give (in general) another draw; the draw is a subset.
    other = actions.draw_sample(ids, "another seed", Decimal("0.30"))
    assert len(other) == 3 and set(other) <= set(ids)


def test_seed_is_generated_and_recorded_when_not_given(staff, tree, files):
    review = start(staff, tree, seed="")
    assert len(review.seed) == 16
    drawn = sorted(review.entries.filter(spot_check=True).values_list("file_id", flat=True))
    assert actions.draw_sample([f.pk for f in files], review.seed, review.sample_ratio) == drawn


def test_second_review_of_the_same_union_and_year_is_refused(staff, tree, files):
    start(staff, tree)
    with pytest.raises(ActionError) as exc:
        start(staff, tree, seed="other")
    assert exc.value.code == "review_exists"
    assert AnnualReview.objects.count() == 1
    assert start(staff, tree, year=YEAR + 1).pk  # next year is a new review


def test_review_lists_only_filed_files_in_the_subtree(staff, tree, files):
    draft = actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=make_person(tree.grassroots, 90),
        data=FILE_DATA,
        household=[],
    )
    jb_officer = staff_with_role(tree.jb_grassroots, "assistance_officer", username="jb_officer")
    jb_file = actions.save_file(
        actor=jb_officer,
        org=tree.jb_grassroots,
        applicant=make_person(tree.jb_grassroots, 91),
        data=FILE_DATA,
        household=[],
    )
    HardshipFile.objects.filter(pk=jb_file.pk).update(state=FileState.FILED)
    review = start(staff, tree)
    listed = set(review.entries.values_list("file_id", flat=True))
    assert listed == {f.pk for f in files}
    assert draft.pk not in listed and jb_file.pk not in listed


def test_reviewer_cannot_start_a_review_of_another_district(staff, tree, files):
    with pytest.raises(OutOfScope):
        actions.start_annual_review(actor=staff.reviewer, org=tree.jiangbei, year=YEAR)


def entry_for(review, file):
    return review.entries.get(file=file)


def test_keep_sets_the_next_review_date(staff, tree, files):
    review = start(staff, tree)
    entry = actions.decide_review_entry(
        actor=staff.reviewer, entry=entry_for(review, files[0]), outcome="keep", note="情况未变"
    )
    assert entry.outcome == ReviewOutcome.KEEP and entry.decided_by == staff.reviewer
    files[0].refresh_from_db()
    assert files[0].state == FileState.FILED
    assert files[0].next_review_due == timezone.localdate() + timedelta(days=365)
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(actor=staff.reviewer, entry=entry, outcome="close", note="撤")
    assert exc.value.code == "decided"


def test_change_tier_adjusts_the_file(staff, tree, files):
    review = start(staff, tree)
    entry = entry_for(review, files[1])
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(
            actor=staff.reviewer, entry=entry, outcome="change_tier", new_tier="relative"
        )
    assert exc.value.code == "tier"  # the same tier is not a change
    entry = actions.decide_review_entry(
        actor=staff.reviewer, entry=entry, outcome="change_tier", new_tier="deep"
    )
    assert entry.new_tier == "deep"
    files[1].refresh_from_db()
    assert files[1].tier == "deep" and files[1].state == FileState.ADJUSTED


def test_close_closes_the_file_and_releases_the_household(staff, tree, files):
    review = start(staff, tree)
    entry = entry_for(review, files[2])
    assert HouseholdClaim.objects.filter(file=files[2]).count() == 3
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(actor=staff.reviewer, entry=entry, outcome="close", note="")
    assert exc.value.code == "reason_required"
    actions.decide_review_entry(
        actor=staff.reviewer, entry=entry, outcome="close", note="已稳定就业，收入超过标准"
    )
    files[2].refresh_from_db()
    assert files[2].state == FileState.CLOSED
    assert files[2].close_reason == "已稳定就业，收入超过标准" and files[2].closed_at
    assert not HouseholdClaim.objects.filter(file=files[2]).exists()
    # The household may file again.
    again = actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=files[2].applicant,
        data=FILE_DATA,
        household=household(3),
    )
    assert again.pk != files[2].pk


def test_file_with_an_application_in_progress_cannot_be_closed_in_review(
    staff, tree, funded, files
):
    app = actions.submit_application(
        actor=staff.officer,
        application=actions.save_application(
            actor=staff.officer,
            file=files[3],
            items=[{"aid_type": "living", "amount_requested": "1000"}],
            situation="家庭困难",
        ),
    )
    review = start(staff, tree)
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(
            actor=staff.reviewer, entry=entry_for(review, files[3]), outcome="close", note="撤档"
        )
    assert exc.value.code == "file_has_open_applications"
    files[3].refresh_from_db()
    assert files[3].state == FileState.FILED and app.state == "submitted"


def test_unknown_outcome_is_refused(staff, tree, files):
    review = start(staff, tree)
    entry = entry_for(review, files[0])
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(actor=staff.reviewer, entry=entry, outcome="pending")
    assert exc.value.code == "invalid_choice"
    entry.refresh_from_db()
    assert entry.outcome == ReviewOutcome.PENDING


def test_closed_files_are_not_in_a_new_review(staff, tree, files):
    review = start(staff, tree)
    actions.decide_review_entry(
        actor=staff.reviewer, entry=entry_for(review, files[4]), outcome="close", note="已脱困"
    )
    actions.close_file(actor=staff.officer, file=files[5], reason="迁出本市")
    next_year = start(staff, tree, year=YEAR + 1)
    listed = set(next_year.entries.values_list("file_id", flat=True))
    assert listed == {f.pk for f in files} - {files[4].pk, files[5].pk}
    assert next_year.entries.filter(spot_check=True).count() == math.ceil(5 * 0.3)


def test_closed_file_cannot_be_decided_in_an_open_review(staff, tree, files):
    review = start(staff, tree)
    actions.close_file(actor=staff.officer, file=files[6], reason="迁出本市")
    with pytest.raises(ActionError) as exc:
        actions.decide_review_entry(
            actor=staff.reviewer, entry=entry_for(review, files[6]), outcome="keep"
        )
    assert exc.value.code == "file_closed"


def test_review_of_an_empty_subtree_draws_nothing(staff, tree):
    review = start(staff, tree)
    assert review.entries.count() == 0
