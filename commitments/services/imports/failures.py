"""Import jobs that fail (the run raised, the task gave up, the worker vanished) end 失敗 and are never left 取込中.

A failed job keeps its message (in `errors`, as one entry of column 「取込」) and an approver may run it again
(jobs.import_job_retry). The sweep (every 10 minutes) ends jobs left queued or running longer than
IMPORT_JOB_TIMEOUT seconds: their worker died, or their task was never sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import ImportJob, ImportJobStatus
from commitments.services.errors import ServiceError

logger = logging.getLogger(__name__)

UNFINISHED = (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)
FAILURE_COLUMN = "取込"
DETAIL_MAX = 300  # characters of an exception's text kept in the message


def failure_entry(message: str) -> list[dict[str, Any]]:
    """The job's `errors` for a failure: one entry with the message, in the shape of a row error."""
    return [{"row": 0, "column": FAILURE_COLUMN, "text": "", "message": message}]


def failure_message(error: BaseException) -> str:
    """What the approver reads: a service's or parser's own message, else the exception's type and text."""
    if isinstance(error, ServiceError):
        return str(error.message)
    if isinstance(error, fiscal.FiscalParseError):
        return _("取込条件を読み取れません：%(error)s") % {"error": error}
    detail = f"{type(error).__name__}: {error}"
    if len(detail) > DETAIL_MAX:
        detail = detail[: DETAIL_MAX - 1] + "…"
    return _("取込中に予期しないエラーが起きたため中止しました（%(error)s）。何も登録されていません。") % {
        "error": detail
    }


def import_job_fail(*, job_id: int, message: str) -> bool:
    """End a queued or running job as 失敗 with its message; a finished job stays as it is. True when it changed."""
    updated = ImportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ImportJobStatus.FAILED, errors=failure_entry(message), finished_at=timezone.now()
    )
    return bool(updated)


def import_job_failed(*, job_id: int, error: BaseException) -> None:
    """A task gave up on the job: end it 失敗 with the error; with the database unreachable the sweep does it later."""
    try:
        import_job_fail(job_id=job_id, message=failure_message(error))
    except DatabaseError:
        logger.warning("could not mark import job %s failed; left for the sweep", job_id, exc_info=True)


def import_jobs_sweep(*, now: datetime | None = None) -> int:
    """End as 失敗 the jobs queued or running for longer than IMPORT_JOB_TIMEOUT (their worker vanished); how many."""
    now = now or timezone.now()
    timeout = int(settings.IMPORT_JOB_TIMEOUT)
    cutoff = now - timedelta(seconds=timeout)
    message = _(
        "%(minutes)d分を過ぎても取込が終わらなかったため、失敗としました（取込を行うワーカーが停止したか、"
        "取込の依頼が届かなかったと考えられます）。承認者が再実行できます。"
    ) % {"minutes": max(1, timeout // 60)}
    stale = ImportJob.objects.filter(status__in=UNFINISHED).filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    failed = ImportJob.objects.filter(pk__in=ids, status__in=UNFINISHED).update(
        status=ImportJobStatus.FAILED, errors=failure_entry(message), finished_at=now
    )
    logger.warning("import jobs %s left unfinished for over %s s: failed", ids, timeout)
    return failed
