"""Any public body's book on the first try: 架空市's 調書 built from the quirks of real books (three-line spaced header
with 左の財源内訳, a spans-only row, 「同上利子」, a text limit with 限度額に同じ, a text span, 平成→令和 spans over the
two 期間 columns, one 事項 repeated by year) imports as CSV, CP932 CSV and XLSX into an organization made by
`create_organization` and reproduces its printed 合計 in `chousho --json`; per-year amounts become the 年割額; the
product's own 調書 XLSX imports back into an empty organization as the same 調書.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from commitments.models import Commitment, CommitmentEvent, Contract, FundingSource, PlannedAmount, Segment, Status
from tests.support.fuji import FUJI_CHOUSHO

BOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "books"
CHOUSHO = BOOKS / "kakuu_R07_2025_chousho.csv"
BY_YEAR = BOOKS / "kakuu_R07_2025_dai2hyo_by_year.csv"
FUJI = FUJI_CHOUSHO
TOKYO = ZoneInfo("Asia/Tokyo")
IN_FY2025 = datetime.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)
IN_FY2026 = datetime.datetime(2026, 4, 15, 10, 0, tzinfo=TOKYO)
NAME = "架空市"

# 架空市's printed 合計 row (千円 × 1,000), worked out by hand in tests/fixtures/books/README.md.
PRINTED = {
    "limit_yen": 24_590_630_000,
    "spent_yen": 3_897_340_000,
    "planned_yen": 20_693_290_000,
    "funding_yen": {
        "国県支出金": 1_445_000_000,
        "地方債": 3_910_000_000,
        "その他": 600_000_000,
        "一般財源": 14_738_290_000,
    },
}
# Merged cells of the three-line header (rows 3–5 of the sheet), as a spreadsheet transcription keeps them.
MERGED = ["A3:A5", "B3:B5", "C3:C5", "D3:E3", "F3:G3", "H3:K3", "H4:J4", "K4:K5", "D4:D5", "E4:E5", "F4:F5", "G4:G5"]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def chousho_json(name: str, fy: str) -> dict:
    return json.loads(run("chousho", "--organization", name, "--fy", fy, "--json"))


def _number(text: str) -> object:
    """A spreadsheet keeps 「12,500」 as the number 12500 (全角 figures stay text, as typed)."""
    plain = text.replace(",", "")
    return int(plain) if plain.isascii() and plain.isdigit() else (text or None)


def as_xlsx(path: Path, merged: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.reader(handle):
            sheet.append([_number(cell) for cell in record])
    for cells in merged:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _in_fy2025():
    with time_machine.travel(IN_FY2025, tick=True):
        yield


@pytest.fixture
def kakuu(db):
    """A body set up from the command line only: no segment, no funding source, an officer and an approver."""
    run("create_organization", NAME, "--user", "kakuu-officer:finance_officer", "--user", "kakuu-approver:承認者")
    return NAME


@pytest.mark.parametrize("variant", ["csv", "cp932", "xlsx"])
def test_the_book_imports_first_try_and_chousho_reproduces_its_printed_total(kakuu, tmp_path, variant):
    data = {
        "csv": CHOUSHO.read_bytes(),
        "cp932": CHOUSHO.read_text(encoding="utf-8").encode("cp932"),
        "xlsx": as_xlsx(CHOUSHO, MERGED),
    }[variant]
    path = tmp_path / f"kakuu_chousho.{'xlsx' if variant == 'xlsx' else 'csv'}"
    path.write_bytes(data)
    out = run("import_commitments", str(path), "--organization", NAME)  # no --budget-year, no --segment
    assert "債務負担行為に関する調書、予算年度 令和7年度" in out and "新規 16 件を登録しました" in out
    assert "※ 列『備考』は読み取りませんでした" in out
    assert "注 一連番号12及び14は利子補給のため限度額の記載はない。" in out  # the note under the 合計: said, not read
    data = chousho_json(NAME, "2025")
    assert data["totals"] == PRINTED
    assert len(data["rows"]) == 16 and data["tie_out"]["untied"] == []
    assert [r["seq"] for r in data["rows"]] == list(range(1, 17))
    assert data["funding_sources"] == ["国県支出金", "地方債", "その他", "一般財源"]
    assert [(t["matter"], t["limit_text"]) for t in data["text_limits"]] == [
        ("農林漁業資金特別融資金補給利子", "（限度額の記載なし）"),
        ("中小企業振興資金融資元金補給利子", "（限度額の記載なし）"),
        ("ふるさと納税制度特産品配布等業務", "寄附金額に応じた諸経費にかかる金額"),
    ]
    general = Segment.objects.get(organization__name=NAME)
    assert (general.code, general.name, general.is_default) == ("general", "一般会計", True)
    assert set(Commitment.objects.values_list("segment", flat=True)) == {general.pk}


def test_every_quirk_is_kept_as_printed(kakuu):
    run("import_commitments", str(CHOUSHO), "--organization", NAME)
    rows = {c.seq: c for c in Commitment.objects.filter(organization__name=NAME)}
    # spans only, no limit and no amount: a commitment whose limit is 未記載, its spans 平成25年度 to 令和21年度
    interest = rows[12]
    assert (interest.matter, interest.limit_yen, interest.limit_text) == (
        "農林漁業資金特別融資金補給利子",
        None,
        "（限度額の記載なし）",
    )
    assert (interest.first_burden_fy, interest.last_burden_fy, interest.status) == (2013, 2039, Status.ACTIVE)
    assert "限度額は未記載" in CommitmentEvent.objects.get(commitment=interest).note
    # 「同上利子」: the 事項 and the spans of the row above, no amount
    ditto = rows[14]
    assert (ditto.matter, ditto.limit_yen, ditto.first_burden_fy, ditto.last_burden_fy) == (
        "中小企業振興資金融資元金補給利子",
        None,
        2019,
        2028,
    )
    # a limit in words with 「限度額に同じ」: authority of the budget year, nothing to add up
    words = rows[15]
    assert (words.limit_text, words.status, words.authorized_fy) == (
        "寄附金額に応じた諸経費にかかる金額",
        Status.APPROVED,
        2025,
    )
    assert "支出予定額は「限度額に同じ」" in CommitmentEvent.objects.get(commitment=words).note
    # a span in words: kept as printed, its end estimated (the budget year) and flagged
    guarantee = rows[16]
    assert guarantee.span_text == "事業資金借入金償還期限満了まで" and guarantee.kind == "guarantee"
    assert (guarantee.first_burden_fy, guarantee.last_burden_fy, guarantee.authorized_fy) == (2025, 2025, 2024)
    assert "（推定）" in CommitmentEvent.objects.get(commitment=guarantee).note
    # 平成29年度から | 22年度まで: 2017–2040, 2,400,000 spent before 令和7年度
    plant = rows[4]
    assert (plant.first_burden_fy, plant.last_burden_fy, plant.authorized_fy) == (2017, 2040, 2016)
    # the same 事項 by year: each its own 行為年度 (the year it names)
    land = [rows[n] for n in range(6, 11)]
    assert [c.authorized_fy for c in land] == [2021, 2022, 2023, 2024, 2025]
    assert [c.status for c in land] == [Status.ACTIVE] * 4 + [Status.APPROVED]
    # the funding split of the three-line header (地 方 債 read as 地方債), for the budget year
    assert dict(rows[5].funding.values_list("source__name", "amount_yen")) == {
        "国県支出金": 750_000_000,
        "地方債": 2_000_000_000,
        "一般財源": 250_000_000,
    }
    assert list(FundingSource.objects.values_list("name", "is_general")) == [
        ("国県支出金", False),
        ("地方債", False),
        ("その他", False),
        ("一般財源", True),
    ]
    assert Commitment.objects.aggregate(t=Sum("limit_yen"))["t"] == 24_590_630_000


def test_dry_run_lists_unread_columns_and_lines_and_writes_nothing(kakuu):
    out = run("import_commitments", str(CHOUSHO), "--organization", NAME, "--dry-run")
    assert "※ 列『備考』は読み取りませんでした" in out
    assert "24行目「注 一連番号12及び14は利子補給のため限度額の記載はない。」" in out
    assert "「事業資金借入金償還期限満了まで」（推定 令和7年度）" in out
    assert "新規 16 件を登録します（--dry-run のため未登録）" in out
    assert not Commitment.objects.exists()


def test_funding_columns_it_cannot_read_refuse_the_book(kakuu, tmp_path):
    """「財源内訳」 over columns that name no source: refused, never imported without them."""
    text = CHOUSHO.read_text(encoding="utf-8")
    text = text.replace(",国県支出金,地 方 債,その他,,", ",,,,,")
    path = tmp_path / "no_source_names.csv"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_commitments", str(path), "--organization", NAME, stdout=io.StringIO(), stderr=err)
    first = err.getvalue().splitlines()[0]
    assert first.startswith("3行目 9列目（『左の財源内訳_特定財源』の右、見出しなし）「2,000,000」: 財源内訳の列ですが")
    assert not Commitment.objects.exists()


def test_a_funding_heading_with_no_source_refuses_the_book(kakuu, tmp_path):
    path = tmp_path / "heading_only.csv"
    path.write_text(
        "事項,限度額,前年度末までの支出額_期間,前年度末までの支出額_金額,当該年度以降の支出予定額_期間,"
        "当該年度以降の支出予定額_金額,財源内訳\n清掃業務,300,,,８年度から10年度まで,300,300\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_commitments", str(path), "--organization", NAME, "--budget-year", "令和7年度",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert "財源内訳の列 『財源内訳』 がどの財源か読み取れません（1行目の見出し）" in err.getvalue()
    assert not Commitment.objects.exists()


def test_errors_name_the_row_as_numbered_the_column_as_printed_and_the_cell(kakuu, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CHOUSHO.read_text(encoding="utf-8").replace('"80,000",10年度まで', '"80,001",10年度まで'))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 行に誤り"):
        call_command("import_commitments", str(path), "--organization", NAME, stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "18行目（一連番号 13）限度額「120,000」: 限度額が支出額 80,001 と支出予定額 40,000 の合計と一致しません。"
    ]
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("variant", ["csv", "xlsx"])
def test_limits_printed_per_year_become_the_planned_amounts(kakuu, tmp_path, variant):
    merged = ["A3:A4", "B3:B4", "C3:G3"]
    path = tmp_path / f"dai2hyo.{variant}"
    path.write_bytes(BY_YEAR.read_bytes() if variant == "csv" else as_xlsx(BY_YEAR, merged))
    out = run("import_commitments", str(path), "--organization", NAME, "--budget-year", "令和7年度")
    assert "第２表 債務負担行為、予算年度 令和7年度" in out and "新規 3 件" in out
    lease = Commitment.objects.get(matter="公用車リース")
    assert (lease.limit_yen, lease.first_burden_fy, lease.last_burden_fy, lease.spread_rule) == (
        221_000,
        2026,
        2029,
        "explicit",
    )
    assert dict(lease.planned_amounts.values_list("fiscal_year", "amount_yen")) == {
        2026: 65_000,
        2027: 65_000,
        2028: 65_000,
        2029: 26_000,
    }
    assert Commitment.objects.aggregate(t=Sum("limit_yen"))["t"] == 8_721_000
    assert dict(
        PlannedAmount.objects.values_list("fiscal_year").annotate(t=Sum("amount_yen")).order_by("fiscal_year")
    ) == {2026: 6_565_000, 2027: 1_065_000, 2028: 1_065_000, 2029: 26_000}


def test_a_request_table_with_per_year_amounts(kakuu, tmp_path):
    path = tmp_path / "request.csv"
    path.write_text(
        "事項,期間,限度額,年度別支出予定額,,,\n"
        ",,,令和8年度,令和9年度,令和10年度,令和11年度\n"
        "公用車リース,令和8年度から令和11年度まで,221,65,65,65,26\n",
        encoding="utf-8",
    )
    run("import_commitments", str(path), "--organization", NAME, "--budget-year", "令和7年度")
    lease = Commitment.objects.get()
    assert sorted(lease.planned_amounts.values_list("fiscal_year", "amount_yen")) == [
        (2026, 65_000),
        (2027, 65_000),
        (2028, 65_000),
        (2029, 26_000),
    ]
    path.write_text(path.read_text(encoding="utf-8").replace(",221,", ",222,"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_commitments", str(path), "--organization", NAME, "--budget-year", "令和7年度",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert "3行目 限度額「222」: 限度額が年度別の額の合計 221 と一致しません。" in err.getvalue()


def _comparable(data: dict) -> dict:
    rows = [{k: v for k, v in row.items() if k != "id"} for row in data["rows"]]
    texts = [{k: v for k, v in row.items() if k != "id"} for row in data["text_limits"]]
    return {"rows": rows, "totals": data["totals"], "text_limits": texts, "sources": data["funding_sources"]}


@pytest.mark.parametrize("export", ["xlsx", "csv"])
def test_the_products_chousho_imports_back_into_an_empty_organization_as_the_same_chousho(db, tmp_path, export):
    with time_machine.travel(IN_FY2026, tick=True):
        run("create_organization", "富士市", "--user", "f-officer:finance_officer", "--user", "f-approver:approver")
        run("import_commitments", str(FUJI), "--organization", "富士市")
        original = chousho_json("富士市", "2026")
        written = tmp_path / "chousho.xlsx"
        run("chousho", "--organization", "富士市", "--fy", "2026", "--xlsx", str(written))
        if export == "csv":
            from commitments import exports, selectors
            from commitments.models import Organization

            report = selectors.chousho_report(organization=Organization.objects.get(name="富士市"), budget_year=2026)
            written = tmp_path / "chousho.csv"
            written.write_bytes(exports.csv_bytes(exports.chousho_sheet(report)))
        run("create_organization", "富士市（復元）", "--user", "r-officer:財務担当", "--user", "r-approver:承認者")
        out = run("import_commitments", str(written), "--organization", "富士市（復元）")
        assert "新規 79 件を登録しました" in out
        restored = chousho_json("富士市（復元）", "2026")
    assert restored["totals"]["limit_yen"] == 68_738_703_000
    assert _comparable(restored) == _comparable(original)
    assert Contract.objects.filter(organization__name="富士市（復元）").count() == 45
