"""The approval workflow as officers and approvers drive it in the real admin: enter, submit, approve, and
the segregation of duties (職務分掌) that stops a submitter from approving their own submission."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Locator, Page, expect

from commitments.models import Commitment, PlannedAmount, Status, User
from commitments.roles import roles_ensure
from tests.support.factories import Org, make_commitment, make_org

MATTER = "住民情報システム機器の賃貸借"
SOD_MATTER = "庁舎空調設備保守業務委託"
RESOLUTION = "第13回経営審議委員会 議案第2号"
SUBMIT_ACTION = "選択した債務負担行為を提出"
APPROVE_ACTION = "選択した債務負担行為を承認"
MIN_PNG_BYTES = 20_000


@pytest.fixture
def org(transactional_db: None) -> Org:
    """The role groups (the transactional flush removes them) and an organization with one user per role.

    officer2 is a plain finance officer, approver only approves, officer holds both roles.
    """
    roles_ensure(django_apps)
    return make_org()


def _assert_png(path: Path) -> None:
    assert path.exists(), f"{path} was not written"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert len(data) > MIN_PNG_BYTES, f"{path} is suspiciously small ({len(data)} bytes)"


def _admin_login(page: Page, base: str, user: User) -> None:
    """Log in on the admin's own login form (factories give every user the password pw-<username>)."""
    page.goto(f"{base}/admin/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(f"pw-{user.username}")
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{base}/admin/")


def _row(page: Page, matter: str) -> Locator:
    return page.locator("#result_list tbody tr").filter(has_text=matter)


def _run_action(page: Page, matter: str, action: str) -> None:
    """Tick the commitment's row on the changelist, choose the action and press 実行."""
    _row(page, matter).locator("input.action-select").check()
    page.locator("select[name='action']").select_option(label=action)
    page.get_by_role("button", name="実行", exact=True).click()


def _confirmation_heading(page: Page) -> Locator:
    """The 承認 intermediate page's heading (.first: action_form.html prints its own <h1> under the admin's)."""
    return page.locator("#content").get_by_role("heading", name="承認", exact=True).first


def _action_labels(page: Page) -> list[str]:
    return [label.strip() for label in page.locator("select[name='action'] option").all_inner_texts()]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_submits_and_approver_approves(
    org: Org, live_server: object, page: Page, open_session: Callable[[], Page], artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")
    changelist = f"{base}/admin/commitments/commitment/"

    # The finance officer opens 債務負担行為 → 追加 from the admin index and types the budget's figures as printed.
    _admin_login(page, base, org.officer2)
    page.locator("tr.model-commitment").get_by_role("link", name="追加", exact=True).click()
    expect(page).to_have_url(f"{changelist}add/")
    page.get_by_label("事業区分").select_option(label="一般会計")
    page.get_by_label("事項").fill(MATTER)
    page.locator("#id_limit_amount").fill("１２，０００")
    page.get_by_label("単位").select_option(label="千円")
    page.get_by_label("行為年度").fill("令和8年度")
    page.get_by_label("負担年度（初年度）").fill("R8")
    page.get_by_label("負担年度（最終年度）").fill("令和10年度")
    page.get_by_role("button", name="保存", exact=True).click()

    # Saved as a draft: back on the changelist with the row marked 起案中.
    expect(page).to_have_url(changelist)
    row = _row(page, MATTER)
    expect(row.locator(".status-badge")).to_have_text("起案中")
    expect(row).to_contain_text("12,000")
    expect(row).to_contain_text("令和8年度")

    # Submit it with the changelist action; the row turns 承認待ち.
    _run_action(page, MATTER, SUBMIT_ACTION)
    expect(page).to_have_url(changelist)
    expect(page.locator("ul.messagelist")).to_contain_text(f"{MATTER}: 提出")
    expect(row.locator(".status-badge")).to_have_text("承認待ち")
    # A plain finance officer is not offered the approval actions at all.
    expect(page.locator("select[name='action']")).to_be_visible()
    assert APPROVE_ACTION not in _action_labels(page)
    submitted_shot = artifacts_dir / "admin_officer_submitted.png"
    page.screenshot(path=str(submitted_shot), full_page=True)

    # The approver, in a browser session of their own, approves it with the authorising resolution.
    approver_page = open_session()
    _admin_login(approver_page, base, org.approver)
    approver_page.goto(changelist)
    expect(_row(approver_page, MATTER).locator(".status-badge")).to_have_text("承認待ち")
    _run_action(approver_page, MATTER, APPROVE_ACTION)
    expect(_confirmation_heading(approver_page)).to_be_visible()
    expect(approver_page.locator("#content")).to_contain_text(f"{MATTER}（承認待ち）")
    approver_page.get_by_label("議決・決裁").fill(RESOLUTION)
    approver_page.get_by_role("button", name="承認", exact=True).click()

    expect(approver_page).to_have_url(changelist)
    messages = approver_page.locator("ul.messagelist")
    expect(messages.locator("li.success").filter(has_text=f"{MATTER}: 承認")).to_have_count(1)
    expect(messages).to_contain_text("1 件を承認しました。")
    expect(_row(approver_page, MATTER).locator(".status-badge")).to_have_text("承認済")
    approved_shot = artifacts_dir / "admin_approver_approved.png"
    approver_page.screenshot(path=str(approved_shot), full_page=True)

    _assert_png(submitted_shot)
    _assert_png(approved_shot)

    commitment = Commitment.objects.get(organization=org.organization, matter=MATTER)
    assert (commitment.status, commitment.submitted_by_id, commitment.approved_by_id, commitment.resolution) == (
        Status.APPROVED,
        org.officer2.pk,
        org.approver.pk,
        RESOLUTION,
    )
    assert (commitment.segment_id, commitment.limit_yen) == (org.segment.pk, 12_000_000)
    assert (commitment.authorized_fy, commitment.first_burden_fy, commitment.last_burden_fy) == (2026, 2026, 2028)
    # 12,000 千円 spread equally over 令和8–10年度: 4,000 千円 a year.
    planned = dict(
        PlannedAmount.objects.filter(commitment=commitment)
        .order_by("fiscal_year")
        .values_list("fiscal_year", "amount_yen")
    )
    assert planned == {2026: 4_000_000, 2027: 4_000_000, 2028: 4_000_000}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_submitter_cannot_approve_own_submission(
    org: Org, live_server: object, page: Page, artifacts_dir: Path
) -> None:
    base = str(live_server).rstrip("/")
    changelist = f"{base}/admin/commitments/commitment/"
    # org.officer holds both roles, so the approve action is offered to them: only 職務分掌 stops them.
    assert set(org.officer.groups.values_list("name", flat=True)) == {"finance_officer", "approver"}
    make_commitment(
        org,
        approve=False,
        matter=SOD_MATTER,
        limit_yen=9_000_000,
        authorized_fy=2026,
        first_burden_fy=2026,
        last_burden_fy=2028,
    )

    _admin_login(page, base, org.officer)
    page.goto(changelist)
    row = _row(page, SOD_MATTER)
    expect(row.locator(".status-badge")).to_have_text("起案中")
    _run_action(page, SOD_MATTER, SUBMIT_ACTION)
    expect(page).to_have_url(changelist)
    expect(row.locator(".status-badge")).to_have_text("承認待ち")
    assert APPROVE_ACTION in _action_labels(page)

    # The same person now tries to approve what they submitted.
    _run_action(page, SOD_MATTER, APPROVE_ACTION)
    expect(_confirmation_heading(page)).to_be_visible()
    page.get_by_label("議決・決裁").fill(RESOLUTION)
    page.get_by_role("button", name="承認", exact=True).click()

    expect(page).to_have_url(changelist)
    messages = page.locator("ul.messagelist")
    expect(messages.locator("li.error")).to_contain_text(re.compile(rf"{SOD_MATTER}: .*職務分掌"))
    expect(messages).to_contain_text("1 件は承認できませんでした。")
    expect(messages).not_to_contain_text("件を承認しました")
    expect(row.locator(".status-badge")).to_have_text("承認待ち")
    refused_shot = artifacts_dir / "admin_sod_refused.png"
    page.screenshot(path=str(refused_shot), full_page=True)
    _assert_png(refused_shot)

    commitment = Commitment.objects.get(organization=org.organization, matter=SOD_MATTER)
    assert (commitment.status, commitment.submitted_by_id, commitment.approved_by_id, commitment.resolution) == (
        Status.SUBMITTED,
        org.officer.pk,
        None,
        "",
    )
