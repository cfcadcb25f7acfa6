"""Roster import jobs and member-export requests.

Uploaded rosters and error workbooks are stored with the default storage, which lives under
``var/private``, seals every file with the PI keys (``gonghui/platform/pii/files.py``) and is
never served by URL: they are downloaded only through console views that check the job's scope
first. ``manage.py purge_import_files`` deletes both once the job is older than
``GONGHUI_IMPORT_FILE_RETENTION_DAYS``; the job row stays, with ``files_deleted_at`` set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("Member roster")
    VISITS = "visits", _("Condolence visits")


class ImportStatus(models.TextChoices):
    # Uploaded and previewed (header, column mapping, first rows): waits for the uploader to
    # start it or cancel it (imports/preview.py).
    PREVIEW = "preview", _("Waiting for confirmation")
    CANCELLED = "cancelled", _("Cancelled")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    USED = "used", _("Downloaded")


class ImportJob(models.Model):
    """One uploaded roster file and the progress and outcome of importing it.

    ``org`` is the union the importer imports into: rows may target it or any union below
    it that the importer may import into. Progress counters are written once per batch so
    that the console's progress bar (and a Celery worker in production) read one row.
    """

    scope_org_field = "org"

    kind = models.CharField(
        _("kind"), max_length=16, choices=ImportKind.choices, default=ImportKind.MEMBERS
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
        db_index=True,
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warnings_count = models.PositiveIntegerField(_("warnings"), default=0)
    error_file = models.FileField(
        _("error workbook"), upload_to="imports/errors/%Y/%m/", max_length=255, blank=True
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Heartbeat: written with every batch, so a job whose worker died shows as stalled.
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # Set when the retention purge deleted the uploaded file and the error workbook.
    files_deleted_at = models.DateTimeField(_("files deleted"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def scope_org(self):
        return self.org

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)

    @property
    def awaits_confirmation(self) -> bool:
        return self.status == ImportStatus.PREVIEW


class ExportRequest(models.Model):
    """Permission to export more member rows than the direct limit, given by another user
    (maker-checker): the requester downloads once, then the request is used up."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    purpose = models.CharField(_("purpose"), max_length=300)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ExportState.choices,
        default=ExportState.PENDING,
        db_index=True,
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    used_at = models.DateTimeField(_("downloaded"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="export_decided_by_other_user",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.org} · {self.row_count}"

    def scope_org(self):
        return self.org
