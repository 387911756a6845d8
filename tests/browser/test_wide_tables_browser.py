"""Wide tables in a real browser: the matrix scrolls inside its frame with 番号 and 事項 in view, the page never
grows wider than the window (so the header bar spans it), and the PDF link downloads a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from commitments.services.demo import demo_load

AUDITOR = ("auditor", "demo-auditor-2017")


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    demo_load()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wide_matrix_scrolls_in_its_frame_with_number_and_matter_sticky(
    demo_data: None, live_server: object, browser: Browser, artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")
    context = browser.new_context(locale="ja-JP", viewport={"width": 1000, "height": 800}, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/accounts/login/?next=/exposure/")
        page.get_by_label("ユーザー名").fill(AUDITOR[0])
        page.get_by_label("パスワード").fill(AUDITOR[1])
        page.get_by_role("button", name="ログイン", exact=True).click()
        page.goto(f"{base}/exposure/?unit=円")
        table = page.locator("#exposure-table")
        expect(table).to_be_visible()

        # The page is no wider than the window; the header bar spans it; the table is wider than its frame.
        sizes = page.evaluate(
            """() => {
                const frame = document.querySelector('#exposure-table').parentElement;
                return {
                    page: document.documentElement.scrollWidth,
                    window: window.innerWidth,
                    header: document.querySelector('header.site').getBoundingClientRect().width,
                    frame: frame.clientWidth,
                    table: frame.scrollWidth,
                };
            }"""
        )
        assert sizes["page"] <= sizes["window"], sizes
        assert sizes["header"] == sizes["window"], sizes
        assert sizes["table"] > sizes["frame"] + 300, sizes

        # Scrolled to the far right, 番号 and 事項 stay at the frame's left edge, the last year beside them.
        row = table.locator("tbody tr").first
        before = row.locator("td.matter").bounding_box()
        page.evaluate(
            "() => { const f = document.querySelector('#exposure-table').parentElement; f.scrollLeft = f.scrollWidth; }"
        )
        frame_left = page.evaluate(
            "() => document.querySelector('#exposure-table').parentElement.getBoundingClientRect().left"
        )
        seq = row.locator("td.seq").bounding_box()
        matter = row.locator("td.matter").bounding_box()
        assert seq is not None and matter is not None and before is not None
        assert abs(seq["x"] - frame_left) <= 1, (seq, frame_left)
        assert abs(matter["x"] - before["x"]) <= 1, (matter, before)  # did not move with the scroll
        assert abs(matter["x"] - (seq["x"] + seq["width"])) <= 2, (matter, seq)
        expect(table.locator("tfoot td.matter")).to_contain_text("合計")
        table.locator("xpath=..").screenshot(path=str(artifacts_dir / "exposure_scrolled.png"))

        # The 調書 likewise: its 事項 stays in view while the statutory columns scroll under it.
        page.set_viewport_size({"width": 720, "height": 800})  # a narrow window: the statutory table is wider
        page.goto(f"{base}/reports/chousho/?fy=2017&unit=円")
        report = page.locator("#chousho-table")
        expect(report).to_be_visible()
        frame = report.locator("xpath=..")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert frame.evaluate("f => f.scrollWidth > f.clientWidth"), "the 調書 fits: nothing to scroll"
        matter = report.locator("tbody td.matter").first
        before_x = matter.bounding_box()["x"]
        frame.evaluate("f => { f.scrollLeft = f.scrollWidth; }")
        assert abs(matter.bounding_box()["x"] - before_x) <= 1
        assert abs(report.locator("thead th.sticky").bounding_box()["x"] - before_x) <= 1
        frame.screenshot(path=str(artifacts_dir / "chousho_scrolled.png"))

        # The PDF button downloads the page's table as a PDF.
        page.goto(f"{base}/exposure/?unit=円")
        with page.expect_download() as info:
            page.locator("#exposure-pdf").click()
        download = info.value
        assert download.suggested_filename.startswith("exposure_") and download.suggested_filename.endswith(".pdf")
        assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    finally:
        context.close()
