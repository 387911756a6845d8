"""Import jobs never hang: any failure of the run or of its task ends 失敗 with the message, a job whose worker
vanished is failed by the sweep, and an approver (never the uploader) may run a failed job again.

At 9b1d36f (`git show 9b1d36f:commitments/services/imports/jobs.py`) import_job_run caught ImportRefused only: a bad
option or any other exception left the job 取込中 with no button, and the admin answered 500; there was no sweep,
no IMPORT_JOB_TIMEOUT and no 再実行 (import_job_retry, import_jobs_sweep and the task did not exist).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, ImportJob, ImportJobStatus
from commitments.services.errors import SegregationOfDutiesError
from commitments.services.imports import failures, jobs
from commitments.tasks import import_commitments_job, import_jobs_sweep
from tests.support.factories import make_org

CSV = '事項,期間,限度額\n例規集データ更新業務,９年度から13年度まで,"14,913"\n'.encode()


@pytest.fixture
def fuji(db):
    o = make_org("富士市")
    o.other_segment.delete()
    return o


def _change(job: ImportJob) -> str:
    return reverse("admin:commitments_importjob_change", args=[job.pk])


def _submitted(client, uploader) -> ImportJob:
    """A checked upload of one row, uploaded and submitted by `uploader` through the admin."""
    client.force_login(uploader)
    client.post(
        reverse("admin:commitments_importjob_add"),
        {"file": SimpleUploadedFile("dai2hyo.csv", CSV), "budget_year": "令和8年度"},
    )
    job = ImportJob.objects.get()
    client.post(_change(job), {"_submit": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.SUBMITTED
    return job


def test_a_bad_option_ends_the_job_failed_with_its_message_not_a_500(fuji, client):
    job = _submitted(client, fuji.officer)
    ImportJob.objects.filter(pk=job.pk).update(options={**job.options, "unit": "ドル"})  # stored by an older version
    client.force_login(fuji.approver)
    response = client.post(_change(job), {"_approve": "1"}, follow=True)
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and job.finished_at is not None
    assert job.errors == [
        {"row": 0, "column": "取込", "text": "", "message": "単位は 円、千円、百万円 のいずれかです。"}
    ]
    page = response.content.decode()
    assert "取込に失敗しました：単位は 円、千円、百万円 のいずれかです。" in page
    assert "失敗の理由" in page and 'name="_retry"' in page and "取込中" not in page
    assert not Commitment.objects.exists()


def test_an_unexpected_exception_in_the_run_ends_failed(fuji, client, monkeypatch):
    job = _submitted(client, fuji.officer)
    monkeypatch.setattr(jobs, "import_file", lambda **kwargs: (_ for _ in ()).throw(KeyError("boom")))
    client.force_login(fuji.approver)
    assert client.post(_change(job), {"_approve": "1"}).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.errors[0]["message"] == (
        "取込中に予期しないエラーが起きたため中止しました（KeyError: 'boom'）。何も登録されていません。"
    )


def _queued(job: ImportJob, approver) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.QUEUED, approver=approver)
    return ImportJob.objects.get(pk=job.pk)


def test_the_task_ends_the_job_failed_when_the_run_raises(fuji, client, monkeypatch):
    job = _queued(_submitted(client, fuji.officer), fuji.approver)
    monkeypatch.setattr(jobs, "import_file", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("disk full")))
    outcome = import_commitments_job.apply(args=[job.pk])
    assert outcome.result["status"] == ImportJobStatus.FAILED
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and "RuntimeError: disk full" in job.errors[0]["message"]


def test_a_task_that_gives_up_ends_the_job_failed(fuji, client, monkeypatch):
    """The connection error escapes the run: the task retries, then its failure handler ends the job."""
    job = _queued(_submitted(client, fuji.officer), fuji.approver)
    calls: list[int] = []

    def lost(**kwargs):
        calls.append(kwargs["job_id"])
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(jobs, "import_job_run", lost)
    outcome = import_commitments_job.apply(args=[job.pk])
    assert outcome.failed() and len(calls) == 4  # the run and its three retries
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert "OperationalError: server closed the connection unexpectedly" in job.errors[0]["message"]


def test_the_sweep_fails_jobs_whose_worker_vanished(fuji, client):
    job = _queued(_submitted(client, fuji.officer), fuji.approver)
    now = timezone.now()
    hour = timedelta(seconds=settings.IMPORT_JOB_TIMEOUT)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, started_at=now - hour - timedelta(1))
    fresh = ImportJob.objects.create(
        organization=fuji.organization, file_name="fresh.csv", content=CSV, uploaded_by=fuji.officer,
        approver=fuji.approver, status=ImportJobStatus.QUEUED, started_at=now - timedelta(minutes=5),
    )  # fmt: skip
    lost = ImportJob.objects.create(
        organization=fuji.organization, file_name="never-sent.csv", content=CSV, uploaded_by=fuji.officer,
        approver=fuji.approver, status=ImportJobStatus.QUEUED, started_at=now - timedelta(hours=2),
    )  # fmt: skip
    assert import_jobs_sweep.apply().result == 2
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.errors[0]["message"] == (
        "60分を過ぎても取込が終わらなかったため、失敗としました（取込を行うワーカーが停止したか、"
        "取込の依頼が届かなかったと考えられます）。承認者が再実行できます。"
    )
    assert ImportJob.objects.get(pk=lost.pk).status == ImportJobStatus.FAILED
    assert ImportJob.objects.get(pk=fresh.pk).status == ImportJobStatus.QUEUED
    assert failures.import_jobs_sweep() == 0  # failed jobs stay as they are
    # A worker that comes back after the sweep finds the job failed and imports nothing.
    assert jobs.import_job_run(job_id=job.pk).status == ImportJobStatus.FAILED
    assert not Commitment.objects.exists()


def test_the_sweep_timeout_is_a_setting_and_runs_every_ten_minutes(fuji, client, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["import-jobs-sweep"]
    assert entry["task"] == "commitments.tasks.import_jobs_sweep"
    assert entry["schedule"].minute == set(range(0, 60, 10))
    job = _queued(_submitted(client, fuji.officer), fuji.approver)
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(minutes=3))
    assert failures.import_jobs_sweep() == 0
    settings.IMPORT_JOB_TIMEOUT = 120
    assert failures.import_jobs_sweep() == 1
    assert ImportJob.objects.get(pk=job.pk).errors[0]["message"].startswith("2分を過ぎても")


def test_an_approver_runs_a_failed_job_again_and_the_outcome_is_recorded(fuji, client):
    job = _submitted(client, fuji.officer)
    good_options = dict(job.options)
    ImportJob.objects.filter(pk=job.pk).update(options={**good_options, "unit": "ドル"})
    client.force_login(fuji.approver)
    client.post(_change(job), {"_approve": "1"})
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.FAILED
    ImportJob.objects.filter(pk=job.pk).update(options=good_options)  # the cause put right

    response = client.post(_change(job), {"_retry": "1"}, follow=True)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.errors == [] and job.approver == fuji.approver
    assert job.result["new"] == 1 and Commitment.objects.get().limit_yen == 14_913_000
    (attempt,) = job.result["attempts"]
    assert attempt["message"] == "単位は 円、千円、百万円 のいずれかです。"
    assert attempt["retried_by"] == fuji.approver.username and attempt["failed_at"]
    page = response.content.decode()
    assert "再実行しました。" in page and "再実行の記録" in page and "単位は 円、千円、百万円 のいずれかです。" in page
    assert 'name="_retry"' not in page


def test_the_uploader_may_not_run_a_failed_job_again(fuji, client):
    job = _submitted(client, fuji.officer)  # officer is a finance officer and an approver
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.FAILED, approver=fuji.approver, errors=failures.failure_entry("止まりました")
    )
    client.force_login(fuji.officer)
    page = client.get(_change(job)).content.decode()
    assert "失敗の理由" in page and 'name="_retry"' not in page
    response = client.post(_change(job), {"_retry": "1"}, follow=True)
    assert "自分が取り込んだファイルは承認できません（職務分掌）。" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.FAILED
    with pytest.raises(SegregationOfDutiesError):
        jobs.import_job_retry(actor=fuji.officer, job=job)
    assert not Commitment.objects.exists()


def test_only_a_failed_job_is_run_again(fuji, client):
    job = _submitted(client, fuji.officer)
    client.force_login(fuji.approver)
    response = client.post(_change(job), {"_retry": "1"}, follow=True)
    assert "再実行できるのは「失敗」の取込だけです。" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.SUBMITTED
