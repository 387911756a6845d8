"""Thin Celery tasks: take ids, call one service. Idempotent and safe to retry."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from commitments.services import lifecycle as lifecycle_services
from commitments.services import projection as projection_services
from commitments.services import reports as report_services


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def project_commitment(commitment_id: int) -> int:
    """Rebuild one commitment's projection rows."""
    return projection_services.projection_refresh(commitment_id=commitment_id)


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def project_all() -> int:
    """Rebuild every commitment's projection rows (nightly)."""
    return projection_services.projection_refresh_all()


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def rollover_fiscal_year() -> dict[str, int]:
    """1 April: authority of the year just ended lapses where uncontracted; fully paid ones complete."""
    result = lifecycle_services.commitments_rollover()
    return {"lapsed": len(result.lapsed), "completed": len(result.completed), "closed": len(result.closed_remainder)}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def send_monthly_report() -> int:
    """E-mail each organization's management group its monthly exposure summary."""
    return report_services.monthly_reports_send()
