"""Console pages of 12351 tickets: the queue (one list, filtered per role's work: to sign
for, past a deadline, extensions to decide, to dispatch, to visit back), the ticket page (step
indicator, timeline, the declared buttons of workflows.py each on its ``<pk>/do/<name>/``
page), the intake form an operator fills during a call, and the two editable tables
(categories, deadlines). Reads go through ``restrict``; every write is an action."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.orgs.models import Employer
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.calendar.workdays import CalendarYearMissing, working_days_between
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.faces import TransitionAdmin
from gonghui.platform.workflow.steps import step_marks
from gonghui.rights import actions, attachments, deadlines, todos
from gonghui.rights.answers import AnswerSelect, answer_choices
from gonghui.rights.choices import TicketState
from gonghui.rights.models import Ticket, TicketCategory, TicketDeadline
from gonghui.rights.words import STEP_LABELS

S = TicketState


class QueueFilter(DropdownFilter):
    """The work waiting: open tickets by default, or one queue of the start page."""

    title = _("queue")
    parameter_name = "queue"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        return [
            ("open", _("Not closed")),
            (todos.Q_DISPATCH, _("To classify and dispatch")),
            (todos.Q_SIGN, _("To sign for")),
            (todos.Q_EXTENSION, _("Extensions to decide")),
            (todos.Q_VISIT, _("To visit back and close")),
            (todos.Q_OVERDUE, _("Past a deadline")),
        ]

    def value(self):
        return super().value() or "open"

    def queryset(self, request, queryset):
        value, user = self.value(), request.user
        if value == "all":
            return queryset
        if value == todos.Q_DISPATCH:
            return todos.waiting_to_dispatch(user, queryset)
        if value == todos.Q_SIGN:
            return todos.waiting_to_sign(user, queryset)
        if value == todos.Q_EXTENSION:
            return todos.extensions_waiting(user, queryset)
        if value == todos.Q_VISIT:
            return todos.waiting_for_visit(user, queryset)
        if value == todos.Q_OVERDUE:
            return deadlines.overdue(queryset)
        return queryset.exclude(state=S.CLOSED)


def _employer(name: str):
    """The employer of that exact name in the table (found), else none (typed)."""
    name = (name or "").strip()
    return Employer.objects.filter(name=name).first() if name else None


class TicketIntakeForm(ActionForm, forms.ModelForm):
    """The operator taking a call: who calls, about what, what she asks."""

    category = forms.ChoiceField(label=_("Category"))
    caller_name = forms.CharField(label=_("Caller's name"), max_length=50)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=20)
    facts = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea({"rows": 4})
    )
    request = forms.CharField(
        label=_("What the worker asks for"), max_length=1000, widget=forms.Textarea({"rows": 2})
    )
    answer = forms.TypedChoiceField(
        label=_("Answer on the call from the knowledge base"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=AnswerSelect,
        help_text=_(
            "For a consultation: the ticket is closed at once and the worker reads this answer."
        ),
    )
    attachment = forms.FileField(
        label=_("Document (PDF, JPEG or PNG, at most 10 MB)"), required=False
    )

    class Meta:
        model = Ticket
        fields = [
            "category",
            "complexity",
            "is_petition",
            "caller_name",
            "caller_phone",
            "employer_name",
            "employer_address",
            "facts",
            "request",
            "answer",
            "attachment",
        ]

    def bind_request(self, request):
        self.request = request
        if "category" not in self.fields:
            return  # the ticket page: every field is shown read-only
        from gonghui.rights.workflows import category_choices

        self.fields["category"].choices = category_choices()
        self.fields["employer_name"].help_text = _(
            "Its exact name links the employer on file; otherwise the name is kept as typed."
        )
        self.fields["answer"].choices = answer_choices(self.fields["answer"].widget)

    def run_action(self):
        d = self.cleaned_data
        if d.get("attachment"):
            attachments.check(d["attachment"])  # a bad file refuses the intake
        # The call, its document and the answer on the call, or nothing: a refused step
        # undoes the ticket too (the form shows the reason on the same page).
        with transaction.atomic():
            ticket = actions.take_call(
                actor=self.request.user,
                category=d["category"],
                complexity=d["complexity"],
                is_petition=d["is_petition"],
                caller_name=d["caller_name"],
                caller_phone=d["caller_phone"],
                employer=_employer(d["employer_name"]),
                employer_name=d["employer_name"],
                employer_address=d["employer_address"],
                facts=d["facts"],
                request=d["request"],
            )
            if d.get("attachment"):
                attachments.add_attachment(
                    actor=self.request.user, ticket=ticket, upload=d["attachment"]
                )
            if d.get("answer"):
                ticket = actions.answer_and_close(
                    actor=self.request.user, ticket=ticket, answer=d["answer"]
                )
        return ticket


DETAIL_FIELDS = [
    "number",
    "state",
    "category",
    "complexity",
    "is_petition",
    "channel",
    "masked_caller",
    "masked_phone",
    "employer_name",
    "employer_address",
    "facts",
    "request",
    "org",
    "dispatched_by",
    "received_at",
    "due_badge",
    "return_reason",
    "extension",
    "extension_reason",
    "reply",
    "answer",
    "arrears_recovered",
    "arrears_workers",
    "rating",
    "rating_comment",
    "quality_required",
    "quality_note",
    "reopened",
]


@admin.register(Ticket, site=console_site)
class TicketAdmin(TransitionAdmin, ScopedModelAdmin):
    form = TicketIntakeForm
    list_display = [
        "number",
        "category",
        "complexity",
        "org",
        "received_at",
        "waiting",
        "due_badge",
        "state",
    ]
    list_select_related = ["org", "category", "category__parent"]
    list_filter = [QueueFilter, "state", "complexity", "is_petition", "channel"]
    list_filter_submit = True
    search_fields = ["number"]
    search_help_text = _("Ticket number")
    ordering = ["received_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator
    change_form_template = "rights/admin/ticket_change_form.html"
    change_list_template = "rights/bulletin_change_list.html"  # links the 通报

    def get_urls(self):
        from django.urls import path

        from gonghui.rights.bulletin import bulletin_view

        view = self.admin_site.admin_view(bulletin_view)
        return [path("bulletin/", view, name="rights_ticket_bulletin"), *super().get_urls()]

    def get_fields(self, request, obj=None):
        return list(TicketIntakeForm.Meta.fields) if obj is None else DETAIL_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else DETAIL_FIELDS

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("Caller"))
    def masked_caller(self, obj):
        return mask_name(obj.caller_name)

    @admin.display(description=_("Caller's phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.caller_phone)

    @admin.display(description=_("Working days waiting"), ordering="received_at")
    def waiting(self, obj):
        end = timezone.localdate(obj.closed_at) if obj.closed_at else timezone.localdate()
        try:
            return working_days_between(timezone.localdate(obj.received_at), end)
        except CalendarYearMissing as exc:
            return format_html('<span title="{}">?</span>', exc.message)

    @admin.display(description=_("Due"))
    def due_badge(self, obj):
        """The running clock's due day, red once overdue, amber when due soon."""
        found = deadlines.clock(obj)
        if found is None:
            return ""
        due = found.due()
        status = found.status()
        text = due.isoformat() if due else "?"
        badge = {
            DeadlineStatus.OVERDUE: ("bg-red-100 text-red-700", _("Overdue")),
            DeadlineStatus.WARNING: ("bg-amber-100 text-amber-800", _("Due soon")),
        }.get(status)
        if badge is None:
            return format_html(
                '<span title="{}">{}</span> {}', found.rule.legal_basis, text, found.label
            )
        return format_html(
            '<span class="{} rounded px-2 py-0.5 text-xs font-semibold" title="{}">{}</span> {} {}',
            badge[0],
            found.rule.legal_basis,
            badge[1],
            text,
            found.label,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        steps = list(obj.steps.select_related("actor").order_by("at", "id"))
        marks, off_path = step_marks(obj, [s.from_state for s in steps if s.from_state])
        extra_context = {
            **(extra_context or {}),
            "step_marks": marks,
            "off_path": off_path,
            "timeline": [(s, STEP_LABELS.get(s.name, s.name)) for s in steps],
            "attachments": list(obj.attachments.order_by("id")),
            "upload_url": reverse("console:rights_ticketattachment_upload", args=[obj.pk])
            if attachments.may_add(request.user, obj)
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(TicketCategory, site=console_site)
class TicketCategoryAdmin(ScopedModelAdmin):
    list_display = ["name", "parent", "position", "active"]
    list_filter = ["active"]
    fields = ["name", "parent", "position", "active"]

    def save_model(self, request, obj, form, change):
        # An editable reference table (no scope, no workflow); a new row gets a code the API
        # and the forms use (the shipped rows keep theirs).
        if not obj.code:
            obj.code = f"c_{uuid.uuid4().hex[:12]}"
        obj.save()


@admin.register(TicketDeadline, site=console_site)
class TicketDeadlineAdmin(ScopedModelAdmin):
    list_display = ["complexity", "step", "days", "default_badge", "source"]
    list_filter = ["complexity"]
    fields = ["complexity", "step", "days", "source"]

    def get_readonly_fields(self, request, obj=None):
        return ["complexity", "step"] if obj is not None else []

    def has_add_permission(self, request):
        return False  # one row per class and step, shipped by the migration

    @admin.display(description=_("Default"), boolean=True)
    def default_badge(self, obj):
        return obj.is_default

    def save_model(self, request, obj, form, change):
        obj.save()


# The 问答库 and the ticket's documents (their own module, to keep this one short).
from gonghui.rights import admin_extra  # noqa: E402, F401
