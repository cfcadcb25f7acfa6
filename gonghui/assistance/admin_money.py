"""Console pages for the money of hardship assistance and for the annual review: budgets, the
finance queue of approved, unpaid items, payment batches with the bank file, and the yearly
review with its recorded spot-check draw.

Reads go through ``restrict`` / ``get_scoped_or_404``; every write calls
:mod:`gonghui.assistance.actions`.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions
from gonghui.assistance.choices import (
    NON_MONEY_AID,
    AidType,
    ItemState,
    PaymentState,
    ReviewOutcome,
    Tier,
)
from gonghui.assistance.models import (
    AidItem,
    AnnualReview,
    Budget,
    Payment,
    PaymentBatch,
    ReviewEntry,
)
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.admin import SubtreeFilter
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.pii.masking import mask_bank_card, mask_name
from gonghui.platform.workflow.base import ActionError, OutOfScope

ZERO = Decimal("0.00")
PAY = "assistance.pay_aiditem"
EXPORT = "assistance.export_paymentbatch"
DECIDE = "assistance.change_reviewentry"
FAILED_MESSAGE = _("This payment failed; pay the item again in a new batch.")


# --- shared pieces -----------------------------------------------------------------------------


def _messages_of(exc) -> str:
    return " ".join(str(m) for m in exc.messages)


def _call(request, fn, /, **kwargs):
    """Run an action; a refusal becomes an error message and ``None`` is returned."""
    try:
        return fn(actor=request.user, **kwargs)
    except ActionError as exc:
        messages.error(request, _messages_of(exc))
    except OutOfScope:
        messages.error(request, _("You cannot place the record there."))
    except PermissionDenied:
        messages.error(request, _("You do not have permission to do this."))
    return None


def _application_link(application):
    try:
        url = reverse("console:assistance_application_change", args=[application.pk])
    except NoReverseMatch:
        return application.number
    return format_html('<a class="text-primary-600" href="{}">{}</a>', url, application.number)


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


class PageMixin:
    """Custom pages of a model admin (detail pages and their POST targets)."""

    def _page(self, request, template, context):
        request.current_app = self.admin_site.name
        return render(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def _change_url(self, obj):
        opts = self.model._meta
        return reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _object_or_404(self, request, object_id):
        return get_scoped_or_404(self.model, request.user, "view", pk=object_id)


# --- budgets -----------------------------------------------------------------------------------


class BudgetForm(ActionForm, forms.ModelForm):
    # Text, so that the action's own message explains a bad amount.
    amount = forms.CharField(label=_("budget"), max_length=30)

    class Meta:
        model = Budget
        fields = ["org", "year", "aid_type", "amount", "note"]

    def bind_request(self, request):
        self.request = request
        if "org" in self.fields:  # the add form
            self.fields["org"].queryset = restrict(
                Org, request.user, "assistance.add_budget"
            ).order_by("path")
            self.fields["aid_type"].choices = [
                (v, label) for v, label in AidType.choices if v not in NON_MONEY_AID
            ]
            self.fields["year"].initial = timezone.localdate().year

    def run_action(self):
        d = self.cleaned_data
        budget = self.instance if self.instance.pk else None
        return actions.set_budget(
            actor=self.request.user,
            org=budget.org if budget else d["org"],
            year=budget.year if budget else d["year"],
            aid_type=budget.aid_type if budget else d["aid_type"],
            amount=d["amount"],
            note=d.get("note") or "",
        )

    def validate_unique(self):
        return None  # set_budget changes the existing budget of that org, year and aid


BUDGET_SHOWN = ["org", "year", "aid_type", "amount", "reserved", "paid", "remaining_display"]


@admin.register(Budget, site=console_site)
class BudgetAdmin(ScopedModelAdmin):
    form = BudgetForm
    list_display = ["org", "year", "aid_type", "amount", "reserved", "paid", "remaining_display"]
    list_select_related = ["org"]
    list_filter = ["year", "aid_type", SubtreeFilter]
    list_filter_submit = True
    ordering = ["-year", "org__path", "aid_type"]
    list_per_page = 50
    readonly_fields = ["org", "year", "aid_type", "reserved", "paid", "remaining_display"]

    @admin.display(description=_("remaining"))
    def remaining_display(self, obj):
        return obj.remaining

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(BudgetForm.Meta.fields)
        return [
            "org",
            "year",
            "aid_type",
            "amount",
            "reserved",
            "paid",
            "remaining_display",
            "note",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "amount", "note"]

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            # Changing a budget is set_budget, which needs add_budget on its org.
            return (
                restrict(Budget, request.user, "assistance.add_budget").filter(pk=obj.pk).exists()
            )
        return super().has_change_permission(request, obj)


# --- the finance queue: approved, unpaid items -------------------------------------------------


class ItemStateFilter(admin.SimpleListFilter):
    """Approved, unpaid items unless another state (or all) is chosen."""

    title = _("state")
    parameter_name = "state"
    DEFAULT = ItemState.APPROVED

    def lookups(self, request, model_admin):
        return [*ItemState.choices, ("all", _("All"))]

    def value(self):
        return super().value() or self.DEFAULT

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        if value not in ItemState.values:
            return queryset.none()
        return queryset.filter(state=value)

    def choices(self, changelist):
        value = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


def payment_org(user):
    """The highest org at which ``user`` may build payment batches."""
    return restrict(Org, user, "assistance.add_paymentbatch").order_by("depth", "path").first()


@admin.register(AidItem, site=console_site)
class AidItemAdmin(ScopedModelAdmin):
    list_display = [
        "application_number",
        "applicant_masked",
        "union_name",
        "aid_type",
        "amount_approved",
        "budget",
        "state",
    ]
    list_display_links = None
    list_select_related = ["application__applicant", "application__org", "budget"]
    list_filter = [ItemStateFilter, "aid_type", SubtreeFilter]
    list_filter_submit = True
    ordering = ["application__approved_at", "pk"]
    list_per_page = 100
    actions = ["create_payment_batch"]

    def get_queryset(self, request):
        return restrict(super(ScopedModelAdmin, self).get_queryset(request), request.user, PAY)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # items change through the application and the payment pages

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and request.user.has_perm(PAY)

    def has_pay_permission(self, request):
        return request.user.has_perm("assistance.add_paymentbatch")

    @admin.display(description=_("application number"), ordering="application__number")
    def application_number(self, obj):
        return _application_link(obj.application)

    @admin.display(description=_("applicant"))
    def applicant_masked(self, obj):
        return mask_name(obj.application.applicant.name)

    @admin.display(description=_("union"), ordering="application__org__name")
    def union_name(self, obj):
        return obj.application.org.name

    @admin.action(description=_("Create payment batch"), permissions=["pay"])
    def create_payment_batch(self, request, queryset):
        org = payment_org(request.user)
        if org is None:
            raise PermissionDenied
        batch = _call(request, actions.create_batch, org=org, items=list(queryset))
        if batch is None:
            return None
        messages.success(
            request,
            _("Payment batch %(number)s created with %(n)d items.")
            % {"number": batch.number, "n": batch.payments.count()},
        )
        return HttpResponseRedirect(
            reverse("console:assistance_paymentbatch_change", args=[batch.pk])
        )


# --- payment batches ---------------------------------------------------------------------------


def parse_paid_lines(text: str) -> list[tuple[int, str, str, str]]:
    """``<application number>-<item id>,<bank reference>`` lines → (line no, raw, number, ref).

    Commas (ASCII or full-width) or tabs separate the columns; blank lines are skipped."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in ("\t", "，"):
            line = line.replace(sep, ",")
        business, _sep, reference = line.partition(",")
        out.append((n, raw.strip(), business.strip(), reference.strip()))
    return out


