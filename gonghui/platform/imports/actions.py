"""Write path for roster imports and export requests (maker-checker).

``org`` is a node of the scope model (``GONGHUI_SCOPE_MODEL``): the platform names no app."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports.models import (
    ExportRequest,
    ExportState,
    ImportJob,
    ImportKind,
    ImportStatus,
)
from gonghui.platform.imports.readers import MSG_OLD_XLS
from gonghui.platform.workflow.base import ActionError, OutOfScope, action

MB = 1024 * 1024
# settings.GONGHUI_IMPORT_MAX_BYTES (100 MB unless configured); the console's request limit
# for the import pages is this plus 1 MB (GONGHUI_UPLOAD_REQUEST_LIMITS)
MAX_UPLOAD_BYTES = settings.GONGHUI_IMPORT_MAX_BYTES
ALLOWED_SUFFIXES = (".xlsx", ".csv")


def megabytes(limit: int) -> str:
    """``limit`` bytes in MB, as the messages state it."""
    return f"{limit // MB}" if limit % MB == 0 else f"{limit / MB:.1f}"


def too_large_message(limit: int) -> str:
    """The refusal of a file over ``limit`` bytes."""
    return _("The file is larger than %(size)s MB.") % {"size": megabytes(limit)}


def check_upload(name: str, size: int, limit: int | None = None) -> None:
    """Refuse a file the importer cannot take, by its name and size (its content is read by the
    job: readers.open_rows)."""
    limit = MAX_UPLOAD_BYTES if limit is None else limit
    if name.lower().endswith(".xls"):
        raise ActionError(MSG_OLD_XLS, code="file_type")
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ActionError(_("Upload an .xlsx or .csv file."), code="file_type")
    if size > limit:
        raise ActionError(too_large_message(limit), code="file_size")


def store_upload(
    ctx,
    *,
    kind: str,
    org: Model,
    upload,
    permission: str,
    max_bytes: int | None = None,
    preview: bool = False,
) -> ImportJob:
    """The body of every importer's upload action: check the file by its name and size, store
    it (sealed at rest) for ``org`` and queue its import (see jobs.start_import_job).

    With ``preview`` (and an importer that can preview, see preview.py) the job waits for its
    uploader to look at the preview and start it (``confirm_import_job``) or cancel it."""
    from gonghui.platform.imports.jobs import importer_for, start_import_job

    org = ctx.require(org, permission)
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:200]
    check_upload(name, upload.size, max_bytes)
    waits = preview and importer_for(kind).previews
    job = ImportJob(
        kind=kind,
        org=org,
        created_by=ctx.actor,
        original_name=name,
        status=ImportStatus.PREVIEW if waits else ImportStatus.QUEUED,
    )
    job.file.save(name, upload, save=False)
    job.save()
    ctx.wrote(job, details={"file": name, "org": org.name, "preview": waits}, recheck=permission)
    ctx.org = org
    if not waits:
        start_import_job(job)
    return job


def _own_waiting_job(ctx, job: ImportJob) -> ImportJob:
    """``job`` re-read in the actor's scope for its kind, locked, waiting for confirmation and
    uploaded by the actor (only she has looked at its preview)."""
    from django.core.exceptions import PermissionDenied

    from gonghui.platform.access.scoping import user_permissions
    from gonghui.platform.imports.jobs import permission_for

    permission = permission_for(job.kind)
    if permission not in user_permissions(ctx.actor):
        raise PermissionDenied(_("You do not have permission to do this."))
    job = ctx.require(job, permission)
    ctx.lock(job)
    if job.created_by_id != getattr(ctx.actor, "pk", None):
        raise ActionError(
            _("Only the person who uploaded the file starts or cancels its import."),
            code="not_uploader",
        )
    if job.status != ImportStatus.PREVIEW:
        raise ActionError(
            _("This import is no longer waiting for confirmation."), code="not_waiting"
        )
    ctx.org = job.org
    return job


@action("imports.confirm_import")
def confirm_import_job(ctx, *, job: ImportJob) -> ImportJob:
    """Start the import of an upload whose preview its uploader has seen."""
    from gonghui.platform.imports.jobs import permission_for, start_import_job
    from gonghui.platform.imports.workflows import import_job_states

    job = _own_waiting_job(ctx, job)
    import_job_states.apply(ctx, job, "confirm")
    ctx.wrote(job, details={"file": job.original_name}, recheck=permission_for(job.kind))
    start_import_job(job)
    return job


@action("imports.cancel_import")
def cancel_import_job(ctx, *, job: ImportJob) -> ImportJob:
    """Drop an upload after its preview: nothing is imported and the uploaded file, which
    holds the personal information of every row, is deleted once this commits."""
    from gonghui.platform.imports.jobs import permission_for
    from gonghui.platform.imports.workflows import import_job_states

    job = _own_waiting_job(ctx, job)
    name = job.file.name
    storage = job.file.storage
    job.finished_at = timezone.now()
    job.files_deleted_at = job.finished_at
    job.file = ""
    import_job_states.apply(
        ctx, job, "cancel", extra_fields=["finished_at", "files_deleted_at", "file"]
    )
    ctx.wrote(job, details={"file": job.original_name}, recheck=permission_for(job.kind))
    if name:
        ctx.on_commit(lambda: storage.delete(name))
    return job


# A file an operator imports on the server (``manage.py import_file``): no web request carries
# it, so the upload limit does not apply; this bound only stops a wrong file (a database dump).
COMMAND_MAX_BYTES = 4 * 1024 * MB


@action("imports.load_file")
def load_file(ctx, *, kind: str, org: Model, upload) -> ImportJob:
    """Import a file from the server's disk as ``ctx.actor`` (``manage.py import_file``: a city
    federation's migration from an old system, a 1M-row roster larger than an upload may be):
    the same permission, scope, checks, job, error workbook and audit as an upload of that
    kind, without the upload's size limit."""
    from django.core.exceptions import PermissionDenied

    from gonghui.platform.access.scoping import user_permissions
    from gonghui.platform.imports.jobs import permission_for

    permission = permission_for(kind)
    if permission not in user_permissions(ctx.actor):
        raise PermissionDenied(_("You do not have permission to do this."))
    return store_upload(
        ctx,
        kind=kind,
        org=org,
        upload=upload,
        permission=permission,
        max_bytes=COMMAND_MAX_BYTES,
    )


