"""Budgets and the finance queue of approved, unpaid aid items.

Each item on the queue shows its buttons (已付款, 付款失败退回) from the declarations
(:mod:`gonghui.assistance.workflows_money`), worked out for the whole page at once; they lead
to the item's one-transition pages (``aiditem/<pk>/do/<name>/``, ``TransitionAdmin``), which
return to the item's batch or to the queue. Building a batch is the queue's bulk action.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions
from gonghui.assistance.admin_money._shared import PAY, _application_link, _call
from gonghui.assistance.choices import NON_MONEY_AID, AidType, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Budget
from gonghui.assistance.templatetags.assistance_money import format_yuan
from gonghui.assistance.todos import RefusedFilter
from gonghui.assistance.workflows_money import prepare
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.admin import SubtreeFilter
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.faces import TransitionAdmin, offers


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
    list_display = [
        "org",
        "year",
        "aid_type",
        "amount_display",
        "reserved_display",
        "paid_display",
        "remaining_display",
    ]
    list_select_related = ["org"]
    list_filter = ["year", "aid_type", SubtreeFilter]
    list_filter_submit = True
    ordering = ["-year", "org__path", "aid_type"]
    list_per_page = 50
    readonly_fields = ["org", "year", "aid_type", "reserved", "paid", "remaining_display"]

    @admin.display(description=_("budget"), ordering="amount")
    def amount_display(self, obj):
        return format_yuan(obj.amount)

    @admin.display(description=_("approved, unpaid"), ordering="reserved")
    def reserved_display(self, obj):
        return format_yuan(obj.reserved)

    @admin.display(description=_("paid"), ordering="paid")
    def paid_display(self, obj):
        return format_yuan(obj.paid)

    @admin.display(description=_("remaining"))
    def remaining_display(self, obj):
        return format_yuan(obj.remaining)

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
class AidItemAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = [
        "application_number",
        "applicant_masked",
        "union_name",
        "aid_type",
        "amount_display",
        "budget",
        "state",
        "transition_column",
    ]
    change_form_template = "assistance/console/money_aiditem_change_form.html"
    list_display_links = None
    list_select_related = ["application__applicant", "application__org", "budget"]
    list_filter = [ItemStateFilter, RefusedFilter, "aid_type", SubtreeFilter]
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

    @admin.display(description=_("amount approved"), ordering="amount_approved")
    def amount_display(self, obj):
        return format_yuan(obj.amount_approved)

    @admin.display(description=_("applicant"))
    def applicant_masked(self, obj):
        return mask_name(obj.application.applicant.name)

    @admin.display(description=_("union"), ordering="application__org__name")
    def union_name(self, obj):
        return obj.application.org.name

    # The declared transitions ----------------------------------------------------------------

    def get_changelist_instance(self, request):
        """Work out the buttons of the page's items at once (not one query per row)."""
        cl = super().get_changelist_instance(request)
        for item in prepare(cl.result_list, request.user):
            item.transition_buttons = offers(item, request.user, "console")
        return cl

    @admin.display(description=_("Result"))
    def transition_column(self, obj):
        buttons = getattr(obj, "transition_buttons", None)
        if not buttons:
            return ""
        html = render_to_string("workflow/buttons.html", {"transition_buttons": buttons})
        return format_html('<div data-item="{}">{}</div>', obj.pk, html)

    def after_transition_url(self, request, obj) -> str:
        """Back to the batch the item is being paid in, else to the queue."""
        if obj.state == ItemState.IN_BATCH:
            batch_id = (
                obj.payments.filter(state=PaymentState.PENDING)
                .values_list("batch_id", flat=True)
                .first()
            )
            if batch_id:
                return reverse(
                    f"{self.admin_site.name}:assistance_paymentbatch_change", args=[batch_id]
                )
        return reverse(f"{self.admin_site.name}:assistance_aiditem_changelist")

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
