"""Bad files through the payment CSV upload and the budget-table import: a clear message naming the row, no write.

Both the services and the admin upload pages are driven. A refused import upload keeps one ImportJob (status 却下,
with its errors, so the officer can read them on the job's page); nothing else may change.
"""

from __future__ import annotations

import csv
import io
import random
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.models import (
    Commitment,
    CommitmentEvent,
    Contract,
    ImportJob,
    ImportJobStatus,
    Payment,
    PlannedAmount,
)
from commitments.services import payments
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.imports import ImportOptions, ImportRefused, import_file
from tests.support.factories import make_commitment, make_contract

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
HEADER = "事項,限度額,行為年度,負担年度\n"
GOOD_ROWS = [
    '清掃業務,"1,000",令和8年度,令和8年度から令和10年度まで\n',
    '警備業務,"2,000",令和8年度,令和8年度から令和9年度まで\n',
    "保守業務,300,令和8年度,令和9年度\n",
]
GOOD = HEADER + "".join(GOOD_ROWS)
PAY_HEADER = "支出日,契約番号,支出額,支出命令番号\n"
PAY_GOOD = PAY_HEADER + "2017-09-29,K-1,300000,P-1\n2017-10-31,K-1,200000,P-2\n"


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Commitment, Contract, Payment, PlannedAmount, CommitmentEvent, ImportJob)
    )


