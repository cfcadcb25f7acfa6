"""The console list of aid applications, the case page with its history and the buttons of
its declared transitions, the page of each transition, objections, and the new-application
form.

The buttons come from the declarations (``offers(application, user, "console")``, rendered by
``workflow/buttons.html``): a step the user may take but not now is shown disabled with its
reasons. Each button opens ``…/step/<name>/``, which runs the transition through the machine,
so the same check refuses it on the console, the API and the portal.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions, queries
from gonghui.assistance.admin_cases._shared import (
    HIDDEN,
    STEP_LABELS,
    CaseForm,
    _form_page,
    _people_matching,
    _render,
    attachment_url,
    bank_reveal_fields,
    case_url,
    file_url,
    holds,
    household_rows,
    secondary_causes,
)
from gonghui.assistance.admin_cases.step_forms import ObjectionForm, _blank, transition_page
from gonghui.assistance.choices import OPEN_FILE_STATES, AidType, Relation
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import AidItem, Application, HardshipFile
from gonghui.assistance.workflows_cases import application_states, objection_states
from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.faces import offer_for, offers
from gonghui.platform.workflow.steps import step_marks


def step_url(application, name: str) -> str:
    return reverse("console:assistance_application_step", args=[application.pk, name])


def objection_url(objection, name: str) -> str:
    """An objection's decision is a step of its case's page: ``…/step/uphold/?objection=<id>``."""
    return f"{step_url(objection.application, name)}?objection={objection.pk}"


# The step page that records an objection (not a transition: the objection is created).
RECORD_OBJECTION = "objection"


# The console face of the case transitions: each button opens its step page.
application_states.link("console", step_url)
objection_states.link("console", objection_url)


def _referral(history, application):
    """The latest referral up (报上级审批) while the case awaits approval: shown above the
    buttons to the higher approver."""
    if application.state != S.APPROVAL:
        return None
    for step, _label in reversed(history):
        if step.name == "escalate":
            return step
        if step.name == "end_publicity":
            return None
    return None


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
        objections = list(application.objections.all())
        for objection in objections:
            objection.buttons = offers(objection, user, "console")
            # Left on the public notice page, masked like every phone on a console page.
            objection.phone_masked = mask_phone(objection.contact_phone or "")
            objection.name_masked = mask_name(objection.raised_by or "")
        attachments = [(a, attachment_url(a)) for a in file.attachments.all()]
        history = [
            (s, STEP_LABELS.get(s.name, s.name))
            for s in application.steps.all().order_by("at", "id")
        ]
        marks, off_path = step_marks(application, [s.from_state for s, _label in history])
        context = {
            # The centre calls back whoever left a phone on the public notice (pii.reveal).
            "can_reveal_phone": user.has_perm("pii.reveal_phone"),
            "step_marks": marks,
            "off_path": off_path,
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
            "show_verified": any(i.amount_verified is not None for i in application.items.all()),
            "verified_total": actions.verified_total(application),
            "attachments": attachments,
            "history": history,
            "referral": _referral(history, application),
            "objections": objections,
            "transition_buttons": offers(application, user, "console"),
            "public_notice_url": reverse("publicity", args=[application.org_id])
            if application.state == S.PUBLICITY
            else None,
            "add_objection_url": step_url(application, RECORD_OBJECTION)
            if application.state == S.PUBLICITY
            and holds(user, "assistance.publicise_application", application)
            else None,
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

    def _subject(self, application) -> str:
        return _("Application %(number)s of %(name)s, %(state)s.") % {
            "number": application.number,
            "name": mask_name(application.applicant.name),
            "state": application.get_state_display(),
        }

    def step_view(self, request, object_id, step):
        """The page of one declared transition of the case (its button's target), of the
        decision on one of its objections (``?objection=<id>``), or recording an objection."""
        application = self.get_object(request, unquote(str(object_id)))
        if step == RECORD_OBJECTION:
            return self.add_objection_view(request, application)
        if step in objection_states.transitions:
            return self.objection_view(request, application, request.GET.get("objection"), step)
        transition = application_states.transitions.get(step)
        if transition is None or "console" not in transition.faces:
            raise Http404
        offer = offer_for(application, request.user, step, "console")
        if offer is None:
            if application_states.can(application, step):
                raise PermissionDenied  # a step of this state, not the user's
            messages.error(request, _("This step is not available for the application now."))
            return HttpResponseRedirect(case_url(application))
        return transition_page(
            request,
            application,
            offer,
            back=case_url(application),
            subject=self._subject(application),
            opts=self.model._meta,
        )

    def objection_view(self, request, application, objection_id, name):
        """Decide one objection: 异议成立 (back to verification) or 异议不成立."""
        if not str(objection_id or "").isdigit():
            raise Http404
        objection = get_object_or_404(application.objections.all(), pk=int(objection_id))
        offer = offer_for(objection, request.user, name, "console")
        if offer is None:
            raise Http404
        subject = f"{self._subject(application)} {objection.received_on}: {objection.content}"
        return transition_page(
            request,
            objection,
            offer,
            back=case_url(application),
            subject=subject,
            opts=self.model._meta,
            page_object=application,
        )

    def add_objection_view(self, request, application):
        """Record an objection received during publicity (not a transition of the case)."""
        if not holds(request.user, "assistance.publicise_application", application):
            raise PermissionDenied
        if request.method == "POST":
            form = ObjectionForm(request.POST, request=request, obj=application)
            if form.is_valid():
                messages.success(request, _("The objection was recorded."))
                return HttpResponseRedirect(case_url(application))
        else:
            form = ObjectionForm(request=request, obj=application)
        return _form_page(
            request,
            form,
            title=_("Record an objection"),
            opts=self.model._meta,
            back=case_url(application),
            intro=self._subject(application),
            button=_("Record an objection"),
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
