"""Console pages for hardship files and aid applications: the lists, the case page with its
history and transition buttons, and the small form pages that run one action each.

Reads go through ``restrict`` and :mod:`gonghui.assistance.queries`; every write calls an action
in :mod:`gonghui.assistance.actions`. A form's ``clean()`` runs the action, so a refused guard
is shown as a form error on the same page; an object outside the user's scope answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions, queries
from gonghui.assistance.choices import (
    EDITABLE_STATES,
    NON_MONEY_AID,
    OPEN_FILE_STATES,
    AidType,
    AttachmentKind,
    Cause,
    CivilAffairsResult,
    FileLevel,
    FileState,
    Housing,
    ObjectionDecision,
    Relation,
    Tier,
)
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import AidItem, Application, HardshipFile
from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.models import Person
from gonghui.members.search import search_people
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii import registry
from gonghui.platform.pii.actions import reveal_permission
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError

HIDDEN = _("hidden (sensitive)")
INPUT_CLASS = "border border-base-200 rounded-md px-3 py-2 w-full max-w-2xl"

STEP_LABELS = {
    "create": _("Created"),
    "submit": _("Submitted"),
    "first_review": _("First review"),
    "home_visit": _("Home visit"),
    "verify": _("Verification"),
    "objection": _("Objection recorded"),
    "objection_upheld": _("Objection upheld"),
    "end_publicity": _("Publicity ended"),
    "approve": _("Approved"),
    "complete": _("Completed"),
    "return": _("Returned for correction"),
    "reject": _("Rejected"),
    "withdraw": _("Withdrawn"),
}


# --- shared pieces -------------------------------------------------------------------------


def holds(user, perm: str, obj) -> bool:
    """Whether ``user`` holds ``perm`` on ``obj`` (the permission and a grant covering it)."""
    if not user.has_perm(perm):
        return False
    return restrict(type(obj), user, perm).filter(pk=obj.pk).exists()


def case_url(application) -> str:
    return reverse("console:assistance_application_change", args=[application.pk])


def file_url(file) -> str:
    return reverse("console:assistance_hardshipfile_change", args=[file.pk])


def attachment_url(attachment) -> str | None:
    try:
        return reverse("console-assistance-attachment", args=[attachment.public_id])
    except NoReverseMatch:
        return None


def household_rows(file, sensitive: bool) -> list:
    """The household members to show: none without the sensitive-data permission."""
    if not sensitive:
        return []
    rows = [m for m in file.household.all() if m.name]  # blanked rows were removed
    for m in rows:
        m.masked_id = mask_id_detail(m.id_number) if m.id_number else ""
    return rows


def bank_reveal_fields(user, file) -> list:
    """The reveal button for the bank account, only for users whose role may reveal it."""
    entry = registry.lookup(HardshipFile, "bank_account")
    if not file.bank_account or entry is None:
        return []
    if not user.has_perm(reveal_permission(entry.category, entry.sensitivity)):
        return []
    return [("bank_account", _("Bank account"), mask_bank_card(file.bank_account))]


def secondary_causes(file) -> list:
    return [Cause(c).label for c in file.secondary_causes if c in Cause.values]


def _people_matching(user, term: str):
    """Primary keys of the people in ``user``'s scope matching a name, ID number or phone."""
    return search_people(restrict(Person, user, "view"), term).values("pk")


def _style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            continue
        widget.attrs.setdefault("class", INPUT_CLASS)


class DateInput(forms.DateInput):
    input_type = "date"


class CaseForm(forms.Form):
    """A small form whose ``clean()`` runs one action: an ActionError or a refused permission
    becomes a form error on the same page (with the action's own message); OutOfScope is a
    404 and is not caught."""

    def __init__(self, *args, request, obj=None, **kwargs):
        self.request = request
        self.obj = obj
        self.result = None
        super().__init__(*args, **kwargs)
        self.setup()
        _style(self)

    def setup(self):
        return None

    def run_action(self):  # pragma: no cover - each form implements it
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.result = self.run_action()
        except ActionError:
            raise
        except PermissionDenied as exc:
            message = str(exc) or _("You do not have permission to do this.")
            raise ValidationError(message) from exc
        return cleaned

    @property
    def actor(self):
        return self.request.user


