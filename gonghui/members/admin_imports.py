"""Console pages: roster upload with a live progress bar, the error workbook, the template,
the member export and export requests (maker-checker: 批准导出 / 不予导出 are the declared
transitions of platform/imports/workflows.py, run on ``TransitionAdmin``'s ``<pk>/do/<name>/``).

Job and request pages read through ``restrict`` with the members permissions (there are no
separate "imports" permissions): an object outside your subtree answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.roster import (
    EXPORT_DIRECT_LIMIT,
    EXPORT_PERMISSION,
    IMPORT_PERMISSION,
    build_template,
    export_filters_from,
    export_queryset,
    write_memberships_xlsx,
)
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, grant_scopes, restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.imports import actions
from gonghui.platform.imports.forms import ImportUploadForm
from gonghui.platform.imports.jobs import importer_for, permission_for
from gonghui.platform.imports.models import (
    ExportRequest,
    ExportState,
    ImportJob,
    ImportKind,
)
from gonghui.platform.imports.preview import build_preview
from gonghui.platform.imports.todos import AttentionFilter
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import TransitionAdmin, offers

APPROVE_PERMISSION = "members.approve_export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STALLED_AFTER_SECONDS = 600


def _grant_orgs(user, perm: str):
    """The orgs where ``user`` holds ``perm`` (the tops of their scope), shallowest first."""
    ids = [s.org_id for s in grant_scopes(user) if perm in s.permissions]
    return Org.objects.filter(pk__in=ids, status="active").order_by("depth", "name")


def _job_kinds(user) -> list[str]:
    """The kinds of import job ``user`` may see (holding the importer's permission)."""
    return [kind for kind in ImportKind.values if user.has_perm(permission_for(kind))]


def UploadForm(*args, user, **kwargs) -> ImportUploadForm:  # noqa: N802 (a form class's name)
    return ImportUploadForm(
        *args, orgs=_grant_orgs(user, IMPORT_PERMISSION), file_label=_("Roster file"), **kwargs
    )


@admin.register(ImportJob, site=console_site)
class ImportJobAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = [
        "id",
        "kind",
        "original_name",
        "org",
        "status",
        "processed_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "created_at",
    ]
    grouped_numbers = (
        "processed_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
    )
    list_filter = [AttentionFilter, "status"]
    list_per_page = 50
    list_select_related = ["org"]
    ordering = ["-id"]

    # --- scope and permissions: each kind's import permission decides, restrict() scopes ---
    def get_queryset(self, request):
        qs = ModelAdmin.get_queryset(self, request)
        visible = qs.none()
        for kind in _job_kinds(request.user):
            visible |= restrict(qs, request.user, permission_for(kind)).filter(kind=kind)
        return visible

    def has_module_permission(self, request):
        return bool(_job_kinds(request.user))

    def has_view_permission(self, request, obj=None):
        return bool(_job_kinds(request.user))

    def has_add_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("template.xlsx", view(self.template_view), name="imports_roster_template"),
            path("<int:pk>/progress/", view(self.progress_view), name="imports_importjob_progress"),
            path("<int:pk>/errors.xlsx", view(self.errors_view), name="imports_importjob_errors"),
            *super().get_urls(),
        ]

    def _job(self, request, pk):
        kind = ImportJob.objects.filter(pk=pk).values_list("kind", flat=True).first()
        if kind is None or kind not in _job_kinds(request.user):
            raise Http404
        return get_scoped_or_404(
            ImportJob.objects.select_related("org", "created_by"),
            request.user,
            permission_for(kind),
            pk=pk,
        )

    def template_view(self, request):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        response = HttpResponse(build_template(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
        return response

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        job = actions.create_import_job(
                            actor=request.user,
                            org=form.cleaned_data["org"],
                            upload=form.cleaned_data["file"],
                            preview=True,  # the job page shows the preview to confirm
                        )
                except ActionError as exc:
                    form.add_error("file", exc)
                else:
                    return HttpResponseRedirect(
                        reverse("console:imports_importjob_change", args=[job.pk])
                    )
        else:
            form = UploadForm(user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a member roster"),
            "form": form,
            "opts": self.opts,
            "template_url": reverse("console:imports_roster_template"),
        }
        return render(request, "imports/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        job = self._job(request, int(object_id))
        importer = importer_for(job.kind)
        context = {
            **self.admin_site.each_context(request),
            "title": importer.title % {"id": job.pk},
            "job": job,
            "opts": self.opts,
            "again_url": reverse(importer.upload_url),
            **self._progress_context(job),
        }
        if job.awaits_confirmation:
            # The preview (imports/preview.py) and 开始导入 / 取消, declared in
            # platform/imports/workflows.py; the check of 开始导入 reads the same preview.
            job.preview = build_preview(job)
            context["preview"] = job.preview
            context["transition_buttons"] = offers(job, request.user, "console")
        return render(request, "imports/job.html", context)

    def transition_object(self, request, object_id):
        return self._job(request, int(object_id))

    def after_transition_url(self, request, obj) -> str:
        # Cancelled: back to the upload page, for the corrected file. Started: the job page.
        match = request.resolver_match
        if request.method == "POST" and match and match.kwargs.get("name") == "cancel":
            return reverse(importer_for(obj.kind).upload_url)
        return super().after_transition_url(request, obj)

    @staticmethod
    def _progress_context(job):
        stalled = (
            job.status == "running"
            and job.progressed_at is not None
            and (timezone.now() - job.progressed_at).total_seconds() > STALLED_AFTER_SECONDS
        )
        return {
            "job": job,
            "stalled": stalled,
            "progress_url": reverse("console:imports_importjob_progress", args=[job.pk]),
            "errors_url": reverse("console:imports_importjob_errors", args=[job.pk])
            if job.error_file
            else "",
        }

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        return render(request, "imports/job_progress.html", self._progress_context(job))

    def errors_view(self, request, pk):
        job = self._job(request, pk)
        if not job.error_file:
            raise Http404  # none, or deleted at the end of the retention period
        handle = open_for_download(job.error_file)  # sealed: decrypted as it streams
        record_event(
            actor=request.user,
            action=importer_for(job.kind).errors_audit,
            obj=job,
            details={"errors": job.error_count, "warnings": job.warnings_count},
        )
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"import-{job.pk}-errors.xlsx",
            content_type=XLSX,
        )


# --- export -----------------------------------------------------------------------------------


class ExportRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        help_text=_("Why these members' data leave the platform; the approver reads it."),
    )


def _export_org(user, filters: dict):
    """The org whose subtree an export covers: the filtered union if any, else the top of the
    user's export scope."""
    for key in ("subtree", "org", "org__id__exact"):
        value = filters.get(key)
        if value and str(value).isdigit():
            org = restrict(Org, user, EXPORT_PERMISSION).filter(pk=int(value)).first()
            if org is not None:
                return org
    return _grant_orgs(user, EXPORT_PERMISSION).first()


def _xlsx_response(memberships, filename: str):
    import tempfile

    handle = tempfile.TemporaryFile(suffix=".xlsx")
    count = write_memberships_xlsx(memberships, handle)
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
    return response, count


def _memberships(qs, limit: int | None = None):
    qs = qs.select_related("person", "org").order_by("org_id", "id")
    if limit is not None:
        qs = qs[:limit]
    return qs.iterator(chunk_size=1000)


def export_memberships(request):
    """The membership list as xlsx, with its current filters, ID numbers and phones masked.

    Up to ``EXPORT_DIRECT_LIMIT`` rows download at once; more need an ExportRequest approved by
    another user. Every download is audited with its row count.
    """
    user = request.user
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    filters = export_filters_from(request.GET)
    qs = export_queryset(user, filters)
    count = qs.count()
    if count <= EXPORT_DIRECT_LIMIT:
        response, written = _xlsx_response(_memberships(qs), "members.xlsx")
        org = _export_org(user, filters)
        record_event(
            actor=user,
            action="members.export",
            org=org,
            details={"rows": written, "filters": filters},
        )
        return response
    form = ExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = _export_org(user, filters)
        try:
            export_request = actions.request_export(
                actor=user,
                org=org,
                filters=filters,
                row_count=count,
                purpose=form.cleaned_data["purpose"],
            )
        except ActionError as exc:
            form.add_error("purpose", exc)
        else:
            messages.success(
                request, _("Your request was sent. Another colleague must approve it.")
            )
            return HttpResponseRedirect(
                reverse("console:imports_exportrequest_change", args=[export_request.pk])
            )
    context = {
        **console_site.each_context(request),
        "title": _("Export members"),
        "count": count,
        "limit": EXPORT_DIRECT_LIMIT,
        "form": form,
        "query": request.GET.urlencode(),
        "opts": ExportRequest._meta,
    }
    return render(request, "imports/export_request_form.html", context)


@admin.register(ExportRequest, site=console_site)
class ExportRequestAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = ["id", "org", "requested_by", "row_count", "state", "requested_at", "decided_by"]
    grouped_numbers = ("row_count",)
    list_filter = ["state"]
    list_select_related = ["org", "requested_by", "decided_by"]
    ordering = ["-id"]

    def _visible(self, request):
        user = request.user
        qs = ModelAdmin.get_queryset(self, request)
        return restrict(qs, user, EXPORT_PERMISSION) | restrict(qs, user, APPROVE_PERMISSION)

    def get_queryset(self, request):
        return self._visible(request)

    def has_module_permission(self, request):
        user = request.user
        return user.has_perm(EXPORT_PERMISSION) or user.has_perm(APPROVE_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # requests are made from the member export

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.xlsx", view(export_memberships), name="members_export"),
            path(
                "<int:pk>/download/",
                view(self.download_view),
                name="imports_exportrequest_download",
            ),
            *super().get_urls(),
        ]

    def _request(self, request, pk):
        if not self.has_module_permission(request):
            raise Http404
        try:
            return self._visible(request).select_related("org", "requested_by").get(pk=pk)
        except ExportRequest.DoesNotExist as exc:
            raise Http404 from exc

    def transition_object(self, request, object_id):
        # The pages of 批准导出 / 不予导出 read the request as the detail does.
        return self._request(request, int(object_id))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        obj = self._request(request, int(object_id))
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export request #%(id)s") % {"id": obj.pk},
            "obj": obj,
            "opts": self.opts,
            # The declared decisions (platform/imports/workflows.py), each on <pk>/do/<name>/.
            "transition_buttons": offers(obj, user, "console"),
            "can_download": obj.state == ExportState.APPROVED and obj.requested_by_id == user.pk,
        }
        return render(request, "members/admin/exportrequest_detail.html", context)

    def download_view(self, request, pk):
        obj = self._request(request, pk)
        if obj.requested_by_id != request.user.pk:
            raise Http404
        if obj.state != ExportState.APPROVED:
            messages.error(request, _("This export is not approved or was already downloaded."))
            return HttpResponseRedirect(reverse("console:imports_exportrequest_change", args=[pk]))
        qs = export_queryset(request.user, obj.filters).filter(org__path__startswith=obj.org.path)
        with transaction.atomic():
            actions.use_export(actor=request.user, request=obj)
            # The approval covers the number of rows the approver saw, never more.
            response, written = _xlsx_response(
                _memberships(qs, limit=obj.row_count), f"members-{obj.pk}.xlsx"
            )
            record_event(
                actor=request.user,
                action="members.export",
                obj=obj,
                details={"rows": written, "filters": obj.filters, "request": obj.pk},
            )
        return response
