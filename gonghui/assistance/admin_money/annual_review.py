"""The yearly review of hardship files with its recorded spot-check draw."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions
from gonghui.assistance.admin_money._shared import DECIDE, PageMixin, _call, _post_only
from gonghui.assistance.choices import ReviewOutcome, Tier
from gonghui.assistance.models import AnnualReview, ReviewEntry
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.admin import SubtreeFilter
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.pii.masking import mask_name


class StartReviewForm(ActionForm, forms.ModelForm):
    seed = forms.CharField(
        label=_("draw seed"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to draw a random seed; it is recorded with the review."),
    )

    class Meta:
        model = AnnualReview
        fields = ["org", "year", "seed", "sample_ratio"]

    def bind_request(self, request):
        self.request = request
        self.fields["org"].queryset = restrict(
            Org, request.user, "assistance.add_annualreview"
        ).order_by("path")
        self.fields["year"].initial = timezone.localdate().year
        self.fields["sample_ratio"].initial = actions.MIN_SPOT_CHECK

    def run_action(self):
        d = self.cleaned_data
        return actions.start_annual_review(
            actor=self.request.user,
            org=d["org"],
            year=d["year"],
            seed=d.get("seed") or "",
            ratio=d["sample_ratio"],
        )

    def validate_unique(self):
        return None  # the action says "already exists" in the user's language


def draw_check(review, entries) -> bool:
    """Whether redrawing with the recorded seed gives the stored spot-check flags."""
    ids = [e.file_id for e in entries]
    drawn = set(actions.draw_sample(ids, review.seed, review.sample_ratio))
    return drawn == {e.file_id for e in entries if e.spot_check}


@admin.register(AnnualReview, site=console_site)
class AnnualReviewAdmin(PageMixin, ScopedModelAdmin):
    form = StartReviewForm
    list_display = [
        "year",
        "org",
        "file_count",
        "spot_check_count",
        "pending_count",
        "seed",
        "sample_ratio",
        "created_at",
    ]
    list_select_related = ["org"]
    list_filter = ["year", SubtreeFilter]
    list_filter_submit = True
    ordering = ["-year", "-id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_files=Count("entries"),
                n_spot=Count("entries", filter=Q(entries__spot_check=True)),
                n_pending=Count("entries", filter=Q(entries__outcome=ReviewOutcome.PENDING)),
            )
        )

    @admin.display(description=_("files"), ordering="n_files")
    def file_count(self, obj):
        return obj.n_files

    @admin.display(description=_("spot checks"), ordering="n_spot")
    def spot_check_count(self, obj):
        return obj.n_spot

    @admin.display(description=_("not yet reviewed"), ordering="n_pending")
    def pending_count(self, obj):
        return obj.n_pending

    def get_fields(self, request, obj=None):
        return list(StartReviewForm.Meta.fields)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(
            request,
            _("The %(year)s review of %(org)s has started.") % {"year": obj.year, "org": obj.org},
        )
        return HttpResponseRedirect(self._change_url(obj))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="assistance_annualreview_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self._object_or_404(request, object_id)
        all_entries = list(
            restrict(
                ReviewEntry.objects.filter(review=review)
                .select_related("file__applicant")
                .order_by("pk"),
                request.user,
                "view",
            )
        )
        spot_only = request.GET.get("spot") == "1"
        pending_only = request.GET.get("pending") == "1"
        entries = [
            e
            for e in all_entries
            if (not spot_only or e.spot_check)
            and (not pending_only or e.outcome == ReviewOutcome.PENDING)
        ]
        rows = [
            {
                "entry": e,
                "file_number": e.file.number,
                "applicant": mask_name(e.file.applicant.name),
                "tier": e.file.get_tier_display(),
                "pending": e.outcome == ReviewOutcome.PENDING,
            }
            for e in entries
        ]
        context = {
            "title": _("Annual review %(year)s · %(org)s")
            % {"year": review.year, "org": review.org},
            "review": review,
            "rows": rows,
            "spot_only": spot_only,
            "pending_only": pending_only,
            "total": len(all_entries),
            "spot_total": sum(1 for e in all_entries if e.spot_check),
            "pending_total": sum(1 for e in all_entries if e.outcome == ReviewOutcome.PENDING),
            "draw_verified": draw_check(review, all_entries),
            "can_decide": request.user.has_perm(DECIDE),
            "outcomes": [c for c in ReviewOutcome.choices if c[0] != ReviewOutcome.PENDING],
            "tiers": Tier.choices,
            "query": request.GET.urlencode(),
            "changelist_url": reverse("console:assistance_annualreview_changelist"),
        }
        return self._page(request, "assistance/console/review_detail.html", context)

    def decide_view(self, request, object_id):
        if (refused := _post_only(request)) is not None:
            return refused
        review = self._object_or_404(request, object_id)
        try:
            entry_pk = int(request.POST.get("entry", ""))
        except ValueError:
            entry_pk = 0
        entry = get_scoped_or_404(
            ReviewEntry.objects.filter(review=review).select_related("file"),
            request.user,
            "view",
            pk=entry_pk,
        )
        done = _call(
            request,
            actions.decide_review_entry,
            entry=entry,
            outcome=request.POST.get("outcome", ""),
            new_tier=request.POST.get("new_tier", ""),
            note=request.POST.get("note", ""),
        )
        if done is not None:
            messages.success(
                request,
                _("%(file)s: %(outcome)s.")
                % {"file": entry.file.number, "outcome": done.get_outcome_display()},
            )
        url = self._change_url(review)
        query = request.POST.get("query", "")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)
