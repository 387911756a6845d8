"""Every invariant of a commitment and its message: the one place models, services, forms, importer and generator read.

Pure: no models, no database, and Django only for gettext when a message is made. Each check returns the problems it
finds (empty when the values keep the rule), each naming the model field it concerns, so a form shows it beside that
field, a service raises it and the importer reports it with the row, column and cell. The database's CheckConstraints
are built from the same numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commitments.bounds import MAX_FISCAL_YEAR, MAX_YEN, MIN_FISCAL_YEAR  # the amount cap and the years, as rules
from commitments.projection import fiscal_year_of_date, monthly_split

MAX_SPAN_YEARS = 50  # last − first < 50: a burden of at most 50 fiscal years
MATTER_MAX_LENGTH = 500  # Commitment.matter, Amendment.new_matter
LIMIT_TEXT_MAX_LENGTH = 500  # Commitment.limit_text, Amendment.new_limit_text
MONTHLY = "monthly"  # SpreadRule.MONTHLY (models are not imported here)


@dataclass(frozen=True)
class Problem:
    """One broken rule: the model field it concerns and the message in Japanese."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def _(message: str) -> str:
    """Django's gettext, imported when a message is made: fiscal and synthetic import this module without Django."""
    from django.utils.translation import gettext

    return gettext(message)


def _yen(amount: int) -> str:
    return f"{amount:,}"


def _year_label(fy: int) -> str:
    """A fiscal year in range as printed (令和8年度)."""
    from commitments import fiscal  # imported when a message needs it (fiscal reads its bounds from bounds.py)

    return fiscal.format_fiscal_year(fy)


def _span_label(first: int, last: int) -> str:
    """A span of fiscal years in range as printed (令和8年度から令和10年度まで)."""
    from commitments import fiscal

    return fiscal.format_span(first, last)


def amount_error(yen: int) -> str | None:
    """An amount (limit, estimate, 年割額, contract, payment) larger than MAX_YEN either way: the message, else None."""
    if abs(yen) > MAX_YEN:
        return _("金額が大きすぎます（%(max)s円まで）。") % {"max": _yen(MAX_YEN)}
    return None


def fiscal_year_error(fy: int) -> str | None:
    """A fiscal year outside MIN_FISCAL_YEAR..MAX_FISCAL_YEAR: the message, else None."""
    if not MIN_FISCAL_YEAR <= fy <= MAX_FISCAL_YEAR:
        return _("年度は%(min)d〜%(max)d年度の範囲で入力してください。") % {
            "min": MIN_FISCAL_YEAR,
            "max": MAX_FISCAL_YEAR,
        }
    return None


def date_error(value: datetime.date) -> str | None:
    """A date outside the fiscal years the tracker can name (0001-01-01 or 2999-12-31 is a typo): message or None."""
    if not MIN_FISCAL_YEAR <= fiscal_year_of_date(value) <= MAX_FISCAL_YEAR:
        return _("%(min)d〜%(max)d年度の日付を入力してください。") % {"min": MIN_FISCAL_YEAR, "max": MAX_FISCAL_YEAR}
    return None


def limit_problems(limit_yen: int | None, limit_text: str = "") -> list[Problem]:
    """A limit is a positive amount up to MAX_YEN, or words up to LIMIT_TEXT_MAX_LENGTH characters."""
    problems: list[Problem] = []
    if limit_yen is None and not (limit_text or "").strip():
        problems.append(Problem("limit_yen", _("限度額を金額または文言で入力してください。")))
    elif limit_yen is not None and limit_yen <= 0:
        problems.append(Problem("limit_yen", _("限度額は正の金額でなければなりません。")))
    elif limit_yen is not None and (error := amount_error(limit_yen)):
        problems.append(Problem("limit_yen", error))
    if len(limit_text or "") > LIMIT_TEXT_MAX_LENGTH:
        problems.append(
            Problem(
                "limit_text",
                _("限度額（文言）は%(max)d字以内で入力してください（%(n)d字）。")
                % {"max": LIMIT_TEXT_MAX_LENGTH, "n": len(limit_text)},
            )
        )
    return problems


def estimate_problems(estimate_yen: int | None) -> list[Problem]:
    """The estimate of a limit in words: not negative, at most MAX_YEN."""
    if estimate_yen is None:
        return []
    if estimate_yen < 0:
        return [Problem("estimated_limit_yen", _("見込額に負の金額は指定できません。"))]
    error = amount_error(estimate_yen)
    return [Problem("estimated_limit_yen", error)] if error else []


