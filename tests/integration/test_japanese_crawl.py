"""Every page in Japanese: a crawl of the site pages and of every admin page (index, each registered model's list,
add and change pages) in ja, as each role, finds no English word in the visible text outside a short list of codes,
file types and units."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from commitments import fiscal
from commitments.models import (
    Amendment,
    Commitment,
    Contract,
    FiscalFrame,
    ImportJob,
    KindClassification,
    Organization,
    Payment,
    ProjectionSnapshot,
    ProjectionYear,
    ReportDelivery,
    ReportKind,
    ReportSubscription,
    Segment,
    User,
)
from commitments.roles import roles_ensure
from commitments.services import amendments, frames, payments, projection
from commitments.services import reports as report_services
from tests.support.factories import make_commitment, make_contract, make_org

FY = fiscal.fiscal_year_of(timezone.localdate())
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}
ROLES = {
    "finance_officer": "officer2",
    "approver": "approver",
    "auditor": "auditor",
    "management": "manager",
    "superuser": None,
}
# Words a Japanese page may show in Latin letters: file types, units, codes and names of the books themselves.
ALLOWED = {
    "CSV", "TSV", "XLSX", "PDF", "HTML", "ID", "FY", "URL", "KB",  # formats and units
    "IP", "GET", "POST", "HTTP", "SHA",  # words of the login records' columns
    "JA", "EN", "English",  # the language chooser names English in English
    "Excel", "JavaScript", "LDAP",  # names of products
    "Control", "Command", "Mac",  # the keys named by the hint of a multiple choice
    "general", "water",  # the codes of the organization's segments (data)
}  # fmt: skip
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")  # \b fails beside a kana: 2026-12-03から
WORD = re.compile(r"(?<![A-Za-z0-9_\-.@/])[A-Za-z][A-Za-z]+(?![A-Za-z0-9_\-.@/])")


@dataclass
class World:
    org: Any
    superuser: User
    rows: dict[type[models.Model], models.Model] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.superuser if ROLES[role] is None else getattr(self.org, ROLES[role])


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """One organization's books with a row of every kind, made once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        o = make_org("和文市", prefix="ja_")
        superuser = User.objects.create_superuser("ja_root", "root@example.jp", "pw-root")
        span = {"authorized_fy": FY, "first_burden_fy": FY}
        commitment = make_commitment(o, matter="和文市庁舎清掃業務", limit_yen=9_000_000, last_burden_fy=FY + 2, **span)
        contract = make_contract(
            o,
            commitment,
            "W-001",
            3_000_000,
            signed_on=datetime.date(FY, 4, 1),
            start_on=datetime.date(FY, 4, 1),
            end_on=datetime.date(FY + 1, 3, 31),
            payment_terms="monthly",
        )
        payment = payments.payment_record(
            actor=o.officer2,
            contract=contract,
            paid_on=datetime.date(FY, 4, 30),
            amount_yen=250_000,
            reference="支出-1",
        )
        amendment = amendments.amendment_create(
            actor=o.officer2, commitment=commitment, reason="限度額の見直し", new_limit_yen=9_500_000
        )
        make_commitment(o, approve=False, matter="起案中の業務", limit_yen=900_000, last_burden_fy=FY, **span)
        projection.projection_refresh(commitment_id=commitment.pk)
        ProjectionSnapshot.objects.create(
            organization=o.organization,
            as_of=timezone.localdate() - datetime.timedelta(days=1),
            fiscal_year=FY,
            segment=o.segment,
            planned_yen=9_000_000,
            uncontracted_yen=6_000_000,
            commitments=1,
            computed_at=timezone.now(),
        )
        subscription = ReportSubscription(name="和文市 月次報告", organization=o.organization)
        report_services.subscription_save(subscription=subscription, actor=o.officer)
        subscription.recipient_groups.set([Group.objects.get(name="management")])
        delivery = ReportDelivery.objects.create(
            subscription=subscription,
            subscription_name=subscription.name,
            organization=o.organization,
            kind=ReportKind.EXPOSURE_SUMMARY,
            period="2026-04",
            status=ReportDelivery.Status.SENT,
            recipients=o.manager.email,
            subject="【債務負担行為】和文市の報告",
        )
        upload = ImportJob.objects.create(
            organization=o.organization, file_name="和文市予算書.csv", content=b"x", uploaded_by=o.officer2
        )
        frame = frames.frame_create(
            actor=o.officer2,
            organization=o.organization,
            fiscal_year=FY + 1,
            expenditure_yen=50_000_000_000,
            general_revenue_yen=30_000_000_000,
            note="中期財政計画",
        )
        classification = frames.kind_class_set(
            actor=superuser, organization=o.organization, kind="service", statistics_class="other"
        )
        rows = {
            FiscalFrame: frame,
            KindClassification: classification,
            Organization: o.organization,
            User: o.officer2,
            Segment: o.segment,
            Commitment: commitment,
            Contract: contract,
            Payment: payment,
            Amendment: amendment,
            ProjectionYear: ProjectionYear.objects.filter(commitment=commitment).first(),
            ReportSubscription: subscription,
            ReportDelivery: delivery,
            ImportJob: upload,
            Group: Group.objects.get(name="finance_officer"),
        }
        yield World(o, superuser, rows)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `world` ensured the groups for the module."""


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    yield
    translation.deactivate()


def visible_text(body: str) -> str:
    """What a reader sees: text between tags, without scripts, styles and comments; buttons' and inputs' labels."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", body, flags=re.S | re.I)
    body = re.sub(r"<bdi>.*?</bdi>", " ", body, flags=re.S)  # a password hash's salt and digest (masked letters)
    shown = re.findall(r"<input[^>]*type=\"(?:submit|button)\"[^>]*value=\"([^\"]*)\"", body)
    shown += re.findall(r"(?:placeholder|title|aria-label)=\"([^\"]*)\"", body)
    text = html.unescape(" ".join([re.sub(r"<[^>]+>", " ", body), *shown]))
    return re.sub(r"https?://\S+", " ", text)  # addresses are addresses


