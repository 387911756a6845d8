"""commitments.rules: every commitment invariant and its message, in one pure module read by every path.

At 9b1d36f the module did not exist: the cap, the year range and the 50-year span were copied into fiscal, the
models, the services, the forms and the importer (which had no cap at all).
"""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

from commitments import fiscal, rules
from commitments.models import Amendment, Commitment
from commitments.rules import Problem


def _fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


def test_the_module_imports_no_models_and_no_database():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    modules = {alias.name for node in top if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in top if isinstance(node, ast.ImportFrom)}
    assert modules == {
        "__future__",
        "datetime",
        "collections.abc",
        "dataclasses",
        "typing",
        "commitments.bounds",
        "commitments.projection",
    }
    everywhere = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in everywhere if m and (m.startswith("django.db") or m.startswith("commitments.models"))}


def test_the_bounds():
    assert rules.MAX_YEN == 1_000_000_000_000_000  # 1,000兆円
    assert (rules.MIN_FISCAL_YEAR, rules.MAX_FISCAL_YEAR, rules.MAX_SPAN_YEARS) == (1926, 2200, 50)
    assert (rules.MATTER_MAX_LENGTH, rules.LIMIT_TEXT_MAX_LENGTH) == (500, 500)


def test_fiscal_and_the_models_read_the_same_numbers():
    assert (fiscal.MIN_FISCAL_YEAR, fiscal.MAX_FISCAL_YEAR, fiscal.MAX_YEN) == (1926, 2200, 1_000_000_000_000_000)
    assert Commitment._meta.get_field("matter").max_length == 500
    assert Commitment._meta.get_field("limit_text").max_length == 500
    assert Amendment._meta.get_field("new_matter").max_length == 500
    assert Amendment._meta.get_field("new_limit_text").max_length == 500
    constraints = {c.name: str(c.condition) for c in Commitment._meta.constraints if hasattr(c, "condition")}
    assert "1926" in constraints["commitment_authorized_fy_range"]
    assert "2200" in constraints["commitment_authorized_fy_range"]
    assert "50" in constraints["commitment_span_at_most_50_years"]


@pytest.mark.parametrize(
    ("yen", "refused"),
    [
        (1_000_000_000_000_000, False),  # exactly 1,000兆円
        (1_000_000_000_000_001, True),
        (-1_000_000_000_000_000, False),  # a reversal of the largest payment
        (-1_000_000_000_000_001, True),
        (1_000_000_000_001_000, True),  # 1,000,000,000,001 千円
        (99_999_999_999_999_999_000, True),  # 99,999,999,999,999,999 千円: past bigint
        (0, False),
    ],
)
def test_amount_cap(yen, refused):
    error = rules.amount_error(yen)
    assert (error is not None) == refused
    if refused:
        assert error == "金額が大きすぎます（1,000,000,000,000,000円まで）。"


@pytest.mark.parametrize(("fy", "refused"), [(1925, True), (1926, False), (2200, False), (2201, True), (0, True)])
def test_fiscal_year_range(fy, refused):
    error = rules.fiscal_year_error(fy)
    assert (error is not None) == refused
    if refused:
        assert error == "年度は1926〜2200年度の範囲で入力してください。"


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (datetime.date(1926, 3, 31), True),  # FY1925
        (datetime.date(1926, 4, 1), False),
        (datetime.date(2201, 3, 31), False),  # still FY2200
        (datetime.date(2201, 4, 1), True),
        (datetime.date(1, 1, 1), True),
    ],
)
def test_dates_in_a_fiscal_year_the_tracker_can_name(day, refused):
    assert (rules.date_error(day) is not None) == refused


def test_limit():
    assert rules.limit_problems(12_000_000) == []
    assert rules.limit_problems(None, "寄附金額に応じた諸経費にかかる金額") == []
    assert rules.limit_problems(1_000_000_000_000_000) == []
    assert rules.limit_problems(None, "") == [Problem("limit_yen", "限度額を金額または文言で入力してください。")]
    assert rules.limit_problems(None, "   ") == [Problem("limit_yen", "限度額を金額または文言で入力してください。")]
    assert rules.limit_problems(0) == [Problem("limit_yen", "限度額は正の金額でなければなりません。")]
    assert rules.limit_problems(-1) == [Problem("limit_yen", "限度額は正の金額でなければなりません。")]
    assert rules.limit_problems(1_000_000_000_000_001) == [
        Problem("limit_yen", "金額が大きすぎます（1,000,000,000,000,000円まで）。")
    ]
    assert rules.limit_problems(None, "あ" * 500) == []
    assert rules.limit_problems(None, "あ" * 501) == [
        Problem("limit_text", "限度額（文言）は500字以内で入力してください（501字）。")
    ]