def _render(request, template, context, *, title, opts):
    context = {
        **console_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        **context,
    }
    request.current_app = console_site.name
    return TemplateResponse(request, template, context)


def _form_page(request, form, *, title, opts, back, intro="", button=None, danger=False):
    return _render(
        request,
        "assistance/console/cases_form.html",
        {
            "form": form,
            "back": back,
            "intro": intro,
            "button": button or _("Save"),
            "danger": danger,
            "multipart": form.is_multipart(),
        },
        title=title,
        opts=opts,
    )


# --- transition forms ----------------------------------------------------------------------


class SubmitForm(CaseForm):
    def run_action(self):
        return actions.submit_application(actor=self.actor, application=self.obj)


class FirstReviewForm(CaseForm):
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def run_action(self):
        return actions.first_review(
            actor=self.actor, application=self.obj, opinion=self.cleaned_data["opinion"]
        )


class HomeVisitForm(CaseForm):
    visit_date = forms.DateField(label=_("Date of the visit"), widget=DateInput)
    visitors = forms.CharField(label=_("Visitors"), max_length=200)
    findings = forms.CharField(
        label=_("Findings"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )
    authorisation = forms.FileField(
        label=_("Signed income-check authorisation (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Required unless it is already among the file's documents."),
    )

    def run_action(self):
        d = self.cleaned_data
        return actions.record_home_visit(
            actor=self.actor,
            application=self.obj,
            visit_date=d["visit_date"],
            visitors=d["visitors"],
            findings=d["findings"],
            authorisation=d.get("authorisation"),
        )


def _blank(choices):
    return [("", "---------"), *choices]


class VerifyForm(CaseForm):
    civil_affairs_result = forms.ChoiceField(
        label=_("Civil-affairs income check"), choices=_blank(CivilAffairsResult.choices)
    )
    checked_on = forms.DateField(label=_("Date of the check"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note on the check"), required=False, max_length=300)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=_blank(Tier.choices))
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_blank(FileLevel.choices))
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        file = self.obj.file
        self.fields["tier"].initial = file.tier
        self.fields["level"].initial = file.level

    def run_action(self):
        d = self.cleaned_data
        return actions.verify(
            actor=self.actor,
            application=self.obj,
            civil_affairs_result=d["civil_affairs_result"],
            checked_on=d.get("checked_on"),
            tier=d.get("tier") or "",
            level=d.get("level") or "",
            note=d.get("note") or "",
            opinion=d.get("opinion") or "",
        )


class ObjectionForm(CaseForm):
    content = forms.CharField(
        label=_("What the objection says"), max_length=4000, widget=forms.Textarea({"rows": 4})
    )
    raised_by = forms.CharField(label=_("Raised by"), required=False, max_length=100)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DateInput)

    def run_action(self):
        d = self.cleaned_data
        return actions.record_objection(
            actor=self.actor,
            application=self.obj,
            content=d["content"],
            raised_by=d.get("raised_by") or "",
            received_on=d.get("received_on"),
        )


class DecideObjectionForm(CaseForm):
    objection = forms.ModelChoiceField(label=_("Objection"), queryset=None)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ObjectionDecision.DISMISSED, ObjectionDecision.DISMISSED.label),
            (ObjectionDecision.UPHELD, _("Upheld: back to verification")),
        ],
    )
    note = forms.CharField(
        label=_("Reason"), required=False, max_length=300, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        field = self.fields["objection"]
        field.queryset = self.obj.objections.filter(decision=ObjectionDecision.PENDING)
        field.label_from_instance = lambda o: f"{o.received_on}: {o.content[:60]}"

    def run_action(self):
        d = self.cleaned_data
        return actions.decide_objection(
            actor=self.actor,
            objection=d["objection"],
            upheld=d["decision"] == ObjectionDecision.UPHELD,
            note=d.get("note") or "",
        )


class EndPublicityForm(CaseForm):
    def run_action(self):
        return actions.end_publicity(actor=self.actor, application=self.obj)


class ApproveForm(CaseForm):
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        self.lines = queries.budget_lines(self.obj)
        amount_fields = {}
        for line in self.lines:
            item = line.item
            if item.aid_type in NON_MONEY_AID or item.amount_requested is None:
                continue
            if line.budget is None:
                hint = _("Requested %(requested)s yuan; no budget for this aid.") % {
                    "requested": item.amount_requested
                }
            else:
                hint = _("Requested %(requested)s yuan; %(remaining)s yuan left in the budget.") % {
                    "requested": item.amount_requested,
                    "remaining": line.remaining,
                }
            amount_fields[f"amount_{item.pk}"] = forms.CharField(
                label=_("%(aid)s: amount granted (yuan)") % {"aid": _item_label(item)},
                initial=f"{item.amount_requested:.2f}",
                required=False,
                max_length=20,
                help_text=hint,
            )
        self.fields = {**amount_fields, **self.fields}

    def run_action(self):
        amounts = {
            name.removeprefix("amount_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("amount_")
        }
        return actions.approve(
            actor=self.actor,
            application=self.obj,
            amounts=amounts,
            opinion=self.cleaned_data.get("opinion") or "",
        )


class ReasonForm(CaseForm):
    # Not required in the form: the action's own message ("A reason is required.") is shown.
    reason = forms.CharField(
        label=_("Reason (required)"),
        required=False,
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
    )


class ReturnForm(ReasonForm):
    def run_action(self):
        return actions.return_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


class RejectForm(ReasonForm):
    def run_action(self):
        return actions.reject_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


class WithdrawForm(CaseForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def run_action(self):
        return actions.withdraw_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


# name: (form, button label, success message, danger)
STEPS = {
    "submit": (SubmitForm, _("Submit for review"), _("The application was submitted."), False),
    "first_review": (
        FirstReviewForm,
        _("First review"),
        _("First review recorded: the case goes to the home visit."),
        False,
    ),
    "home_visit": (
        HomeVisitForm,
        _("Record the home visit"),
        _("The home visit was recorded: the case goes to verification."),
        False,
    ),
    "verify": (
        VerifyForm,
        _("Verify"),
        _("Verified: the case is in publicity."),
        False,
    ),
    "objection": (ObjectionForm, _("Record an objection"), _("The objection was recorded."), False),
    "decide_objection": (
        DecideObjectionForm,
        _("Decide an objection"),
        _("The objection was decided."),
        False,
    ),
    "end_publicity": (
        EndPublicityForm,
        _("End publicity"),
        _("Publicity ended: the case awaits approval."),
        False,
    ),
    "approve": (ApproveForm, _("Approve"), _("The application was approved."), False),
    "return": (
        ReturnForm,
        _("Return for correction"),
        _("The application was returned for correction."),
        True,
    ),
    "reject": (RejectForm, _("Reject"), _("The application was rejected."), True),
    "withdraw": (WithdrawForm, _("Withdraw"), _("The application was withdrawn."), True),
}


def available_steps(user, application: Application) -> list[str]:
    """The transition buttons ``user`` may use on ``application`` in its current state."""
    allowed = {t.name for t in actions.application_states.allowed(application)}
    steps = []
    can_change = holds(user, "assistance.change_application", application)
    if application.state in EDITABLE_STATES and can_change:
        steps.append("submit")
    perm = actions.STEP_PERMISSION.get(application.state)
    if perm and holds(user, perm, application):
        steps += [n for n in ("first_review", "home_visit", "verify") if n in allowed]
        if application.state == S.PUBLICITY:
            steps.append("objection")
            if application.objections.filter(decision=ObjectionDecision.PENDING).exists():
                steps.append("decide_objection")
            steps.append("end_publicity")
        if "approve" in allowed:
            steps.append("approve")
        steps += ["return", "reject"]
    if "withdraw" in allowed and can_change:
        steps.append("withdraw")
    return steps


def _item_label(item: AidItem) -> str:
    label = str(item.get_aid_type_display())
    if item.school:
        label = f"{label} ({item.school})"
    return label


# --- applications --------------------------------------------------------------------------


class AidTypeFilter(admin.SimpleListFilter):
    title = _("aid")
    parameter_name = "aid"

    def lookups(self, request, model_admin):
        return AidType.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(
            pk__in=AidItem.objects.filter(aid_type=value).values("application_id")
        )


class NewApplicationForm(CaseForm):
    """Items of a new application for the chosen file (``obj``)."""

    situation = forms.CharField(
        label=_("Situation described"), max_length=4000, widget=forms.Textarea({"rows": 4})
    )
    living = forms.CharField(label=_("Living aid: amount (yuan)"), required=False, max_length=20)
    medical = forms.CharField(label=_("Medical aid: amount (yuan)"), required=False, max_length=20)
    warmth = forms.CharField(label=_("Winter warmth: amount (yuan)"), required=False, max_length=20)
    education = forms.CharField(label=_("School aid: amount (yuan)"), required=False, max_length=20)
    child = forms.ChoiceField(label=_("School aid: child"), required=False)
    school = forms.CharField(label=_("School aid: school"), required=False, max_length=100)
    employment = forms.BooleanField(label=_("Employment help (a referral)"), required=False)

    def setup(self):
        sensitive = queries.can_see_sensitive(self.request.user, self.obj)
        children = [
            m
            for m in self.obj.household.all()
            if m.name and m.relation in (Relation.CHILD, Relation.GRANDCHILD)
        ]
        self.fields["child"].choices = _blank(
            [
                (str(m.pk), m.name if sensitive else f"{m.get_relation_display()} #{n}")
                for n, m in enumerate(children, start=1)
            ]
        )

    def items(self) -> list[dict]:
        d = self.cleaned_data
        items = [
            {"aid_type": t, "amount_requested": d[t]}
            for t in ("living", "medical", "warmth")
            if (d.get(t) or "").strip()
        ]
        if (d.get("education") or "").strip() or d.get("child"):
            items.append(
                {
                    "aid_type": AidType.EDUCATION,
                    "amount_requested": d.get("education") or "",
                    "beneficiary": d.get("child") or None,
                    "school": d.get("school") or "",
                }
            )
        if d.get("employment"):
            items.append({"aid_type": AidType.EMPLOYMENT})
        return items

    def run_action(self):
        return actions.save_application(
            actor=self.actor,
            file=self.obj,
            items=self.items(),
            situation=self.cleaned_data["situation"],
        )


@admin.register(Application, site=console_site)
class ApplicationAdmin(ScopedModelAdmin):
    list_display = [
        "number",
        "masked_applicant",
        "union",
        "state",
        "submitted_at",
        "total_requested_display",
    ]
    list_display_links = ["number"]
    list_filter = ["state", "year", AidTypeFilter]
    list_filter_submit = True
    search_fields = ["number", "file__number"]
    search_help_text = _("Application number or file number")
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("applicant", "org", "file")
            .annotate(requested_total=Sum("items__amount_requested"))
        )

    @admin.display(description=_("Applicant"), ordering="applicant__name")
    def masked_applicant(self, obj):
        return mask_name(obj.applicant.name)

    @admin.display(description=_("union"), ordering="org__name")
    def union(self, obj):
        return obj.org.name

    @admin.display(description=_("Total requested (yuan)"), ordering="requested_total")
    def total_requested_display(self, obj):
        value = getattr(obj, "requested_total", None)
        return "" if value is None else f"{value:.2f}"

    def has_add_permission(self, request):
        return request.user.has_perm("assistance.add_application")

    def has_change_permission(self, request, obj=None):
        # The case changes only through the transition buttons on its page.
        return obj is None and super().has_change_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="assistance_application_step",
            ),
            *super().get_urls(),
        ]

    # The case page ---------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, application):
            raise PermissionDenied
        user = request.user
        file = application.file
        sensitive = queries.can_see_sensitive(user, file)
        lines = queries.budget_lines(application)
        steps = [
            {
                "name": name,
                "label": STEPS[name][1],
                "url": reverse("console:assistance_application_step", args=[application.pk, name]),
                "danger": STEPS[name][3],
            }
            for name in available_steps(user, application)
        ]
        attachments = [(a, attachment_url(a)) for a in file.attachments.all()]
        history = [
            (s, STEP_LABELS.get(s.name, s.name))
            for s in application.steps.all().order_by("at", "id")
        ]
        context = {
            "application": application,
            "file": file,
            "file_link": file_url(file)
            if queries.visible_files(user).filter(pk=file.pk).exists()
            else None,
            "applicant": application.applicant,
            "applicant_id": mask_id_detail(application.applicant.id_number),
            "applicant_phone": mask_phone(application.applicant.phone or ""),
            "sensitive": sensitive,
            "hidden": HIDDEN,
            "household": household_rows(file, sensitive),
            "secondary_causes": secondary_causes(file),
            "lines": lines,
            "show_budget": application.state == S.APPROVAL,
            "attachments": attachments,
            "history": history,
            "objections": application.objections.all(),
            "steps": steps,
            "bank_masked": mask_bank_card(file.bank_account),
            "reveal_fields": bank_reveal_fields(user, file),
            "reveal_object": file,
            "object": application,
            "original": application,
        }
        return _render(
            request,
            "assistance/console/cases_application.html",
            {**context, **(extra_context or {})},
            title=_("Aid application %(number)s") % {"number": application.number},
            opts=self.model._meta,
        )

    def step_view(self, request, object_id, step):
        application = self.get_object(request, unquote(str(object_id)))
        if step not in STEPS:
            raise Http404
        if step not in available_steps(request.user, application):
            if not request.user.has_perm(
                actions.STEP_PERMISSION.get(application.state, "assistance.change_application")
            ):
                raise PermissionDenied
            messages.error(request, _("This step is not available for the application now."))
            return HttpResponseRedirect(case_url(application))
        form_class, label, done, danger = STEPS[step]
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, request=request, obj=application)
            if form.is_valid():
                messages.success(request, done)
                return HttpResponseRedirect(case_url(application))
        else:
            form = form_class(request=request, obj=application)
        intro = _("Application %(number)s of %(name)s, %(state)s.") % {
            "number": application.number,
            "name": mask_name(application.applicant.name),
            "state": application.get_state_display(),
        }
        return _form_page(
            request,
            form,
            title=label,
            opts=self.model._meta,
            back=case_url(application),
            intro=intro,
            button=label,
            danger=danger,
        )

    # A new application: choose an open file in scope, then enter the items -------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        files = (
            restrict(HardshipFile, request.user, "assistance.change_hardshipfile")
            .filter(state__in=sorted(OPEN_FILE_STATES))
            .select_related("applicant", "org")
        )
        file_id = request.GET.get("file") or request.POST.get("file")
        if not file_id:
            term = (request.GET.get("q") or "").strip()
            if term:
                files = files.filter(
                    Q(number=term) | Q(applicant__in=_people_matching(request.user, term))
                )
            rows = [
                {
                    "url": f"{request.path}?file={f.pk}",
                    "number": f.number,
                    "name": mask_name(f.applicant.name),
                    "org": f.org.name,
                    "state": f.get_state_display(),
                }
                for f in files.order_by("-id")[:50]
            ]
            new_file = (
                reverse("console:assistance_hardshipfile_add")
                if request.user.has_perm("assistance.add_hardshipfile")
                else None
            )
            return _render(
                request,
                "assistance/console/cases_choose.html",
                {
                    "rows": rows,
                    "q": term,
                    "intro": _("Choose the household's open hardship file."),
                    "new_link": new_file,
                    "new_label": _("No file yet: create a hardship file first"),
                    "search_label": _("File number, name, ID number or mobile"),
                },
                title=_("New aid application"),
                opts=opts,
            )
        try:
            file = files.get(pk=int(file_id))
        except (HardshipFile.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        if request.method == "POST":
            form = NewApplicationForm(request.POST, request=request, obj=file)
            if form.is_valid():
                messages.success(
                    request,
                    _("Application %(number)s was saved as a draft.")
                    % {"number": form.result.number},
                )
                return HttpResponseRedirect(case_url(form.result))
        else:
            form = NewApplicationForm(request=request, obj=file)
        return _form_page(
            request,
            form,
            title=_("New aid application"),
            opts=opts,
            back=reverse("console:assistance_application_changelist"),
            intro=_("File %(number)s of %(name)s (%(org)s). Fill in the aid requested.")
            % {"number": file.number, "name": mask_name(file.applicant.name), "org": file.org.name},
            button=_("Save the draft"),
        )


# --- hardship files ------------------------------------------------------------------------


class HouseholdRowForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=50)
    relation = forms.ChoiceField(
        label=_("Relation"), required=False, choices=_blank(Relation.choices)
    )
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)
    monthly_income = forms.CharField(label=_("Monthly income"), required=False, max_length=20)
    health = forms.CharField(label=_("Health"), required=False, max_length=200)
    school_or_employer = forms.CharField(
        label=_("School or employer"), required=False, max_length=200
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "border border-base-200 rounded px-2 py-1")


