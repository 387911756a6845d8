"""The 調書 of budget year Y in the budget's own point of view: as of 1 April Y, what was paid before Y and what
remains from Y on, Y's own authority whole, the commitments as the books held them. It does not change when time
passes or authority lapses later; for the coming year it is a draft (見込) compiled from today's books.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from commitments import selectors
from commitments.models import Organization, Status, User
from commitments.services import payments
from commitments.services.lifecycle import commitments_rollover
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_contract, make_org
from tests.support.fuji import FUJI_CHOUSHO, FUJI_CHOUSHO_TOTALS

TOKYO = ZoneInfo("Asia/Tokyo")
JLIS = "地方公共団体情報システム機構"
# The printed 合計 row of 富士市's 令和8年度 調書 (千円 × 1,000): 限度額, spent to the end of R7, planned from R8.
PRINTED = FUJI_CHOUSHO_TOTALS


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TOKYO)


def _chousho(organization: str, fy: str, *extra: str) -> dict:
    out = io.StringIO()
    call_command("chousho", "--organization", organization, "--fy", fy, "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _nightly(day: datetime.date) -> None:
    """What the scheduled jobs do by then: the 1 April rollover and the nightly projection."""
    commitments_rollover(as_of=day)
    projection_refresh_all(as_of=day)


# J-LIS: the FY2017 budget's table, loaded today; its authority lapsed long ago.


@pytest.mark.parametrize("today", [_at(2026, 12, 2), _at(2031, 6, 15)])
def test_jlis_fy2017_chousho_is_the_printed_budget_whatever_today_is(client, db, today):
    with time_machine.travel(today, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        data = _chousho(JLIS, "2017")
        assert len(data["rows"]) == 32
        assert data["totals"]["limit_yen"] == 25_395_623_000
        assert data["totals"]["planned_yen"] == 25_395_623_000 and data["totals"]["spent_yen"] == 0
        assert data["tie_out"] == {"difference_yen": 0, "untied": []}
        assert {r["status"] for r in data["rows"]} == {Status.APPROVED}
        assert (data["as_of"], data["point_of_view"], data["draft"]) == ("2017-04-01", "budget", False)
        # Today's books say otherwise: every one of them lapsed without a contract.
        today_view = _chousho(JLIS, "2017", "--as-of", today.date().isoformat())
        assert today_view["totals"]["planned_yen"] == 0 and {r["status"] for r in today_view["rows"]} == {"lapsed"}
        client.force_login(User.objects.get(username="auditor"))  # J-LIS's
        text = _text(client.get("/reports/chousho/", {"fy": "2017"}))
    assert "合計 25,395,623 0 25,395,623" in text and "全32件で一致" in text
    assert "失効" not in text and "一致しない行" not in text
    assert "基準日：平成29年4月1日" in text


# 富士市: a printed 調書 imported with its budget year reproduces itself, whenever it is asked for.


def _import_fuji() -> None:
    call_command(
        "import_commitments", str(FUJI_CHOUSHO), "--organization", "富士市", "--budget-year", "令和8年度",
        "--segment", "general", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


@pytest.fixture
def fuji(db):
    with time_machine.travel(_at(2026, 4, 15), tick=False):
        make_org("富士市", prefix="fuji_")
        _import_fuji()


@pytest.mark.parametrize("later", [_at(2027, 6, 10), _at(2028, 6, 10)])
def test_fuji_r8_chousho_reproduces_the_printed_total_one_and_two_years_later(fuji, later):
    with time_machine.travel(later, tick=False):
        _nightly(later.date())
        data = _chousho("富士市", "2026")
        # Today's books: the 33 authorities of 令和8年度 lapsed at its end without a contract.
        today_view = _chousho("富士市", "2026", "--as-of", later.date().isoformat())
    assert data["totals"] == PRINTED
    assert len(data["rows"]) == 79 and data["tie_out"]["untied"] == []
    assert [r["matter"] for r in data["rows"][:3]] == ["例規集データ更新業務", "文書配達業務", "コールセンター業務"]
    assert today_view["totals"]["planned_yen"] < PRINTED["planned_yen"]
    assert sum(r["status"] == "lapsed" for r in today_view["rows"]) == 33


def test_a_chousho_imported_after_its_year_reproduces_itself(db):
    """Imported in December 2027 for 令和8年度 (as the reported 令和7年度 book was in December 2026): the authority of
    令和8年度 has lapsed by the day of the import, but in the book's own view it counts whole."""
    with time_machine.travel(_at(2027, 12, 10), tick=False):
        make_org("富士市", prefix="fuji_")
        _import_fuji()
        _nightly(datetime.date(2027, 12, 10))
        data = _chousho("富士市", "令和8年度")
    assert data["totals"] == PRINTED and len(data["rows"]) == 79


# The coming budget year, compiled in January: a draft (見込) from today's books.

DRAFT_DAY = _at(2027, 1, 20)


