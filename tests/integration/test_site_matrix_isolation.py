"""Organization isolation: a user of 甲市 asks every auditor page, download, preview and e-mail, and the admin pages
test_admin_permissions.py does not try, with 乙町's ids and filters, and sees none of 乙町's books.

How a leak would show: every text of 乙町 contains 「乙町」 (its name, segments, 事項, counterparties, contract and
payment numbers, subscription) and its users are named iso_b_*; every amount of 乙町 is at least 75 billion yen,
so in 円 or 千円 it is above LEAK_ABOVE, while all of 甲市's books together come to 10 million yen. A page, a
download or an e-mail of 甲市 must hold neither the word nor such a number (a total that adds 乙町 in is one too).
A control test shows that a superuser does see both on the same URLs, so the marks are really there to be seen.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from commitments import fiscal
from commitments.models import (
    ImportJob,
    ProjectionYear,
    ReportDelivery,
    ReportKind,
    ReportSubscription,
    User,
)
from commitments.roles import roles_ensure
from commitments.services import amendments, payments, projection
from commitments.services import reports as report_services
from tests.support.admin_pages import fingerprint
from tests.support.factories import make_commitment, make_org, make_snapshot, make_subscription, make_year_contract

MARKS = ("乙町", "iso_b_")
LEAK_ABOVE = 20_000_000  # 甲市's books add up to 10,000,000 yen; 乙町's smallest amount is 75,308,643 千円
_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d,])")
FY = fiscal.fiscal_year_of(timezone.localdate())
PAID_ON = min(datetime.date(FY, 6, 30), timezone.localdate())  # never in the future (payments dated later are refused)
SNAPSHOT_DAY = timezone.localdate() - datetime.timedelta(days=1)


@dataclass
class Books:
    a: Any  # 甲市 (the user's own organization)
    b: Any  # 乙町 (the other one)
    superuser: User
    a_commitment: Any
    b_commitment: Any
    b_text_limit: Any
    b_amendment: Any
    a_subscriptions: dict[str, ReportSubscription]
    b_subscription: ReportSubscription
    b_delivery: ReportDelivery
    b_import: ImportJob

    @property
    def ids(self) -> dict[str, Any]:
        """What the URL templates below name."""
        return {
            "b_org": self.b.organization.pk,
            "b_seg": self.b.segment.pk,
            "b_c": self.b_commitment.pk,
            "b_text": self.b_text_limit.pk,
            "b_sub": self.b_subscription.pk,
            "a_sub": self.a_subscriptions[ReportKind.EXPOSURE_SUMMARY].pk,
            "snap": SNAPSHOT_DAY.isoformat(),
        }


@pytest.fixture(scope="module")
def books(django_db_setup: None, django_db_blocker: Any) -> Iterator[Books]:
    """Both organizations' books, made once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        a = make_org("甲市", prefix="iso_a_")
        b = make_org("乙町", prefix="iso_b_")
        b.segment.name, b.other_segment.name = "乙町下水道事業", "乙町病院事業"
        b.segment.save()
        b.other_segment.save()
        span = {"authorized_fy": FY, "first_burden_fy": FY}
        a_commitment = make_commitment(
            a, matter="甲市庁舎清掃業務委託", limit_yen=9_000_000, last_burden_fy=FY + 2, **span
        )
        a_contract = make_year_contract(
            a, a_commitment, "KO-001", 3_000_000, fy=FY, counterparty="甲市ビル管理株式会社"
        )
        payments.payment_record(actor=a.officer2, contract=a_contract, paid_on=PAID_ON, amount_yen=1_000_000)
        b_commitment = make_commitment(
            b, matter="乙町下水道管路調査業務", limit_yen=987_654_321_000, last_burden_fy=FY, **span
        )
        b_contract = make_year_contract(
            b, b_commitment, "乙町-001", 912_345_678_000, fy=FY, counterparty="乙町建設株式会社"
        )
        payments.payment_record(
            actor=b.officer2,
            contract=b_contract,
            paid_on=PAID_ON,
            amount_yen=912_345_678_000,
            reference="乙町支出-1",
        )
        b_text_limit = make_commitment(  # left unprojected: it is also in 乙町's 「推計が未更新」 list
            b,
            matter="乙町給食配送業務",
            limit_yen=None,
            limit_text="乙町の単価契約による額",
            estimated_limit_yen=950_000_000_000,
            last_burden_fy=FY + 1,
            **span,
        )
        b_amendment = amendments.amendment_create(
            actor=b.officer2, commitment=b_commitment, reason="乙町の補正（起案中）", new_limit_yen=999_000_000_000
        )
        for commitment in (a_commitment, b_commitment):
            projection.projection_refresh(commitment_id=commitment.pk)
        make_snapshot(a, as_of=SNAPSHOT_DAY, fiscal_year=FY, planned_yen=3_000_000)
        make_snapshot(b, as_of=SNAPSHOT_DAY, fiscal_year=FY, planned_yen=987_654_321_000)
        a_subscriptions = {
            kind: make_subscription(a, name=f"甲市 {kind}", kind=kind, attach_xlsx=True, attach_csv=True)
            for kind in ReportKind.values
        }
        b_subscription = make_subscription(
            b, name="乙町 月次報告", kind=ReportKind.EXPOSURE_SUMMARY, attach_xlsx=True, attach_csv=True
        )
        b_delivery = ReportDelivery.objects.create(
            subscription=b_subscription,
            subscription_name=b_subscription.name,
            organization=b.organization,
            kind=b_subscription.kind,
            period="2026-04",
            status=ReportDelivery.Status.SENT,
            recipients="iso_b_manager@example.jp",
            subject="【債務負担行為】乙町の報告",
            message=b"Subject: =?utf-8?b?5LmZ55S6?=\r\n\r\n\xe4\xb9\x99\xe7\x94\xba",
        )
        b_import = ImportJob.objects.create(
            organization=b.organization, file_name="乙町予算書.csv", content="乙町".encode(), uploaded_by=b.officer2
        )
        superuser = User.objects.create_superuser("iso_root", "root@example.jp", "pw-root")
        yield Books(
            a, b, superuser, a_commitment, b_commitment, b_text_limit, b_amendment, a_subscriptions, b_subscription,
            b_delivery, b_import,
        )  # fmt: skip
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `books` ensured the groups for the module."""


# ---------------------------------------------------------------------------------------------------------------
# Reading a response, a file or an e-mail for 乙町.


def _text_leaks(text: str, where: str) -> list[str]:
    found = [f"{where}: {mark!r}" for mark in MARKS if mark in text]
    big = [n for n in _NUMBER.findall(text) if int(n.replace(",", "")) > LEAK_ABOVE]
    return found + ([f"{where}: amounts {big[:5]}"] if big else [])


def _cell_leaks(values: list[Any], where: str) -> list[str]:
    problems = []
    for value in values:
        if isinstance(value, str):
            problems += _text_leaks(value, where)
            if value.replace(",", "").replace(".", "").isdigit() and float(value.replace(",", "")) > LEAK_ABOVE:
                problems.append(f"{where}: amount {value}")
        elif isinstance(value, int | float) and not isinstance(value, bool) and value > LEAK_ABOVE:
            problems.append(f"{where}: amount {value}")
    return problems


def xlsx_values(data: bytes) -> list[Any]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return [v for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row]


def csv_values(data: bytes) -> list[Any]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def file_leaks(name: str, data: bytes) -> list[str]:
    if name.endswith(".xlsx"):
        return _cell_leaks(xlsx_values(data), name)
    if name.endswith(".csv"):
        return _cell_leaks(csv_values(data), name)
    return _text_leaks(data.decode("utf-8", "replace"), name)


def response_leaks(response: Any, url: str) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        return file_leaks(url + ".xlsx", body)
    if "text/csv" in kind:
        return file_leaks(url + ".csv", body)
    if kind == "application/pdf":  # the words and figures printed on its pages
        return _text_leaks(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages), url)
    return _text_leaks(body.decode("utf-8", "replace"), url)


# ---------------------------------------------------------------------------------------------------------------
# The auditor site, asked with 乙町's ids and filters. NOT_FOUND: the object is 乙町's; everything else is shown
# (200), with 甲市's books only.

NOT_FOUND = 404
SITE: dict[str, int] = {
    "/commitments/{b_c}/": NOT_FOUND,
    "/commitments/{b_text}/": NOT_FOUND,
    "/exposure/": 200,
    "/exposure/?segment={b_seg}": 200,
    "/exposure/?organization={b_org}&matter=下水道&basis=total": 200,
    "/exposure/?basis=remaining&unit=円": 200,
    "/exposure/export.csv": 200,
    "/exposure/export.csv?segment={b_seg}&basis=paid": 200,
    "/exposure/export.xlsx": 200,
    "/exposure/export.xlsx?segment={b_seg}&unit=円": 200,
    "/exposure/export.pdf?segment={b_seg}&unit=円": 200,
    "/exposure/summary/": 200,
    "/exposure/summary/?basis=total&unit=円": 200,
    "/exposure/summary/?as_of={snap}&basis=planned": 200,
    "/exposure/summary/export.csv?basis=total&unit=円": 200,
    "/exposure/summary/export.xlsx?segment={b_seg}&unit=円": 200,
    "/exposure/summary/export.pdf?basis=total&unit=円": 200,
    "/reports/chousho/?organization={b_org}": 200,
    "/reports/chousho/export.csv?organization={b_org}&unit=円": 200,
    "/reports/chousho/export.xlsx?organization={b_org}": 200,
    "/reports/chousho/export.pdf?organization={b_org}&unit=円": 200,
    "/reports/exceptions/?organization={b_org}&days=3660": 200,
    "/reports/exceptions/export.csv?organization={b_org}&unit=円": 200,
    "/reports/exceptions/export.xlsx?organization={b_org}&days=3660": 200,
    "/reports/preview/": 200,
    "/reports/preview/?subscription={a_sub}": 200,
    "/reports/preview/?subscription={a_sub}&part=html": 200,
    "/reports/preview/?subscription={a_sub}&part=0": 200,
    "/reports/preview/?subscription={a_sub}&part=1": 200,
    "/reports/preview/?subscription={b_sub}": NOT_FOUND,
    "/reports/preview/?subscription={b_sub}&part=html": NOT_FOUND,
    "/reports/preview/?subscription={b_sub}&part=chart": NOT_FOUND,
    "/reports/preview/?subscription={b_sub}&part=0": NOT_FOUND,
}
SITE_ROLES = {"auditor": "auditor", "management": "manager", "finance_officer": "officer2"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(SITE_ROLES))
@pytest.mark.parametrize("template", list(SITE))
def test_auditor_site_shows_only_own_books(client: Client, books: Books, template: str, role: str) -> None:
    url = template.format(**books.ids)
    client.force_login(getattr(books.a, SITE_ROLES[role]))
    response = client.get(url)
    assert response.status_code == SITE[template], f"{url}: {response.status_code}"
    problems = response_leaks(response, url)
    assert not problems, f"{role} of 甲市 sees 乙町's books: {problems}"


CONTROL = ["/commitments/{b_c}/", "/exposure/", "/exposure/export.csv", "/exposure/export.xlsx?unit=円"]
CONTROL += ["/exposure/export.pdf?unit=円", "/reports/chousho/export.pdf?organization={b_org}&unit=円"]
CONTROL += [f"{u}?organization={{b_org}}" for u in ("/reports/chousho/", "/reports/exceptions/")]
CONTROL += [
    f"{u}?organization={{b_org}}&unit=円" for u in ("/reports/chousho/export.csv", "/reports/exceptions/export.xlsx")
]


@pytest.mark.django_db
def test_control_superuser_sees_both_marks(client: Client, books: Books) -> None:
    """The same URLs show 乙町's word and amounts to a superuser: the checks above would see a leak."""
    client.force_login(books.superuser)
    for template in CONTROL:
        url = template.format(**books.ids)
        problems = response_leaks(client.get(url), url)
        assert any("乙町" in p for p in problems), f"{url}: 乙町 not seen ({problems})"
        assert any("amount" in p for p in problems), f"{url}: 乙町's amounts not seen ({problems})"