def english_words(body: str, allowed: set[str] = ALLOWED) -> set[str]:
    return {word for word in WORD.findall(visible_text(body)) if word not in allowed}


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def site_urls(world: World) -> list[str]:
    c = world.rows[Commitment]
    s = world.rows[ReportSubscription]
    return [
        "/accounts/login/",
        "/exposure/",
        "/exposure/?page=2&per_page=1",
        "/exposure/summary/",
        "/exposure/burden/",
        f"/exposure/burden/?as_of={FY}-04-01&unit=百万円",
        "/exposure/burden/statistics/",
        f"/commitments/{c.pk}/",
        f"/reports/chousho/?fy={FY}",
        "/reports/exceptions/",
        "/reports/preview/",
        f"/reports/preview/?subscription={s.pk}&period=2026-04",
    ]


# django-axes names its records in English in code (AccessLog.__str__: "Access Log for … @ …"), not through
# translations: its record pages, which only a superuser opens, are left out; its section and columns are checked
# on the index.
UNCHECKED_APPS = {"axes"}


def admin_urls(world: World) -> list[str]:
    urls = ["/admin/"]
    for model in admin.site._registry:
        if model._meta.app_label in UNCHECKED_APPS:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += filter(None, [_url(f"{prefix}_changelist"), _url(f"{prefix}_add")])
        row = world.rows.get(model)
        if row is not None:
            urls += filter(None, [_url(f"{prefix}_change", row.pk), _url(f"{prefix}_history", row.pk)])
    urls += sorted({f"/admin/{model._meta.app_label}/" for model in admin.site._registry})  # the sections
    # The admin's own pages besides the standard ones: cancel a contract, reverse a payment, upload payments and
    # fiscal frames.
    urls += filter(
        None,
        [
            _url("admin:commitments_contract_cancel", world.rows[Contract].pk),
            _url("admin:commitments_payment_reverse", world.rows[Payment].pk),
            _url("admin:commitments_payment_upload"),
            _url("admin:commitments_fiscalframe_upload"),
        ],
    )
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_reads_in_japanese(client: Client, world: World, role: str) -> None:
    client.force_login(world.user(role))
    client.raise_request_exception = False
    problems = []
    seen = 0
    for url in site_urls(world) + admin_urls(world):
        response = client.get(url, **JA)
        if response.status_code != 200 or response.streaming:
            continue
        seen += 1
        text = visible_text(response.content.decode())
        words = english_words(response.content.decode())
        if words:
            problems.append(f"{url}: {sorted(words)}")
        other_dates = ISO_DATE.findall(text)  # one style of date: 2026年12月3日 (令和8年12月3日 on the site)
        if other_dates:
            problems.append(f"{url}: dates {sorted(set(other_dates))}")
    assert seen >= len(site_urls(world)) - 1  # every site page but the login page (a signed-in user is sent on)
    assert not problems, f"{role} reads English in Japanese pages:\n" + "\n".join(problems)


# --- the reported cases, one by one ---------------------------------------------------------------------------


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", visible_text(response.content.decode()))


