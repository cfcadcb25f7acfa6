"""The annual review of hardship files (年度复核), with its recorded spot-check draw."""

from __future__ import annotations

import math
import random
import secrets
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import S, _reason
from gonghui.assistance.actions.files import _close_file
from gonghui.assistance.choices import OPEN_APPLICATION_STATES, FileState, ReviewOutcome, Tier
from gonghui.assistance.models import AnnualReview, HardshipFile, ReviewEntry
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.workflow.base import ActionError, action

MIN_SPOT_CHECK = Decimal("0.30")


@action("assistance.start_annual_review", permission="assistance.add_annualreview")
def start_annual_review(
    ctx, *, org: Org, year: int, seed: str = "", ratio: Decimal | str = MIN_SPOT_CHECK
) -> AnnualReview:
    """年度复核: list every filed file in the subtree and draw ≥ 30 % for spot checks. The seed
    is recorded, so anyone can redraw the same sample (:func:`draw_sample`)."""
    org = ctx.require(org, "assistance.add_annualreview")
    ratio = Decimal(str(ratio))
    if not MIN_SPOT_CHECK <= ratio <= 1:
        raise ActionError(
            _("Spot-check at least %(percent)s%% of the files."),
            code="ratio",
            params={"percent": int(MIN_SPOT_CHECK * 100)},
        )
    if AnnualReview.objects.filter(org=org, year=year).exists():
        raise ActionError(
            _("This year's review of this union already exists."), code="review_exists"
        )
    seed = (seed or "").strip() or secrets.token_hex(8)
    files = list(
        restrict(HardshipFile, ctx.actor, "assistance.review_hardshipfile")
        .filter(org__path__startswith=org.path, state__in=[FileState.FILED, FileState.ADJUSTED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    review = AnnualReview.objects.create(
        org=org, year=year, seed=seed, sample_ratio=ratio, created_by=ctx.actor
    )
    sample = set(draw_sample(files, seed, ratio))
    ReviewEntry.objects.bulk_create(
        [ReviewEntry(review=review, file_id=pk, spot_check=pk in sample) for pk in files]
    )
    ctx.wrote(review, details={"files": len(files), "spot_checks": len(sample), "seed": seed})
    ctx.org = org
    return review


def draw_sample(file_ids: list[int], seed: str, ratio: Decimal) -> list[int]:
    """The spot-check draw: ⌈ratio·n⌉ ids chosen by a PRNG seeded with ``seed``."""
    ids = sorted(file_ids)
    k = math.ceil(Decimal(len(ids)) * Decimal(str(ratio)))
    # Not a secret: the spot-check draw must be reproducible from its published seed (S311).
    return sorted(random.Random(seed).sample(ids, k)) if ids else []  # noqa: S311 # nosec B311


@action("assistance.decide_review_entry", permission="assistance.change_reviewentry")
def decide_review_entry(
    ctx, *, entry: ReviewEntry, outcome: str, new_tier: str = "", note: str = ""
) -> ReviewEntry:
    """Keep, re-tier or close one file in the annual review."""
    entry = ctx.require(entry)
    ctx.lock(entry)
    file = HardshipFile.objects.select_for_update().get(pk=entry.file_id)
    if entry.outcome != ReviewOutcome.PENDING:
        raise ActionError(_("This file has already been reviewed."), code="decided")
    if file.state not in (FileState.FILED, FileState.ADJUSTED):
        raise ActionError(_("A closed file cannot be changed."), code="file_closed")
    if outcome == ReviewOutcome.KEEP:
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["next_review_due", "updated_at"])
    elif outcome == ReviewOutcome.CHANGE_TIER:
        if new_tier not in Tier.values or new_tier == file.tier:
            raise ActionError(_("Choose the new tier."), code="tier")
        file.tier = new_tier
        file.state = FileState.ADJUSTED
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["tier", "state", "next_review_due", "updated_at"])
        entry.new_tier = new_tier
    elif outcome == ReviewOutcome.CLOSE:
        note = _reason(note)
        if file.applications.filter(state__in=OPEN_APPLICATION_STATES - {S.DRAFT}).exists():
            raise ActionError(
                _("Finish or reject the open applications of this file first."),
                code="file_has_open_applications",
            )
        _close_file(file, note)
    else:
        raise ActionError(_("Choose an outcome."), code="invalid_choice")
    entry.outcome = outcome
    entry.note = (note or "").strip()[:300]
    entry.decided_by = ctx.actor
    entry.decided_at = timezone.now()
    entry.save()
    ctx.wrote(entry, details={"outcome": outcome, "file": file.number})
    ctx.org = file.org
    return entry
