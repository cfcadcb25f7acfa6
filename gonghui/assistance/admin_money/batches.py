"""Payment batches: the batch page, the bank file and recording paid and failed lines.

The batch's buttons (导出银行代发文件) and each pending line's item buttons (已付款,
付款失败退回) come from the declarations (:mod:`gonghui.assistance.workflows_money`), rendered
by ``workflow/buttons.html`` and run on the one-transition pages of ``TransitionAdmin``
(``paymentbatch/<pk>/do/export_bank_file/``, ``aiditem/<pk>/do/record_payment/``...). The
export page answers with the file. Pasted bank results run each line through the same
declaration.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions import BankFile
from gonghui.assistance.admin_money._shared import (
    FAILED_MESSAGE,
    PAY,
    ZERO,
    PageMixin,
    _messages_of,
    _post_only,
)
from gonghui.assistance.choices import BatchState, ItemState, PaymentState
from gonghui.assistance.models import Payment, PaymentBatch
from gonghui.assistance.templatetags.assistance_money import format_yuan
from gonghui.assistance.workflows_money import batch_states, prepare, take
from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.admin import SubtreeFilter
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_bank_card, mask_name
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.platform.workflow.faces import TransitionAdmin, offer_for, offers, run_posted

EXPORT_BANK_FILE = "export_bank_file"
AMOUNT = DecimalField(max_digits=14, decimal_places=2)
# A failed line whose item has not been paid since (in a new batch or directly): the money has
# not reached the worker, so the batch is not settled whatever its state says.
FAILED_UNPAID = Q(payments__state=PaymentState.FAILED) & ~Q(payments__item__state=ItemState.PAID)


def batch_status(batch: PaymentBatch, failed_unpaid: int) -> str:
    """What the batch's state means to finance staff: a batch the bank has answered in full
    reads 已结清 only when no failed line is still waiting to be paid again."""
    if batch.state == BatchState.DONE and failed_unpaid:
        return gettext("%(n)d failed, to be paid again") % {"n": failed_unpaid}
    return batch.get_state_display()


def _line_sum(condition=None):
    return Coalesce(Sum("payments__amount", filter=condition), Value(ZERO), output_field=AMOUNT)


def bank_file_response(bank_file: BankFile) -> HttpResponse:
    response = HttpResponse(bank_file.content, content_type=bank_file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, bank_file.filename)
    response["Cache-Control"] = "no-store"
    return response


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
class PaymentBatchAdmin(TransitionAdmin, PageMixin, ScopedModelAdmin):
    list_display = [
        "number",
        "org",
        "status",
        "payment_count",
        "total_amount",
        "paid_amount",
        "failed_amount",
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
                # Every line of the batch, the failed ones included: what was sent to the bank.
                total=_line_sum(),
                paid=_line_sum(Q(payments__state=PaymentState.PAID)),
                failed=_line_sum(Q(payments__state=PaymentState.FAILED)),
                n_failed_unpaid=Count("payments", filter=FAILED_UNPAID),
            )
        )

    @admin.display(description=_("state"), ordering="state")
    def status(self, obj):
        return batch_status(obj, obj.n_failed_unpaid)

    @admin.display(description=_("payments"), ordering="n_payments")
    def payment_count(self, obj):
        return obj.n_payments

    @admin.display(description=_("total"), ordering="total")
    def total_amount(self, obj):
        return format_yuan(obj.total)

    @admin.display(description=pgettext_lazy("money", "paid"), ordering="paid")
    def paid_amount(self, obj):
        return format_yuan(obj.paid)

    @admin.display(description=pgettext_lazy("money", "failed"), ordering="failed")
    def failed_amount(self, obj):
        return format_yuan(obj.failed)

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
            # A direct POST of one format (kept for callers of the URL name); the batch
            # page's button leads to the transition page ``do/export_bank_file/``.
            view("export", self.export_view, "export/<str:fmt>"),
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
        user = request.user
        payments = list(self._payments(request, batch))
        # A pending line is the item's live payment: its item's buttons are the line's.
        # A failed or paid line has none (a failed item is paid again in a new batch).
        live = prepare([p.item for p in payments if p.state == PaymentState.PENDING], user)
        live_ids = {item.pk for item in live}
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
                    "buttons": offers(p.item, user, "console") if p.item_id in live_ids else [],
                }
            )

        def total(state=None):
            return sum(
                (p.amount for p in payments if state is None or p.state == state), start=ZERO
            )

        failed_unpaid = sum(
            1 for p in payments if p.state == PaymentState.FAILED and p.item.state != ItemState.PAID
        )
        payable = any(
            b.name == "record_payment" and b.enabled for row in rows for b in row["buttons"]
        )
        context = {
            "title": _("Payment batch %(number)s") % {"number": batch.number},
            "batch": batch,
            "rows": rows,
            "totals": {
                "count": len(payments),
                "all": total(),
                "pending": total(PaymentState.PENDING),
                "paid": total(PaymentState.PAID),
                "failed": total(PaymentState.FAILED),
                "failed_unpaid": failed_unpaid,
            },
            "status": batch_status(batch, failed_unpaid),
            "transition_buttons": offers(batch, user, "console"),
            "any_buttons": any(row["buttons"] for row in rows),
            "payable": payable,
            "bulk_results": bulk_results,
            "bulk_text": bulk_text,
            "changelist_url": reverse("console:assistance_paymentbatch_changelist"),
        }
        return self._page(request, "assistance/console/money_batch.html", context)

    # The bank file -------------------------------------------------------------------------

    def transition_view(self, request, object_id, name):
        """The export page answers its POST with the bank's file (the other transitions of a
        batch have no page of their own)."""
        if name != EXPORT_BANK_FILE or request.method != "POST":
            return super().transition_view(request, object_id, name)
        batch = self.transition_object(request, object_id)
        offer = offer_for(batch, request.user, name, "console")
        if offer is None:
            raise Http404
        if offer.enabled:
            bank_file, form = run_posted(request, batch, name, "console")
            if bank_file is not None:
                return bank_file_response(bank_file)
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return HttpResponseRedirect(request.path)

    def export_view(self, request, object_id, fmt):
        if (refused := _post_only(request)) is not None:
            return refused
        batch = self._object_or_404(request, object_id)
        transition = batch_states.transitions[EXPORT_BANK_FILE]
        if not batch_states.permitted(transition, batch, request.user):
            raise PermissionDenied
        try:
            bank_file = batch_states.run(
                batch, request.user, EXPORT_BANK_FILE, {"fmt": fmt}, face="console"
            )
        except ActionError as exc:
            messages.error(request, _messages_of(exc))
            return HttpResponseRedirect(self._change_url(batch))
        return bank_file_response(bank_file)

    # Payment results ---------------------------------------------------------------------------

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
                take(
                    payment.item,
                    request.user,
                    "record_payment",
                    {"bank_reference": reference},
                    face="console",
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
