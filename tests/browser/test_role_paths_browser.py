"""Each role's main path in a real browser, with a screenshot of every step under test-artifacts/roles/.

The finance officer enters a commitment and, once the approver has approved it, registers a contract whose
installments run over one year's 年割額; the commitment's page flags the year. The auditor reads every page of the
demo (富士市) and downloads every format. (The manager's e-mail: test_manager_email_browser.py.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from commitments import fiscal
from commitments.models import Commitment, Contract, Status
from commitments.roles import roles_ensure
from commitments.services.demo import demo_load
from tests.support.factories import Org, make_org

MATTER = "基幹系システム運用保守業務"
RESOLUTION = "第13回経営審議委員会 議案第3号"
FUJI_AUDITOR = ("fuji-auditor", "demo-fuji-auditor-2026")
MIN_PNG_BYTES = 20_000


@pytest.fixture
def shots(artifacts_dir: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as test-artifacts/roles/<name>.png and check it is a real picture, and that the
    page is no wider than the window (wide tables scroll inside their frame; the header bar spans the page)."""
    folder = artifacts_dir / "roles"
    folder.mkdir(exist_ok=True)

    def shoot(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name}: page {width}px wide"  # type: ignore[index]
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > MIN_PNG_BYTES, f"{path}: {len(data)} bytes"
        return path

    return shoot


def _admin_login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{base}/admin/")


def _site_login(page: Page, base: str, username: str, password: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{base}{next_url}")


def _run_action(page: Page, matter: str, action: str) -> None:
    page.locator("#result_list tbody tr").filter(has_text=matter).locator("input.action-select").check()
    page.locator("select[name='action']").select_option(label=action)
    page.get_by_role("button", name="実行", exact=True).click()


@pytest.fixture
def org(transactional_db: None) -> Org:
    """The role groups (a transactional flush removes them) and an organization with one user per role."""
    roles_ensure(django_apps)
    return make_org()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_enters_approver_approves_officer_contracts_and_the_page_flags_the_year(
    org: Org, live_server: object, page: Page, open_session: Callable[[], Page], shots: Callable[[Page, str], Path]
) -> None:
    base = str(live_server).rstrip("/")
    fy = fiscal.fiscal_year_of(timezone.localdate())  # authority of this fiscal year, so a contract can be signed
    next_fy = fy + 1
    changelist = f"{base}/admin/commitments/commitment/"

    # 財務担当: 24,000 千円 over this year and the next two, spread equally: 8,000,000 yen a year.
    _admin_login(page, base, org.officer2.username, f"pw-{org.officer2.username}")
    shots(page, "officer_1_admin_index")
    page.locator("tr.model-commitment").get_by_role("link", name="追加", exact=True).click()
    page.get_by_label("事業区分").select_option(label="一般会計")
    page.get_by_label("事項").fill(MATTER)
    page.locator("#id_limit_amount").fill("２４，０００")
    page.get_by_label("単位").select_option(label="千円")
    page.get_by_label("行為年度").fill(str(fy))
    page.get_by_label("負担年度（初年度）").fill(str(fy))
    page.get_by_label("負担年度（最終年度）").fill(str(fy + 2))
    shots(page, "officer_2_commitment_form")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(changelist)
    _run_action(page, MATTER, "選択した債務負担行為を提出")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{MATTER}: 提出")
    shots(page, "officer_3_submitted")

    # 承認者, in a session of their own.
    approver = open_session()
    _admin_login(approver, base, org.approver.username, f"pw-{org.approver.username}")
    approver.goto(changelist)
    _run_action(approver, MATTER, "選択した債務負担行為を承認")
    approver.get_by_label("議決・決裁").fill(RESOLUTION)
    shots(approver, "approver_1_confirm")
    approver.get_by_role("button", name="承認", exact=True).click()
    expect(approver.locator("ul.messagelist")).to_contain_text("1 件を承認しました。")
    shots(approver, "approver_2_approved")
    commitment = Commitment.objects.get(organization=org.organization, matter=MATTER)
    assert commitment.status == Status.APPROVED

    # 財務担当 again: 契約を登録 from the commitment's admin page, 8,764,696 yen paid monthly April–November of
    # next year (8 x 1,095,587), all due in that one fiscal year.
    page.goto(f"{changelist}{commitment.pk}/change/")
    page.get_by_role("link", name="契約を登録").click()
    page.locator("#id_contract_no").fill("R-保守-1")
    page.locator("#id_counterparty").fill("株式会社運用保守")
    page.locator("#id_signed_on").fill(timezone.localdate().isoformat())
    page.locator("#id_start_on").fill(date(next_fy, 4, 1).isoformat())
    page.locator("#id_end_on").fill(date(next_fy, 11, 30).isoformat())
    page.locator("#id_amount_yen").fill("8,764,696")
    page.locator("#id_payment_terms").select_option("monthly")
    shots(page, "officer_4_contract_form")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("ul.messagelist")).to_be_visible()
    shots(page, "officer_5_contract_saved")
    contract = Contract.objects.get(commitment=commitment)
    assert (contract.amount_yen, contract.payment_terms) == (8_764_696, "monthly")
    assert sorted(contract.installments.values_list("amount_yen", flat=True)) == [1_095_587] * 8

    # The commitment's page: next year's installments exceed its 8,000,000 yen 年割額 by 764,696 yen.
    page.goto(f"{base}/commitments/{commitment.pk}/")
    flag = page.locator("#over-planned")
    expect(flag).to_contain_text("年割額の補正が必要です")
    expect(flag).to_contain_text(
        f"{fiscal.format_fiscal_year(next_fy)}：支払予定額 8,764,696円が年割額 8,000,000円を 764,696円 超えています"
    )
    shots(page, "officer_6_commitment_page_flag")


