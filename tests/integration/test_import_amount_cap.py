"""Defect 3: the importer skipped the amount cap (rules.MAX_YEN, 1,000兆円).

At 9b1d36f (read with `git show 9b1d36f:commitments/services/imports/rows.py`: no cap anywhere in the rows, and
service.py caught IntegrityError only) a 限度額 of 99,999,999,999,999,999 千円 made `import_commitments` end in a
psycopg NumericValueOutOfRange traceback, its --dry-run said it would create the row, 1,000,000,000,001 千円 was
imported, and an approver's 「承認して取り込む」 answered 500 leaving the job 取込中. Every path now refuses such a
row as a row error naming the row, the column and the cell; exactly 1,000兆円 is accepted.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from commitments.models import Commitment, ImportJob, ImportJobStatus, PlannedAmount, ProjectionYear
from tests.support.factories import make_org

HEAD = "事項,期間,限度額\n"
TOO_LARGE = "99,999,999,999,999,999"  # 千円: 9.9×10^22 yen, past bigint
ONE_OVER = "1,000,000,000,001"  # 千円: 1,000兆1,000円
THE_CAP = "1,000,000,000,000"  # 千円: exactly 1,000兆円
CAP_MESSAGE = "金額が大きすぎます（1,000,000,000,000,000円まで）。"
ADD = "admin:commitments_importjob_add"


def _csv(limit: str) -> bytes:
    return (HEAD + f'例規集データ更新業務,９年度から13年度まで,"{limit}"\n').encode()


def _xlsx(limit: object) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["令和８年度富士市一般会計予算　第２表　債務負担行為"])
    sheet.append(["（単位　千円）"])
    sheet.append(["事項", "期間", "限度額"])
    sheet.append(["例規集データ更新業務", "９年度から13年度まで", limit])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def fuji(db):
    o = make_org("富士市")
    o.other_segment.delete()  # one segment: rows without a 事業区分 go there
    return o


def _command(path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_commitments", str(path), "--organization", "富士市", "--budget-year", "令和8年度", *extra,
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("limit", [TOO_LARGE, ONE_OVER])
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_command_refuses_a_limit_above_the_cap_as_a_row_error(fuji, tmp_path, limit, dry_run):
    path = tmp_path / "dai2hyo.csv"
    path.write_bytes(_csv(limit))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 行に誤りがあります"):
        call_command(
            "import_commitments", str(path), "--organization", "富士市", "--budget-year", "令和8年度",
            *(["--dry-run"] if dry_run else []), stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert err.getvalue().splitlines() == [f"2行目 限度額「{limit}」: {CAP_MESSAGE}"]
    assert not Commitment.objects.exists()


def test_command_imports_exactly_the_cap(fuji, tmp_path):
    path = tmp_path / "dai2hyo.csv"
    path.write_bytes(_csv(THE_CAP))
    out, _err = _command(path, "--dry-run")
    assert "新規 1 件を登録します（--dry-run のため未登録）" in out
    assert not Commitment.objects.exists()
    out, _err = _command(path)
    assert "新規 1 件を登録しました" in out
    commitment = Commitment.objects.get()
    assert commitment.limit_yen == 1_000_000_000_000_000
    assert sorted(PlannedAmount.objects.values_list("fiscal_year", "amount_yen")) == [
        (2027, 200_000_000_000_000),
        (2028, 200_000_000_000_000),
        (2029, 200_000_000_000_000),
        (2030, 200_000_000_000_000),
        (2031, 200_000_000_000_000),
    ]
    assert sum(ProjectionYear.objects.values_list("planned_yen", flat=True)) == 1_000_000_000_000_000


@pytest.mark.parametrize(("cell", "shown"), [(TOO_LARGE, TOO_LARGE), (1_000_000_000_001, "1000000000001")])
def test_command_refuses_it_from_an_xlsx_too(fuji, tmp_path, cell, shown):
    path = tmp_path / "dai2hyo.xlsx"
    path.write_bytes(_xlsx(cell))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_commitments", str(path), "--organization", "富士市", "--budget-year", "令和8年度",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert err.getvalue().splitlines() == [f"4行目 限度額「{shown}」: {CAP_MESSAGE}"]
    assert not Commitment.objects.exists()


CHOUSHO_HEAD = (
    "一連番号,事項,限度額,７年度末までの支出(見込)額_期間,７年度末までの支出(見込)額_金額,"
    "８年度以降の支出予定額_期間,８年度以降の支出予定額_金額,財源内訳_一般財源\n"
)


def test_chousho_amount_columns_and_the_estimate_are_capped_too(fuji, tmp_path):
    path = tmp_path / "chousho.csv"
    path.write_text(
        CHOUSHO_HEAD
        + '1,庁舎清掃業務委託,"1,000,000,000,001",,,８年度から10年度まで,"1,000,000,000,001","1,000,000,000,001"\n'
        + '2,損失補償,損失補償契約に基づく損失の額,７年度,"600,000,000,000",９年度まで,"600,000,000,000",'
        + '"600,000,000,000"\n'
        + '3,設備保守点検業務,"1,000,000,000,000",,,８年度から10年度まで,"1,000,000,000,000","1,000,000,000,001"\n',
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 行に誤りがあります"):
        call_command(
            "import_commitments", str(path), "--organization", "富士市", "--budget-year", "令和8年度",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert err.getvalue().splitlines() == [
        f"2行目（一連番号 1）限度額「1,000,000,000,001」: {CAP_MESSAGE}",
        f"3行目（一連番号 2）8年度以降の支出予定額_金額「600,000,000,000」: 見込額（支出額＋支出予定額）: "
        f"{CAP_MESSAGE}",
        f"4行目（一連番号 3）一般財源「1,000,000,000,001」: {CAP_MESSAGE}",
    ]
    assert not Commitment.objects.exists()


# --- the admin upload --------------------------------------------------------------------------------------------


def _change(job: ImportJob) -> str:
    return reverse("admin:commitments_importjob_change", args=[job.pk])


def _upload(client, data: bytes, name: str = "dai2hyo.csv"):
    return client.post(reverse(ADD), {"file": SimpleUploadedFile(name, data), "budget_year": "令和8年度"})


@pytest.mark.parametrize(("data", "name", "row", "text"), [
    (_csv(TOO_LARGE), "dai2hyo.csv", 2, TOO_LARGE),
    (_csv(ONE_OVER), "dai2hyo.csv", 2, ONE_OVER),
    (_xlsx(TOO_LARGE), "dai2hyo.xlsx", 4, TOO_LARGE),
])  # fmt: skip
def test_upload_refuses_the_row_naming_row_column_and_cell(fuji, client, data, name, row, text):
    client.force_login(fuji.officer2)
    response = _upload(client, data, name)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == _change(job)
    assert job.status == ImportJobStatus.REFUSED
    assert job.errors == [{"row": row, "column": "限度額", "text": text, "message": CAP_MESSAGE}]
    page = client.get(_change(job)).content.decode()
    assert CAP_MESSAGE in page and "承認を依頼する" not in page
    assert not Commitment.objects.exists()


def test_upload_of_exactly_the_cap_is_imported_by_the_approver(fuji, client):
    client.force_login(fuji.officer2)
    _upload(client, _csv(THE_CAP))
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.PREVIEWED
    client.post(_change(job), {"_submit": "1"})
    client.force_login(fuji.approver)
    client.post(_change(job), {"_approve": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert Commitment.objects.get().limit_yen == 1_000_000_000_000_000


def test_the_reported_500_an_approved_upload_holding_the_overflowing_limit(fuji, client):
    """A job checked before the cap existed (its file replaced here) is approved: a row error, not a 500 and 取込中."""
    client.force_login(fuji.officer2)
    _upload(client, _csv(THE_CAP))
    job = ImportJob.objects.get()
    client.post(_change(job), {"_submit": "1"})
    ImportJob.objects.filter(pk=job.pk).update(content=_csv(TOO_LARGE))
    client.force_login(fuji.approver)
    response = client.post(_change(job), {"_approve": "1"}, follow=True)
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJobStatus.REFUSED and job.finished_at is not None
    assert job.errors == [{"row": 2, "column": "限度額", "text": TOO_LARGE, "message": CAP_MESSAGE}]
    page = response.content.decode()
    assert "誤りがあるため取り込めませんでした。何も登録されていません。" in page and CAP_MESSAGE in page
    assert not Commitment.objects.exists()
