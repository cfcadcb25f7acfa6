"""我的数据: everything the platform holds about the worker, on one printable page and as a JSON
download (PIPL Art. 45), and her requests to correct it (Art. 46).

The sections come from the apps' registered sources (platform/consent/subject.py), read
through her own links only. Every view of the page and every download writes an audit event,
as a reveal does. A correction request goes to the union of her membership
(``members.subject.handling_org``), which answers within the deadline of
``platform.consent.corrections.CORRECTION``; she reads the answer here and in her messages.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.members.subject import handling_org
from gonghui.platform.consent.corrections import due_on, request_correction
from gonghui.platform.consent.models import CorrectionRequest
from gonghui.platform.consent.subject import audit_access, display, export, sections_for
from gonghui.platform.workflow.base import ActionError
from gonghui.portal.views import member_required, person_of

OTHER = "other"


class CorrectionForm(forms.Form):
    section = forms.ChoiceField(label=_("Which information"))
    record = forms.CharField(
        label=_("Which field or record"),
        max_length=60,
        help_text=_("For example: employer, or the application number."),
    )
    requested = forms.CharField(
        label=_("What it should be"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    explanation = forms.CharField(
        label=_("Anything else the union should know"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.titles = {s.key: str(s.title) for s in sections}
        self.fields["section"].choices = [
            *self.titles.items(),
            (OTHER, _("Something else")),
        ]

    def record_label(self) -> str:
        data = self.cleaned_data
        title = self.titles.get(data["section"], str(_("Something else")))
        return f"{title} · {data['record'].strip()}"


def _page_section(section) -> dict:
    return {
        "key": section.key,
        "title": section.title,
        "records": [_page_record(r) for r in section.records],
    }


def _page_record(record) -> dict:
    return {
        "title": record.title,
        "fields": [{"label": f.label, "shown": display(f.value)} for f in record.fields],
        "sections": [_page_section(s) for s in record.sections],
    }


def _context(request, form=None) -> dict:
    sections = sections_for(request.user)
    org = handling_org(request.user)
    corrections = list(CorrectionRequest.objects.own(request.user).order_by("-submitted_at"))
    for correction in corrections:
        correction.due = due_on(correction)
    return {
        "sections": [_page_section(s) for s in sections],
        "form": form or CorrectionForm(sections=sections),
        "org": org,
        "corrections": corrections,
        "generated_at": timezone.localtime(),
    }


@member_required
def my_data(request):
    """The page: every section, decrypted for her own eyes, and the correction form."""
    person_of(request.user)  # links her account to her member record on a first visit
    audit_access(request.user, "page")
    return render(request, "portal/mydata.html", _context(request))


@member_required
def my_data_download(request):
    """The same as JSON, as a file (amounts as text with two decimals, never floats)."""
    person_of(request.user)
    audit_access(request.user, "json")
    body = json.dumps(export(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{day}.json"'
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_POST
def my_data_correction(request):
    """Her correction request, to the union of her membership."""
    org = handling_org(request.user)
    form = CorrectionForm(request.POST, sections=sections_for(request.user))
    if org is not None and form.is_valid():
        try:
            correction = request_correction(
                actor=request.user,
                org=org,
                record=form.record_label(),
                requested=form.cleaned_data["requested"],
                explanation=form.cleaned_data.get("explanation") or "",
            )
        except ActionError as exc:
            form.add_error(None, exc.messages[0])
        else:
            due = due_on(correction)
            text = (
                _("Your request was sent to %(org)s. It answers by %(due)s.")
                if due
                else _("Your request was sent to %(org)s. It answers within 15 working days.")
            )
            messages.success(
                request, text % {"org": org.name, "due": due.isoformat() if due else ""}
            )
            return redirect("portal:my_data")
    audit_access(request.user, "page")
    return render(request, "portal/mydata.html", _context(request, form), status=400)