def _xlsx(text: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in text.splitlines():
        sheet.append(next(csv.reader([line])))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _corrupt_member(data: bytes) -> bytes:
    """A valid XLSX whose compressed sheet data is overwritten in the middle (the zip directory stays intact)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + 2  # inside the deflate stream: the member no longer decompresses
    return data[:middle] + b"\xff" * 16 + data[middle + 16 :]


def _zip_not_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "これは Excel ではありません")
    return buffer.getvalue()


MILLION_COLUMNS = ("a," * 1_000_000 + "a\n").encode()
BIG_CELL = HEADER + f"清掃業務,{'1' * (10 * 1024 * 1024)},令和8年度,令和8年度\n"

# name → (file name, bytes, what the message must mention)
BAD_BOOKS: dict[str, tuple[str, bytes, str]] = {
    "mixed_encodings": ("t.csv", HEADER.encode() + GOOD_ROWS[0].encode("cp932"), ""),
    "utf16": ("t.csv", GOOD.encode("utf-16"), "UTF-16"),
    "utf16_le_no_bom": ("t.csv", GOOD.encode("utf-16-le"), "UTF-16"),
    "random_bytes": ("t.csv", random.Random(9).randbytes(4096), ""),
    "random_bytes_xlsx": ("t.xlsx", random.Random(9).randbytes(4096), "Excel"),
    "truncated_xlsx": ("t.xlsx", _xlsx(GOOD)[: len(_xlsx(GOOD)) // 2], "Excel"),
    "corrupt_xlsx": ("t.xlsx", _corrupt_member(_xlsx(GOOD)), "Excel"),
    "zip_not_xlsx": ("t.xlsx", _zip_not_xlsx(), "Excel"),
    "zip_named_csv": ("t.csv", _zip_not_xlsx(), "Excel"),
    "empty": ("t.csv", b"", "空"),
    "header_only": ("t.csv", HEADER.encode(), "取り込む行がありません"),
    "no_header": ("t.csv", "".join(GOOD_ROWS).encode(), "見出し"),
    "million_columns": ("t.csv", MILLION_COLUMNS, "列"),
    "million_columns_after_header": ("t.csv", HEADER.encode() + MILLION_COLUMNS, "列"),
    "ten_mb_cell": ("t.csv", BIG_CELL.encode(), "長すぎ"),
    "unclosed_quote": ("t.csv", (GOOD + '"未完,1,令和8年度,令和8年度\n' + "x" * 200_000).encode(), ""),
    "too_few_columns": ("t.csv", (HEADER + GOOD_ROWS[0] + "警備業務,2000\n").encode(), "3行目"),
    "too_many_columns": ("t.csv", (HEADER + GOOD_ROWS[0] + "警備業務,2,000,令和8年度,令和8年度\n").encode(), "3行目"),
    "bad_row_in_the_middle": (
        "t.csv",
        (HEADER + GOOD_ROWS[0] + "警備業務,0,令和8年度,令和8年度\n" + GOOD_ROWS[2]).encode(),
        "3行目",
    ),
    "bad_row_in_the_middle_xlsx": (
        "t.xlsx",
        _xlsx(HEADER + GOOD_ROWS[0] + "警備業務,△５,令和8年度,令和8年度\n" + GOOD_ROWS[2]),
        "3行目 限度額",
    ),
    "hundred_year_span": (
        "t.csv",
        (HEADER + "清掃業務,100,令和8年度,2026年度から2125年度まで\n").encode(),
        "2行目 負担年度",
    ),
    "unknown_era": ("t.csv", (HEADER + "清掃業務,100,明治8年度,令和8年度\n").encode(), "2行目 行為年度"),
}


@pytest.fixture
def books(org):
    return org


def _options(name: str) -> ImportOptions:
    return ImportOptions.parse(name, budget_year="令和8年度", segment="general")


def _refusal_text(refused: ImportRefused) -> str:
    return "\n".join(str(error) for error in refused.errors)


@pytest.mark.parametrize(("name", "data"), [("t.csv", GOOD.encode("cp932")), ("t.xlsx", _xlsx(GOOD))])
def test_a_good_file_imports_as_csv_and_as_xlsx(books, name, data):
    """The baseline the bad files are variations of."""
    result = import_file(
        actor=books.officer2,
        organization=books.organization,
        data=data,
        options=_options(name),
        approver=books.approver,
    )
    assert result.count("新規") == 3 and Commitment.objects.count() == 3


@pytest.mark.parametrize("case", sorted(BAD_BOOKS))
def test_import_service_refuses_a_bad_file_with_a_clear_message_and_writes_nothing(books, case):
    name, data, mention = BAD_BOOKS[case]
    before = _counts()
    started = time.monotonic()
    with pytest.raises(ImportRefused) as refused:
        import_file(
            actor=books.officer2,
            organization=books.organization,
            data=data,
            options=_options(name),
            approver=books.approver,
        )
    assert time.monotonic() - started < 10
    text = _refusal_text(refused.value)
    assert refused.value.errors and all(JAPANESE.search(e.message) for e in refused.value.errors), text
    assert mention in text
    assert len(text) < 5_000, "a refusal quotes cells in short"
    assert _counts() == before


@pytest.mark.parametrize("case", sorted(BAD_BOOKS))
def test_import_upload_page_shows_the_refusal_and_imports_nothing(books, client, case):
    name, data, mention = BAD_BOOKS[case]
    client.force_login(books.officer2)
    before = _counts()
    response = client.post(
        reverse("admin:commitments_importjob_add"),
        {"file": SimpleUploadedFile(name, data), "budget_year": "令和8年度", "segment": "general"},
    )
    assert response.status_code in (200, 302)
    assert _counts()[:5] == before[:5]
    if response.status_code == 200:  # refused by the form (empty file): no job at all
        assert _counts() == before
        assert JAPANESE.search(response.content.decode())
        return
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.REFUSED and job.errors
    assert all(JAPANESE.search(e["message"]) for e in job.errors)
    assert mention in "\n".join(f"{e['row']}行目 {e['column']} {e['message']}" for e in job.errors)
    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "何も登録されていません" in body
    assert len(body) < 200_000, "the page quotes cells in short"
    client.post(response.url, {"_submit": "1"})
    job.refresh_from_db()
    assert job.status == ImportJobStatus.REFUSED and Commitment.objects.count() == before[0]


def test_million_columns_are_refused_before_they_are_parsed(books):
    started = time.monotonic()
    with pytest.raises(ImportRefused) as refused:
        import_file(
            actor=books.officer2,
            organization=books.organization,
            data=MILLION_COLUMNS,
            options=_options("t.csv"),
            dry_run=True,
        )
    assert time.monotonic() - started < 2
    assert "1行目" in _refusal_text(refused.value) and "列" in _refusal_text(refused.value)


# --- payment CSV ----------------------------------------------------------------------------------------------------


@pytest.fixture
def contract(org):
    commitment = make_commitment(org)
    return make_contract(org, commitment, "K-1", 1_000_000)


BAD_PAYMENTS: dict[str, tuple[bytes, str]] = {
    "mixed_encodings": (PAY_HEADER.encode() + "2017-09-29,Ｋ－１,３００，０００,支出第１号\n".encode("cp932"), ""),
    "utf16": (PAY_GOOD.encode("utf-16"), "UTF-16"),
    "utf16_le_no_bom": (PAY_GOOD.encode("utf-16-le"), "UTF-16"),
    "random_bytes": (random.Random(9).randbytes(4096), ""),
    "xlsx": (_xlsx(PAY_GOOD), ""),
    "truncated_xlsx": (_xlsx(PAY_GOOD)[:2000], ""),
    "zip": (_zip_not_xlsx(), ""),
    "empty": (b"", "空"),
    "header_only": (PAY_HEADER.encode(), "取り込む行がありません"),
    "million_columns": (MILLION_COLUMNS, "列"),
    "million_columns_after_header": (PAY_HEADER.encode() + MILLION_COLUMNS, "列"),
    "ten_mb_cell": ((PAY_HEADER + f"2017-09-29,K-1,300000,{'x' * (10 * 1024 * 1024)}\n").encode(), "長すぎ"),
    "unclosed_quote": ((PAY_GOOD + '2017-11-30,"K-1,1\n' + "x" * 200_000).encode(), ""),
    "too_few_columns": ((PAY_HEADER + "2017-09-29,K-1\n").encode(), "2"),
    "too_many_columns": ((PAY_HEADER + "2017-09-29,K-1,300,000,P-1\n").encode(), "2"),
    "bad_row_in_the_middle": ((PAY_HEADER + "2017-09-29,K-1,1\n2017-13-01,K-1,1\n2017-10-01,K-1,1\n").encode(), "3"),
    "long_reference": ((PAY_HEADER + f"2017-09-29,K-1,100,{'P' * 101}\n").encode(), "支出命令番号"),
    "long_contract_no": ((PAY_HEADER + f"2017-09-29,{'K' * 100_000},100\n").encode(), "見つかりません"),
    "huge_amount": ((PAY_HEADER + f"2017-09-29,K-1,{10**40}\n").encode(), "2"),
    "negative_amount": ((PAY_HEADER + "2017-09-29,K-1,△100\n").encode(), "2"),
    "unknown_era_year": (("支出日,契約番号,支出額,会計年度\n2017-09-29,K-1,100,明治5年度\n").encode(), "2"),
}


def _pay_service(org, data: bytes):
    text = payments.decode_upload(data)
    return payments.payments_import_csv(actor=org.officer2, organization=org.organization, text=text)


def test_a_good_payment_csv_saves_every_row(org, contract):
    assert len(_pay_service(org, PAY_GOOD.encode())) == 2


@pytest.mark.parametrize("case", sorted(BAD_PAYMENTS))
def test_payment_service_refuses_a_bad_file_and_records_nothing(org, contract, case):
    data, mention = BAD_PAYMENTS[case]
    before = _counts()
    started = time.monotonic()
    with pytest.raises(ServiceError) as refused:
        _pay_service(org, data)
    assert time.monotonic() - started < 10
    error = refused.value
    messages = [str(error.message)] + [f"{line}: {text}" for line, text in getattr(error, "rows", [])]
    assert all(JAPANESE.search(m) for m in messages), messages
    assert mention in "\n".join(messages)
    assert len("\n".join(messages)) < 5_000
    if isinstance(error, RowErrors):
        assert all(line >= 2 for line, _text in error.rows)
    assert _counts() == before


@pytest.mark.parametrize("case", sorted(BAD_PAYMENTS))
def test_payment_upload_page_shows_the_refusal_and_records_nothing(org, contract, client, case):
    data, mention = BAD_PAYMENTS[case]
    client.force_login(org.officer2)
    before = _counts()
    response = client.post(reverse("admin:commitments_payment_upload"), {"file": SimpleUploadedFile("p.csv", data)})
    assert response.status_code == 200
    body = response.content.decode()
    # The form may refuse the file first (size, binary content); else the service's message is on the page.
    refused_by_form = 'class="errorlist' in body
    assert refused_by_form or ("messagelist" in body and mention in body)
    assert len(body) < 200_000
    assert _counts() == before


def test_payment_rows_name_their_line_in_the_page(org, contract, client):
    client.force_login(org.officer2)
    data = (PAY_HEADER + "2017-09-29,K-1,1\n2017-10-01,K-9,1\n2017-10-02,K-1,abc\n").encode("cp932")
    response = client.post(reverse("admin:commitments_payment_upload"), {"file": SimpleUploadedFile("p.csv", data)})
    body = response.content.decode()
    assert "<td>3</td><td>契約番号「K-9」が見つかりません。</td>" in body
    assert "<td>4</td><td>金額を読み取れません: &#x27;abc&#x27;</td>" in body
    assert Payment.objects.count() == 0


def test_payment_dates_far_outside_the_calendar_are_refused_per_row(org, contract):
    text = PAY_HEADER + "0000-01-01,K-1,1\n99999-01-01,K-1,1\n2017-02-29,K-1,1\n"
    with pytest.raises(RowErrors) as refused:
        payments.payments_import_csv(actor=org.officer2, organization=org.organization, text=text)
    assert [line for line, _text in refused.value.rows] == [2, 3, 4]
    assert Payment.objects.count() == 0
