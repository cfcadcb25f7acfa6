"""Hardship help in the worker portal (/m/assistance/): apply, upload documents, follow every
step and see the decision.

Reads here are the member's *own* data, not a staff-scoped read: every query starts from
``Model.objects.own(request.user)`` (each model's ``owner_field`` leads through its Person to
the account; attachments also need ``uploaded_by=request.user``), so a member only ever sees
applications filed for their own Person; anything else answers 404. Writes go through
``gonghui.assistance.actions`` only.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gonghui.assistance import actions
from gonghui.assistance.choices import (
    EDITABLE_STATES,
    NON_MONEY_AID,
    OPEN_APPLICATION_STATES,
    OPEN_FILE_STATES,
    AidType,
    ApplicationState,
    AttachmentKind,
    Cause,
    Housing,
    Relation,
)
from gonghui.assistance.models import AidItem, Application, Attachment, HardshipFile
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail
from gonghui.platform.workflow.base import ActionError
from gonghui.portal.views import member_required, person_of

S = ApplicationState
MONEY_AIDS = (AidType.LIVING, AidType.MEDICAL, AidType.WARMTH)
SCHOOL_SLOTS = 3
MIN_HOUSEHOLD_ROWS = 4
MAX_HOUSEHOLD_ROWS = 30
# Kinds a worker uploads; publicity material is the union's own document.
MEMBER_ATTACHMENT_KINDS = [(k, label) for k, label in AttachmentKind.choices if k != "publicity"]
WITHDRAWABLE_STATES = (S.DRAFT, S.RETURNED, S.SUBMITTED)

# What comes next, in plain words, per state.
NEXT_STEP = {
    S.DRAFT: gettext_lazy(
        "Your application is saved as a draft. Complete it and press “Submit” to send it to "
        "your union."
    ),
    S.SUBMITTED: gettext_lazy(
        "Your union will check your application (first review). Nothing to do for now."
    ),
    S.HOME_VISIT: gettext_lazy(
        "The union will visit your home to see your situation. They will contact you to agree "
        "on a day."
    ),
    S.VERIFICATION: gettext_lazy(
        "The district assistance centre is checking your application, including your "
        "household income with the civil affairs office."
    ),
    S.PUBLICITY: gettext_lazy(
        "Your application is being made public (公示) for a few working days. If nobody raises "
        "a valid objection, it goes on to the decision."
    ),
    S.APPROVAL: gettext_lazy("The union is deciding on your application and the amounts."),
    S.APPROVED: gettext_lazy(
        "Your application was approved. The money is being paid into your bank account."
    ),
    S.CLOSED: gettext_lazy("Completed: all the aid granted has been paid."),
    S.RETURNED: gettext_lazy(
        "The union sent your application back for correction. Correct it and submit it again."
    ),
    S.REJECTED: gettext_lazy("Your application was not approved."),
    S.WITHDRAWN: gettext_lazy("You withdrew this application."),
}

# Step names (Step.name) in plain words.
STEP_LABELS = {
    "create": gettext_lazy("Application started"),
    "submit": gettext_lazy("Submitted to the union"),
    "resubmit": gettext_lazy("Corrected and submitted again"),
    "first_review": gettext_lazy("First review by the union passed"),
    "home_visit": gettext_lazy("Home visit done"),
    "verify": gettext_lazy("Checked by the assistance centre; publicity started"),
    "objection": gettext_lazy("Objection received during publicity"),
    "objection_upheld": gettext_lazy("Objection upheld: the case is checked again"),
    "end_publicity": gettext_lazy("Publicity ended without valid objections"),
    "approve": gettext_lazy("Approved"),
    "complete": gettext_lazy("All aid paid: completed"),
    "return": gettext_lazy("Returned for correction"),
    "reject": gettext_lazy("Not approved"),
    "withdraw": gettext_lazy("Withdrawn"),
}
# Steps whose opinion is shown to the worker (the reason given to them). Other opinions are
# the staff's working notes (and an objection may identify who raised it).
STEPS_WITH_REASON = {"return", "reject", "withdraw"}


# --- reads: the member's own data ---------------------------------------------------------


def own_applications(user):
    """The member's own applications (their own data, not a staff-scoped ``restrict`` read:
    filtered on the Person linked to this very account)."""
    return (
        Application.objects.own(user).select_related("org", "file").order_by("-created_at", "-pk")
    )


def current_application(user) -> Application | None:
    """The member's application in progress (at most one per household), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return own_applications(user).filter(state__in=OPEN_APPLICATION_STATES).first()


