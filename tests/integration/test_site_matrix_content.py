"""What users put in comes back harmless: uploads are size-limited and type-checked before anything is read, and
text typed into a commitment, contract, amendment, segment, organization or subscription is escaped on every page
and e-mail and neutralised in every CSV / XLSX download (exports.neutralise: a leading `'`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from commitments import fiscal
from commitments.admin.imports import MAX_UPLOAD_BYTES
from commitments.forms.contracts import PAYMENT_CSV_MAX_BYTES
from commitments.models import ImportJob, Payment, ReportDelivery, ReportKind, ReportSubscription, User
from commitments.roles import roles_ensure
from commitments.services import projection
from commitments.services import reports as report_services
from tests.support.factories import make_amendment, make_commitment, make_org, make_subscription, make_year_contract

FY = fiscal.fiscal_year_of(timezone.localdate())

# ---------------------------------------------------------------------------------------------------------------
# Uploads: over the limit, or not what the page reads. Each is refused on the form (200, the form again, a
# Japanese message beside the file) and nothing is written: no payment, no import job.

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
CSV_HEAD = "支出日,契約番号,支出額,支出命令番号\n".encode()


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["支出日", "契約番号", "支出額"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _oversized(limit: int) -> bytes:
    return CSV_HEAD + b"2026-06-30,K-1,1000,P\n" * ((limit - len(CSV_HEAD)) // 22 + 1)


UPLOADS: dict[str, tuple[str, str, bytes, str]] = {
    # case                  (page,      file name,       content,                               message)
    "payments-too-large": ("payments", "payments.csv", _oversized(PAYMENT_CSV_MAX_BYTES), "大きすぎます（10MB まで"),
    "payments-png-as-csv": ("payments", "payments.csv", PNG, "CSV ファイルではありません（PNG 画像のようです）"),
    "payments-pdf-as-csv": ("payments", "payments.csv", PDF, "CSV ファイルではありません（PDFのようです）"),
    "payments-xlsx": ("payments", "payments.xlsx", _xlsx(), "Excel ファイルはそのまま取り込めません"),
    "payments-zip-as-csv": ("payments", "payments.csv", _zip(a__b=b"x"), "XLSX ではない ZIP ファイルのようです"),
    "import-too-large": ("import", "budget.csv", _oversized(MAX_UPLOAD_BYTES), "ファイルが大きすぎます（20MB まで"),
    "import-png-as-csv": ("import", "budget.csv", PNG, "CSV・TSV・XLSX のいずれでもありません（PNG 画像のようです）"),
    "import-zip-as-xlsx": ("import", "budget.xlsx", _zip(word__document_xml=b"<w/>"), "XLSX ではない ZIP ファイル"),
    "import-text-as-xlsx": ("import", "budget.xlsx", CSV_HEAD, "拡張子は .xlsx ですが、Excel ファイルではありません"),
    "import-xls": ("import", "budget.xls", OLE, "古い Excel 形式（.xls）は読めません"),
}  # fmt: skip
UPLOAD_URLS = {"payments": "/admin/commitments/payment/upload/", "import": "/admin/commitments/importjob/add/"}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(UPLOADS))
def test_upload_refused_on_the_form(client: Client, evil: Evil, case: str) -> None:
    page, name, content, message = UPLOADS[case]
    client.force_login(evil.org.officer2)
    before = Payment.objects.count(), ImportJob.objects.count()
    response = client.post(
        UPLOAD_URLS[page], {"file": SimpleUploadedFile(name, content), "budget_year": "令和8年度", "segment": "general"}
    )
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors.get("file", [])
    assert any(message in e for e in errors), errors
    assert message in response.content.decode()
    assert (Payment.objects.count(), ImportJob.objects.count()) == before


@pytest.mark.django_db
def test_a_real_xlsx_and_a_shift_jis_csv_still_pass_the_check(client: Client, evil: Evil) -> None:
    """The type check refuses only what is not a table: a workbook and a CP932 CSV reach the importer."""
    client.force_login(evil.org.officer2)
    for name, content in [("budget.xlsx", _xlsx()), ("budget.csv", "事項,限度額\n庁舎清掃,1000\n".encode("cp932"))]:
        client.post(UPLOAD_URLS["import"], {"file": SimpleUploadedFile(name, content), "budget_year": "令和8年度"})
    # Checked by the importer (previewed, or refused with its row errors), not stopped by the form.
    assert ImportJob.objects.filter(organization=evil.org.organization).count() == 2


# ---------------------------------------------------------------------------------------------------------------
# Text that would run: in HTML, a script; in a spreadsheet, a formula.

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
RAW = ("<script>alert(", "<img src=x", "<b>悪意")  # how a payload looks when it was not escaped


@dataclass
class Evil:
    org: Any
    superuser: User
    html_matter: Any
    formula_matter: Any
    contract: Any
    subscriptions: dict[str, ReportSubscription]


@pytest.fixture(scope="module")
def evil(django_db_setup: None, django_db_blocker: Any) -> Iterator[Evil]:
    """One organization whose every free text is a payload; made once, rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        o = make_org("<b>悪意</b>&市", prefix="xss_")
        o.segment.name = "<img src=x onerror=alert(2)>"
        o.segment.save()
        span = {"authorized_fy": FY, "first_burden_fy": FY, "last_burden_fy": FY + 1}
        html_matter = make_commitment(o, matter=f"{XSS}清掃業務", **span)
        formula_matter = make_commitment(
            o, matter=FORMULA, limit_yen=None, limit_text=f"{XSS}の額", estimated_limit_yen=5_000_000, **span
        )
        contract = make_year_contract(o, html_matter, f"{XSS}-1", 9_500_000, fy=FY, counterparty=XSS)
        make_amendment(o, html_matter, reason=XSS, new_limit_yen=10_500_000)
        for commitment in (html_matter, formula_matter):
            projection.projection_refresh(commitment_id=commitment.pk)
        subscriptions = {}
        for kind in ReportKind.values:
            subscription = make_subscription(o, name=f"{XSS}{kind}", kind=kind, attach_xlsx=True, attach_csv=True)
            subscriptions[kind] = subscription
        ReportDelivery.objects.create(
            subscription=subscription,
            subscription_name=subscription.name,
            organization=o.organization,
            kind=kind,
            period="2026-04",
            recipients=XSS,
            subject=XSS,
        )
        superuser = User.objects.create_superuser("xss_root", "root@example.jp", "pw-root")
        yield Evil(o, superuser, html_matter, formula_matter, contract, subscriptions)
        transaction.set_rollback(True)


