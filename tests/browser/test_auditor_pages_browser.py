"""A 富士市 auditor in a real browser: units and eras, a commitment page, the chart, the 調書, an XLSX download."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from commitments.services.demo import demo_load

FUJI_AUDITOR = ("fuji-auditor", "demo-fuji-auditor-2026")


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """The demo: J-LIS FY2017 and 富士市's 令和8年度 調書 (a portfolio still being paid)."""
    demo_load()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_auditor_switches_units_and_eras_opens_detail_chart_chousho_and_xlsx(
    demo_data: None, live_server: object, page: Page, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = str(live_server).rstrip("/")
    page.goto(f"{base}/accounts/login/?next=/exposure/")
    page.get_by_label("ユーザー名").fill(FUJI_AUDITOR[0])
    page.get_by_label("パスワード").fill(FUJI_AUDITOR[1])
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{base}/exposure/")

    # 円 and 西暦: the header names FY2026 and the 調書's limit total (68,738,703 千円) is shown to the yen.
    form = page.locator("#exposure-filters")
    form.locator("select[name='unit']").select_option("円")
    form.locator("select[name='era']").select_option("seireki")
    form.get_by_role("button", name="表示", exact=True).click()
    expect(page).to_have_url(re.compile(r"unit=%E5%86%86.*era=seireki|era=seireki.*unit=%E5%86%86"))
    table = page.locator("#exposure-table")
    expect(table.locator("thead")).to_contain_text("FY2026")
    expect(table.locator("tfoot")).to_contain_text("68,738,703,000")
    page.screenshot(path=str(artifacts_dir / "exposure_yen_seireki.png"), full_page=True)

    # XLSX of the same table, read back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel（XLSX）").click()
    target = tmp_path / "exposure.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[1] == "事項")
    assert "FY2026" in header  # the era chosen on the page
    line = next(r for r in rows if r and r[1] == "文書配達業務")
    assert line[3] == 10_074_000  # 限度額 in 円, the unit chosen on the page

    # A commitment's own page: its projection by year, contracts (the opening balance) and history.
    table.get_by_role("link", name="文書配達業務").click()
    expect(page.locator("h1")).to_contain_text("文書配達業務")
    expect(page.locator("#projection-table")).to_be_visible()
    expect(page.locator("main")).to_contain_text("（期首残高）")
    expect(page.locator("#history-table")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "commitment_detail.png"), full_page=True)

    # The summary with its chart, drawn by the vendored Chart.js.
    page.goto(f"{base}/exposure/summary/")
    expect(page.locator("#summary-chart")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#summary-table tfoot")).to_contain_text("合計")
    page.screenshot(path=str(artifacts_dir / "exposure_summary_chart.png"), full_page=True)

    # The statutory 調書 for 令和8年度: the printed 合計 row (千円).
    page.goto(f"{base}/reports/chousho/?fy=2026")
    main = page.locator("main")
    expect(main).to_contain_text("68,738,703")
    expect(main).to_contain_text("15,817,016")
    expect(main).to_contain_text("52,921,687")
    expect(main).to_contain_text("40,005,716")
    page.screenshot(path=str(artifacts_dir / "chousho_r8.png"), full_page=True)