HouseholdFormSet = forms.formset_factory(HouseholdRowForm, extra=4, max_num=20)

MONEY_FIELDS = ("personal_monthly_income", "household_monthly_income", "household_annual_income")


class NewFileForm(CaseForm):
    """A new hardship file for ``obj`` (a Person in scope)."""

    org = forms.ModelChoiceField(label=_("Filing union"), queryset=None)
    main_cause = forms.ChoiceField(label=_("Main cause"), choices=Cause.choices)
    secondary_causes = forms.MultipleChoiceField(
        label=_("Secondary causes (at most three)"),
        choices=Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_cause = forms.CharField(label=_("Other cause"), required=False, max_length=200)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=_blank(Tier.choices))
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_blank(FileLevel.choices))
    employer_position = forms.CharField(
        label=_("Employer and position"), required=False, max_length=200
    )
    personal_monthly_income = forms.CharField(
        label=_("Own monthly income"), required=False, max_length=20
    )
    housing = forms.ChoiceField(label=_("Housing"), required=False, choices=_blank(Housing.choices))
    housing_area = forms.CharField(label=_("Housing area (m²)"), required=False, max_length=10)
    household_size = forms.IntegerField(label=_("Household size"), initial=1, min_value=1)
    household_monthly_income = forms.CharField(
        label=_("Household monthly income"), required=False, max_length=20
    )
    household_annual_income = forms.CharField(
        label=_("Household annual income"), required=False, max_length=20
    )
    single_parent = forms.BooleanField(label=_("Single parent"), required=False)
    zero_employment = forms.BooleanField(label=_("Zero-employment household"), required=False)
    health = forms.CharField(label=_("Health"), required=False, max_length=200)
    disability = forms.CharField(label=_("Disability"), required=False, max_length=200)
    bank_name = forms.CharField(label=_("Bank"), required=False, max_length=100)
    bank_account = forms.CharField(label=_("Bank account"), required=False, max_length=40)

    household = None  # the bound formset, set by the view

    def setup(self):
        orgs = restrict(Org, self.request.user, "assistance.add_hardshipfile").order_by("path")
        self.fields["org"].queryset = orgs
        self.fields["org"].label_from_instance = lambda o: o.name
        if orgs.filter(pk=self.obj.org_id).exists():
            self.fields["org"].initial = self.obj.org_id

    def clean(self):
        if self.household is not None and not self.household.is_valid():
            raise ValidationError(_("Check the household members."))
        return super().clean()

    def run_action(self):
        d = dict(self.cleaned_data)
        org = d.pop("org")
        rows = []
        if self.household is not None:
            for row in self.household.cleaned_data:
                if row and (row.get("name") or "").strip():
                    rows.append(row)
        return actions.save_file(
            actor=self.actor, org=org, applicant=self.obj, data=d, household=rows
        )


