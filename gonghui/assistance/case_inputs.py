"""What the case transitions take (:mod:`gonghui.assistance.workflows_cases`).

Each transition's input is a django-ninja ``Schema``: the API's request body in OpenAPI and,
built by the platform (``faces.form_for``), the console's and the portal's form. Where a
person needs more than the API asks — the upload of the signed authorisation at the home
visit, one amount per aid item at verification, approval and referral — the transition
declares a Django form here whose ``cleaned_data`` are the action's arguments (``amounts``
as item id → yuan); ``bind(request=…, obj=…)`` adds the item fields for the application.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.assistance import queries
from gonghui.assistance.choices import NON_MONEY_AID, CivilAffairsResult, FileLevel, Tier
from gonghui.assistance.models import AidItem, Application

# Money comes in as a string with at most two decimals (never a float).
MoneyIn = Annotated[
    str,
    Field(pattern=r"^\s*\d{1,9}(\.\d{1,2})?\s*$", examples=["1234.50"]),
]


# --- the API bodies ---------------------------------------------------------------------------


class OpinionIn(Schema):
    opinion: str = Field("", max_length=500, title="Opinion")


class HomeVisitIn(Schema):
    visit_date: date = Field(..., title="Date of the visit")
    visitors: str = Field(..., min_length=1, max_length=200, title="Visitors")
    findings: str = Field(
        ...,
        min_length=1,
        max_length=4000,
        title="Findings",
        description="Upload the signed income-check authorisation first: "
        "POST …/attachments with kind=income_authorisation.",
    )


class VerifyIn(Schema):
    civil_affairs_result: CivilAffairsResult = Field(..., title="Civil-affairs income check")
    checked_on: date | None = Field(None, title="Date of the check")
    tier: Tier | Literal[""] = Field("", title="Tier")
    level: FileLevel | Literal[""] = Field("", title="Level")
    note: str = Field("", max_length=300, title="Note on the check")
    opinion: str = Field("", max_length=500, title="Opinion")
    amounts: dict[int, MoneyIn] | None = Field(
        None,
        description="Aid item id → amount verified (核定金额). An item left out is verified "
        "at its request; never more than requested. The verified total decides who approves.",
    )
    cut_reason: str = Field(
        "",
        max_length=300,
        title="Reason for verifying less than requested",
        description="Required when an amount is less than requested.",
    )


class ApproveIn(Schema):
    amounts: dict[int, MoneyIn] = Field(
        ...,
        description='Aid item id → amount granted ("0" = not granted), at most the amount '
        "verified. Granting less needs the opinion as the reason.",
    )
    opinion: str = Field("", max_length=500, title="Opinion")


class EscalateIn(Schema):
    opinion: str = Field(
        ...,
        min_length=1,
        max_length=400,
        title="Your opinion for the higher level",
    )
    amounts: dict[int, MoneyIn] | None = Field(
        None,
        description="Aid item id → amount you propose (at most the amount verified; the "
        "verified amount where left out). The higher approver reads them in the steps.",
    )


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, title="Reason")


class WithdrawIn(Schema):
    reason: str = Field("", max_length=500, title="Reason (optional)")


class DecisionNoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=300, title="Reason")


class CloseFileIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason for closing (required)")


# --- the console forms ------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


def blank(choices):
    return [("", "---------"), *choices]


def item_label(item: AidItem) -> str:
    label = str(item.get_aid_type_display())
    if item.school:
        label = f"{label} ({item.school})"
    return label


def money_items(application: Application) -> list[AidItem]:
    return [
        i
        for i in application.items.all()
        if i.aid_type not in NON_MONEY_AID and i.amount_requested is not None
    ]


class ItemAmountsForm(forms.Form):
    """A form with one amount field per money item (``amount_<id>``), read back as
    ``cleaned_data["amounts"]`` = {item id: text}."""

    def bind(self, request=None, obj=None):
        self.application = obj
        fields = {}
        for item in self.items():
            fields[f"amount_{item.pk}"] = forms.CharField(
                label=self.amount_label(item),
                initial=f"{self.initial_amount(item):.2f}",
                required=False,
                max_length=20,
                help_text=self.amount_help(item),
            )
        self.fields = {**fields, **self.fields}

    def items(self) -> list[AidItem]:
        return money_items(self.application)

    def initial_amount(self, item: AidItem):
        return item.verified_or_requested

    def amount_label(self, item: AidItem) -> str:  # pragma: no cover - each form says it
        raise NotImplementedError

    def amount_help(self, item: AidItem) -> str:
        return _("Requested %(requested)s yuan; verified %(verified)s yuan.") % {
            "requested": item.amount_requested,
            "verified": item.verified_or_requested,
        }

    def clean(self):
        cleaned = super().clean()
        amounts = {}
        for name in list(cleaned):
            if name.startswith("amount_"):
                value = (cleaned.pop(name) or "").strip()
                if value:
                    amounts[int(name.removeprefix("amount_"))] = value
        cleaned["amounts"] = amounts
        return cleaned


class HomeVisitForm(forms.Form):
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


class VerifyForm(ItemAmountsForm):
    civil_affairs_result = forms.ChoiceField(
        label=_("Civil-affairs income check"), choices=blank(CivilAffairsResult.choices)
    )
    checked_on = forms.DateField(label=_("Date of the check"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note on the check"), required=False, max_length=300)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=blank(Tier.choices))
    level = forms.ChoiceField(label=_("Level"), required=False, choices=blank(FileLevel.choices))
    cut_reason = forms.CharField(
        label=_("Reason for verifying less than requested"),
        required=False,
        max_length=300,
        help_text=_("Required when an amount verified is less than requested."),
    )
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def bind(self, request=None, obj=None):
        super().bind(request=request, obj=obj)
        file = obj.file
        self.fields["tier"].initial = file.tier
        self.fields["level"].initial = file.level
        # The civil-affairs fields first, then the amounts, then the reason and opinion.
        order = ["civil_affairs_result", "checked_on", "note", "tier", "level"]
        rest = [n for n in self.fields if n not in order]
        self.fields = {n: self.fields[n] for n in [*order, *rest]}

    def initial_amount(self, item: AidItem):
        return item.amount_requested

    def amount_label(self, item: AidItem) -> str:
        return _("%(aid)s: amount verified (yuan)") % {"aid": item_label(item)}

    def amount_help(self, item: AidItem) -> str:
        return _("Requested %(requested)s yuan: at most that much.") % {
            "requested": item.amount_requested
        }


class ApproveForm(ItemAmountsForm):
    opinion = forms.CharField(
        label=_("Opinion"),
        required=False,
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required when less than verified is granted: it is the reason."),
    )

    def items(self) -> list[AidItem]:
        self.lines = {line.item.pk: line for line in queries.budget_lines(self.application)}
        return super().items()

    def amount_label(self, item: AidItem) -> str:
        return _("%(aid)s: amount granted (yuan)") % {"aid": item_label(item)}

    def amount_help(self, item: AidItem) -> str:
        line = self.lines.get(item.pk)
        verified = super().amount_help(item)
        if line is None or line.budget is None:
            return f"{verified} {_('No budget for this aid.')}"
        return f"{verified} " + str(
            _("%(remaining)s yuan left in the budget.") % {"remaining": line.remaining}
        )


class EscalateForm(ItemAmountsForm):
    opinion = forms.CharField(
        label=_("Your opinion for the higher level"),
        max_length=400,
        widget=forms.Textarea({"rows": 3}),
    )

    def amount_label(self, item: AidItem) -> str:
        return _("%(aid)s: amount you propose (yuan)") % {"aid": item_label(item)}
