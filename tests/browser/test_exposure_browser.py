"""The exposure page as an auditor sees it in a real browser: log in, read the table, filter by segment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commitments.services.demo import demo_load

AUDITOR = ("auditor", "demo-auditor-2017")
KNOWN_GENERAL_ROW = "構内電話交換機のリース"
LGWAN_SEGMENT = "総合行政ネットワーク運営事業"
MIN_PNG_BYTES = 20_000


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """Load the demo (idempotent; also recreates the role groups that the transactional flush removed)."""
    demo_load()


def _assert_png(path: Path) -> None:
    assert path.exists(), f"{path} was not written"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert len(data) > MIN_PNG_BYTES, f"{path} is suspiciously small ({len(data)} bytes)"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_auditor_reads_and_filters_exposure(
    demo_data: None, live_server: object, page: Page, artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")

    # An anonymous visit to the exposure page ends on the login form.
    page.goto(f"{base}/exposure/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/exposure/$"))
    page.get_by_label("ユーザー名").fill(AUDITOR[0])
    page.get_by_label("パスワード").fill(AUDITOR[1])
    page.get_by_role("button", name="ログイン", exact=True).click()

    # Logged in, the user is sent back to the exposure page.
    expect(page).to_have_url(f"{base}/exposure/")
    # Found by role, not by id, so that the behaviour is checked (and screenshots taken) even when the table's
    # attributes are wrong; the id/class contract is asserted at the end.
    table = page.locator("main").get_by_role("table")
    expect(table).to_be_visible()
    headers = table.locator("thead")
    expect(headers).to_contain_text("平成29年度")
    expect(headers).to_contain_text("令和元年度")
    expect(headers).to_contain_text("令和5年度")
    footer = table.locator("tfoot tr").first
    expect(footer).to_contain_text("合計")
    expect(footer).to_contain_text("5,465,241")
    expect(footer).to_contain_text("25,395,623")
    expect(table.locator("tbody")).to_contain_text(KNOWN_GENERAL_ROW)
    before = artifacts_dir / "exposure.png"
    page.screenshot(path=str(before), full_page=True)

    # Filter on the LGWAN segment: the general row disappears and the footer shows the LGWAN limit total.
    page.locator("form.filters select[name='segment']").select_option(label=LGWAN_SEGMENT)
    page.locator("form.filters").get_by_role("button", name="表示", exact=True).click()
    expect(page).to_have_url(re.compile(r"/exposure/\?.*segment=\d+"))
    expect(table).to_be_visible()
    expect(table.locator("tbody")).not_to_contain_text(KNOWN_GENERAL_ROW)
    expect(table.locator("tfoot tr").first).to_contain_text("7,533,445")
    after = artifacts_dir / "exposure_lgwan.png"
    page.screenshot(path=str(after), full_page=True)

    _assert_png(before)
    _assert_png(after)

    # ExposureTable.Meta gives the table the id used by scripts and tests and the class that site.css styles
    # (borders, right-aligned amounts, bold footer). Checked last and without retrying: the page is loaded.
    table_id = table.get_attribute("id")
    table_classes = (table.get_attribute("class") or "").split()
    assert (table_id, "exposure" in table_classes) == ("exposure-table", True), (
        f"rendered <table id={table_id!r} class={table_classes!r}>: ExposureTable.Meta.attrs are not applied "
        "(the subclass built by exposure_table_class() has no Meta of its own)"
    )