def span_problems(authorized_fy: int | None, first_fy: int | None, last_fy: int | None) -> list[Problem]:
    """Each year in range; 行為年度 ≦ 初年度 ≦ 最終年度; at most MAX_SPAN_YEARS years (unknown years are skipped)."""
    problems: list[Problem] = []
    years = {"authorized_fy": authorized_fy, "first_burden_fy": first_fy, "last_burden_fy": last_fy}
    for name, fy in years.items():
        if fy is not None and (error := fiscal_year_error(fy)):
            problems.append(Problem(name, error))
    if problems:
        return problems
    if authorized_fy is not None and first_fy is not None and first_fy < authorized_fy:
        problems.append(
            Problem(
                "first_burden_fy",
                _("負担年度（初年度）は行為年度（%(fy)s）以後にしてください。") % {"fy": _year_label(authorized_fy)},
            )
        )
    if first_fy is not None and last_fy is not None:
        if last_fy < first_fy:
            problems.append(
                Problem(
                    "last_burden_fy",
                    _("負担年度（最終年度）が初年度（%(fy)s）より前です。") % {"fy": _year_label(first_fy)},
                )
            )
        elif last_fy - first_fy >= MAX_SPAN_YEARS:
            problems.append(
                Problem(
                    "last_burden_fy",
                    _("負担年度の期間は%(max)d年以内です（%(span)s は %(n)d年）。")
                    % {"max": MAX_SPAN_YEARS, "span": _span_label(first_fy, last_fy), "n": last_fy - first_fy + 1},
                )
            )
    return problems


def contract_until_problems(authorized_fy: int | None, until_fy: int | None) -> list[Problem]:
    """A contract deadline extended by an amendment: a fiscal year in range, not before the 行為年度."""
    if until_fy is None:
        return []
    if error := fiscal_year_error(until_fy):
        return [Problem("contract_until_fy", error)]
    if authorized_fy is not None and until_fy < authorized_fy:
        return [Problem("contract_until_fy", _("契約締結期限は行為年度以降の年度にしてください。"))]
    return []


def monthly_problems(
    spread_rule: str | None,
    start_month: datetime.date | None,
    months: int | None,
    first_fy: int | None = None,
    last_fy: int | None = None,
) -> list[Problem]:
    """The monthly rule needs a start month and at least one month, all inside the burden years when they are known."""
    if spread_rule != MONTHLY:
        return []
    problems: list[Problem] = []
    if start_month is None:
        problems.append(Problem("spread_start_month", _("月割の場合は開始月を入力してください。")))
    if not months or months < 1:
        problems.append(Problem("spread_months", _("月割の場合は月数（1以上）を入力してください。")))
    if problems or first_fy is None or last_fy is None or start_month is None or months is None:
        return problems
    try:  # the split itself refuses months outside the span: the rule is the computation's own
        monthly_split(0, start_month.replace(day=1), months, first_fy=first_fy, last_fy=last_fy)
    except ValueError:
        field = "spread_start_month" if fiscal_year_of_date(start_month) < first_fy else "spread_months"
        problems.append(Problem(field, _("月割の期間が負担年度の範囲を超えています。")))
    return problems


def matter_problems(matter: str | None) -> list[Problem]:
    """A 事項 is written, in at most MATTER_MAX_LENGTH characters."""
    text = matter or ""
    if not text.strip():
        return [Problem("matter", _("事項を入力してください。"))]
    if len(text) > MATTER_MAX_LENGTH:
        return [
            Problem(
                "matter",
                _("事項は%(max)d字以内で入力してください（%(n)d字）。") % {"max": MATTER_MAX_LENGTH, "n": len(text)},
            )
        ]
    return []


def planned_problems(amounts: Mapping[int, int]) -> list[Problem]:
    """年割額: each year's amount not negative and at most MAX_YEN, in a year the tracker can name."""
    problems: list[Problem] = []
    for fy, amount in sorted(amounts.items()):
        if error := fiscal_year_error(fy):
            problems.append(Problem("planned", error))
        elif amount < 0:
            problems.append(Problem("planned", _("年割額に負の金額があります。")))
        elif error := amount_error(amount):
            problems.append(Problem("planned", f"{_year_label(fy)}: {error}"))
    return problems


# The commitment fields these rules read (named as the model's); forms and the generator pass exactly these.
COMMITMENT_RULE_FIELDS = (
    "matter",
    "limit_yen",
    "limit_text",
    "estimated_limit_yen",
    "authorized_fy",
    "first_burden_fy",
    "last_burden_fy",
    "contract_until_fy",
    "spread_rule",
    "spread_start_month",
    "spread_months",
)
# The rule fields entered on a draft: the contract deadline (contract_until_fy) is extended only by an approved 補正.
DRAFT_RULE_FIELDS = tuple(name for name in COMMITMENT_RULE_FIELDS if name != "contract_until_fy")


def commitment_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Every rule of one commitment's fields (named as the model's; missing ones are not checked): all problems."""
    problems: list[Problem] = []
    if "matter" in values:
        problems += matter_problems(values["matter"])
    if "limit_yen" in values or "limit_text" in values:
        problems += limit_problems(values.get("limit_yen"), values.get("limit_text") or "")
    problems += estimate_problems(values.get("estimated_limit_yen"))
    first, last = values.get("first_burden_fy"), values.get("last_burden_fy")
    problems += span_problems(values.get("authorized_fy"), first, last)
    if "contract_until_fy" in values:
        problems += contract_until_problems(values.get("authorized_fy"), values["contract_until_fy"])
    spans_ok = not any(p.field.endswith("_fy") for p in problems)
    problems += monthly_problems(
        values.get("spread_rule"),
        values.get("spread_start_month"),
        values.get("spread_months"),
        first if spans_ok else None,
        last if spans_ok else None,
    )
    return problems
