"""Payment batches: building one, the bank file, and recording paid and failed lines."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions
from gonghui.assistance.admin_money._shared import (
    EXPORT,
    FAILED_MESSAGE,
    PAY,
    ZERO,
    PageMixin,
    _call,
    _messages_of,
    _post_only,
)
from gonghui.assistance.choices import PaymentState
from gonghui.assistance.models import Payment, PaymentBatch
from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.admin import SubtreeFilter
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.pii.masking import mask_bank_card, mask_name
from gonghui.platform.workflow.base import ActionError, OutOfScope


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