def test_estimate():
    assert rules.estimate_problems(None) == rules.estimate_problems(0) == []
    assert rules.estimate_problems(1_000_000_000_000_000) == []
    assert _fields(rules.estimate_problems(1_000_000_000_000_001)) == ["estimated_limit_yen"]
    assert rules.estimate_problems(-1) == [Problem("estimated_limit_yen", "見込額に負の金額は指定できません。")]


def test_span():
    assert rules.span_problems(2026, 2026, 2075) == []  # 50 years is the most
    assert rules.span_problems(2026, 2026, 2076) == [
        Problem("last_burden_fy", "負担年度の期間は50年以内です（令和8年度から令和58年度まで は 51年）。")
    ]
    assert rules.span_problems(2017, 2016, 2020) == [
        Problem("first_burden_fy", "負担年度（初年度）は行為年度（平成29年度）以後にしてください。")
    ]
    assert rules.span_problems(2017, 2020, 2019) == [
        Problem("last_burden_fy", "負担年度（最終年度）が初年度（令和2年度）より前です。")
    ]
    assert _fields(rules.span_problems(1925, 2201, 2300)) == ["authorized_fy", "first_burden_fy", "last_burden_fy"]
    assert rules.span_problems(None, 2026, None) == []  # unknown years (a field that did not parse) are skipped


def test_contract_deadline():
    assert rules.contract_until_problems(2017, None) == rules.contract_until_problems(2017, 2018) == []
    assert rules.contract_until_problems(2017, 2016) == [
        Problem("contract_until_fy", "契約締結期限は行為年度以降の年度にしてください。")
    ]
    assert _fields(rules.contract_until_problems(2017, 2300)) == ["contract_until_fy"]


def test_monthly_rule():
    april = datetime.date(2026, 4, 1)
    assert rules.monthly_problems("equal", None, None) == []
    assert rules.monthly_problems("monthly", april, 36, 2026, 2028) == []
    assert rules.monthly_problems("monthly", None, 0) == [
        Problem("spread_start_month", "月割の場合は開始月を入力してください。"),
        Problem("spread_months", "月割の場合は月数（1以上）を入力してください。"),
    ]
    assert rules.monthly_problems("monthly", datetime.date(2026, 3, 1), 12, 2026, 2028) == [
        Problem("spread_start_month", "月割の期間が負担年度の範囲を超えています。")  # March 2026 is FY2025
    ]
    assert rules.monthly_problems("monthly", april, 37, 2026, 2028) == [
        Problem("spread_months", "月割の期間が負担年度の範囲を超えています。")
    ]


def test_matter():
    assert rules.matter_problems("庁舎清掃業務委託") == []
    assert rules.matter_problems("あ" * 500) == []
    assert rules.matter_problems("") == rules.matter_problems("  ") == [Problem("matter", "事項を入力してください。")]
    assert rules.matter_problems("あ" * 501) == [Problem("matter", "事項は500字以内で入力してください（501字）。")]


def test_planned_amounts():
    assert rules.planned_problems({2026: 500_000_000_000_000, 2027: 500_000_000_000_000}) == []
    assert rules.planned_problems({2026: 1_000_000_000_000_001}) == [
        Problem("planned", "令和8年度: 金額が大きすぎます（1,000,000,000,000,000円まで）。")
    ]
    assert rules.planned_problems({2026: -1}) == [Problem("planned", "年割額に負の金額があります。")]
    assert _fields(rules.planned_problems({2300: 1})) == ["planned"]


def test_commitment_problems_checks_every_rule_and_only_the_fields_given():
    good = {
        "matter": "庁舎清掃業務委託",
        "limit_yen": 12_000_000,
        "limit_text": "",
        "estimated_limit_yen": None,
        "authorized_fy": 2026,
        "first_burden_fy": 2026,
        "last_burden_fy": 2028,
        "spread_rule": "monthly",
        "spread_start_month": datetime.date(2026, 10, 1),
        "spread_months": 24,
    }
    assert rules.commitment_problems(good) == []
    assert rules.commitment_problems({"first_burden_fy": 2026, "last_burden_fy": 2030}) == []
    bad = good | {
        "matter": "",
        "limit_yen": 99_999_999_999_999_999_000,
        "estimated_limit_yen": -5,
        "last_burden_fy": 2076,
        "contract_until_fy": 2025,
    }
    assert _fields(rules.commitment_problems(bad)) == [
        "matter",
        "limit_yen",
        "estimated_limit_yen",
        "last_burden_fy",
        "contract_until_fy",
    ]  # the monthly rule is not judged against a span that is itself wrong
    assert _fields(rules.commitment_problems(good | {"spread_months": 40})) == ["spread_months"]


def test_problem_reads_as_its_message():
    problem = Problem("limit_yen", "限度額は正の金額でなければなりません。")
    assert str(problem) == "限度額は正の金額でなければなりません。"