@pytest.fixture
def january(db):
    """テスト市's books on 20 January 2027 (FY2026), compiling the 令和9年度 (FY2027) budget.

    - 窓口業務委託 (2026, FY2026–2028, 3,600,000): contract monthly October 2026–September 2028, 150,000 a month;
      October–December paid (450,000), January–March still due (450,000).
    - 測量業務 (2026, FY2026–2027, 1,000,000): no contract yet; open until 31 March 2027.
    - 庁舎空調更新 (2027, FY2027–2028, 2,000,000): approved for next year.
    - 公用車リース (2027, FY2027–2031, 6,000,000): entered for next year, not yet approved (起案中).
    - 旧窓口業務 (2025, FY2025–2026): ends before 2027, not in the book.
    """
    with time_machine.travel(_at(2025, 5, 1), tick=False):
        o = make_org()
        make_commitment(o, matter="旧窓口業務", seq=1, authorized_fy=2025, first_burden_fy=2025, last_burden_fy=2026)
    with time_machine.travel(_at(2026, 9, 1), tick=False):
        desk = make_commitment(
            o, matter="窓口業務委託", seq=1, limit_yen=3_600_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2028,
        )  # fmt: skip
        make_commitment(
            o, matter="測量業務", seq=2, limit_yen=1_000_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2027,
        )  # fmt: skip
        contract = make_contract(
            o, desk, "K-10", 3_600_000, signed_on=datetime.date(2026, 9, 1), start_on=datetime.date(2026, 10, 1),
            end_on=datetime.date(2028, 9, 30), payment_terms="monthly",
        )  # fmt: skip
    for day in (datetime.date(2026, 10, 31), datetime.date(2026, 11, 30), datetime.date(2026, 12, 31)):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(15), TOKYO), tick=False):
            payments.payment_record(actor=o.officer2, contract=contract, paid_on=day, amount_yen=150_000)
    with time_machine.travel(DRAFT_DAY, tick=False):
        make_commitment(
            o, matter="庁舎空調更新", seq=1, limit_yen=2_000_000, authorized_fy=2027, first_burden_fy=2027,
            last_burden_fy=2028,
        )  # fmt: skip
        make_commitment(
            o, approve=False, matter="公用車リース", seq=2, limit_yen=6_000_000, authorized_fy=2027,
            first_burden_fy=2027, last_burden_fy=2031,
        )  # fmt: skip
        projection_refresh_all(as_of=DRAFT_DAY.date())
    return o


DRAFT_ROWS = [
    # matter, status, limit, spent period, spent (見込), planned period, planned
    ("窓口業務委託", "active", 3_600_000, [2026, 2026], 900_000, [2027, 2028], 2_700_000),
    ("測量業務", "approved", 1_000_000, [2026, 2026], 0, [2027, 2027], 1_000_000),
    ("庁舎空調更新", "approved", 2_000_000, None, 0, [2027, 2028], 2_000_000),
    ("公用車リース", "draft", 6_000_000, None, 0, [2027, 2031], 6_000_000),
]


def test_next_years_chousho_is_a_draft_from_todays_books(january, client):
    with time_machine.travel(DRAFT_DAY, tick=False):
        data = _chousho("テスト市", "2027")
        client.force_login(january.auditor)
        text = _text(client.get("/reports/chousho/", {"fy": "2027"}))
        xlsx = client.get("/reports/chousho/export.xlsx", {"fy": "2027"})
    assert (data["as_of"], data["point_of_view"], data["draft"]) == ("2027-01-20", "draft", True)
    got = [
        (r["matter"], r["status"], r["limit_yen"], r["spent_period"], r["spent_yen"], r["planned_period"],
         r["planned_yen"])
        for r in data["rows"]
    ]  # fmt: skip
    assert got == DRAFT_ROWS
    # 支出(見込)額: 450,000 paid + 450,000 due January–March; planned: April 2027–September 2028, 18 × 150,000.
    assert data["totals"] == {
        "limit_yen": 12_600_000,
        "spent_yen": 900_000,
        "planned_yen": 11_700_000,
        "funding_yen": {"未設定": 11_700_000},
    }
    assert data["tie_out"]["difference_yen"] == 0
    assert "テスト市 令和9年度予算 （見込）" in text and "基準日：令和9年1月20日" in text
    assert "窓口業務委託 3,600 ８年度 900 ９年度から10年度まで 2,700" in text
    assert "見込" in xlsx["Content-Disposition"] or "%E8%A6%8B%E8%BE%BC" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet["A2"].value == "テスト市　令和9年度予算（見込）"
    assert any(
        str(c.value).startswith("基準日：令和9年1月20日（見込：令和9年度予算の調書案")
        for row in sheet.iter_rows()
        for c in row
    )


def test_once_the_year_begins_its_chousho_is_its_own_view(january):
    """On 10 April 2027 the 調書 of 令和9年度 reads the books of 1 April 2027: the still-unpaid January–March
    installments were due before the year (spent column), 測量業務 lapsed uncontracted, the draft was never approved."""
    with time_machine.travel(_at(2027, 4, 10), tick=False):
        _nightly(datetime.date(2027, 4, 10))
        data = _chousho("テスト市", "2027")
    assert (data["as_of"], data["point_of_view"], data["draft"]) == ("2027-04-01", "budget", False)
    got = [(r["matter"], r["spent_yen"], r["planned_yen"]) for r in data["rows"]]
    assert got == [("窓口業務委託", 900_000, 2_700_000), ("庁舎空調更新", 0, 2_000_000)]


def test_the_report_selector_takes_the_same_views(january):
    organization = Organization.objects.get(name="テスト市")
    with time_machine.travel(DRAFT_DAY, tick=False):
        draft = selectors.chousho_report(organization=organization, budget_year=2027)
        current = selectors.chousho_report(organization=organization, budget_year=2026)
    assert draft.is_draft and draft.as_of == datetime.date(2027, 1, 20)
    assert (current.view, current.as_of) == ("budget", datetime.date(2026, 4, 1))
    # 2026's own view: 窓口業務委託 had no contract on 1 April 2026 (approved 1 September): all of it planned.
    assert [(r.matter, r.spent_yen, r.planned_yen) for r in current.rows] == [
        ("窓口業務委託", 0, 3_600_000),
        ("測量業務", 0, 1_000_000),
    ]
