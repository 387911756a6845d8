"""The exposure table (amounts by row and fiscal year, with totals) and the bases and groupings it is read by: the
shape `exposure` (today, from the stored projection) and `exposure_as_of` (the books of a day) both fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commitments.vocabulary import BASIS_COLUMNS

BASES = BASIS_COLUMNS  # basis key -> the projection columns it sums (commitments.vocabulary)
BY_CHOICES = ("commitment", "segment")


@dataclass
class ExposureTable:
    """Amounts in yen by row (commitment or segment) and fiscal year, with totals."""

    basis: str
    fiscal_years: list[int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[int, int] = field(default_factory=dict)
    commitments: int = 0
    limit_total: int = 0
    text_limit_count: int = 0

    def add_row(self, key: Any, label: Any, by_year: dict[int, int]) -> None:
        """A row (commitment or segment) of amounts by year, counted in the totals."""
        self.rows.append({"key": key, "label": label, "years": by_year, "total": sum(by_year.values())})
        for fy, amount in by_year.items():
            self.totals[fy] = self.totals.get(fy, 0) + amount

    @property
    def grand_total(self) -> int:
        """Sum over all years."""
        return sum(self.totals.values())

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape (amounts in yen, year keys as strings)."""
        return {
            "basis": self.basis,
            "unit": "yen",
            "fiscal_years": self.fiscal_years,
            "rows": [
                {
                    "key": r["key"],
                    "label": r["label"],
                    "years": {str(fy): r["years"].get(fy, 0) for fy in self.fiscal_years},
                    "total": r["total"],
                }
                for r in self.rows
            ],
            "totals": {
                "years": {str(fy): self.totals.get(fy, 0) for fy in self.fiscal_years},
                "total": self.grand_total,
            },
            "commitments": self.commitments,
            "limit_total": self.limit_total,
        }


def check_grouping(by: str) -> None:
    """Refuse a grouping the exposure tables do not know."""
    if by not in BY_CHOICES:
        raise ValueError(f"unknown grouping {by!r}; choose from {', '.join(BY_CHOICES)}")
