"""The manager's path: the administrator presses 今すぐ送信 (a list action) in the admin, the real worker sends the
monthly report over Redis to a real SMTP server, and the manager reads it — the HTML part opened in the browser with
its inline chart — and follows its link to the summary page. Screenshots under test-artifacts/roles/."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commitments.models import ReportDelivery, ReportSubscription
from commitments.services.demo import demo_load
from tests.integration.conftest import smtp_server, wait_for  # noqa: F401  (fixture used below)

ADMIN = ("admin", "demo-admin-2017")
MANAGER = ("manager", "demo-manager-2017")
SEND_NOW = "選択した定期報告を今すぐ送信（今期分）"
SUBSCRIPTION = "月次報告（J-LIS）"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_reads_the_monthly_email_and_follows_its_link(
    transactional_db: None,
    live_server: object,
    settings: object,
    celery_worker: object,
    smtp_server: object,  # noqa: F811
    page: Page,
    open_session: Callable[[], Page],
    artifacts_dir: Path,
) -> None:
    demo_load()
    base = str(live_server).rstrip("/")
    settings.SITE_URL = base  # type: ignore[attr-defined]  # the e-mail's links lead to this server
    folder = artifacts_dir / "roles"
    folder.mkdir(exist_ok=True)
    subscription = ReportSubscription.objects.get(organization__short_name="J-LIS")

    # 今すぐ送信 is not a button: tick the subscription in 定期報告 and run the action.
    page.goto(f"{base}/admin/login/")
    page.get_by_label("ユーザー名").fill(ADMIN[0])
    page.get_by_label("パスワード").fill(ADMIN[1])
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.goto(f"{base}/admin/commitments/reportsubscription/")
    page.locator("#result_list tbody tr").filter(has_text=subscription.name).locator("input.action-select").check()
    page.locator("select[name='action']").select_option(label=SEND_NOW)
    page.get_by_role("button", name="実行", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("の送信を受け付けました。")
    page.screenshot(path=str(folder / "admin_1_send_now.png"), full_page=True)

    wait_for(lambda: smtp_server.messages, timeout=60)  # type: ignore[attr-defined]
    [(recipients, message)] = smtp_server.messages  # type: ignore[attr-defined]
    assert recipients == ["manager@jlis.example"]
    assert str(message["Subject"]).strip().endswith("月次報告（地方公共団体情報システム機構）")
    # The worker records the delivery sent once the server has accepted the message.
    sent = ReportDelivery.Status.SENT
    wait_for(lambda: ReportDelivery.objects.get(subscription=subscription).status == sent, timeout=30)

    # The manager's mail reader: the HTML part, its inline chart given as the picture it names by Content-ID.
    html = message.get_body(("html",)).get_content()
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    [image] = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    picture = "data:image/png;base64," + base64.b64encode(image.get_content()).decode()
    html = html.replace(f"cid:{image['Content-ID'].strip('<>')}", picture)
    (folder / "manager_email.html").write_text(html, encoding="utf-8")
    page = open_session()  # the manager's own browser: not logged in
    page.set_content(html)
    expect(page.locator("body")).to_contain_text("集計対象の債務負担行為: 32 件（失効 32 件）")
    expect(page.locator("body")).to_contain_text("合計5,465,241")  # 平成29年度, 千円
    expect(page.locator("img")).to_have_count(1)
    # One unit for the whole report: the chart is drawn in the table's 千円 (its years reach 5,709,370 千円, which
    # once switched the chart alone to 百万円), and the label over its vertical axis says so.
    expect(page.locator("#chart-axis-unit")).to_have_text("縦軸の単位：千円")
    assert "百万円" not in html
    # Every J-LIS authority has lapsed by now: the burden table says it has no year rather than show bare headers.
    expect(page.locator("#burden-none")).to_have_text("将来の年度に既定の負担はありません。")
    assert page.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")  # the chart is drawn
    page.screenshot(path=str(folder / "manager_1_email.png"), full_page=True)

    # Its link to the summary, followed: the manager logs in and lands on the page it names.
    link = page.locator(f"a[href^='{base}/exposure/summary/']").first
    href = link.get_attribute("href")
    assert href is not None
    link.click()
    page.get_by_label("ユーザー名").fill(MANAGER[0])
    page.get_by_label("パスワード").fill(MANAGER[1])
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(href)
    expect(page.locator("#summary-table tfoot")).to_contain_text("25,395,623")
    page.screenshot(path=str(folder / "manager_2_summary_from_link.png"), full_page=True)
