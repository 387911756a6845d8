"""Celery beat's DatabaseScheduler runs a subscription's entry: the real worker sends through Redis and SMTP."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from celery.signals import after_task_publish
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from commitments.models import ReportDelivery, ReportSubscription
from commitments.services import projection
from commitments.services import reports as report_services
from jlis_commitments.celery import app
from tests.support.factories import make_commitment, make_org
from tests.support.polling import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def scheduler() -> DatabaseScheduler:
    """A beat scheduler as `celery beat -S django_celery_beat.schedulers:DatabaseScheduler` builds it."""
    return DatabaseScheduler(app=app)


def tick_until(beat: DatabaseScheduler, done: Any, ticks: int = 10) -> None:
    """Tick (one due entry per tick, as beat's loop does, without its sleeps) until `done()`."""
    for _ in range(ticks):
        beat.tick()
        if done():
            return
    raise AssertionError("beat sent nothing")


def close(*beats: DatabaseScheduler) -> None:
    for beat in beats:
        beat.close()
        beat._finalize.cancel()


def test_a_due_beat_entry_is_sent_once_by_the_worker_even_from_two_beats(celery_worker, smtp_server):
    o = make_org()
    projection.projection_refresh(commitment_id=make_commitment(o).pk)
    subscription = ReportSubscription(
        name="毎分の報告", organization=o.organization, minute="*", hour="*", day_of_month="*", day_of_week="*",
        first_business_day_only=False,
    )  # fmt: skip
    report_services.subscription_save(subscription=subscription, actor=o.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    entry = PeriodicTask.objects.get(pk=subscription.periodic_task_id)
    assert (entry.task, json.loads(entry.kwargs), entry.enabled) == (
        "commitments.tasks.report_due",
        {"subscription_id": subscription.pk},
        True,
    )
    assert (entry.crontab.minute, entry.crontab.hour, str(entry.crontab.timezone)) == ("*", "*", "Asia/Tokyo")
    # The clock is "frozen" two minutes after the last run: the every-minute crontab is due now.
    PeriodicTask.objects.filter(pk=entry.pk).update(last_run_at=timezone.now() - datetime.timedelta(minutes=2))

    published: list[str] = []

    def record(sender: str | None = None, **kwargs: Any) -> None:
        published.append(str(sender))

    first, second = scheduler(), scheduler()  # two beats by mistake: each ticks the same due entry
    after_task_publish.connect(record)
    try:
        tick_until(first, lambda: "commitments.tasks.report_due" in published)
        tick_until(second, lambda: published.count("commitments.tasks.report_due") == 2)
        wait_for(lambda: smtp_server.messages, timeout=30)
        wait_for(lambda: ReportDelivery.objects.get().status == "sent", timeout=10)
    finally:
        after_task_publish.disconnect(record)
        close(first, second)
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["manager@example.jp"]
    period = report_services.subscription_period(subscription)
    assert str(message["Subject"]).strip() == f"【債務負担行為】{period.label()} 月次報告（テスト市）"
    delivery = ReportDelivery.objects.get()
    assert (delivery.period, delivery.trigger, delivery.attempts) == (period.key, "schedule", 1)
    assert PeriodicTask.objects.get(pk=entry.pk).total_run_count >= 1  # beat recorded its runs

    # Deactivating the subscription disables its entry: a beat no longer schedules it.
    subscription.active = False
    report_services.subscription_save(subscription=subscription, actor=o.officer)
    beat = scheduler()
    try:
        assert entry.name not in beat.schedule
    finally:
        close(beat)
    assert report_services.subscription_due(subscription_id=subscription.pk) is None
    # Deleting it removes the entry; the delivery log stays.
    report_services.subscription_delete(subscription=subscription, actor=o.officer)
    assert not PeriodicTask.objects.filter(pk=entry.pk).exists()
    assert ReportDelivery.objects.get().subscription is None
    assert len(smtp_server.messages) == 1
