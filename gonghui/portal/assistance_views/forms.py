"""The portal's application form: one page with the household, the causes, the aid asked
for and the bank account, parsed into ``member_save_application``'s arguments (the action
validates), and the document upload form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gonghui.assistance.choices import NON_MONEY_AID, AidType, Cause, Housing, Relation
from gonghui.assistance.models import Application, HardshipFile
from gonghui.platform.pii.masking import mask_id_detail
from gonghui.platform.workflow.base import ActionError
from gonghui.portal.assistance_views.reads import (
    MAX_HOUSEHOLD_ROWS,
    MEMBER_ATTACHMENT_KINDS,
    MONEY_AIDS,
    SCHOOL_SLOTS,
    _household_rows,
)


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
    name = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=50)
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
