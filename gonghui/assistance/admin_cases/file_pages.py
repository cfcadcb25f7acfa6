"""The console list of hardship files, the file page, and the forms to create a file (with
its household) and upload attachments. Closing a file (撤档) is its declared transition
(``file_states`` in :mod:`gonghui.assistance.workflows_cases`): its button comes from the
declarations and its page runs it through the machine.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.assistance import actions, queries
from gonghui.assistance.admin_cases._shared import (
    HIDDEN,
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
from gonghui.assistance.admin_cases.step_forms import _blank, transition_page
from gonghui.assistance.choices import (
    OPEN_FILE_STATES,
    AttachmentKind,
    Cause,
    FileLevel,
    FileState,
    Housing,
    Relation,
    Tier,
)
from gonghui.assistance.models import Application, HardshipFile
from gonghui.assistance.workflows_cases import file_states
from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.models import Person
from gonghui.members.search import search_people
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.faces import offer_for, offers


def close_url(file, name: str) -> str:
    return reverse("console:assistance_hardshipfile_close", args=[file.pk])


# The console face of the file's transitions: closing it (the only one offered there).
file_states.link("console", close_url)


class HouseholdRowForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=50)
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
            "transition_buttons": offers(file, user, "console"),
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
        """撤档, through the file's declared ``close`` transition."""
        file = self.get_object(request, unquote(str(object_id)))
        offer = offer_for(file, request.user, "close", "console")
        if offer is None:
            raise PermissionDenied
        return transition_page(
            request,
            file,
            offer,
            back=file_url(file),
            subject=_("Hardship file %(number)s of %(name)s.")
            % {"number": file.number, "name": mask_name(file.applicant.name)},
            opts=self.model._meta,
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