def _unescaped(html: str) -> list[str]:
    return [raw for raw in RAW if raw in html]


def _history_id(obj: Any) -> int:
    return obj.history.order_by("-history_id").values_list("history_id", flat=True)[0]


A = "/admin/commitments"
PAGES = {
    "auditor": [
        "/exposure/",
        "/exposure/?basis=total",
        "/exposure/summary/",
        "/commitments/{c}/",
        "/commitments/{f}/",
        "/reports/chousho/",
        "/reports/exceptions/?days=3660",
        "/reports/preview/",
        "/reports/preview/?subscription={s}",
        "/reports/preview/?subscription={s}&part=html",
    ],
    "finance_officer": [
        f"{A}/commitment/",
        f"{A}/commitment/{{c}}/change/",
        f"{A}/commitment/{{c}}/history/",
        f"{A}/commitment/{{c}}/history/{{ch}}/",
        f"{A}/commitment/{{f}}/change/",
        f"{A}/contract/",
        f"{A}/contract/{{k}}/change/",
        f"{A}/contract/{{k}}/history/",
        f"{A}/amendment/",
        f"{A}/amendment/{{a}}/change/",
        f"{A}/amendment/{{a}}/history/",
        f"{A}/segment/",
        f"{A}/projectionyear/",
        f"{A}/reportsubscription/",
        f"{A}/reportsubscription/{{s}}/change/",
        f"{A}/reportdelivery/",
    ],
}
CASES = [(role, url) for role, urls in PAGES.items() for url in urls]


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure (every test here has the groups already)."""


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "template"), CASES, ids=[f"{r}-{u}" for r, u in CASES])
def test_payloads_are_escaped_on_every_page(client: Client, evil: Evil, role: str, template: str) -> None:
    amendment = evil.html_matter.amendments.get()
    ids = {
        "c": evil.html_matter.pk,
        "f": evil.formula_matter.pk,
        "ch": _history_id(evil.html_matter),
        "k": evil.contract.pk,
        "a": amendment.pk,
        "s": evil.subscriptions[ReportKind.EXCEPTIONS].pk,
    }
    url = template.format(**ids)
    client.force_login(evil.org.auditor if role == "auditor" else evil.org.officer2)
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    html = response.content.decode()
    assert not _unescaped(html), f"{url} renders {_unescaped(html)} unescaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;b&gt;悪意" in html, f"{url}: no payload shown"


def _formula_cells(values: list[Any]) -> list[str]:
    """Text cells a spreadsheet would run as a formula (numbers and signed numbers written as text are fine)."""
    bad = []
    for value in values:
        if not isinstance(value, str) or not value.startswith(("=", "+", "-", "@", "\t", "\r")):
            continue
        if value.lstrip("+-").replace(",", "").replace(".", "").isdigit():
            continue
        bad.append(value)
    return bad


def _xlsx_cells(data: bytes) -> list[Any]:
    workbook = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells in the workbook"
    return [c.value for c in cells]


def _file_cells(name: str, data: bytes) -> list[Any]:
    if name.endswith(".xlsx"):
        return _xlsx_cells(data)
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


DOWNLOADS = [
    "/exposure/export.csv",
    "/exposure/export.xlsx",
    "/exposure/export.xlsx?unit=円&basis=total",
    "/reports/chousho/export.csv",
    "/reports/chousho/export.xlsx",
    "/reports/exceptions/export.csv?days=3660",
    "/reports/exceptions/export.xlsx?days=3660",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOWNLOADS)
def test_downloads_neutralise_formulas(client: Client, evil: Evil, url: str) -> None:
    client.force_login(evil.org.auditor)
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    cells = _file_cells(".xlsx" if "spreadsheetml" in response["Content-Type"] else ".csv", body)
    assert not _formula_cells(cells), f"{url}: {_formula_cells(cells)}"
    assert any(isinstance(v, str) and v.startswith("'" + FORMULA) for v in cells), f"{url}: the 事項 is not there"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ReportKind.values)
def test_report_email_escapes_html_and_neutralises_attachments(evil: Evil, kind: str) -> None:
    subscription = evil.subscriptions[kind]
    built = report_services.report_build(
        subscription=subscription, period=report_services.subscription_period(subscription)
    )
    assert not _unescaped(built.html), _unescaped(built.html)
    assert "&lt;b&gt;悪意&lt;/b&gt;&amp;市" in built.html
    # The text part and the subject are plain text: the names read as typed, not as HTML entities.
    assert "<b>悪意</b>&市" in built.text and "&lt;" not in built.text and "&amp;" not in built.text
    assert built.subject.endswith("（<b>悪意</b>&市）"), built.subject
    for attachment in built.attachments:
        cells = _file_cells(attachment.filename, attachment.content)
        assert not _formula_cells(cells), f"{attachment.filename}: {_formula_cells(cells)}"


@pytest.mark.django_db
def test_payment_upload_row_errors_are_escaped(client: Client, evil: Evil) -> None:
    """A CSV whose contract number is a script: the row error quotes it, escaped, and nothing is saved."""
    client.force_login(evil.org.officer2)
    line = io.StringIO()
    csv.writer(line).writerow([f"{FY}-06-30", XSS, "1000", FORMULA])
    data = CSV_HEAD + line.getvalue().encode()
    response = client.post(UPLOAD_URLS["payments"], {"file": SimpleUploadedFile("p.csv", data)})
    html = response.content.decode()
    assert response.status_code == 200 and not _unescaped(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not Payment.objects.filter(contract=evil.contract).exists()
