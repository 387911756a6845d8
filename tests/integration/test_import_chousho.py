"""富士市's 令和8年度 調書 imported mid-flight: the chousho report and the projection reproduce the printed book."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from commitments import fiscal
from commitments.models import (
    Commitment,
    CommitmentEvent,
    CommitmentFunding,
    Contract,
    FundingSource,
    Installment,
    Payment,
    ProjectionYear,
    Status,
)
from commitments.services.imports import ImportOptions, import_file
from tests.support.factories import make_org

DATA = Path(__file__).resolve().parents[2] / "commitments" / "data" / "fuji"
CHOUSHO = DATA / "fuji_R08_2026_chousho_saimufutankoui.csv"
R7 = DATA / "fuji_R07_2025_dai2hyo_saimufutankoui.csv"
R8 = DATA / "fuji_R08_2026_dai2hyo_saimufutankoui.csv"
TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # FY2026 = 令和8年度

# The printed 合計 row (千円 × 1,000).
LIMIT, SPENT, PLANNED = 68_738_703_000, 15_817_016_000, 52_921_687_000
FUNDING = {"国県支出金": 4_554_364_000, "地方債": 6_993_100_000, "その他": 1_368_507_000, "一般財源": 40_005_716_000}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def fuji(db):
    o = make_org("富士市")
    o.other_segment.delete()
    for order, name in enumerate(FUNDING, start=1):
        FundingSource.objects.create(
            organization=o.organization, name=name, is_general=name == "一般財源", sort_order=order
        )
    return o


def _import(o, path: Path, budget_year: int | None = None):
    return import_file(
        actor=o.officer2,
        approver=o.approver,
        organization=o.organization,
        data=path.read_bytes(),
        options=ImportOptions(file_name=path.name, budget_year=budget_year),
    )


def _book_rows() -> dict[str, dict[str, int]]:
    """Each numbered row of the book: 一連番号 → spent and planned in yen (blank = 0, words = 0)."""
    rows = {}
    with CHOUSHO.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["一連番号"]:
                continue

            def yen(text: str) -> int:
                try:
                    return fiscal.parse_amount(text) if text else 0
                except fiscal.FiscalParseError:
                    return 0

            rows[row["一連番号"]] = {
                "spent": yen(row["７年度末までの支出(見込)額_金額"]),
                "planned": yen(row["８年度以降の支出予定額_金額"]),
            }
    return rows


def _by_year(commitment_id: int, before: bool) -> int:
    qs = ProjectionYear.objects.filter(commitment_id=commitment_id)
    qs = qs.filter(fiscal_year__lt=2026) if before else qs.filter(fiscal_year__gte=2026)
    sums = qs.aggregate(p=Sum("paid_yen"), c=Sum("contracted_yen"), u=Sum("uncontracted_yen"))
    return sum(v or 0 for v in sums.values())


def test_projection_rows_reproduce_every_row_and_the_total(fuji):
    result = _import(fuji, CHOUSHO)
    assert result.count("新規") == 79 and result.warnings == [] and result.budget_year == 2026
    commitments = Commitment.objects.filter(organization=fuji.organization)
    assert commitments.count() == 79
    assert commitments.aggregate(t=Sum("limit_yen"))["t"] == LIMIT
    book = _book_rows()
    for outcome in result.outcomes:
        pk, seq = outcome.commitment_id, str(outcome.plan.seq)
        assert (_by_year(pk, True), _by_year(pk, False)) == (book[seq]["spent"], book[seq]["planned"]), seq
    spent = sum(_by_year(pk, True) for pk in commitments.values_list("pk", flat=True))
    planned = sum(_by_year(pk, False) for pk in commitments.values_list("pk", flat=True))
    assert (spent, planned) == (SPENT, PLANNED)
    # Right after the import, remaining exposure from the budget year is the book's planned total.
    remaining = ProjectionYear.objects.filter(fiscal_year__gte=2026).aggregate(
        c=Sum("contracted_yen"), u=Sum("uncontracted_yen")
    )
    assert remaining["c"] + remaining["u"] == PLANNED
    funding = dict(
        CommitmentFunding.objects.filter(budget_year=2026).values_list("source__name").annotate(t=Sum("amount_yen"))
    )
    assert funding == FUNDING


def test_running_rows_are_contracted_and_only_this_years_authority_is_open(fuji):
    _import(fuji, CHOUSHO)
    commitments = Commitment.objects.filter(organization=fuji.organization)
    approved = commitments.filter(status=Status.APPROVED)
    assert set(approved.values_list("authorized_fy", flat=True)) == {2026}
    assert approved.count() == 33  # the R8 第２表's 33 rows: authority of 令和8年度, uncontracted until 31 March 2027
    assert commitments.filter(status=Status.ACTIVE).count() == 46
    assert Contract.objects.filter(is_opening=True).count() == 45  # all active rows but 同上利子 (no amount printed)
    assert Payment.objects.filter(is_opening=True, fiscal_year=2025).aggregate(t=Sum("amount_yen"))["t"] == SPENT
    assert Payment.objects.count() == 31  # the rows with something spent before 令和8年度
    office = commitments.get(matter="文書配達業務")  # ７年度 … ９年度まで, 10,074 = 4,614 + 5,460
    contract = office.contracts.get()
    assert (contract.contract_no, contract.amount_yen, contract.counterparty) == (
        "期首-R8-2",
        10_074_000,
        "（期首残高）",
    )
    assert office.authorized_fy == 2024 and contract.signed_on == datetime.date(2024, 4, 1)
    assert list(contract.installments.values_list("due_on", "amount_yen")) == [
        (datetime.date(2026, 3, 31), 4_614_000),
        (datetime.date(2027, 3, 31), 2_730_000),
        (datetime.date(2028, 3, 31), 2_730_000),
    ]
    assert (
        Installment.history.filter(history_change_reason="取込: fuji_R08_2026_chousho_saimufutankoui.csv 3行").count()
        == 3
    )
    guarantee = commitments.get(matter="富士市土地開発公社債務保証")
    assert guarantee.kind == "guarantee" and guarantee.status == Status.ACTIVE
    assert "事業資金借入金償還期限満了まで" in CommitmentEvent.objects.get(commitment=guarantee).note
    text = commitments.get(limit_yen__isnull=True, authorized_fy=2026)
    assert text.limit_text == "寄附金額に応じた諸経費にかかる金額" and text.status == Status.APPROVED
    ditto = commitments.get(matter="農林漁業資金特別融資金補給利子")
    assert (ditto.first_burden_fy, ditto.last_burden_fy, ditto.limit_yen) == (2013, 2040, None)


def test_chousho_report_totals_equal_the_printed_total_row(fuji):
    _import(fuji, CHOUSHO)
    from commitments.selectors.chousho import chousho_report

    report = chousho_report(organization=fuji.organization, budget_year=2026).as_json()
    assert report["totals"] == {"limit_yen": LIMIT, "spent_yen": SPENT, "planned_yen": PLANNED, "funding_yen": FUNDING}
    out = io.StringIO()
    call_command("chousho", "--organization", "富士市", "--fy", "2026", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["budget_year"] == 2026
    assert data["totals"] == {"limit_yen": LIMIT, "spent_yen": SPENT, "planned_yen": PLANNED, "funding_yen": FUNDING}
    assert "寄附金額に応じた諸経費にかかる金額" in [r["limit_text"] for r in data["text_limits"]]


def test_second_import_creates_nothing(fuji):
    _import(fuji, CHOUSHO)
    counts = (
        Commitment.objects.count(),
        Contract.objects.count(),
        Payment.objects.count(),
        CommitmentFunding.objects.count(),
    )
    result = _import(fuji, CHOUSHO)
    assert (result.count("新規"), result.count("既存"), result.count("追加")) == (0, 79, 0)
    assert (
        Commitment.objects.count(),
        Contract.objects.count(),
        Payment.objects.count(),
        CommitmentFunding.objects.count(),
    ) == counts


def test_chousho_after_both_dai2hyo_completes_the_same_commitments(fuji):
    """R7 and R8 第２表 first, then the 調書: its rows find their commitments (no duplicates) and complete them."""
    _import(fuji, R7, 2025)
    _import(fuji, R8, 2026)
    result = _import(fuji, CHOUSHO)
    # The R8 rows get their funding split (but the text-limit row, which has none); the 9 R7 rows that start in
    # 令和8年度 also get their opening contracts.
    assert (result.count("追加"), result.count("既存")) == (32 + 9, 1)
    assert result.count("新規") == 79 - 42
    assert Commitment.objects.count() == 33 + 33 + 79 - 42
    from commitments.selectors.chousho import chousho_report

    totals = chousho_report(organization=fuji.organization, budget_year=2026).as_json()["totals"]
    assert totals == {"limit_yen": LIMIT, "spent_yen": SPENT, "planned_yen": PLANNED, "funding_yen": FUNDING}
    hall = Commitment.objects.get(matter="第３期共同電算事業（令和７年度分）")
    assert (hall.authorized_fy, hall.status) == (2025, Status.ACTIVE)
    assert [e.action for e in hall.events.order_by("id")] == ["import", "import"]


def test_one_bad_row_in_the_chousho_imports_nothing(fuji, tmp_path):
    from commitments.services.imports import ImportRefused

    path = tmp_path / "chousho.csv"
    path.write_text(CHOUSHO.read_text(encoding="utf-8").replace('"186,400"', '"186,401"'), encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        _import(fuji, path)
    (error,) = refused.value.errors
    assert (error.row, error.column) == (23, "限度額")
    assert not Commitment.objects.exists() and not FundingSource.objects.filter(name="").exists()