# ---------------------------------------------------------------------------------------------------------------
# E-mails built for 甲市's subscriptions, of every kind, with both attachments.


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ReportKind.values)
def test_email_of_own_subscription_holds_none_of_the_other_books(books: Books, kind: str) -> None:
    subscription = books.a_subscriptions[kind]
    built = report_services.report_build(
        subscription=subscription, period=report_services.subscription_period(subscription)
    )
    assert built.recipients == ["iso_a_manager@example.jp"]
    problems = _text_leaks(built.subject, "subject") + _text_leaks(built.text, "text") + _text_leaks(built.html, "html")
    assert len(built.attachments) == 2
    for attachment in built.attachments:
        problems += file_leaks(attachment.filename, attachment.content)
    assert not problems, f"the {kind} e-mail of 甲市 holds 乙町's books: {problems}"


# ---------------------------------------------------------------------------------------------------------------
# The admin pages test_admin_permissions.py does not try on another organization's records: the lists with 乙町's
# filters, the add forms' choices, segments, projections, subscriptions, deliveries, uploads, and deletes. Any of
# 200 / 302 / 403 / 404 is fine, as long as nothing of 乙町 is shown and nothing changes.

A = "/admin/commitments"
ADMIN: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # case                              (role,             method, url,                                   data)
    "commitment-changelist-filtered": ("finance_officer", "GET", f"{A}/commitment/?segment__id__exact={{b_seg}}", {}),
    "commitment-changelist-search": ("approver", "GET", f"{A}/commitment/?q=下水道", {}),
    "commitment-delete-draft-GET": ("finance_officer", "GET", f"{A}/commitment/{{b_text}}/delete/", {}),
    "commitment-delete-POST": ("finance_officer", "POST", f"{A}/commitment/{{b_c}}/delete/", {"post": "yes"}),
    "contract-changelist-filtered": (
        "finance_officer", "GET", f"{A}/contract/?commitment__segment__id__exact={{b_seg}}", {}
    ),
    "contract-add-GET": ("finance_officer", "GET", f"{A}/contract/add/", {}),
    "payment-changelist-search": ("finance_officer", "GET", f"{A}/payment/?q=支出-1", {}),
    "payment-add-GET": ("finance_officer", "GET", f"{A}/payment/add/", {}),
    "amendment-changelist-search": ("approver", "GET", f"{A}/amendment/?q=起案中", {}),
    "amendment-add-GET": ("finance_officer", "GET", f"{A}/amendment/add/", {}),
    "amendment-delete-POST": ("finance_officer", "POST", f"{A}/amendment/{{b_amend}}/delete/", {"post": "yes"}),
    "segment-changelist": ("finance_officer", "GET", f"{A}/segment/", {}),
    "segment-changelist-filtered": ("approver", "GET", f"{A}/segment/?organization__id__exact={{b_org}}", {}),
    "segment-change-GET": ("finance_officer", "GET", f"{A}/segment/{{b_seg}}/change/", {}),
    "segment-history-GET": ("approver", "GET", f"{A}/segment/{{b_seg}}/history/", {}),
    "projectionyear-changelist": ("finance_officer", "GET", f"{A}/projectionyear/", {}),
    "projectionyear-changelist-filtered": (
        "approver", "GET", f"{A}/projectionyear/?segment__id__exact={{b_seg}}", {}
    ),
    "projectionyear-change-GET": ("finance_officer", "GET", f"{A}/projectionyear/{{b_proj}}/change/", {}),
    "projectionyear-history-GET": ("approver", "GET", f"{A}/projectionyear/{{b_proj}}/history/", {}),
    "reportsubscription-changelist": ("finance_officer", "GET", f"{A}/reportsubscription/", {}),
    "reportsubscription-changelist-filtered": (
        "finance_officer", "GET", f"{A}/reportsubscription/?organization__id__exact={{b_org}}", {}
    ),
    "reportsubscription-add-GET": ("finance_officer", "GET", f"{A}/reportsubscription/add/", {}),
    "reportsubscription-change-GET": ("finance_officer", "GET", f"{A}/reportsubscription/{{b_sub}}/change/", {}),
    "reportsubscription-history-GET": ("finance_officer", "GET", f"{A}/reportsubscription/{{b_sub}}/history/", {}),
    "reportsubscription-delete-POST": (
        "finance_officer", "POST", f"{A}/reportsubscription/{{b_sub}}/delete/", {"post": "yes"}
    ),
    "reportsubscription-send_now-POST": (
        "finance_officer", "POST", f"{A}/reportsubscription/",
        {"action": "send_now_selected", "_selected_action": ["{b_sub}"]},
    ),
    "reportdelivery-changelist": ("finance_officer", "GET", f"{A}/reportdelivery/", {}),
    "reportdelivery-changelist-filtered": (
        "finance_officer", "GET", f"{A}/reportdelivery/?organization__id__exact={{b_org}}", {}
    ),
    "reportdelivery-change-GET": ("finance_officer", "GET", f"{A}/reportdelivery/{{b_deliv}}/change/", {}),
    "reportdelivery-message-GET": ("finance_officer", "GET", f"{A}/reportdelivery/{{b_deliv}}/message/", {}),
    "reportdelivery-resend-POST": (
        "finance_officer", "POST", f"{A}/reportdelivery/",
        {"action": "resend_selected", "_selected_action": ["{b_deliv}"], "confirm": "1", "reason": "試し"},
    ),
    "importjob-changelist": ("finance_officer", "GET", f"{A}/importjob/", {}),
    "importjob-change-GET": ("finance_officer", "GET", f"{A}/importjob/{{b_import}}/change/", {}),
    "importjob-approve-POST": ("approver", "POST", f"{A}/importjob/{{b_import}}/change/", {"_approve": "1"}),
}  # fmt: skip


