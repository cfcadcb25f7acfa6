"""Import jobs that need their uploader's attention, on the console start page (registered in
``ImportsConfig.ready``): the user's own uploads that failed, or finished with rows refused
(the error workbook says which; it is kept until the retention purge deletes the files), or
wait for her to start them after their preview.

Read through ``restrict`` with each registered importer's permission, like the job list.
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict, user_permissions
from gonghui.platform.imports.jobs import _importers
from gonghui.platform.imports.models import ImportJob, ImportStatus
from gonghui.platform.todos import OVERDUE, Todo, TodoSource, count_and_oldest

GROUP = _("Imports")


FAILED, REFUSED_ROWS, WAITING = "failed", "refused_rows", "waiting"


def needing_attention(qs, user, which: str):
    """The user's own jobs in ``qs`` that failed (``FAILED``) or finished with refused rows
    (``REFUSED_ROWS``), while their files are kept."""
    mine = qs.filter(created_by=user, files_deleted_at__isnull=True)
    if which == FAILED:
        return mine.filter(status=ImportStatus.FAILED)
    if which == REFUSED_ROWS:
        return mine.filter(status=ImportStatus.DONE, error_count__gt=0)
    if which == WAITING:
        return mine.filter(status=ImportStatus.PREVIEW)
    return qs


class AttentionFilter(admin.SimpleListFilter):
    """The job list's filter the start page links to (``?attention=failed``)."""

    title = _("needs my attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            (FAILED, _("Failed")),
            (REFUSED_ROWS, _("Rows refused")),
            (WAITING, _("Waiting for confirmation")),
        ]

    def queryset(self, request, queryset):
        if self.value() in (FAILED, REFUSED_ROWS, WAITING):
            return needing_attention(queryset, request.user, self.value())
        return queryset


def job_todos(user, today: date) -> list[Todo]:
    held = user_permissions(user)
    kinds = sorted(kind for kind, importer in _importers.items() if importer.permission in held)
    if not kinds:
        return []
    visible = Q(pk__in=[])
    for kind in kinds:
        ids = restrict(ImportJob, user, _importers[kind].permission).filter(kind=kind)
        visible |= Q(pk__in=ids.values("pk"))
    jobs = ImportJob.objects.filter(visible, created_by=user, files_deleted_at__isnull=True)
    refused = Q(status=ImportStatus.DONE, error_count__gt=0)
    waiting = Q(status=ImportStatus.PREVIEW)  # uploaded and previewed, never started
    row = count_and_oldest(
        jobs.filter(Q(status=ImportStatus.FAILED) | refused | waiting),
        Coalesce("finished_at", "created_at"),
        failed=Q(status=ImportStatus.FAILED),
        refused=refused,
        waiting=waiting,
    )
    url = reverse("console:imports_importjob_changelist")
    todos = []
    if row["failed"]:
        todos.append(
            Todo(
                label=_("Your imports that failed"),
                count=row["failed"],
                url=f"{url}?attention={FAILED}",
                level=OVERDUE,
                group=GROUP,
                oldest_days=_days(row["failed_oldest"], today),
                working=False,
            )
        )
    if row["refused"]:
        todos.append(
            Todo(
                label=_("Your imports with refused rows: correct them from the error workbook"),
                count=row["refused"],
                url=f"{url}?attention={REFUSED_ROWS}",
                group=GROUP,
                oldest_days=_days(row["refused_oldest"], today),
                working=False,
            )
        )
    if row["waiting"]:
        todos.append(
            Todo(
                label=_("Your uploads waiting to be started after their preview"),
                count=row["waiting"],
                url=f"{url}?attention={WAITING}",
                group=GROUP,
                oldest_days=_days(row["waiting_oldest"], today),
                working=False,
            )
        )
    return todos


def _days(moment, today: date) -> int | None:
    if moment is None:
        return None
    return (today - timezone.localdate(moment)).days


# Relevant to whoever holds an importer's permission: the importers register after this app,
# so the source asks every user and checks the permissions itself (one set lookup).
SOURCE = TodoSource("imports.jobs", _("Imports"), (), job_todos)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    register_todo_source(SOURCE)
