"""Console pages around the 12351 ticket: the 问答库 table the hotline keeps, and the ticket's
documents (added on the ticket page, downloaded through a scoped, audited view).

The attachments have no list of their own: ``TicketAttachmentAdmin`` only carries the upload
and download URLs, each finding the ticket in the user's scope first."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.platform.access.scoping import restrict
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.rights import answers, attachments
from gonghui.rights.models import KnowledgeAnswer, Ticket, TicketAttachment, TicketCategory


class AnswerForm(ActionForm, forms.ModelForm):
    class Meta:
        model = KnowledgeAnswer
        fields = ["category", "question", "answer", "keywords", "active"]
        widgets = {"answer": forms.Textarea({"rows": 6})}

    def bind_request(self, request):
        self.request = request
        if "category" in self.fields:
            self.fields["category"].queryset = TicketCategory.objects.filter(
                active=True
            ).select_related("parent")

    def run_action(self):
        d = self.cleaned_data
        fields = {k: d[k] for k in ("category", "question", "answer", "keywords", "active")}
        if self.instance.pk:
            return answers.change_answer(actor=self.request.user, row=self.instance, **fields)
        return answers.add_answer(actor=self.request.user, **fields)


@admin.register(KnowledgeAnswer, site=console_site)
class KnowledgeAnswerAdmin(ScopedModelAdmin):
    form = AnswerForm
    list_display = ["question", "category", "keywords", "active", "updated_at"]
    list_select_related = ["category", "category__parent"]
    list_filter = ["active", "category"]
    search_fields = ["question", "answer", "keywords"]
    search_help_text = _("Words of the question, the answer or the keywords")
    fields = ["category", "question", "answer", "keywords", "active"]


def ticket_page(ticket_id) -> str:
    return reverse("console:rights_ticket_change", args=[ticket_id])


class UploadForm(forms.Form):
    upload = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))


@admin.register(TicketAttachment, site=console_site)
class TicketAttachmentAdmin(ScopedModelAdmin):
    """No list or form: the ticket page shows its documents (see the module)."""

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "upload/<int:ticket_id>/",
                self.admin_site.admin_view(self.upload_view),
                name="rights_ticketattachment_upload",
            ),
            path(
                "<uuid:public_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="rights_ticketattachment_download",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request, ticket_id):
        ticket = restrict(Ticket, request.user, "view").filter(pk=ticket_id).first()
        if ticket is None:
            raise Http404
        if request.method != "POST":
            return redirect(ticket_page(ticket.pk))
        if not attachments.may_add(request.user, ticket):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose a file to upload."))
            return redirect(ticket_page(ticket.pk))
        try:
            attachments.add_attachment(
                actor=request.user, ticket=ticket, upload=form.cleaned_data["upload"]
            )
        except OutOfScope:
            raise PermissionDenied from None
        except ActionError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The document was added to the ticket."))
        return redirect(ticket_page(ticket.pk))

    def download_view(self, request, public_id):
        return attachments.download(request, public_id)