class CloseFileForm(CaseForm):
    reason = forms.CharField(
        label=_("Reason for closing (required)"),
        required=False,
        max_length=300,
        widget=forms.Textarea({"rows": 3}),
    )

    def run_action(self):
        return actions.close_file(
            actor=self.actor, file=self.obj, reason=self.cleaned_data["reason"]
        )


class UploadForm(CaseForm):
    kind = forms.ChoiceField(label=_("Document"), choices=AttachmentKind.choices)
    upload = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))
    application = forms.ModelChoiceField(
        label=_("Application"), required=False, queryset=Application.objects.none()
    )

    def setup(self):
        self.fields["application"].queryset = restrict(
            self.obj.applications.all(), self.request.user, "view"
        )
        self.fields["application"].label_from_instance = lambda a: a.number

    def run_action(self):
        d = self.cleaned_data
        return actions.upload_attachment(
            actor=self.actor,
            file=self.obj,
            kind=d["kind"],
            upload=d["upload"],
            application=d.get("application"),
        )


@admin.register(HardshipFile, site=console_site)
class HardshipFileAdmin(ScopedModelAdmin):
    list_display = ["number", "masked_applicant", "union", "state", "tier", "level", "filed_at"]
    list_display_links = ["number"]
    list_filter = ["state", "tier", "level"]
    list_filter_submit = True
    search_fields = ["number"]
    search_help_text = _("File number, applicant's name, full ID number or mobile")
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        matches = Q(number=term) | Q(applicant__in=_people_matching(request.user, term))
        return queryset.filter(matches), False

    def get_queryset(self, request):
        # Open files in scope; closed ones only for reviewers (queries.visible_files).
        return queries.visible_files(request.user).select_related("applicant", "org")

    @admin.display(description=_("Applicant"), ordering="applicant__name")
    def masked_applicant(self, obj):
        return mask_name(obj.applicant.name)

    @admin.display(description=_("union"), ordering="org__name")
    def union(self, obj):
        return obj.org.name

    def has_add_permission(self, request):
        return request.user.has_perm("assistance.add_hardshipfile")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/close/",
                self.admin_site.admin_view(self.close_view),
                name="assistance_hardshipfile_close",
            ),
            path(
                "<int:object_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="assistance_hardshipfile_upload",
            ),
            *super().get_urls(),
        ]

    def _can_change(self, request, file) -> bool:
        return file.state in OPEN_FILE_STATES and holds(
            request.user, "assistance.change_hardshipfile", file
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        file = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, file):
            raise PermissionDenied
        user = request.user
        sensitive = queries.can_see_sensitive(user, file)
        can_change = self._can_change(request, file)
        applications = restrict(file.applications.all(), user, "view").order_by("-id")
        context = {
            "file": file,
            "applicant": file.applicant,
            "applicant_id": mask_id_detail(file.applicant.id_number),
            "applicant_phone": mask_phone(file.applicant.phone or ""),
            "sensitive": sensitive,
            "hidden": HIDDEN,
            "household": household_rows(file, sensitive),
            "secondary_causes": secondary_causes(file),
            "attachments": [(a, attachment_url(a)) for a in file.attachments.all()],
            "applications": [(a, case_url(a)) for a in applications],
            "closed": file.state == FileState.CLOSED,
            "can_change": can_change,
            "close_url": reverse("console:assistance_hardshipfile_close", args=[file.pk])
            if can_change
            else None,
            "upload_url": reverse("console:assistance_hardshipfile_upload", args=[file.pk])
            if can_change
            else None,
            "new_application_url": (
                reverse("console:assistance_application_add") + f"?file={file.pk}"
            )
            if can_change and user.has_perm("assistance.add_application")
            else None,
            "bank_masked": mask_bank_card(file.bank_account),
            "reveal_fields": bank_reveal_fields(user, file),
            "reveal_object": file,
            "object": file,
            "original": file,
        }
        return _render(
            request,
            "assistance/console/cases_file.html",
            {**context, **(extra_context or {})},
            title=_("Hardship file %(number)s") % {"number": file.number},
            opts=self.model._meta,
        )

    def _file_action(self, request, object_id, form_class, *, title, done, button, danger):
        file = self.get_object(request, unquote(str(object_id)))
        if not self._can_change(request, file):
            raise PermissionDenied
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, request=request, obj=file)
            if form.is_valid():
                messages.success(request, done)
                return HttpResponseRedirect(file_url(file))
        else:
            form = form_class(request=request, obj=file)
        return _form_page(
            request,
            form,
            title=title,
            opts=self.model._meta,
            back=file_url(file),
            intro=_("Hardship file %(number)s of %(name)s.")
            % {"number": file.number, "name": mask_name(file.applicant.name)},
            button=button,
            danger=danger,
        )

    def close_view(self, request, object_id):
        return self._file_action(
            request,
            object_id,
            CloseFileForm,
            title=_("Close the file"),
            done=_("The file was closed."),
            button=_("Close the file"),
            danger=True,
        )

    def upload_view(self, request, object_id):
        return self._file_action(
            request,
            object_id,
            UploadForm,
            title=_("Upload a document"),
            done=_("The document was uploaded."),
            button=_("Upload"),
            danger=False,
        )

    def add_view(self, request, form_url="", extra_context=None):
        """A new file: find the applicant among the people in scope, then fill in the file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        people = restrict(Person, request.user, "view").select_related("org")
        person_id = request.GET.get("person")
        if not person_id:
            term = (request.GET.get("q") or "").strip()
            rows = []
            if term:
                rows = [
                    {
                        "url": f"{request.path}?person={p.pk}",
                        "number": mask_id_detail(p.id_number),
                        "name": mask_name(p.name),
                        "org": p.org.name if p.org_id else "",
                        "state": mask_phone(p.phone) if p.phone else "",
                    }
                    for p in search_people(people, term).order_by("-id")[:50]
                ]
            return _render(
                request,
                "assistance/console/cases_choose.html",
                {
                    "rows": rows,
                    "q": term,
                    "searched": bool(term),
                    "intro": _("Find the applicant: a person in your unions."),
                    "search_label": _("Name, full ID number or mobile"),
                },
                title=_("New hardship file"),
                opts=opts,
            )
        try:
            person = people.get(pk=int(person_id))
        except (Person.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        if request.method == "POST":
            household = HouseholdFormSet(request.POST, prefix="household")
            form = NewFileForm(request.POST, request=request, obj=person)
            form.household = household
            if form.is_valid():
                messages.success(
                    request,
                    _("Hardship file %(number)s was created.") % {"number": form.result.number},
                )
                return HttpResponseRedirect(file_url(form.result))
        else:
            household = HouseholdFormSet(prefix="household")
            form = NewFileForm(request=request, obj=person)
        return _render(
            request,
            "assistance/console/cases_form.html",
            {
                "form": form,
                "formset": household,
                "formset_title": _("Household members (leave a row empty if unused)"),
                "back": reverse("console:assistance_hardshipfile_changelist"),
                "intro": _("Applicant: %(name)s, ID %(id)s.")
                % {"name": mask_name(person.name), "id": mask_id_detail(person.id_number)},
                "button": _("Create the file"),
                "multipart": False,
            },
            title=_("New hardship file"),
            opts=opts,
        )