def _download(page: Page, link_name: str, target: Path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).first.click()
    info.value.save_as(target)
    return target.read_bytes()


def _pdf_text(data: bytes) -> str:
    """The PDF's text read back, every page, without white space (a cell's words wrap where its width ends)."""
    assert data.startswith(b"%PDF-"), data[:20]
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _xlsx_cells(data: bytes) -> list[str]:
    """Every non-empty cell of every sheet, as text (numbers as Excel shows them with #,##0)."""
    workbook = load_workbook(io.BytesIO(data))
    return [
        f"{value:,}" if isinstance(value, int | float) else str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without BOM (Excel would misread the Japanese)"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_auditor_reads_every_page_and_downloads_every_format(
    transactional_db: None, live_server: object, page: Page, shots: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    demo_load()
    base = str(live_server).rstrip("/")
    _site_login(page, base, *FUJI_AUDITOR, "/exposure/")
    expect(page.locator("#exposure-table tfoot")).to_contain_text("68,738,703")
    shots(page, "auditor_1_exposure")
    rows = _csv_rows(_download(page, "CSV", tmp_path / "exposure.csv"))
    assert "事項" in rows[0] and any("文書配達業務" in r for r in rows)
    sheet = load_workbook(io.BytesIO(_download(page, "Excel（XLSX）", tmp_path / "exposure.xlsx"))).active
    assert any(r and "文書配達業務" in r for r in sheet.iter_rows(values_only=True))
    text = _pdf_text(_download(page, "PDF（A4横）", tmp_path / "exposure.pdf"))
    assert "合計" in text and "68,738,703" in text and "文書配達業務" in text

    page.goto(f"{base}/exposure/summary/")
    expect(page.locator("#summary-chart")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#summary-table tfoot")).to_contain_text("合計")
    shots(page, "auditor_2_summary")
    summary_total = page.locator("#summary-table tfoot td").last.inner_text().strip()
    assert re.fullmatch(r"[\d,]+", summary_total) and summary_total != "0", summary_total
    rows = _csv_rows(_download(page, "CSV", tmp_path / "summary.csv"))
    assert rows[0][0] == "事業区分" and any(r and r[0] == "合計" for r in rows)
    assert summary_total in _xlsx_cells(_download(page, "Excel（XLSX）", tmp_path / "summary.xlsx"))
    text = _pdf_text(_download(page, "PDF（A4横）", tmp_path / "summary.pdf"))
    assert "合計" in text and summary_total in text

    page.goto(f"{base}/reports/chousho/?fy=2026")
    expect(page.locator("#chousho-table tfoot")).to_contain_text("68,738,703")
    shots(page, "auditor_3_chousho")
    rows = _csv_rows(_download(page, "CSV", tmp_path / "chousho.csv"))
    assert rows[0][0] == "事項" and len(rows) > 79
    workbook = load_workbook(io.BytesIO(_download(page, "XLSX", tmp_path / "chousho.xlsx")))
    assert any(r and "合計" in r for r in workbook.active.iter_rows(values_only=True))
    text = _pdf_text(_download(page, "PDF", tmp_path / "chousho.pdf"))
    assert "合計" in text and "68,738,703" in text

    # 将来負担 and its statistics by 統計の区分, with the statistics' XLSX.
    page.goto(f"{base}/exposure/burden/")
    expect(page.locator("h1")).to_contain_text("将来の年度の負担")
    shots(page, "auditor_4a_burden")
    page.get_by_role("link", name="翌年度以降支出予定額の統計").click()
    total_row = page.locator("#statistics-table tr.total")
    expect(total_row).to_contain_text("合計")
    shots(page, "auditor_4b_burden_statistics")
    statistics_total = total_row.locator("td").last.inner_text().strip()
    assert re.fullmatch(r"[\d,]+", statistics_total) and statistics_total != "0", statistics_total
    cells = _xlsx_cells(_download(page, "XLSX", tmp_path / "statistics.xlsx"))
    assert "合計" in cells and statistics_total in cells

    page.goto(f"{base}/reports/exceptions/")
    expect(page.locator("#section-text_limits h2")).to_contain_text("2件")
    shots(page, "auditor_4_exceptions")
    rows = _csv_rows(_download(page, "CSV", tmp_path / "exceptions.csv"))
    assert rows[0][0] == "区分" and sum(r[0] == "限度額が文言のもの" for r in rows[1:]) == 2
    workbook = load_workbook(io.BytesIO(_download(page, "XLSX", tmp_path / "exceptions.xlsx")))
    assert "限度額が文言のもの" in workbook.sheetnames

    page.goto(f"{base}/exposure/")
    page.locator("#exposure-table").get_by_role("link", name="文書配達業務").click()
    expect(page.locator("h1")).to_contain_text("文書配達業務")
    expect(page.locator("#history-table")).to_be_visible()
    # One style of date on the page: 提出 and 承認 in 和暦 as the record of steps below them.
    expect(page.locator("main table").first).to_contain_text(re.compile(r"fuji-approver 令和\d+年\d+月\d+日 \d\d:\d\d"))
    shots(page, "auditor_5_commitment")

    # The monthly report as it would be sent now (富士市's demo subscription; nothing is sent).
    page.goto(f"{base}/reports/preview/")
    page.locator("#id_subscription").select_option(index=1)
    page.get_by_role("button", name="表示", exact=True).click()
    expect(page.locator("#preview-subject")).to_contain_text("月次報告（富士市）")
    expect(page.locator("#preview-recipients")).to_have_text("manager@fuji.example")  # 富士市's 経営層
    expect(page.locator("#preview-text")).to_contain_text("要確認事項")
    chart = page.locator("#preview-html img")  # the chart, drawn in 千円 as the table beside it says
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") == 720
    expect(page.locator("#chart-axis-unit")).to_have_text("縦軸の単位：千円")
    shots(page, "auditor_6_report_preview")
    attachment = page.locator("#preview-attachments a").first
    with page.expect_download() as info:
        attachment.click()
    info.value.save_as(tmp_path / "preview.xlsx")
    assert load_workbook(tmp_path / "preview.xlsx").active.max_row > 3
