"""Declared transitions of import jobs and export requests (issue #12 §1).

An export request is decided by another person (maker-checker): 批准导出 / 不予导出, offered
on the console and the API to a holder of ``members.approve_export`` and shown disabled,
with the reason, to the requester herself. Downloading uses the approval up (``use``), which
the download does, not a button. An import job is moved only by the platform's job runner
(queued → running → done or failed, with a guarded UPDATE so two workers never run one job):
those transitions are declared with no face so the table of states is complete. An upload
shown first as a preview waits for its uploader: 开始导入 (confirm) or 取消 (cancel)."""

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.platform.imports import actions
from gonghui.platform.imports.models import ExportRequest, ExportState, ImportJob, ImportStatus
from gonghui.platform.workflow.transitions import StateMachine, Transition, register

E = ExportState
J = ImportStatus


class ApproveExportIn(Schema):
    reason: str = Field("", max_length=300, title="Note", description="Optional")


class RejectExportIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")


def _not_your_own(request, user) -> list:
    if request.requested_by_id == getattr(user, "pk", None):
        return [_("Another person must decide on your own export request.")]
    return []


export_states = StateMachine(
    "state",
    [
        Transition(
            "approve",
            frozenset({E.PENDING}),
            E.APPROVED,
            label=_("Allow the export"),
            permission="members.approve_export",
            input=ApproveExportIn,
            check=_not_your_own,
            execute=lambda obj, actor, **data: actions.approve_export(
                actor=actor, request=obj, **data
            ),
            done=_("The export was allowed: the requester may download it once."),
        ),
        Transition(
            "reject",
            frozenset({E.PENDING}),
            E.REJECTED,
            label=_("Refuse the export"),
            permission="members.approve_export",
            input=RejectExportIn,
            check=_not_your_own,
            execute=lambda obj, actor, **data: actions.reject_export(
                actor=actor, request=obj, **data
            ),
            style="danger",
            done=_("The export was refused."),
        ),
        # The download itself uses the approval up (actions.use_export).
        Transition("use", frozenset({E.APPROVED}), E.USED, faces=frozenset()),
    ],
)


def _uploader(job, user) -> bool:
    """Only the uploader starts or cancels an upload: she is the one who saw its preview."""
    return bool(getattr(user, "pk", None)) and job.created_by_id == user.pk


def _preview_problems(job, user) -> list:
    """A file the import would refuse as a whole (no header row, required columns missing)
    is not started: the preview says why; cancelling stays possible."""
    from gonghui.platform.imports.preview import build_preview

    preview = getattr(job, "preview", None)
    if preview is None:
        preview = job.preview = build_preview(job)
    return [preview.problem] if preview.problem else []


import_job_states = StateMachine(
    "status",
    [
        # An upload that waits for its uploader after the preview (imports/preview.py).
        Transition(
            "confirm",
            frozenset({J.PREVIEW}),
            J.QUEUED,
            label=_("Start the import"),
            owner=_uploader,
            check=_preview_problems,
            execute=lambda obj, actor: actions.confirm_import_job(actor=actor, job=obj),
            faces=frozenset({"console"}),
            done=_("The import has started."),
        ),
        Transition(
            "cancel",
            frozenset({J.PREVIEW}),
            J.CANCELLED,
            label=_("Cancel, import nothing"),
            owner=_uploader,
            execute=lambda obj, actor: actions.cancel_import_job(actor=actor, job=obj),
            faces=frozenset({"console"}),
            style="danger",
            done=_("The import was cancelled and the uploaded file deleted."),
        ),
        Transition("start", frozenset({J.QUEUED}), J.RUNNING, faces=frozenset()),
        Transition("finish", frozenset({J.RUNNING}), J.DONE, faces=frozenset()),
        Transition("fail", frozenset({J.QUEUED, J.RUNNING}), J.FAILED, faces=frozenset()),
    ],
)


def register_workflows() -> None:
    register(ExportRequest, export_states)
    register(ImportJob, import_job_states)