@action("members.upload_roster", permission="members.import_roster")
def create_import_job(ctx, *, org: Model, upload, preview: bool = False) -> ImportJob:
    """Store an uploaded roster for ``org`` and queue its import (with ``preview``: keep it
    waiting for its uploader to confirm it after the preview)."""
    return store_upload(
        ctx,
        kind=ImportKind.MEMBERS,
        org=org,
        upload=upload,
        permission="members.import_roster",
        preview=preview,
    )


@action("members.request_export", permission="members.export_membership")
def request_export(
    ctx, *, org: Model, filters: dict, row_count: int, purpose: str
) -> ExportRequest:
    """Ask for an export above the direct limit; another user must approve it."""
    org = ctx.require(org, "members.export_membership")
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ActionError(_("Say what the export is for."), code="purpose_required")
    request = ExportRequest.objects.create(
        org=org,
        requested_by=ctx.actor,
        filters=filters,
        row_count=row_count,
        purpose=purpose[:300],
    )
    ctx.wrote(
        request,
        details={"rows": row_count, "filters": filters, "purpose": purpose[:300]},
        recheck="members.export_membership",
    )
    ctx.org = org
    return request


def _decide(ctx, request: ExportRequest, state: str, reason: str) -> ExportRequest:
    request = ctx.require(request, "members.approve_export")
    ctx.lock(request)
    if request.requested_by_id == getattr(ctx.actor, "pk", None):
        raise ActionError(
            _("Another person must decide on your own export request."), code="maker_checker"
        )
    if request.state != ExportState.PENDING:
        raise ActionError(_("This request has already been decided."), code="decided")
    request.state = state
    request.decided_by = ctx.actor
    request.decided_at = timezone.now()
    request.reason = reason[:300]
    request.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    ctx.wrote(request, details={"rows": request.row_count, "reason": reason[:300]})
    ctx.org = request.org
    return request


@action("members.approve_export", permission="members.approve_export")
def approve_export(ctx, *, request: ExportRequest, reason: str = "") -> ExportRequest:
    """Allow the requester to download the export once."""
    return _decide(ctx, request, ExportState.APPROVED, (reason or "").strip())


@action("members.reject_export", permission="members.approve_export")
def reject_export(ctx, *, request: ExportRequest, reason: str) -> ExportRequest:
    """Refuse the export, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    return _decide(ctx, request, ExportState.REJECTED, reason)


@action("members.use_export", permission="members.export_membership", audit=False)
def use_export(ctx, *, request: ExportRequest) -> ExportRequest:
    """Mark an approved request as downloaded (the download itself is audited as
    ``members.export`` with its row count)."""
    request = ctx.require(request, "members.export_membership")
    ctx.lock(request)
    if request.requested_by_id != getattr(ctx.actor, "pk", None):
        raise OutOfScope("only the requester downloads")
    if request.state != ExportState.APPROVED:
        raise ActionError(_("This export is not approved or was already downloaded."), code="used")
    request.state = ExportState.USED
    request.used_at = timezone.now()
    request.save(update_fields=["state", "used_at"])
    return request
