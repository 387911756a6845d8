"""Thin Celery tasks: take ids, call one service. Idempotent and safe to retry."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError

from commitments.services import closing as closing_services
from commitments.services import projection as projection_services
from commitments.services import reports as report_services

logger = logging.getLogger(__name__)

# A database outage (restart, failover) is waited out rather than lost: back-off 2, 4, 8 … s capped at 5 minutes,
# fully jittered; 12 retries wait up to 28 minutes (half that on average). With 5 retries of 1, 2 … 16 s a task gave up
# after 31 s at most, e.g. the beat tick of the first business day's report, whose month was then never sent.
DB_RETRY: dict[str, object] = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 12,
}


@shared_task(**DB_RETRY)
def project_commitment(commitment_id: int) -> int:
    """Rebuild one commitment's projection rows."""
    return projection_services.projection_refresh(commitment_id=commitment_id)


@shared_task(**DB_RETRY)
def project_all() -> int:
    """The nightly projection: re-project the commitments whose books changed (and, in a new fiscal year, those whose
    spread depends on it); returns the projection rows afterwards."""
    return projection_services.projection_night().rows


@shared_task(**DB_RETRY)
def projection_verify() -> list[dict[str, int]]:
    """Weekly: compare the stored projection with a full recomputation, per organization; log and return any
    difference (repair: project_outflows --all --full)."""
    return [vars(d) for d in projection_services.projection_verify()]


@shared_task(**DB_RETRY)
def projections_sweep() -> int:
    """Project the commitments whose own task was lost (broker down when queued, dead worker); every 5 minutes."""
    return projection_services.projection_sweep()


@shared_task(**DB_RETRY)
def close_fiscal_years() -> dict[str, int]:
    """1 April: the year-end close (年度末処理) of the year just ended, for every organization not yet closed."""
    return closing_services.fiscal_years_close_due()


@shared_task(**DB_RETRY)
def report_due(subscription_id: int) -> int | None:
    """Beat tick of one report subscription: claim this period's delivery and queue its send."""
    delivery = report_services.subscription_due(subscription_id=subscription_id)
    return None if delivery is None else delivery.pk


@shared_task(bind=True, max_retries=None)
def report_send(self: Task, delivery_id: int) -> dict[str, object]:
    """Send one claimed delivery once; SMTP/socket errors retry with exponential back-off until REPORT_MAX_ATTEMPTS."""
    try:
        return report_services.delivery_send(delivery_id=delivery_id).as_dict()
    except report_services.RETRYABLE_ERRORS as exc:
        raise self.retry(exc=exc, countdown=report_services.retry_delay(self.request.retries)) from exc


@shared_task(**DB_RETRY)
def reports_sweep() -> int:
    """Queue report deliveries left behind by a broker outage or a dead worker."""
    return report_services.deliveries_sweep()


class ImportJobTask(Task):
    """An import task that fails for good (retries spent, or an error the run let through) ends its job 失敗."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        from commitments.services.imports import failures

        job_id = kwargs.get("job_id", args[0] if args else None)
        if job_id is not None:
            failures.import_job_failed(job_id=job_id, error=exc)


@shared_task(base=ImportJobTask, bind=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def import_commitments_job(self, job_id: int) -> dict[str, object]:
    """Import an approved upload of a budget table, reporting progress for the admin page."""
    from commitments.services.imports import jobs

    def progress(stage: str, done: int, total: int) -> None:
        try:
            self.update_state(state="PROGRESS", meta={"stage": stage, "done": done, "total": total})
        except Exception:  # the result backend only feeds the progress bar: its outage never stops an import
            logger.warning("could not report the progress of import job %s", job_id, exc_info=True)

    job = jobs.import_job_run(job_id=job_id, progress=progress)
    return {"status": job.status, "new": job.result.get("new", 0), "errors": len(job.errors)}


@shared_task(**DB_RETRY)
def import_jobs_sweep() -> int:
    """End as 失敗 the import jobs left queued or running past IMPORT_JOB_TIMEOUT (worker gone); every 10 minutes."""
    from commitments.services.imports import failures

    return failures.import_jobs_sweep()
