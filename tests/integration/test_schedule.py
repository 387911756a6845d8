"""The beat schedule: nightly projection and the monthly report, and the nightly job through the worker."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from commitments.models import Commitment, ProjectionYear
from commitments.tasks import project_all
from jlis_commitments.celery import app


def test_beat_schedule_has_nightly_projection_and_monthly_report():
    schedule = app.conf.beat_schedule
    nightly = schedule["project-all-nightly"]
    assert nightly["task"] == "commitments.tasks.project_all"
    assert nightly["schedule"].hour == {2} and nightly["schedule"].minute == {0}
    monthly = schedule["monthly-management-report"]
    assert monthly["task"] == "commitments.tasks.send_monthly_report"
    assert monthly["schedule"].day_of_month == {1} and monthly["schedule"].hour == {7}
    rollover = schedule["fiscal-year-rollover"]
    assert rollover["task"] == "commitments.tasks.rollover_fiscal_year"
    assert (rollover["schedule"].month_of_year, rollover["schedule"].day_of_month) == ({4}, {1})
    assert (rollover["schedule"].hour, rollover["schedule"].minute) == ({0}, {5})
    assert app.conf.timezone == "Asia/Tokyo"
    assert app.conf.task_always_eager is False


@pytest.mark.django_db(transaction=True)
def test_nightly_projection_through_worker_rebuilds_everything(celery_worker):
    call_command("load_demo", stdout=io.StringIO())
    ProjectionYear.objects.all().delete()
    Commitment.objects.update(needs_projection=True)

    assert project_all.delay().get(timeout=30) == 135  # rows: the sum of the 32 spans' lengths
    assert ProjectionYear.objects.count() == 135
    assert not Commitment.objects.filter(needs_projection=True).exists()
    assert sum(ProjectionYear.objects.values_list("planned_yen", flat=True)) == 25_395_623_000
