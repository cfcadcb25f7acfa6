"""The upload form every importer's console page uses: the union to import into (those where
the user holds the importer's permission) and the file, checked by its name and size before it
is stored (its content is read by the job)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports import actions


class ImportUploadForm(forms.Form):
    org = forms.ModelChoiceField(queryset=None, label=_("Import into"))
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, orgs, file_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        if len(orgs[:2]) == 1:
            self.fields["org"].initial = orgs[0].pk
        self.fields["file"].label = file_label
        self.fields["file"].help_text = _(
            "The filled-in template as .xlsx, or a .csv with the same columns; %(size)s MB at most."
        ) % {"size": actions.megabytes(actions.MAX_UPLOAD_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        actions.check_upload(upload.name, upload.size)  # an ActionError is a ValidationError
        return upload
