"""Deliveries: claim one row per (subscription, period), take it with a conditional update, send, log every attempt.

Exactly once: the claim is a unique row (subscription, period) and only the worker whose conditional UPDATE moves
it from pending/retrying to sending may send, so a retried task, a duplicated beat tick or two workers send once.
Each step commits on its own (the claim must be visible to other workers before the SMTP conversation starts), so
these functions must not be called inside an outer transaction when other workers may race them.

A worker that dies in the middle of an SMTP conversation leaves the row `sending`; after REPORT_SENDING_TIMEOUT it
may be taken over, which can repeat a message the server had already accepted (the one case of at-least-once).
"""

from __future__ import annotations

import datetime
import logging
import random
import smtplib
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from commitments.models import ReportDelivery, ReportSubscription, User
from commitments.models.scoping import may_act_for
from commitments.reporting import period as periods
from commitments.reporting.calendar import is_first_business_day
from commitments.reporting.message import report_build
from commitments.reporting.period import Period, period_of
from commitments.services.enqueue import enqueue
from commitments.services.errors import PermissionDeniedError, ServiceError
from commitments.services.reports_schedule import orphan_task_disable

logger = logging.getLogger(__name__)

Status = ReportDelivery.Status
Trigger = ReportDelivery.Trigger
# What a later attempt may cure: the SMTP server said no for now, or could not be reached (socket errors).
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
TAKEABLE = [Status.PENDING, Status.RETRYING]


@dataclass
class SendOutcome:
    """What one send call did: sent now, or why not (already sent, in progress, failed, skipped)."""

    delivery: ReportDelivery
    sent: bool
    note: str

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly result of the Celery task."""
        return {"delivery": self.delivery.pk, "status": self.delivery.status, "sent": self.sent, "note": self.note}


def retry_delay(retries: int) -> int:
    """Seconds before the next attempt: REPORT_RETRY_BACKOFF × 2^retries capped, half of it fixed and half jittered.

    With full jitter a retry could come at once, five refused connections in a fraction of a second and the report
    given up before a restarting server was back; the fixed half keeps the attempts spread over the back-off.
    """
    ceiling = min(settings.REPORT_RETRY_BACKOFF * 2**retries, settings.REPORT_RETRY_BACKOFF_MAX)
    fixed = (ceiling + 1) // 2
    return fixed + random.randint(0, ceiling - fixed)


def period_parse(cadence: str, text: str) -> Period:
    """A period key typed by an operator (`2026-04`, `2026-W15`, `2026-04-06`); ServiceError when unreadable."""
    try:
        return periods.period_parse(cadence, text)
    except periods.PeriodError as exc:
        raise ServiceError(str(exc)) from exc


def subscription_period(subscription: ReportSubscription, text: str | None = None) -> Period:
    """The period named by an operator (YYYY-MM …), else the current one in Asia/Tokyo."""
    if text:
        return period_parse(subscription.cadence, text)
    return period_of(subscription.cadence, timezone.localdate())


def _enqueue(delivery_id: int) -> None:
    """Queue the send once the current transaction commits; a broker outage leaves the row for the sweep."""
    enqueue("commitments.tasks.report_send", delivery_id)


def delivery_claim(
    *, subscription: ReportSubscription, period: Period, trigger: str, actor: User | None = None
) -> tuple[ReportDelivery, bool]:
    """The one delivery row of (subscription, period), created if missing; True when this call created it."""
    return ReportDelivery.objects.get_or_create(
        subscription=subscription,
        period=period.key,
        resend_of__isnull=True,
        defaults={
            "organization_id": subscription.organization_id,
            "kind": subscription.kind,
            "subscription_name": subscription.name,
            "trigger": trigger,
            "requested_by": actor,
        },
    )


def delivery_acquire(*, delivery_id: int) -> ReportDelivery | None:
    """Take the row for one attempt (conditional UPDATE); None when another worker has it or it is finished."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.REPORT_SENDING_TIMEOUT)
    taken = (
        ReportDelivery.objects.filter(pk=delivery_id, attempts__lt=settings.REPORT_MAX_ATTEMPTS)
        .filter(Q(status__in=TAKEABLE) | Q(status=Status.SENDING, attempt_started_at__lt=stale))
        .update(status=Status.SENDING, attempts=F("attempts") + 1, attempt_started_at=now)
    )
    return ReportDelivery.objects.select_related("subscription__organization").get(pk=delivery_id) if taken else None