def _admin_ids(books: Books) -> dict[str, Any]:
    projection_row = ProjectionYear.objects.filter(commitment=books.b_commitment).first()
    return books.ids | {
        "b_amend": books.b_amendment.pk,
        "b_proj": projection_row.pk,
        "b_deliv": books.b_delivery.pk,
        "b_import": books.b_import.pk,
    }


def _counts() -> tuple[int, ...]:
    return (
        ReportSubscription.objects.count(),
        ReportDelivery.objects.count(),
        ImportJob.objects.exclude(status="previewed").count(),
    )


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(ADMIN), ids=[f"other_org_{ADMIN[c][0]}-{c}" for c in ADMIN])
def test_admin_shows_and_changes_nothing_of_another_organization(client: Client, books: Books, case: str) -> None:
    role, method, template, data = ADMIN[case]
    ids = _admin_ids(books)
    url = template.format(**ids)
    client.force_login(books.a.officer2 if role == "finance_officer" else books.a.approver)
    client.raise_request_exception = False
    before = (fingerprint(), _counts())
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, {k: _fill(v, ids) for k, v in data.items()}, follow=True)
    assert response.status_code in (200, 302, 403, 404), f"{url}: {response.status_code}"
    problems = response_leaks(response, url)
    assert not problems, f"{role} of 甲市, {case}: shows {problems}"
    assert (fingerprint(), _counts()) == before, f"{role} of 甲市, {case}: the database changed"