def _own_application_or_404(request, pk: int) -> Application:
    items = AidItem.objects.select_related("beneficiary").order_by("pk")
    return get_object_or_404(
        own_applications(request.user).prefetch_related(Prefetch("items", queryset=items)),
        pk=pk,
    )


def _own_attachments(user):
    """Documents the member uploaded themselves to their own applications."""
    return Attachment.objects.own(user).filter(uploaded_by=user)


def _household_rows(file: HardshipFile | None) -> list:
    """The household rows of the member's own file, without rows blanked out by a shorter
    list (they always come last, see ``actions._write_file``)."""
    if file is None:
        return []
    return [m for m in file.household.all().order_by("pk") if m.name]


def _error_text(exc: ActionError) -> str:
    return " ".join(exc.messages)


# --- forms (parsing only: the actions validate) -------------------------------------------


def _amount_widget():
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class ApplicationForm(forms.Form):
    """The one-page application. Every field is optional here: the draft takes what there is
    and ``submit_application`` says what is still missing."""

    situation = forms.CharField(
        label=gettext_lazy("Your household's situation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What happened, what you need, since when."),
    )
    main_cause = forms.ChoiceField(label=gettext_lazy("Main cause of hardship"), required=False)
    secondary_causes = forms.MultipleChoiceField(
        label=gettext_lazy("Other causes (up to three)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_cause = forms.CharField(
        label=gettext_lazy("Other cause, in your words"), required=False, max_length=200
    )
    employer_position = forms.CharField(
        label=gettext_lazy("Your employer and job"), required=False, max_length=200
    )
    personal_monthly_income = forms.CharField(
        label=gettext_lazy("Your own monthly income (yuan)"),
        required=False,
        max_length=20,
        widget=_amount_widget(),
    )
    household_monthly_income = forms.CharField(
        label=gettext_lazy("Household monthly income (yuan)"),
        required=False,
        max_length=20,
        widget=_amount_widget(),
    )
    household_annual_income = forms.CharField(
        label=gettext_lazy("Household income last year (yuan)"),
        required=False,
        max_length=20,
        widget=_amount_widget(),
    )
    household_size = forms.CharField(
        label=gettext_lazy("People in the household (you included)"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    single_parent = forms.BooleanField(label=gettext_lazy("Single parent"), required=False)
    zero_employment = forms.BooleanField(
        label=gettext_lazy("Nobody in the household has work"), required=False
    )
    housing = forms.ChoiceField(label=gettext_lazy("Housing"), required=False)
    housing_area = forms.CharField(
        label=gettext_lazy("Living space (m²)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    health = forms.CharField(
        label=gettext_lazy("Health (illness, treatment)"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disability = forms.CharField(
        label=gettext_lazy("Disability (kind and grade)"), required=False, max_length=200
    )
    bank_name = forms.CharField(
        label=gettext_lazy("Bank and branch"), required=False, max_length=100
    )
    bank_account = forms.CharField(
        label=gettext_lazy("Account number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, household_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_cause"].choices = [("", _("Choose"))] + list(Cause.choices)
        self.fields["secondary_causes"].choices = list(Cause.choices)
        self.fields["housing"].choices = [("", _("Choose"))] + list(Housing.choices)
        for aid in (*MONEY_AIDS, AidType.EMPLOYMENT):
            self.fields[f"aid_{aid}"] = forms.BooleanField(label=AidType(aid).label, required=False)
            if aid not in NON_MONEY_AID:
                self.fields[f"amount_{aid}"] = forms.CharField(
                    label=_("Amount requested (yuan)"),
                    required=False,
                    max_length=20,
                    widget=_amount_widget(),
                )
        row_choices = [("", _("Choose the child"))] + list(household_choices)
        for n in range(SCHOOL_SLOTS):
            self.fields[f"school_{n}_row"] = forms.ChoiceField(
                label=_("Child"), required=False, choices=row_choices
            )
            self.fields[f"school_{n}_school"] = forms.CharField(
                label=_("School"), required=False, max_length=100
            )
            self.fields[f"school_{n}_amount"] = forms.CharField(
                label=_("Amount requested (yuan)"),
                required=False,
                max_length=20,
                widget=_amount_widget(),
            )

    def aid_rows(self):
        for aid in (*MONEY_AIDS, AidType.EMPLOYMENT):
            yield (
                aid,
                self[f"aid_{aid}"],
                self[f"amount_{aid}"] if aid not in NON_MONEY_AID else None,
            )

    def school_rows(self):
        for n in range(SCHOOL_SLOTS):
            yield (
                n,
                self[f"school_{n}_row"],
                self[f"school_{n}_school"],
                self[f"school_{n}_amount"],
            )


HOUSEHOLD_FIELDS = (
    "name",
    "relation",
    "id_number",
    "monthly_income",
    "health",
    "school_or_employer",
)


class HouseholdRowForm(forms.Form):
    # The saved row this one shows (a HouseholdMember pk of the member's own file). Its ID
    # number never goes back into the page (issue #11): the field stays empty with the masked
    # number as placeholder, and left empty it keeps the saved number (see _action_arguments).
    key = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=50)
    relation = forms.ChoiceField(label=gettext_lazy("Relation to you"), required=False)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    monthly_income = forms.CharField(
        label=gettext_lazy("Monthly income (yuan)"),
        required=False,
        max_length=20,
        widget=_amount_widget(),
    )
    health = forms.CharField(label=gettext_lazy("Health"), required=False, max_length=200)
    school_or_employer = forms.CharField(
        label=gettext_lazy("School or employer"), required=False, max_length=200
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [("", _("Choose"))] + list(Relation.choices)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any((data.get(name) or "").strip() for name in HOUSEHOLD_FIELDS)


HouseholdFormSet = forms.formset_factory(
    HouseholdRowForm,
    extra=0,
    max_num=MAX_HOUSEHOLD_ROWS,
    validate_max=True,
    absolute_max=MAX_HOUSEHOLD_ROWS,
)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=MEMBER_ATTACHMENT_KINDS)
    upload = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


# --- form state: from the saved draft, to the action's arguments --------------------------


def _initial_from(application: Application | None, file: HardshipFile | None):
    """The saved draft as form initial data (the member's own data, decrypted for them;
    the bank account and household ID numbers are not put back into the page, only their
    masked forms)."""
    initial: dict = {}
    rows = _household_rows(file)
    if file is not None:
        for name in (
            "main_cause",
            "other_cause",
            "employer_position",
            "housing",
            "health",
            "disability",
            "bank_name",
        ):
            initial[name] = getattr(file, name) or ""
        initial["secondary_causes"] = list(file.secondary_causes or [])
        for name in (
            "personal_monthly_income",
            "household_monthly_income",
            "household_annual_income",
            "housing_area",
        ):
            value = getattr(file, name)
            initial[name] = "" if value is None else str(value)
        initial["household_size"] = str(file.household_size or "")
        initial["single_parent"] = file.single_parent
        initial["zero_employment"] = file.zero_employment
    if application is not None:
        initial["situation"] = application.situation
        position = {m.pk: i for i, m in enumerate(rows)}
        slot = 0
        for item in application.items.all():
            amount = "" if item.amount_requested is None else str(item.amount_requested)
            if item.aid_type == AidType.EDUCATION:
                if slot < SCHOOL_SLOTS and item.beneficiary_id in position:
                    initial[f"school_{slot}_row"] = str(position[item.beneficiary_id])
                    initial[f"school_{slot}_school"] = item.school
                    initial[f"school_{slot}_amount"] = amount
                    slot += 1
            else:
                initial[f"aid_{item.aid_type}"] = True
                initial[f"amount_{item.aid_type}"] = amount
    household = [
        {
            "key": str(m.pk),
            "name": m.name,
            "relation": m.relation,
            "id_number": "",  # never sent back: shown masked, kept when left empty
            "monthly_income": m.monthly_income,
            "health": m.health,
            "school_or_employer": m.school_or_employer,
        }
        for m in rows
    ]
    return initial, household


def _household_choices(rows: list[dict]) -> list[tuple[str, str]]:
    """The rows a school-aid item can name: every row of the form, labelled with its name."""
    choices = []
    for i, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        label = _("Household row %(n)s") % {"n": i + 1}
        choices.append((str(i), f"{label}: {name}" if name else label))
    return choices


def _posted_rows(post) -> list[dict]:
    prefix = "household"
    try:
        total = int(post.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    total = max(0, min(total, MAX_HOUSEHOLD_ROWS))
    return [
        {name: post.get(f"{prefix}-{i}-{name}", "") for name in HOUSEHOLD_FIELDS}
        for i in range(total)
    ]


def _saved_ids(file: HardshipFile | None) -> dict[str, str]:
    """The saved household ID numbers of the member's own file, by row key (pk)."""
    return {str(m.pk): m.id_number for m in _household_rows(file) if m.id_number}


def _show_saved_ids(formset, saved: dict[str, str]) -> None:
    """An empty ID field on a saved row says which number it keeps (masked, issue #11)."""
    for row_form in formset.forms:
        number = saved.get(str(row_form["key"].value() or ""))
        if number:
            masked = mask_id_detail(number)
            field = row_form.fields["id_number"]
            field.widget.attrs["placeholder"] = masked
            field.help_text = _(
                "Saved: %(masked)s. Leave empty to keep it; type the full number to replace it."
            ) % {"masked": masked}


def _action_arguments(
    form: ApplicationForm, formset, saved_ids: dict[str, str] | None = None
) -> tuple[dict, list, list, str]:
    """``member_save_application``'s arguments from valid forms; raises ActionError for a
    money aid ticked without an amount (a presence check: the amount itself is the action's).
    A household row of the saved file whose ID field was left empty keeps its saved number
    (``saved_ids``, by row key: only keys of the member's own file count)."""
    data = form.cleaned_data
    file_data = {
        name: data.get(name) or ""
        for name in (
            "main_cause",
            "other_cause",
            "employer_position",
            "personal_monthly_income",
            "household_monthly_income",
            "household_annual_income",
            "housing",
            "housing_area",
            "health",
            "disability",
            "bank_name",
        )
    }
    file_data["secondary_causes"] = list(data.get("secondary_causes") or [])
    file_data["single_parent"] = bool(data.get("single_parent"))
    file_data["zero_employment"] = bool(data.get("zero_employment"))
    if (data.get("household_size") or "").strip():
        file_data["household_size"] = data["household_size"].strip()
    # An empty account field keeps the saved account (it is never sent back to the page).
    if (data.get("bank_account") or "").strip():
        file_data["bank_account"] = data["bank_account"]

    household, position = [], {}
    for i, row_form in enumerate(formset.forms):
        if row_form.is_blank():
            continue
        position[str(i)] = len(household)
        row = {name: row_form.cleaned_data.get(name) or "" for name in HOUSEHOLD_FIELDS}
        if not row["id_number"].strip():
            row["id_number"] = (saved_ids or {}).get(row_form.cleaned_data.get("key") or "", "")
        household.append(row)

    items = []
    for aid in (*MONEY_AIDS, AidType.EMPLOYMENT):
        if not data.get(f"aid_{aid}"):
            continue
        item = {"aid_type": str(aid)}
        if aid not in NON_MONEY_AID:
            amount = (data.get(f"amount_{aid}") or "").strip()
            if not amount:
                raise ActionError(
                    _("Enter the amount you ask for: %(aid)s."),
                    code="amount_required",
                    params={"aid": AidType(aid).label},
                )
            item["amount_requested"] = amount
        items.append(item)
    for n in range(SCHOOL_SLOTS):
        row = data.get(f"school_{n}_row") or ""
        amount = (data.get(f"school_{n}_amount") or "").strip()
        school = (data.get(f"school_{n}_school") or "").strip()
        if not row:
            if amount or school:
                raise ActionError(
                    _("School aid is given per child: choose the child."), code="beneficiary"
                )
            continue
        if row not in position:
            raise ActionError(
                _("School aid: the household row you chose is empty."), code="beneficiary"
            )
        if not amount:
            raise ActionError(
                _("Enter the amount you ask for: %(aid)s."),
                code="amount_required",
                params={"aid": AidType.EDUCATION.label},
            )
        items.append(
            {
                "aid_type": str(AidType.EDUCATION),
                "beneficiary_row": position[row],
                "school": school,
                "amount_requested": amount,
            }
        )
    return file_data, household, items, data.get("situation") or ""


# --- views --------------------------------------------------------------------------------


def _membership_of(request):
    person = person_of(request.user)
    return person, (person.current_membership() if person else None)


@member_required
def assistance_home(request):
    """My hardship help: the application in progress and the earlier ones."""
    person, membership = _membership_of(request)
    applications = list(
        own_applications(request.user).prefetch_related(
            Prefetch("items", queryset=AidItem.objects.order_by("pk"))
        )
    )
    current = next((a for a in applications if a.state in OPEN_APPLICATION_STATES), None)
    history = [a for a in applications if a is not current]
    return render(
        request,
        "portal/assistance/home.html",
        {
            "person": person,
            "membership": membership,
            "current": current,
            "next_step": NEXT_STEP.get(current.state) if current else "",
            "history": history,
        },
    )


@member_required
def assistance_apply(request):
    """The one-page application form: start, save the draft, submit or resubmit."""
    person, membership = _membership_of(request)
    current = current_application(request.user)
    if current is not None and current.state not in EDITABLE_STATES:
        messages.info(request, _("Your application is being reviewed and cannot be changed now."))
        return redirect("portal:assistance-detail", pk=current.pk)
    if membership is None:
        return render(request, "portal/assistance/not_member.html", {"person": person})
    if current is not None:
        file = current.file
    else:
        # The member's own open household file (their own data, as above).
        file = (
            HardshipFile.objects.own(request.user)
            .filter(state__in=OPEN_FILE_STATES)
            .order_by("-pk")
            .first()
        )

    error = ""
    if request.method == "POST":
        rows = _posted_rows(request.POST)
        form = ApplicationForm(request.POST, household_choices=_household_choices(rows))
        formset = HouseholdFormSet(request.POST, prefix="household")
        if form.is_valid() and formset.is_valid():
            try:
                file_data, household, items, situation = _action_arguments(
                    form, formset, _saved_ids(file)
                )
                application = actions.member_save_application(
                    actor=request.user,
                    file_data=file_data,
                    household=household,
                    items=items,
                    situation=situation,
                )
            except ActionError as exc:
                error = _error_text(exc)
            else:
                return _after_save(request, application, submit="submit" in request.POST)
        else:
            error = _("Some fields are too long or not valid; see below.")
            if formset.non_form_errors():
                error = " ".join(formset.non_form_errors())
    else:
        initial, rows = _initial_from(current, file)
        padding = max(MIN_HOUSEHOLD_ROWS - len(rows), 2)
        rows = rows + [{} for _ in range(padding)]
        form = ApplicationForm(initial=initial, household_choices=_household_choices(rows))
        # The saved rows and a few empty ones: the page works without JavaScript.
        formset = HouseholdFormSet(initial=rows, prefix="household")
    _show_saved_ids(formset, _saved_ids(file))

    attachments = (
        list(_own_attachments(request.user).filter(application=current).order_by("pk"))
        if current
        else []
    )
    problems = actions.completeness_problems(current) if current is not None else []
    return render(
        request,
        "portal/assistance/apply.html",
        {
            "form": form,
            "formset": formset,
            "current": current,
            "file": file,
            "masked_account": mask_bank_card(file.bank_account) if file else "",
            "error": error,
            "problems": problems,
            "attachments": attachments,
            "upload_form": UploadForm(),
            "show_errors": bool(error),
        },
    )


def _after_save(request, application: Application, *, submit: bool):
    if not submit:
        messages.success(request, _("Your draft is saved. You can come back and finish it."))
        return redirect(reverse("portal:assistance-apply"))
    resubmit = application.state == S.RETURNED
    try:
        actions.submit_application(actor=request.user, application=application)
    except ActionError as exc:
        if exc.code == "incomplete":
            messages.error(
                request,
                _("Your draft is saved, but it cannot be submitted yet. Still missing:"),
            )
        else:
            messages.error(request, _error_text(exc))
        return redirect(reverse("portal:assistance-apply") + "#missing")
    messages.success(
        request,
        _("Your corrected application was submitted again.")
        if resubmit
        else _("Your application was submitted. Your union will review it."),
    )
    return redirect("portal:assistance-detail", pk=application.pk)


@member_required
def assistance_detail(request, pk: int):
    """One application: state, next step, every step with its date, decision and payments."""
    application = _own_application_or_404(request, pk)
    steps = []
    for step in application.steps.order_by("at", "pk"):
        key = step.name
        if key == "submit" and step.from_state == S.RETURNED:
            key = "resubmit"
        steps.append(
            {
                "label": STEP_LABELS.get(key, step.name),
                "at": step.at,
                # The union's name only, never the staff member's (Step.actor_name).
                "org_name": step.org_name,
                "reason": step.opinion if step.name in STEPS_WITH_REASON else "",
            }
        )
    items = list(application.items.all())
    editable = application.state in EDITABLE_STATES
    response = render(
        request,
        "portal/assistance/detail.html",
        {
            "application": application,
            "next_step": NEXT_STEP.get(application.state, ""),
            "steps": steps,
            "items": items,
            "money_items": [i for i in items if i.aid_type not in NON_MONEY_AID],
            "decided": application.state in (S.APPROVED, S.CLOSED),
            "editable": editable,
            "withdrawable": application.state in WITHDRAWABLE_STATES,
            "problems": actions.completeness_problems(application) if editable else [],
            "attachments": list(
                _own_attachments(request.user).filter(application=application).order_by("pk")
            ),
            "upload_form": UploadForm(),
            "masked_account": mask_bank_card(application.file.bank_account),
            "mask_id": mask_id_detail,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_POST
def assistance_upload(request, pk: int):
    application = _own_application_or_404(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and the file to upload."))
    else:
        try:
            actions.upload_attachment(
                actor=request.user,
                file=application.file,
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["upload"],
            )
        except ActionError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The document was uploaded."))
    target = request.POST.get("back") == "apply"
    if target and application.state in EDITABLE_STATES:
        return redirect(reverse("portal:assistance-apply") + "#documents")
    return redirect(reverse("portal:assistance-detail", args=[application.pk]) + "#documents")


@member_required
def assistance_attachment(request, public_id):
    """Download one of the member's own documents: 404 for anyone else's."""
    attachment = _own_attachments(request.user).filter(public_id=public_id).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        open_for_download(attachment.content),  # sealed at rest: decrypted as it streams
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
@require_POST
def assistance_withdraw(request, pk: int):
    application = _own_application_or_404(request, pk)
    try:
        actions.withdraw_application(
            actor=request.user,
            application=application,
            reason=request.POST.get("reason", "")[:500],
        )
    except ActionError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("portal:assistance-detail", pk=application.pk)