def _log(delivery: ReportDelivery, text: str) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    line = f"{stamp} 試行{delivery.attempts}: {text}"
    return f"{delivery.error}\n{line}".strip()


def _finish(delivery: ReportDelivery, status: str, **fields: object) -> bool:
    """Record the attempt's end, only if this attempt still holds the row."""
    done = ReportDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts).update(
        status=status, **fields
    )
    delivery.status = status
    for name, value in fields.items():
        setattr(delivery, name, value)
    if not done:
        logger.warning("report delivery %s was taken over before attempt %s ended", delivery.pk, delivery.attempts)
    return bool(done)


def _not_sent(delivery_id: int) -> SendOutcome:
    delivery = ReportDelivery.objects.get(pk=delivery_id)
    notes = {
        Status.SENT: "already sent",
        Status.SENDING: "being sent by another worker",
        Status.FAILED: "failed; use resend",
        Status.SKIPPED: "skipped (no recipients or inactive)",
    }
    return SendOutcome(delivery, False, notes.get(delivery.status, f"not taken ({delivery.status})"))


def delivery_send(*, delivery_id: int, connection: object = None) -> SendOutcome:
    """Send a claimed delivery unless it was sent already; an SMTP error is logged and re-raised while tries remain."""
    delivery = delivery_acquire(delivery_id=delivery_id)
    if delivery is None:
        return _not_sent(delivery_id)
    subscription = delivery.subscription
    if subscription is None or not subscription.active:
        why = "定期報告が削除されました" if subscription is None else "定期報告が無効です"
        _finish(delivery, Status.SKIPPED, error=_log(delivery, why))
        return SendOutcome(delivery, False, why)
    try:
        built = report_build(
            subscription=subscription,
            period=period_parse(subscription.cadence, delivery.period),
            resend=delivery.is_resend,
            exclude_id=delivery.pk,
        )
        message = built.email(connection=connection)
        raw = message.message().as_bytes()
    except Exception as exc:  # a bug or bad data: no retry cures it; visible in the log and the task result
        _finish(delivery, Status.FAILED, error=_log(delivery, "".join(traceback.format_exception_only(exc)).strip()))
        raise
    recipients = ", ".join(built.recipients)
    if not built.recipients:
        _finish(
            delivery, Status.SKIPPED, recipients="", subject=built.subject, error=_log(delivery, "宛先がありません")
        )
        return SendOutcome(delivery, False, "no recipients")
    ReportDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts).update(
        recipients=recipients, subject=built.subject, totals=built.totals, message=raw
    )
    try:
        (connection or get_connection()).send_messages([message])
    except RETRYABLE_ERRORS as exc:
        final = delivery.attempts >= settings.REPORT_MAX_ATTEMPTS
        error = _log(delivery, f"{type(exc).__name__}: {exc}")
        _finish(delivery, Status.FAILED if final else Status.RETRYING, error=error)
        logger.warning("report delivery %s attempt %s failed: %r", delivery.pk, delivery.attempts, exc)
        if final:
            return SendOutcome(delivery, False, f"failed after {delivery.attempts} attempts")
        raise
    _finish(delivery, Status.SENT, sent_at=timezone.now())
    logger.info("report delivery %s sent to %s", delivery.pk, recipients)
    return SendOutcome(delivery, True, f"sent to {len(built.recipients)} recipient(s)")