class BulkLine:
    PAID = "paid"
    ALREADY = "already_paid"
    ERROR = "error"

    def __init__(self, line_no, text, status, message=""):
        self.line_no = line_no
        self.text = text
        self.status = status
        self.message = message

    @property
    def label(self):
        return {
            self.PAID: _("paid"),
            self.ALREADY: _("already paid"),
            self.ERROR: _("error"),
        }[self.status]


@admin.register(PaymentBatch, site=console_site)
class PaymentBatchAdmin(PageMixin, ScopedModelAdmin):
    list_display = [
        "number",
        "org",
        "state",
        "payment_count",
        "total_amount",
        "created_at",
        "exported_at",
    ]
    list_select_related = ["org"]
    list_filter = ["state", SubtreeFilter]
    list_filter_submit = True
    search_fields = ["number"]
    ordering = ["-created_at", "-id"]
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_payments=Count("payments"),
                total=Coalesce(
                    Sum("payments__amount", filter=~Q(payments__state=PaymentState.FAILED)),
                    Value(ZERO),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                ),
            )
        )

    @admin.display(description=_("payments"), ordering="n_payments")
    def payment_count(self, obj):
        return obj.n_payments

    @admin.display(description=_("total"), ordering="total")
    def total_amount(self, obj):
        return obj.total

    def has_add_permission(self, request):
        return False  # built from the queue of approved, unpaid items

    def get_urls(self):
        def view(name, fn, route):
            return path(
                f"<int:object_id>/{route}/",
                self.admin_site.admin_view(fn),
                name=f"assistance_paymentbatch_{name}",
            )

        return [
            view("export", self.export_view, "export/<str:fmt>"),
            view("pay", self.pay_view, "pay"),
            view("fail", self.fail_view, "fail"),
            view("bulk_paid", self.bulk_paid_view, "bulk-paid"),
            *super().get_urls(),
        ]

    # The batch page --------------------------------------------------------------------------

    def _payments(self, request, batch):
        return restrict(
            Payment.objects.filter(batch=batch)
            .select_related("item__application__applicant", "item__application__file")
            .order_by("pk"),
            request.user,
            "view",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self._object_or_404(request, object_id)
        return self._batch_page(request, batch)

    def _batch_page(self, request, batch, *, bulk_results=None, bulk_text=""):
        payments = list(self._payments(request, batch))
        rows = []
        for p in payments:
            app = p.item.application
            rows.append(
                {
                    "payment": p,
                    "application": app,
                    "business_number": f"{app.number}-{p.item_id}",
                    "applicant": mask_name(app.applicant.name),
                    "account": mask_bank_card(app.file.bank_account),
                    "bank_name": app.file.bank_name,
                    "pending": p.state == PaymentState.PENDING,
                }
            )

        def total(state=None):
            return sum(
                (p.amount for p in payments if state is None or p.state == state), start=ZERO
            )

        user = request.user
        can_pay = user.has_perm(PAY) and restrict(Org, user, PAY).filter(pk=batch.org_id).exists()
        context = {
            "title": _("Payment batch %(number)s") % {"number": batch.number},
            "batch": batch,
            "rows": rows,
            "totals": {
                "count": len(payments),
                "all": total() - total(PaymentState.FAILED),
                "pending": total(PaymentState.PENDING),
                "paid": total(PaymentState.PAID),
                "failed": total(PaymentState.FAILED),
            },
            "can_export": user.has_perm(EXPORT),
            "can_pay": can_pay,
            "any_pending": any(r["pending"] for r in rows),
            "bulk_results": bulk_results,
            "bulk_text": bulk_text,
            "changelist_url": reverse("console:assistance_paymentbatch_changelist"),
        }
        return self._page(request, "assistance/console/money_batch.html", context)

    # Export ----------------------------------------------------------------------------------

    def export_view(self, request, object_id, fmt):
        if (refused := _post_only(request)) is not None:
            return refused
        batch = self._object_or_404(request, object_id)
        if not request.user.has_perm(EXPORT):
            raise PermissionDenied
        if fmt not in ("xlsx", "csv"):
            messages.error(request, _("Unknown file format."))
            return HttpResponseRedirect(self._change_url(batch))
        bank_file = _call(request, actions.export_bank_file, batch=batch, fmt=fmt)
        if bank_file is None:
            return HttpResponseRedirect(self._change_url(batch))
        response = HttpResponse(bank_file.content, content_type=bank_file.content_type)
        response["Content-Disposition"] = content_disposition_header(True, bank_file.filename)
        response["Cache-Control"] = "no-store"
        return response

    # Payment results ---------------------------------------------------------------------------

    def _payment_of(self, request, batch):
        try:
            pk = int(request.POST.get("payment", ""))
        except ValueError:
            pk = 0
        return get_scoped_or_404(
            Payment.objects.filter(batch=batch).select_related("item__application"),
            request.user,
            "view",
            pk=pk,
        )

    def pay_view(self, request, object_id):
        if (refused := _post_only(request)) is not None:
            return refused
        batch = self._object_or_404(request, object_id)
        payment = self._payment_of(request, batch)
        if payment.state == PaymentState.FAILED:
            messages.error(request, FAILED_MESSAGE)
            return HttpResponseRedirect(self._change_url(batch))
        done = _call(
            request,
            actions.record_payment,
            item=payment.item,
            bank_reference=request.POST.get("bank_reference", ""),
        )
        if done is not None:
            messages.success(
                request,
                _("%(number)s is paid.")
                % {"number": f"{payment.item.application.number}-{payment.item_id}"},
            )
        return HttpResponseRedirect(self._change_url(batch))

    def fail_view(self, request, object_id):
        if (refused := _post_only(request)) is not None:
            return refused
        batch = self._object_or_404(request, object_id)
        payment = self._payment_of(request, batch)
        done = _call(
            request,
            actions.record_payment_failure,
            item=payment.item,
            reason=request.POST.get("reason", ""),
        )
        if done is not None:
            messages.success(
                request,
                _("%(number)s failed; the item is approved again and can be paid in a new batch.")
                % {"number": f"{payment.item.application.number}-{payment.item_id}"},
            )
        return HttpResponseRedirect(self._change_url(batch))

    def bulk_paid_view(self, request, object_id):
        if (refused := _post_only(request)) is not None:
            return refused
        batch = self._object_or_404(request, object_id)
        if not request.user.has_perm(PAY):
            raise PermissionDenied
        text = request.POST.get("lines", "")
        payments = {
            f"{p.item.application.number}-{p.item_id}": p
            for p in self._payments(request, batch).select_related("item__application")
        }
        results = []
        for line_no, raw, business, reference in parse_paid_lines(text):
            payment = payments.get(business)
            if payment is None:
                results.append(
                    BulkLine(
                        line_no,
                        raw,
                        BulkLine.ERROR,
                        gettext("%(number)s is not in this batch.") % {"number": business},
                    )
                )
                continue
            if payment.state == PaymentState.FAILED:
                results.append(BulkLine(line_no, raw, BulkLine.ERROR, str(FAILED_MESSAGE)))
                continue
            try:
                actions.record_payment(
                    actor=request.user, item=payment.item, bank_reference=reference
                )
            except ActionError as exc:
                code = getattr(exc, "code", None)
                status = BulkLine.ALREADY if code == "already_paid" else BulkLine.ERROR
                results.append(BulkLine(line_no, raw, status, _messages_of(exc)))
            except (OutOfScope, PermissionDenied):
                results.append(
                    BulkLine(
                        line_no,
                        raw,
                        BulkLine.ERROR,
                        gettext("You do not have permission to do this."),
                    )
                )
            else:
                results.append(BulkLine(line_no, raw, BulkLine.PAID))
        if not results:
            messages.error(
                request, _("Paste one line per payment: business number, bank reference.")
            )
        else:
            paid = sum(1 for r in results if r.status == BulkLine.PAID)
            messages.info(
                request,
                _("%(paid)d of %(n)d lines recorded as paid.") % {"paid": paid, "n": len(results)},
            )
        batch.refresh_from_db()
        return self._batch_page(request, batch, bulk_results=results, bulk_text=text)


# --- annual reviews ----------------------------------------------------------------------------


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
