"""axe-core (the copy bundled with axe-playwright-python, injected from disk: nothing is fetched) on the pages each
role opens first: no serious or critical violation of WCAG 2.x A/AA (JIS X 8341-3 AA, the public-sector norm)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_FILE_PATH
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from commitments.models import Commitment
from commitments.services.demo import demo_load

FUJI_AUDITOR = ("fuji-auditor", "demo-fuji-auditor-2026")
FUJI_OFFICER = ("fuji-officer", "demo-fuji-officer-2026")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """The demo: J-LIS FY2017 and 富士市's 令和8年度 調書."""
    demo_load()


def _login(page: Page, base: str, user: tuple[str, str], next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("ユーザー名").fill(user[0])
    page.get_by_label("パスワード").fill(user[1])
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{base}{next_url}")


def _violations(page: Page, name: str, artifacts: Path) -> list[str]:
    """axe's serious and critical violations on the page as 'rule (impact): selector…' lines; all are saved."""
    results = Axe().run(page, options=AXE_OPTIONS).response
    (artifacts / f"axe_{name}.json").write_text(json.dumps(results["violations"], ensure_ascii=False, indent=1))
    return [
        f"{name}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_and_entry_pages_have_no_serious_violation(
    demo_data: None, live_server: object, page: Page, open_session, artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")
    assert AXE_FILE_PATH.is_file()  # axe-core is injected from the installed package, not from a CDN
    requested: list[str] = []
    page.context.on("request", lambda request: requested.append(request.url))
    found: list[str] = []
    page.goto(f"{base}/accounts/login/?next=/exposure/")
    found += _violations(page, "login", artifacts_dir)

    _login(page, base, FUJI_AUDITOR, "/exposure/")
    found += _violations(page, "exposure", artifacts_dir)
    page.goto(f"{base}/exposure/summary/")
    expect(page.locator("#summary-chart")).to_have_attribute("data-rendered", "true")
    found += _violations(page, "summary", artifacts_dir)
    page.goto(f"{base}/reports/chousho/?fy=2026")
    found += _violations(page, "chousho", artifacts_dir)
    page.goto(f"{base}/reports/exceptions/")
    found += _violations(page, "exceptions", artifacts_dir)
    page.goto(f"{base}/exposure/burden/")
    found += _violations(page, "burden", artifacts_dir)
    page.goto(f"{base}/exposure/burden/statistics/")
    found += _violations(page, "burden_statistics", artifacts_dir)
    page.goto(f"{base}/reports/preview/")
    page.locator("#id_subscription").select_option(index=1)
    page.get_by_role("button", name="表示", exact=True).click()
    expect(page.locator("#preview-subject")).to_be_visible()
    found += _violations(page, "report_preview", artifacts_dir)
    commitment = Commitment.objects.filter(organization__name__contains="富士").order_by("pk").first()
    assert commitment is not None
    page.goto(f"{base}/commitments/{commitment.pk}/")
    found += _violations(page, "commitment", artifacts_dir)

    officer = open_session()
    _login(officer, base, FUJI_OFFICER, "/admin/")
    officer.goto(f"{base}/admin/commitments/commitment/add/")
    found += _violations(officer, "admin_commitment_add", artifacts_dir)
    officer.goto(f"{base}/admin/commitments/fiscalframe/")
    found += _violations(officer, "admin_fiscalframe_list", artifacts_dir)
    officer.goto(f"{base}/admin/commitments/fiscalframe/add/")
    found += _violations(officer, "admin_fiscalframe_add", artifacts_dir)

    assert found == [], "\n".join(found)
    assert [url for url in requested if not url.startswith((base, "data:"))] == []  # nothing left the machine


def _tab_to(page: Page, predicate: str, limit: int = 80) -> list[str]:
    """Press Tab until the focused element satisfies the JS `predicate` (of `el`); the names of those passed."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "() => { const el = document.activeElement; "
            "return (el.innerText || el.value || el.name || el.tagName).trim(); }"
        )
        passed.append(name)
        if page.evaluate(f"() => {{ const el = document.activeElement; return Boolean({predicate}); }}"):
            return passed
    raise AssertionError(f"not reached by Tab within {limit} presses; passed {passed}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_reaches_the_skip_link_the_options_downloads_and_rows(
    demo_data: None, live_server: object, page: Page, artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")
    _login(page, base, FUJI_AUDITOR, "/exposure/")
    # The first Tab stop is the skip link, shown when focused; Enter moves on to the page's own content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # From there on, by Tab alone: the 表示 button, both downloads and a commitment's own page.
    _tab_to(page, "el.tagName === 'BUTTON' && el.innerText.trim() === '表示'")
    _tab_to(page, "el.innerText && el.innerText.trim() === 'CSV'")
    _tab_to(page, "el.innerText && el.innerText.trim() === 'Excel（XLSX）'")
    _tab_to(page, "el.closest && el.closest('#exposure-table tbody') && el.tagName === 'A'")
    page.screenshot(path=str(artifacts_dir / "keyboard_exposure_row_focused.png"))
    page.keyboard.press("Enter")
    expect(page.locator("#projection-table")).to_be_visible()
    # The summary's chart names itself and points to the table holding its figures.
    page.goto(f"{base}/exposure/summary/")
    chart = page.locator("#summary-chart")
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_accessible_name("年度別・事業区分別の積み上げ棒グラフ")
    expect(chart).to_have_accessible_description(re.compile("下の表と同じ数値"))
    expect(page.locator("#summary-table caption")).to_contain_text("事業区分別・年度別の負担額")
