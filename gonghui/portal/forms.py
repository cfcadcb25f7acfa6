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


# --- joining by QR ----------------------------------------------------------------------------


class JoinForm(forms.Form):
    """The application a worker fills in after scanning a union's poster.

    Only presence and length are checked here; the identity fields are validated by
    ``members.actions.clean_person`` (through the action), so every entry point agrees.
    ``employers`` (a grassroots union's own employers) lock the employer to a choice;
    ``pools`` (the districts' holding pools) offer the district of residence.
    """

    name = forms.CharField(
        label=_("Name (as on your ID card)"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "maxlength": "18",
            }
        ),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": _("11-digit mobile number"),
            }
        ),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "000000"}
        ),
    )
    employer = forms.ChoiceField(label=_("Employer"), required=False)
    no_union = forms.BooleanField(label=_("My employer has no trade union"), required=False)
    employer_name = forms.CharField(
        label=_("Employer or platform"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the company or delivery platform")}),
    )
    pool = forms.ChoiceField(label=_("District where you live"), required=False)
    employment_form = forms.ChoiceField(label=_("How you work"))
    is_migrant = forms.BooleanField(label=_("I am a migrant worker"), required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("Education level"), required=False)

    # The privacy notice in force and, apart from it, the separate consent for the ID number
    # (sensitive personal information, PIPL Art. 29): both required to apply.
    privacy_notice = forms.BooleanField(
        label=_("I have read the privacy notice above and agree to it"),
        error_messages={"required": _("Read the privacy notice and tick to agree.")},
    )
    sensitive_consent = forms.BooleanField(
        label=_("I give my separate consent to the processing of my ID number"),
        error_messages={
            "required": _(
                "Without your separate consent we cannot process your ID number, and you "
                "cannot apply."
            )
        },
    )
    notice_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, employers=(), pools=(), pool_mode="choose", notice=None, **kwargs):
        from gonghui.members.choices import Education, EmploymentForm

        super().__init__(*args, **kwargs)
        self.notice = notice
        if notice is None:
            for name in ("privacy_notice", "sensitive_consent", "notice_version"):
                del self.fields[name]
        else:
            self.fields["notice_version"].initial = notice.version
            if not notice.sensitive:
                del self.fields["sensitive_consent"]
        self.employers = list(employers)
        self.pool_mode = pool_mode  # "choose", "required" (no union of its own) or "fixed"
        self.fields["employer"].choices = [(str(e.pk), e.name) for e in self.employers]
        self.fields["pool"].choices = [("", _("Choose your district"))] + [
            (str(pk), label) for pk, label in pools
        ]
        self.fields["employment_form"].choices = [("", _("Choose"))] + list(EmploymentForm.choices)
        self.fields["education"].choices = [("", _("Prefer not to say"))] + list(Education.choices)
        for name in ("name", "id_number", "phone", "employment_form"):
            self.fields[name].widget.attrs["required"] = "required"

    def clean_id_number(self):
        return "".join(self.cleaned_data["id_number"].split()).upper()

    def clean(self):
        data = super().clean()
        if self.notice is not None and data.get("notice_version") not in (
            None,
            self.notice.version,
        ):
            self.add_error(
                "privacy_notice", _("The privacy notice has changed: read the new version.")
            )
        goes_to_pool = self.pool_mode == "required" or (
            self.pool_mode == "choose" and data.get("no_union")
        )
        data["goes_to_pool"] = goes_to_pool
        if goes_to_pool and not data.get("pool"):
            self.add_error("pool", _("Choose the district where you live."))
        locked = self.employers and not data.get("no_union")
        if locked:
            if not data.get("employer") and len(self.employers) == 1:
                data["employer"] = str(self.employers[0].pk)
            if not data.get("employer"):
                self.add_error("employer", _("Choose your employer."))
        elif not (data.get("employer_name") or "").strip():
            self.add_error("employer_name", _("Enter your employer or the platform you work for."))
        return data


class TransferForm(forms.Form):
    to_org = forms.IntegerField(widget=forms.HiddenInput)
    employer_name = forms.CharField(
        label=_("New employer or platform"), max_length=200, required=False
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)
