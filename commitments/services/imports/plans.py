"""What reading a budget table gives (pure): a plan per row, every refused cell, warnings and notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from commitments import fiscal
from commitments.services.imports.columns import Layout

QUOTED_MAX = 80
NO_LIMIT_TEXT = "（限度額の記載なし）"  # a row printed with no 限度額 and no amount (利子補給, 「同上利子」): 未記載

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    """One refused cell: the row number in the file, the row as the book numbers it, the column as printed, the text."""

    row: int
    column: str
    text: str
    message: str
    label: str = ""  # 「一連番号 38」 when the book numbers its rows

    def __post_init__(self) -> None:
        if len(self.text) > QUOTED_MAX:  # a cell may hold 100,000 characters: the message quotes its start
            object.__setattr__(self, "text", f"{self.text[:QUOTED_MAX]}…（{len(self.text):,}字）")

    def __str__(self) -> str:
        shown = f"「{self.text}」" if self.text else "（空欄）"
        where = f"{self.row}行目（{self.label}）" if self.label else f"{self.row}行目 "
        return f"{where}{self.column}{shown}: {self.message}"


@dataclass
class RowPlan:
    """What one row becomes: an approved commitment, and for a 調書 row its opening balance and funding split."""

    row: int
    seq: int | None
    matter: str
    limit: fiscal.Limit
    authorized_fy: int
    first_fy: int
    last_fy: int
    planned_amounts: dict[int, int]
    explicit: bool = False
    segment: str = ""
    spent_yen: int = 0
    planned_yen: int = 0
    funding: dict[str, int] = field(default_factory=dict)
    opening: bool = False
    kind: str = "other"
    flags: list[str] = field(default_factory=list)
    basis: str = ""  # how the 行為年度 was decided (調書 rows)
    span_text: str = ""  # the span as printed when an end is words (first/last are then estimates)
    position: int = 0  # the row's place among the table's rows (its 番号 when the book prints none)

    @property
    def key(self) -> tuple[object, ...]:
        """Identity for idempotency: not the 事項 alone (the same 事項 recurs with other limits, spans, years)."""
        return (
            self.authorized_fy,
            fiscal.normalize_text(self.matter),
            self.first_fy,
            self.last_fy,
            self.limit.yen,
            fiscal.normalize_text(self.limit.text),
        )

    @property
    def estimated_yen(self) -> int | None:
        """For a text limit, the amounts the 調書 prints for it (never a guess); else None."""
        total = self.spent_yen + self.planned_yen
        return total if self.limit.is_text and total else None

    @property
    def limit_unprinted(self) -> bool:
        """True when the book prints no 限度額 for the row (未記載: counted 0, listed with the text limits)."""
        return self.limit.yen is None and self.limit.text == NO_LIMIT_TEXT


@dataclass
class Plan:
    """The whole file read: rows to import, refused cells, warnings (a 合計 that does not tie) and notices."""

    layout: Layout
    budget_year: int | None
    unit: str
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # columns and lines not read (nothing is dropped silently)
    total_row: int | None = None


class RowRefused(Exception):
    """A cell of the row being read is refused (raised by the readers, collected as a RowError)."""

    def __init__(self, column: str, text: str, message: str) -> None:
        super().__init__(message)
        self.column, self.text, self.message = column, text, message