def subscription_due(*, subscription_id: int, today: datetime.date | None = None) -> ReportDelivery | None:
    """A beat tick: claim this period's delivery (unless inactive or not the first business day) and queue its send."""
    subscription = ReportSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        orphan_task_disable(subscription_id=subscription_id)
        return None
    if not subscription.active:
        return None
    today = today or timezone.localdate()
    if subscription.first_business_day_only and not is_first_business_day(today):
        logger.info("report %s: %s is not the first business day of the month", subscription.pk, today)
        return None
    with transaction.atomic():
        delivery, _ = delivery_claim(
            subscription=subscription, period=period_of(subscription.cadence, today), trigger=Trigger.SCHEDULE
        )
        if delivery.status in TAKEABLE:
            _enqueue(delivery.pk)
    return delivery


def _check_sender(actor: User, subscription: ReportSubscription | None) -> None:
    if not actor.has_perm("commitments.send_reportsubscription"):
        raise PermissionDeniedError()
    if subscription is None:
        raise ServiceError(gettext("定期報告が削除されているため送信できません。"))
    if not may_act_for(actor, subscription.organization_id):
        raise PermissionDeniedError()
    if not subscription.active:
        raise ServiceError(gettext("無効な定期報告は送信できません（有効にしてから送信してください）。"))


@transaction.atomic
def subscription_send_now(*, subscription: ReportSubscription, actor: User) -> tuple[ReportDelivery, bool]:
    """Claim the current period now and queue the send; (delivery, False) when that period is already done."""
    _check_sender(actor, subscription)
    delivery, _ = delivery_claim(
        subscription=subscription, period=subscription_period(subscription), trigger=Trigger.SEND_NOW, actor=actor
    )
    if delivery.status in TAKEABLE:
        _enqueue(delivery.pk)
        return delivery, True
    return delivery, False


def subscription_send_sync(
    *, subscription: ReportSubscription, period: Period, actor: User | None = None
) -> SendOutcome:
    """Claim and send in this process (the send_report command): same claim, same exactly-once rule."""
    with transaction.atomic():
        delivery, _ = delivery_claim(subscription=subscription, period=period, trigger=Trigger.COMMAND, actor=actor)
    return delivery_send(delivery_id=delivery.pk)


@transaction.atomic
def delivery_resend(*, delivery: ReportDelivery, actor: User, reason: str) -> ReportDelivery:
    """An explicit resend: a new logged delivery of the same period that names the original, who asked and why."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(gettext("再送の理由を入力してください。"))
    _check_sender(actor, delivery.subscription)
    if delivery.status in (Status.PENDING, Status.SENDING, Status.RETRYING):
        raise ServiceError(gettext("送信処理中の記録は再送できません（終了してから再送してください）。"))
    subscription = delivery.subscription
    assert subscription is not None  # checked above
    resend = ReportDelivery.objects.create(
        subscription=subscription,
        subscription_name=subscription.name,
        organization_id=subscription.organization_id,
        kind=subscription.kind,
        period=delivery.period,
        trigger=Trigger.RESEND,
        resend_of=delivery,
        requested_by=actor,
        reason=reason,
    )
    _enqueue(resend.pk)
    return resend


def deliveries_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue deliveries left behind (broker down when claimed, lost retry, dead worker); give up on exhausted ones."""
    now = now or timezone.now()
    lease = now - datetime.timedelta(seconds=settings.REPORT_SENDING_TIMEOUT)
    exhausted = ReportDelivery.objects.filter(
        status=Status.SENDING, attempt_started_at__lt=lease, attempts__gte=settings.REPORT_MAX_ATTEMPTS
    ).update(status=Status.FAILED)
    if exhausted:
        logger.warning("%s report deliveries abandoned by their worker after the last attempt: failed", exhausted)
    waiting = now - datetime.timedelta(seconds=settings.REPORT_RETRY_BACKOFF_MAX + 120)
    left = ReportDelivery.objects.filter(
        Q(status=Status.PENDING, claimed_at__lt=now - datetime.timedelta(minutes=2))
        | Q(status=Status.RETRYING, attempt_started_at__lt=waiting)
        | Q(status=Status.SENDING, attempt_started_at__lt=lease)
    ).values_list("pk", flat=True)
    ids = list(left)
    for delivery_id in ids:
        _enqueue(delivery_id)
    return len(ids)