@pytest.mark.django_db
def test_schedule_in_words_and_send_times_with_japanese_weekdays(client: Client, world: World) -> None:
    client.force_login(world.org.officer)
    subscription = world.rows[ReportSubscription]
    page = _text(client.get(f"/admin/commitments/reportsubscription/{subscription.pk}/change/", **JA))
    assert "毎月第1営業日 7:00" in page  # minute 0, hour 7, day 1-7, weekday 1-5, first business day only
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\([月火水木金]\) 07:00", page), page
    listing = _text(client.get("/admin/commitments/reportsubscription/", **JA))
    assert "毎月第1営業日 7:00" in listing and "1-7" not in listing
    preview = _text(client.get(f"/reports/preview/?subscription={subscription.pk}&period=2026-04", **JA))
    assert "毎月第1営業日 7:00" in preview


@pytest.mark.django_db
def test_report_kinds_by_their_names(client: Client, world: World) -> None:
    client.force_login(world.org.officer)
    page = _text(client.get("/admin/commitments/reportdelivery/", **JA))
    assert "年度別・事業区分別 負担額の概要" in page and "exposure_summary" not in page


@pytest.mark.django_db
def test_roles_and_permissions_in_words(client: Client, world: World) -> None:
    client.force_login(world.superuser)
    page = _text(client.get("/admin/commitments/role/add/", **JA))
    assert "補正を追加できる" in page and "債務負担行為を承認できる" in page and "Can add" not in page
    assert "補正の履歴を閲覧できる" in page
    roles = _text(client.get("/admin/commitments/role/", **JA))
    assert {"財務担当", "承認者", "監査", "経営層"} <= set(roles.split())
    users = _text(client.get("/admin/commitments/user/", **JA))
    assert "財務担当" in users and "finance_officer" not in users
    index = _text(client.get("/admin/", **JA))
    assert "Crontabs" not in index and "Clocked" not in index and "ログインの記録" in index
    officer = Client()
    officer.force_login(world.org.officer)
    assert "ログインの記録" not in _text(officer.get("/admin/", **JA))


@pytest.mark.django_db
def test_contract_schedule_with_commas_and_era_years(client: Client, world: World) -> None:
    """The contract's 支払予定 showed 647058 and 2026: 647,058 and 令和8年度 (as the page names years) now."""
    o = world.org
    contract = make_contract(
        o, world.rows[Commitment], "W-002", 647_058, payment_terms="lump_sum",
        signed_on=datetime.date(FY, 4, 1), start_on=datetime.date(FY, 4, 1), end_on=datetime.date(FY + 1, 3, 31),
    )  # fmt: skip
    client.force_login(o.approver)  # reads the schedule (no change permission on installments)
    body = client.get(f"/admin/commitments/contract/{contract.pk}/change/", **JA).content.decode()
    text = re.sub(r"\s+", " ", visible_text(body))
    due = f"{FY + 1}年3月31日"
    assert f"{due} {fiscal.format_fiscal_year(FY)} 647,058" in text, text
    assert "647058" not in text and f">{FY}<" not in body


@pytest.mark.django_db
def test_amendment_named_by_its_number_from_the_first_save(client: Client, world: World) -> None:
    """「補正 "… 補正第None号" を追加しました。」: the number is there from the first save."""
    from tests.integration.test_bad_input_forms import _amendment_post

    o = world.org
    other = make_commitment(
        o, matter="和文市道路清掃業務", limit_yen=3_000_000, authorized_fy=FY, first_burden_fy=FY, last_burden_fy=FY
    )
    client.force_login(o.officer2)
    post = _amendment_post(other, new_matter="和文市道路清掃業務（見直し）")
    response = client.post("/admin/commitments/amendment/add/", post, follow=True, **JA)
    shown = [str(m) for m in response.context["messages"]]
    assert any("和文市道路清掃業務 補正第1号" in m for m in shown), shown
    assert not any("None" in m for m in shown), shown


@pytest.mark.django_db
def test_the_pager_reads_in_japanese(client: Client, world: World) -> None:
    """The exposure list's pager said "1 2 next"."""
    o = world.org
    span = {"authorized_fy": FY, "first_burden_fy": FY, "last_burden_fy": FY}
    make_commitment(o, matter="和文市公園管理業務", limit_yen=2_000_000, **span)
    client.force_login(o.auditor)
    first = _text(client.get("/exposure/?per_page=1", **JA))
    assert "次へ" in first and "next" not in first
    second = _text(client.get("/exposure/?per_page=1&page=2", **JA))
    assert "前へ" in second and "previous" not in second
