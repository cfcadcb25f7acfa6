from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.platform.validators import normalize_mobile


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": _("11-digit mobile number"),
            }
        ),
    )

    def clean_phone(self):
        try:
            return normalize_mobile(self.cleaned_data["phone"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("Enter a valid mainland mobile number."), code="invalid_mobile"
            ) from exc


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "000000"}
        ),
    )
