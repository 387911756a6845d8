"""Report subscriptions and their beat entries: saving keeps the django-celery-beat PeriodicTask in step."""

from __future__ import annotations

import datetime
import json
import logging

from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from commitments.models import ReportSubscription, User
from commitments.reporting.calendar import is_first_business_day

logger = logging.getLogger(__name__)

DUE_TASK = "commitments.tasks.report_due"
SCHEDULE_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def schedule_validate(*, minute: str, hour: str, day_of_month: str, month_of_year: str, day_of_week: str) -> None:
    """Raise ValidationError (naming the field) unless the five fields form a crontab celery can run."""
    values = {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
        "day_of_week": day_of_week,
    }
    for name, value in values.items():
        try:
            crontab(**{name: value.strip()})
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                {
                    name: gettext("crontab の書式が正しくありません: %(value)s（%(error)s）")
                    % {"value": repr(value), "error": exc}
                }
            ) from exc


def _task_name(subscription: ReportSubscription) -> str:
    return f"定期報告 #{subscription.pk} {subscription.name}"[:200]


def schedule_sync(*, subscription: ReportSubscription) -> PeriodicTask:
    """Create or update the subscription's PeriodicTask: its crontab (Asia/Tokyo), kwargs and enabled flag."""
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=subscription.minute.strip(),
        hour=subscription.hour.strip(),
        day_of_month=subscription.day_of_month.strip(),
        month_of_year=subscription.month_of_year.strip(),
        day_of_week=subscription.day_of_week.strip(),
        timezone=settings.CELERY_TIMEZONE,
    )
    task = subscription.periodic_task or PeriodicTask(task=DUE_TASK)
    task.name = _task_name(subscription)
    task.task = DUE_TASK
    task.crontab = schedule
    task.interval = task.solar = task.clocked = None
    task.kwargs = json.dumps({"subscription_id": subscription.pk})
    task.enabled = subscription.active
    task.description = f"{subscription.organization}：{subscription.get_kind_display()}（{subscription.cron}）"
    task.save()  # PeriodicTask.save() tells the running beat that the schedule changed
    if subscription.periodic_task_id != task.pk:
        subscription.periodic_task = task
        ReportSubscription.objects.filter(pk=subscription.pk).update(periodic_task=task)
    return task


@transaction.atomic
def subscription_save(*, subscription: ReportSubscription, actor: User | None) -> ReportSubscription:
    """Save a subscription (created or edited) and keep its beat entry in step; deactivation disables the entry."""
    schedule_validate(**{name: getattr(subscription, name) for name in SCHEDULE_FIELDS})
    subscription.full_clean(exclude=["periodic_task"])
    subscription.save()
    schedule_sync(subscription=subscription)
    logger.info("report subscription %s saved by %s (active=%s)", subscription.pk, actor, subscription.active)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: ReportSubscription, actor: User | None) -> None:
    """Delete a subscription and its beat entry; its delivery log stays (named, organization kept)."""
    task = subscription.periodic_task
    subscription.delete()
    if task is not None:
        task.delete()
    logger.info("report subscription %s deleted by %s", subscription.pk, actor)


def orphan_task_disable(*, subscription_id: int) -> None:
    """A beat entry whose subscription was deleted outside the service: switch it off."""
    for task in PeriodicTask.objects.filter(task=DUE_TASK, enabled=True):
        try:
            kwargs = json.loads(task.kwargs or "{}")
        except ValueError:
            continue
        if kwargs.get("subscription_id") == subscription_id:
            task.enabled = False
            task.save()


def next_send_times(
    *, subscription: ReportSubscription, after: datetime.datetime, count: int = 3
) -> list[datetime.datetime]:
    """The next times (Asia/Tokyo) the subscription will send: crontab times, first business days only if so set."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings.CELERY_TIMEZONE)
    schedule = crontab(**{name: getattr(subscription, name).strip() for name in SCHEDULE_FIELDS})
    times: list[datetime.datetime] = []
    cursor = after.astimezone(tz).replace(second=0, microsecond=0)
    for _ in range(2000):  # a few years of candidate times at most
        start, delta, _unused = schedule.remaining_delta(cursor, tz=tz)
        cursor = (start + delta).astimezone(tz)
        if not subscription.first_business_day_only or is_first_business_day(cursor.date()):
            times.append(cursor)
            if len(times) == count:
                break
    return times


def demo_subscriptions_ensure() -> list[ReportSubscription]:
    """One active monthly summary per organization to its `management` group, 07:00 on the first business day."""
    from django.contrib.auth.models import Group

    from commitments.models import Organization

    management = Group.objects.filter(name="management").first()
    made = []
    for organization in Organization.objects.order_by("pk"):
        name = f"月次報告（{organization.short_name or organization.name}）"
        subscription = ReportSubscription.objects.filter(name=name).first()
        if subscription is None:
            subscription = ReportSubscription(name=name, organization=organization, attach_xlsx=True)
            subscription_save(subscription=subscription, actor=None)
            if management is not None:
                subscription.recipient_groups.set([management])
        made.append(subscription)
    return made
