"""The admin upload page: check and preview, ask for approval, an approver imports; large files through Celery."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.models import Commitment, ImportJob, ImportJobStatus
from commitments.services.imports import jobs
from tests.support.factories import make_org
from tests.support.fuji import FUJI_R8
from tests.support.polling import wait_for

R8 = FUJI_R8
ADD = "admin:commitments_importjob_add"


def _change(job: ImportJob) -> str:
    return reverse("admin:commitments_importjob_change", args=[job.pk])


def _upload(client, data: bytes, name: str = R8.name, **fields: str):
    return client.post(
        reverse(ADD),
        {"file": SimpleUploadedFile(name, data), "budget_year": "令和8年度", "segment": "general", **fields},
    )


@pytest.fixture
def fuji(db):
    return make_org("富士市")


def test_upload_preview_submit_and_approve(fuji, client):
    client.force_login(fuji.officer2)
    response = _upload(client, R8.read_bytes())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == _change(job)
    assert (job.status, job.row_count, job.budget_year, job.format) == (ImportJobStatus.PREVIEWED, 33, 2026, "dai2hyo")
    assert not Commitment.objects.exists()  # checking writes nothing
    page = client.get(_change(job)).content.decode()
    assert "例規集データ更新業務" in page and "承認を依頼する" in page and "承認して取り込む" not in page
    assert "限度額は文言「寄附金額に応じた諸経費にかかる金額」" in page
    client.post(_change(job), {"_submit": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.SUBMITTED

    client.post(_change(job), {"_approve": "1"})  # the uploader may not approve
    job.refresh_from_db()
    assert job.status == ImportJobStatus.SUBMITTED and not Commitment.objects.exists()

    client.force_login(fuji.approver)
    assert "承認して取り込む" in client.get(_change(job)).content.decode()
    client.post(_change(job), {"_approve": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.approver == fuji.approver
    assert job.result["new"] == 33
    commitments = Commitment.objects.filter(organization=fuji.organization)
    assert commitments.count() == 33
    assert set(commitments.values_list("submitted_by", "approved_by")) == {(fuji.officer2.pk, fuji.approver.pk)}
    assert "登録した内容" in client.get(_change(job)).content.decode()
    listing = client.get(reverse("admin:commitments_importjob_changelist")).content.decode()
    assert R8.name in listing


def test_a_file_with_errors_lists_them_and_cannot_be_submitted(fuji, client):
    client.force_login(fuji.officer2)
    bad = R8.read_text(encoding="utf-8").replace("１４，９１３", "△１４，９１３", 1).encode("cp932")
    _upload(client, bad)
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.REFUSED
    assert job.errors == [
        {
            "row": 2,
            "column": "限度額",
            "text": "△１４，９１３",
            "message": "限度額に負の金額は指定できません: '△１４，９１３'",
            "label": "行番号 1",  # the row as the book numbers it
        }
    ]
    page = client.get(_change(job)).content.decode()
    assert "何も登録されていません" in page and "△１４，９１３" in page and "承認を依頼する" not in page
    assert "2（行番号 1）" in page
    client.post(_change(job), {"_submit": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.REFUSED and not Commitment.objects.exists()


def test_only_officers_upload_and_other_organizations_are_hidden(fuji, client):
    client.force_login(fuji.officer2)
    _upload(client, R8.read_bytes())
    job = ImportJob.objects.get()
    client.force_login(fuji.approver)  # staff, reads commitments, may not add them
    assert client.get(reverse(ADD)).status_code == 403
    assert client.get(_change(job)).status_code == 200
    client.force_login(fuji.auditor)  # not staff: the admin is closed to auditors altogether
    assert client.get(reverse(ADD)).status_code == 302
    other = make_org("別の市", prefix="other-")
    client.force_login(other.officer2)
    assert client.get(_change(job)).status_code == 404


def test_withdraw(fuji, client):
    client.force_login(fuji.officer2)
    _upload(client, R8.read_bytes())
    job = ImportJob.objects.get()
    client.post(_change(job), {"_withdraw": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_large_file_imports_as_a_celery_task_with_progress(celery_worker, client, monkeypatch):
    monkeypatch.setattr(jobs, "SYNC_MAX_ROWS", 10)
    o = make_org("富士市")
    client.force_login(o.officer2)
    _upload(client, R8.read_bytes())
    job = ImportJob.objects.get()
    client.post(_change(job), {"_submit": "1"})
    client.force_login(o.approver)
    page = client.get(_change(job)).content.decode()
    assert "バックグラウンドで取り込みます" in page
    client.post(_change(job), {"_approve": "1"})
    job.refresh_from_db()
    assert job.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING, ImportJobStatus.DONE)
    if job.status != ImportJobStatus.DONE:
        assert 'http-equiv="refresh"' in client.get(_change(job)).content.decode()
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.DONE, timeout=60)
    job.refresh_from_db()
    assert job.task_id and job.result["new"] == 33
    assert Commitment.objects.filter(organization=o.organization).count() == 33
    page = client.get(_change(job)).content.decode()
    assert 'http-equiv="refresh"' not in page and "登録した内容" in page
