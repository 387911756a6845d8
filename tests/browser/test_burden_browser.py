"""The burden page in a real browser: the J-LIS demo as of 1 April 2017 draws FY2018's share above the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commitments.services.demo import demo_load

AUDITOR = ("auditor", "demo-auditor-2017")


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """Load the demo (idempotent; also recreates the role groups that the transactional flush removed)."""
    demo_load()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_auditor_sees_the_share_chart(demo_data: None, live_server: object, page: Page, artifacts_dir: Path) -> None:
    base = str(live_server).rstrip("/")
    page.goto(f"{base}/accounts/login/?next=/exposure/burden/%3Fas_of%3D2017-04-01")
    page.get_by_label("ユーザー名").fill(AUDITOR[0])
    page.get_by_label("パスワード").fill(AUDITOR[1])
    page.get_by_role("button", name="ログイン", exact=True).click()

    chart = page.get_by_role("img", name="年度別の財政見通しに対する既定の負担の割合（合計）")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200  # drawn at its size, not collapsed
    # Six years FY2018–FY2023, the first above the 10 % line: 5,709,370 of 55,253,707 千円.
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(6)
    expect(chart.locator("rect.bar.over")).to_have_count(1)
    expect(chart.locator("line.threshold")).to_have_count(1)
    expect(chart).to_contain_text("10.33%")
    expect(chart).to_contain_text("平成30年度")
    first, second = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
    assert first is not None and second is not None and first["height"] > second["height"]  # 10.33 % > 9.64 %
    line = chart.locator("line.threshold").bounding_box()
    assert line is not None and first["y"] < line["y"] < second["y"]  # the line between the two bars' tops
    table = page.locator("#burden-table")
    expect(table).to_contain_text("5,709,370")
    expect(table).to_contain_text("55,253,707")
    chart.screenshot(path=str(artifacts_dir / "burden_chart.png"))
    page.screenshot(path=str(artifacts_dir / "burden.png"), full_page=True)
    assert (artifacts_dir / "burden_chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
