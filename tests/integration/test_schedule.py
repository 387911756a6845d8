"""The beat schedule: nightly projection, year-end close and report sweep, and the nightly job through the worker."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from commitments.models import Commitment, ProjectionYear
from commitments.tasks import project_all
from jlis_commitments.celery import app


def test_beat_schedule_has_nightly_projection_year_end_close_and_report_sweep():
    schedule = app.conf.beat_schedule
    nightly = schedule["project-all-nightly"]
    assert nightly["task"] == "commitments.tasks.project_all"
    assert nightly["schedule"].hour == {2} and nightly["schedule"].minute == {0}
    # Management reports run from their subscriptions' own beat entries; only the sweep is static.
    assert "monthly-management-report" not in schedule
    sweep = schedule["reports-sweep"]
    assert sweep["task"] == "commitments.tasks.reports_sweep"
    assert sweep["schedule"].minute == set(range(0, 60, 10))
    # The year-end close of every organization on 1 April replaces the old rollover of all books at once.
    assert "fiscal-year-rollover" not in schedule
    close = schedule["fiscal-year-close"]
    assert close["task"] == "commitments.tasks.close_fiscal_years"
    assert (close["schedule"].month_of_year, close["schedule"].day_of_month) == ({4}, {1})
    assert (close["schedule"].hour, close["schedule"].minute) == ({0}, {5})
    assert app.conf.timezone == "Asia/Tokyo"
    assert app.conf.task_always_eager is False


@pytest.mark.django_db(transaction=True)
def test_nightly_projection_through_worker_rebuilds_everything(celery_worker):
    call_command("load_demo", stdout=io.StringIO())
    ProjectionYear.objects.all().delete()
    Commitment.objects.update(needs_projection=True)

    written = project_all.delay().get(timeout=30)
    assert written == ProjectionYear.objects.count()
    jlis = ProjectionYear.objects.filter(organization__name="地方公共団体情報システム機構")
    assert jlis.count() == 135  # rows: the sum of the 32 spans' lengths
    assert not Commitment.objects.filter(needs_projection=True).exists()
    assert sum(jlis.values_list("planned_yen", flat=True)) == 25_395_623_000
