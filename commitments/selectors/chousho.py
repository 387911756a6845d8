"""The statutory 調書 (地方自治法施行令第144条): for one organization and budget year, each running commitment's
limit, what was spent before the budget year, what is planned from it on, and how that is funded.

By default a budget year's 調書 is seen from the budget's own point of view (1 April of that year, its authority
live, what was paid before it; for the coming year a draft from today's books, 見込), so it does not change when
time passes or authority lapses later. Asked as of today it reads the stored projection rows (paid + contracted +
uncontracted, as the exposure pages); as of another day, the books of that day. A constant number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from commitments import fiscal
from commitments.models import Organization
from commitments.selectors import chousho_sources as sources
from commitments.selectors.books_as_of import PointOfView

TITLE = (
    "債務負担行為で翌年度以降にわたるものについての前年度末までの支出額又は支出額の見込み"
    "及び当該年度以降の支出予定額等に関する調書"
)
UNSET = "未設定"  # the funding column of amounts no source is known for (an organization without 一般財源)
YEAR_STYLES = ("wareki", "seireki")
FUNDING_BASES = {
    "stated": "当年度の財源内訳",
    "scaled": "前年度までの財源内訳を按分",
    "general": "全額一般財源",
    "unset": "財源未設定",
}
# How the amounts were read: the budget's own view, the coming year's draft (見込), the books of a day, or today's.
VIEWS = ("budget", "draft", "day", "current")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def book_year(fy: int, budget_year: int, *, style: str = "wareki", era: bool | None = None) -> str:
    """A year as the book prints it: `７年度`, `13年度`, `元年度` (era of the budget year left out), `平成20年度`.

    Like printed budgets, one-digit era years are 全角 and longer ones 半角. `style="seireki"` gives `2025年度`.
    """
    if style == "seireki":
        return f"{fy}年度"
    if style != "wareki":
        raise ValueError(f"unknown year style {style!r}; choose from {', '.join(YEAR_STYLES)}")
    name, number = fiscal.era_of_fiscal_year(fy)
    show_era = era if era is not None else name != fiscal.era_of_fiscal_year(budget_year)[0]
    digits = "元" if number == 1 else (str(number).translate(_FULLWIDTH) if number < 10 else str(number))
    return f"{name if show_era else ''}{digits}年度"


def book_span(first: int, last: int, budget_year: int, *, style: str = "wareki") -> str:
    """A span as the book prints it: `８年度から10年度まで`, `７年度`, `平成20年度から令和10年度まで`."""
    if style == "wareki":
        budget_era = fiscal.era_of_fiscal_year(budget_year)[0]
        era = fiscal.era_of_fiscal_year(first)[0] != budget_era or fiscal.era_of_fiscal_year(last)[0] != budget_era
    else:
        era = None
    head = book_year(first, budget_year, style=style, era=era)
    if first == last:
        return head
    return f"{head}から{book_year(last, budget_year, style=style, era=era)}まで"


def spent_header(budget_year: int, *, style: str = "wareki") -> str:
    """`７年度末までの支出(見込)額` for budget year 2026 (the book's concrete-year header)."""
    return f"{book_year(budget_year - 1, budget_year, style=style)}末までの支出(見込)額"


def planned_header(budget_year: int, *, style: str = "wareki") -> str:
    """`８年度以降の支出予定額` for budget year 2026."""
    return f"{book_year(budget_year, budget_year, style=style)}以降の支出予定額"


@dataclass(frozen=True)
class FundingColumn:
    """One 財源 column: specific ones (特定財源) first in sort order, the general one (一般財源) last."""

    key: str
    name: str
    is_general: bool = False
    source_id: int | None = None


@dataclass
class ChoushoRow:
    """One commitment's line in the 調書 (amounts in yen)."""

    commitment_id: int
    seq: int | None
    matter: str
    status: str
    authorized_fy: int
    first_burden_fy: int
    last_burden_fy: int
    limit_yen: int | None
    limit_text: str
    estimated_limit_yen: int | None
    spent_yen: int
    planned_yen: int
    funding: dict[str, int] = field(default_factory=dict)
    funding_basis: str = "general"
    funding_year: int | None = None
    budget_year: int = 0

    @property
    def is_text_limit(self) -> bool:
        """The limit is words, not a number: shown as text, counted in no total."""
        return self.limit_yen is None

    @property
    def counted_limit_yen(self) -> int:
        """The limit the row ties out against: the amount, else the officer's estimate, else 0."""
        return self.limit_yen if self.limit_yen is not None else (self.estimated_limit_yen or 0)

    @property
    def difference_yen(self) -> int:
        """限度額 − (spent + planned): not zero when, e.g., an uncontracted remainder lapsed."""
        return self.counted_limit_yen - self.spent_yen - self.planned_yen

    @property
    def ties(self) -> bool:
        """限度額 = spent + planned."""
        return self.difference_yen == 0

    @property
    def funding_difference_yen(self) -> int:
        """planned − Σ 財源内訳: not zero when a stated split no longer matches the projection."""
        return self.planned_yen - sum(self.funding.values())

    @property
    def spent_period(self) -> tuple[int, int] | None:
        """First burden year to the year before the budget year (None when the burden starts later)."""
        return (self.first_burden_fy, self.budget_year - 1) if self.first_burden_fy < self.budget_year else None

    @property
    def planned_period(self) -> tuple[int, int]:
        """From the budget year (or the later first burden year) to the last burden year."""
        return max(self.first_burden_fy, self.budget_year), self.last_burden_fy


class ChoushoLayout:
    """What the whole 調書 and a page of it share: the organization, the budget year, the 財源 columns and the point
    of view the amounts were read in."""

    organization: Organization
    budget_year: int
    columns: list[FundingColumn]
    view: str

    @property
    def is_draft(self) -> bool:
        """The coming budget year's 調書 compiled from today's books: its spent column is an estimate (見込)."""
        return self.view == "draft"

    @property
    def specific_columns(self) -> list[FundingColumn]:
        """特定財源 columns."""
        return [c for c in self.columns if not c.is_general and c.key != UNSET]

    @property
    def general_column(self) -> FundingColumn | None:
        """The 一般財源 column, if the organization has one."""
        return next((c for c in self.columns if c.is_general), None)

    @property
    def unset_column(self) -> FundingColumn | None:
        """The 未設定 column, present only when some amount has no source."""
        return next((c for c in self.columns if c.key == UNSET), None)


@dataclass
class ChoushoReport(ChoushoLayout):
    """The 調書 of one organization for one budget year."""

    organization: Organization
    budget_year: int
    columns: list[FundingColumn]
    rows: list[ChoushoRow]
    stale_count: int = 0
    as_of: datetime.date | None = None
    view: str = "current"

    @property
    def counted_rows(self) -> list[ChoushoRow]:
        """Rows with a numeric limit: the ones the 合計 adds up (text-only limits count 0, as printed)."""
        return [r for r in self.rows if not r.is_text_limit]

    @property
    def text_limit_rows(self) -> list[ChoushoRow]:
        """Rows whose limit is words: listed, never added up."""
        return [r for r in self.rows if r.is_text_limit]

    @property
    def untied_rows(self) -> list[ChoushoRow]:
        """Rows where 限度額 ≠ spent + planned."""
        return [r for r in self.rows if not r.ties]

    @property
    def row_count(self) -> int:
        """How many rows the 調書 has."""
        return len(self.rows)

    @property
    def untied_count(self) -> int:
        """How many rows do not tie (all of them are in `untied_rows`)."""
        return len(self.untied_rows)

    @property
    def text_limit_count(self) -> int:
        """How many rows have a limit in words (all of them are in `text_limit_rows`)."""
        return len(self.text_limit_rows)

    @property
    def totals(self) -> dict[str, Any]:
        """The 合計 row in yen: limit, spent, planned, funding by column key, and the tie-out difference."""
        rows = self.counted_rows
        return {
            "limit_yen": sum(r.limit_yen or 0 for r in rows),
            "spent_yen": sum(r.spent_yen for r in rows),
            "planned_yen": sum(r.planned_yen for r in rows),
            "funding_yen": {c.key: sum(r.funding.get(c.key, 0) for r in rows) for c in self.columns},
            "difference_yen": sum(r.difference_yen for r in rows),
        }

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape: amounts in yen, funding keyed by the source names as the book prints them."""
        totals = self.totals

        def period(span: tuple[int, int] | None) -> list[int] | None:
            return list(span) if span else None

        return {
            "organization": self.organization.name,
            "budget_year": self.budget_year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "point_of_view": self.view,
            "draft": self.is_draft,
            "title": TITLE,
            "unit": "yen",
            "funding_sources": [c.name for c in self.columns],
            "rows": [
                {
                    "id": r.commitment_id,
                    "seq": r.seq,
                    "matter": r.matter,
                    "status": r.status,
                    "authorized_fy": r.authorized_fy,
                    "limit_yen": r.limit_yen,
                    "limit_text": r.limit_text,
                    "estimated_limit_yen": r.estimated_limit_yen,
                    "is_text_limit": r.is_text_limit,
                    "spent_period": period(r.spent_period),
                    "spent_yen": r.spent_yen,
                    "planned_period": period(r.planned_period),
                    "planned_yen": r.planned_yen,
                    "funding_yen": {c.name: r.funding.get(c.key, 0) for c in self.columns},
                    "funding_basis": r.funding_basis,
                    "funding_year": r.funding_year,
                    "difference_yen": r.difference_yen,
                    "ties": r.ties,
                }
                for r in self.rows
            ],
            "totals": {
                "limit_yen": totals["limit_yen"],
                "spent_yen": totals["spent_yen"],
                "planned_yen": totals["planned_yen"],
                "funding_yen": {c.name: totals["funding_yen"][c.key] for c in self.columns},
            },
            "tie_out": {
                "difference_yen": totals["difference_yen"],
                "untied": [
                    {"id": r.commitment_id, "matter": r.matter, "difference_yen": r.difference_yen}
                    for r in self.untied_rows
                ],
            },
            "text_limits": [
                {
                    "id": r.commitment_id,
                    "matter": r.matter,
                    "limit_text": r.limit_text,
                    "estimated_limit_yen": r.estimated_limit_yen,
                    "spent_yen": r.spent_yen,
                    "planned_yen": r.planned_yen,
                }
                for r in self.text_limit_rows
            ],
            "stale_count": self.stale_count,
        }


def source_columns(organization: Organization) -> tuple[list[FundingColumn], int | None]:
    """The organization's 財源 columns in order, and the id of its 一般財源 source (None: it has none)."""
    found = sources.funding_sources(organization)
    columns = [FundingColumn(key=s.name, name=s.name, is_general=s.is_general, source_id=s.pk) for s in found]
    general = next((s.pk for s in found if s.is_general), None)
    return columns, general


def chousho_report(
    *,
    organization: Organization,
    budget_year: int,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ChoushoReport:
    """The 調書 of `organization` for `budget_year`: by default in the budget's own point of view (a draft for a year
    not yet begun); `as_of` today from the stored projection rows; `as_of` another day from the books of that day.

    Rows: commitments the books held (approved) authorised by the budget year whose burden reaches it, except those
    with nothing left to pay from it unless authorised in it (or whose live limit is words, with no amount to plan);
    in the book's order (行為年度, 番号), or by the book's own numbering when it has one. The whole document (the
    downloads, `manage.py chousho`, e-mails); the page shows one page of it (`selectors.chousho_page`).
    """
    fiscal.era_of_fiscal_year(budget_year)  # validates the year's range
    today = today or timezone.localdate()
    columns, general_id = source_columns(organization)
    stale = 0
    if as_of == today:
        view, found = "current", sources.stored_amounts(organization=organization, budget_year=budget_year)
        stale = sources.stale_count(organization=organization, budget_year=budget_year)
    else:
        point = PointOfView.day(as_of) if as_of else PointOfView.budget(budget_year, today=today)
        view = "day" if as_of else ("draft" if point.draft else "budget")
        as_of = point.as_of
        found = sources.book_amounts(organization=organization, budget_year=budget_year, view=point)
    numbers = [c["seq"] for c in found]
    if found and None not in numbers and len(set(numbers)) == len(numbers):
        # One numbering across the rows (a 調書 imported from a book keeps its 一連番号): the book's order.
        found.sort(key=lambda c: c["seq"])
    stated = sources.stated_funding([c["id"] for c in found], budget_year)
    rows, needs_unset = build_rows(found, stated, columns, general_id, budget_year)
    if needs_unset:
        columns.append(FundingColumn(key=UNSET, name=UNSET))
    return ChoushoReport(
        organization=organization,
        budget_year=budget_year,
        columns=columns,
        rows=rows,
        stale_count=stale,
        as_of=as_of,
        view=view,
    )


def build_rows(
    found: list[dict[str, Any]],
    stated: dict[int, dict[int, dict[int, int]]],
    columns: list[FundingColumn],
    general_id: int | None,
    budget_year: int,
) -> tuple[list[ChoushoRow], bool]:
    """The rows of `found` (fields, `spent`, `planned`) with their 財源内訳 by column, and whether any amount has no
    source (the 未設定 column is then needed)."""
    key_of = {c.source_id: c.key for c in columns}
    rows: list[ChoushoRow] = []
    needs_unset = False
    for c in found:
        split, basis, year = sources.split(int(c["planned"]), stated.get(c["id"], {}), budget_year, general_id)
        by_key: dict[str, int] = {}
        for source_id, amount in split.items():
            key = key_of.get(source_id, UNSET) if source_id is not None else UNSET
            by_key[key] = by_key.get(key, 0) + amount
        needs_unset = needs_unset or bool(by_key.get(UNSET))
        rows.append(
            ChoushoRow(
                commitment_id=c["id"],
                seq=c["seq"],
                matter=c["matter"],
                status=c["status"],
                authorized_fy=c["authorized_fy"],
                first_burden_fy=c["first_burden_fy"],
                last_burden_fy=c["last_burden_fy"],
                limit_yen=c["limit_yen"],
                limit_text=c["limit_text"],
                estimated_limit_yen=c["estimated_limit_yen"],
                spent_yen=int(c["spent"]),
                planned_yen=int(c["planned"]),
                funding=by_key,
                funding_basis=basis,
                funding_year=year,
                budget_year=budget_year,
            )
        )
    return rows, needs_unset
