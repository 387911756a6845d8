"""Uploads through the admin: the officer uploads and checks a file, asks for approval; an approver starts the import.

Small files import at once; large ones (more than SYNC_MAX_ROWS rows) run as a Celery task that reports its progress
to the result backend, read by the upload's page until the outcome is stored on the job.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from commitments import fiscal
from commitments.models import ImportJob, ImportJobStatus, Organization, User, WorkflowItemKind
from commitments.services import workflow
from commitments.services.common import require
from commitments.services.enqueue import send_now
from commitments.services.errors import ServiceError
from commitments.services.imports.failures import failure_entry, failure_message, import_job_fail
from commitments.services.imports.rows import Progress, RowError
from commitments.services.imports.service import ImportOptions, ImportRefused, ImportResult, import_file

logger = logging.getLogger(__name__)

SYNC_MAX_ROWS = 300
# The connection itself is gone: nothing can be recorded now; the task retries and the sweep ends a job never retried.
CONNECTION_LOST = (OperationalError, InterfaceError)
PREVIEW_ROWS = 200  # rows kept for the page; the counts cover all of them
OPTION_KEYS = ("budget_year", "unit", "segment", "resolution")


def _options(job: ImportJob) -> ImportOptions:
    return ImportOptions.parse(job.file_name, **{key: str(job.options.get(key, "")) for key in OPTION_KEYS})


def _errors(errors: list[RowError]) -> list[dict[str, Any]]:
    """Refused cells for the page; `label` (the row as the book numbers it) only when the book prints one."""
    return [
        {
            "row": e.row,
            "column": e.column,
            "text": e.text,
            "message": e.message,
            **({"label": e.label} if e.label else {}),
        }
        for e in errors
    ]


def _summary(result: ImportResult) -> dict[str, Any]:
    """What the page shows of a result: counts, totals and the first rows."""
    rows = [
        {
            "row": o.plan.row,
            "seq": o.plan.seq,
            "action": o.action,
            "matter": o.plan.matter,
            "limit_yen": o.plan.limit.yen,
            "limit_text": o.plan.limit.text,
            "span": fiscal.format_span(o.plan.first_fy, o.plan.last_fy),
            "span_text": o.plan.span_text,
            "authorized": fiscal.format_fiscal_year(o.plan.authorized_fy),
            "spent_yen": o.plan.spent_yen,
            "planned_yen": o.plan.planned_yen,
            "opening": o.plan.opening,
            "flags": o.plan.flags,
        }
        for o in result.outcomes[:PREVIEW_ROWS]
    ]
    return {
        "format_label": result.format_label,
        "unit": result.unit,
        "new": result.count("新規"),
        "existing": result.count("既存"),
        "enriched": result.count("追加"),
        "contracts": result.contracts,
        "totals": result.totals,
        "notices": result.notices,
        "rows": rows,
        "seconds": round(result.seconds, 2),
    }


@transaction.atomic
def import_job_upload(
    *, actor: User, organization: Organization, file_name: str, data: bytes, options: dict[str, str]
) -> ImportJob:
    """Store an upload and check every row without writing any (a refused file keeps its errors for the page)."""
    require(actor, "add_commitment", organization)
    job = ImportJob.objects.create(
        organization=organization,
        file_name=file_name[:255],
        content=data,
        options={key: str(options.get(key) or "") for key in OPTION_KEYS},
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            result = import_file(actor=actor, organization=organization, data=data, options=_options(job), dry_run=True)
    except ImportRefused as refused:
        job.status, job.errors = ImportJobStatus.REFUSED, _errors(refused.errors)
    except fiscal.FiscalParseError as exc:
        job.status, job.errors = ImportJobStatus.REFUSED, _errors([RowError(0, "取込条件", "", str(exc))])
    except (ServiceError, *CONNECTION_LOST):  # not allowed, bad options: said on the form; no connection: no job
        raise
    except Exception as exc:  # the check itself failed: the file is refused with the reason, never a 500
        logger.exception("checking upload %s failed", job.pk)
        job.status, job.errors = ImportJobStatus.REFUSED, failure_entry(failure_message(exc))
    else:
        job.format, job.budget_year, job.row_count = result.format, result.budget_year, len(result.outcomes)
        job.preview, job.warnings = _summary(result), result.warnings
    job.save()
    workflow.authorship_record(kind=WorkflowItemKind.IMPORT_JOB, item_id=job.pk, actor=actor, action="upload")
    return job


@transaction.atomic
def import_job_submit(*, actor: User, job: ImportJob) -> ImportJob:
    """The uploader asks an approver to import a checked file."""
    return workflow.transition(job, "submit", actor=actor)


@transaction.atomic
def import_job_withdraw(*, actor: User, job: ImportJob) -> ImportJob:
    """The uploader drops a file that was not imported."""
    return workflow.transition(job, "withdraw", actor=actor)


def _launch(job: ImportJob, action: str, *, actor: User, **options: Any) -> ImportJob:
    """Take the workflow step that queues the job, then run it: at once for a small file, on a worker for a large one.

    The step stamps started_at with when the import was started (queued); the worker sets it again when it begins.
    """
    with transaction.atomic():
        job = workflow.transition(job, action, actor=actor, **options)
        if job.row_count > SYNC_MAX_ROWS:
            transaction.on_commit(lambda: _enqueue(job.pk))
            return job
    return import_job_run(job_id=job.pk)


def import_job_approve(*, actor: User, job: ImportJob) -> ImportJob:
    """An approver (never the uploader) starts the import: at once for small files, as a Celery task for large ones."""
    return _launch(job, "approve", actor=actor)


def _enqueue(job_id: int) -> None:
    """Send the job to a worker now; a broker outage leaves it queued (the page says so; the sweep ends it)."""
    task_id = send_now("commitments.tasks.import_commitments_job", [job_id])
    if task_id is not None:
        ImportJob.objects.filter(pk=job_id).update(task_id=task_id)


def import_job_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Run an approved upload (idempotent: a finished job is returned as it is; a retry imports nothing twice)."""
    job = ImportJob.objects.select_related("organization", "uploaded_by", "approver").get(pk=job_id)
    if job.status not in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING) or job.approver is None:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, started_at=timezone.now())
    try:
        with transaction.atomic():
            result = import_file(
                actor=job.uploaded_by,
                approver=job.approver,
                organization=job.organization,
                data=bytes(job.content),
                options=_options(job),
                progress=progress,
            )
            job.status, job.warnings, job.errors = ImportJobStatus.DONE, result.warnings, []
            job.result = {**_summary(result), **_attempts(job)}
            job.finished_at = timezone.now()  # also over a sweep that gave up on a slow run: the rows are written
            job.save(update_fields=["status", "result", "warnings", "errors", "finished_at"])
    except ImportRefused as refused:
        job.status, job.errors, job.finished_at = ImportJobStatus.REFUSED, _errors(refused.errors), timezone.now()
        job.save(update_fields=["status", "errors", "finished_at"])
    except CONNECTION_LOST:
        raise
    except Exception as exc:  # anything else ends the job 失敗 with its message: never left 取込中
        logger.exception("import job %s failed", job.pk)
        import_job_fail(job_id=job.pk, message=failure_message(exc))
        job.refresh_from_db()
    return job


def _attempts(job: ImportJob) -> dict[str, Any]:
    """The record of earlier failed runs kept in the result (empty when the job ran once)."""
    attempts = job.result.get("attempts") if isinstance(job.result, dict) else None
    return {"attempts": attempts} if attempts else {}


def import_job_retry(*, actor: User, job: ImportJob) -> ImportJob:
    """An approver (never an author of the upload) runs a failed job again; each failure and retry stays recorded."""

    def attempts_so_far(locked: ImportJob) -> None:
        """The failure being retried joins the record of attempts kept in the result."""
        if locked.status != ImportJobStatus.FAILED:
            return
        attempt = {
            "failed_at": locked.finished_at.isoformat() if locked.finished_at else "",
            "message": "／".join(str(e.get("message", "")) for e in locked.errors),
            "retried_by": actor.get_full_name() or actor.get_username(),
            "retried_at": timezone.now().isoformat(),
        }
        fields["result"] = {"attempts": [*(_attempts(locked).get("attempts") or []), attempt]}

    fields: dict[str, Any] = {"errors": [], "finished_at": None, "task_id": ""}
    return _launch(job, "retry", actor=actor, guard=attempts_so_far, fields=fields)
