"""The yearly statistics' table of 翌年度以降支出予定額: classified 物件の購入等 / 債務保証又は損失補償 / その他 (from
each commitment's 種別 by the organization's mapping) and by fiscal year of payment, from the same committed outflow
as the burden page (today's stored projection, or as of a day as that year's budget holds the books)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Sum

from commitments import fiscal
from commitments.models import Commitment, CommitmentKind, KindClassification, Organization, ProjectionYear
from commitments.selectors.burden import book_flows
from commitments.vocabulary import DEFAULT_STATISTICS_CLASS, STATISTICS_CLASS_CHOICES


@dataclass
class StatisticsRow:
    """One class (or the total), by fiscal year of payment, in yen."""

    key: str
    label: Any
    years: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Over all years."""
        return sum(self.years.values())


@dataclass
class StatisticsTable:
    """The table the office copies into its filing."""

    organization: Organization
    as_of: datetime.date | None
    fiscal_years: list[int]
    rows: list[StatisticsRow]
    totals: StatisticsRow
    mapping: list[tuple[Any, Any, bool]]  # (種別, class, stated by the organization)

    def as_json(self) -> dict[str, Any]:
        """Classes by year of payment (yen), with the mapping used."""
        return {
            "organization": self.organization.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "unit": "yen",
            "fiscal_years": self.fiscal_years,
            "rows": [
                {
                    "class": row.key,
                    "label": str(row.label),
                    "years": {str(fy): row.years.get(fy, 0) for fy in self.fiscal_years},
                    "total": row.total,
                }
                for row in self.rows
            ],
            "totals": {
                "years": {str(fy): self.totals.years.get(fy, 0) for fy in self.fiscal_years},
                "total": self.totals.total,
            },
            "mapping": [{"kind": str(kind), "class": str(cls), "organization": own} for kind, cls, own in self.mapping],
        }


def kind_classes(organization: Organization) -> dict[str, str]:
    """Each 種別's class for this organization: its own mapping where stated, else the default."""
    own = dict(KindClassification.objects.filter(organization=organization).values_list("kind", "statistics_class"))
    return {kind: own.get(kind, DEFAULT_STATISTICS_CLASS[kind]) for kind in CommitmentKind.values}


def statistics_table(
    *, organization: Organization, as_of: datetime.date | None, today: datetime.date
) -> StatisticsTable:
    """翌年度以降支出予定額 by class and year of payment (years after the as-of day's, or today's)."""
    classes = kind_classes(organization)
    by_kind: dict[tuple[str, int], int] = {}
    if as_of is None or as_of == today:
        from_fy = fiscal.fiscal_year_of(today) + 1
        grouped = (
            ProjectionYear.objects.filter(organization=organization, fiscal_year__gte=from_fy)
            .values_list("commitment__kind", "fiscal_year")
            .annotate(amount=Sum(F("paid_yen") + F("contracted_yen") + F("uncontracted_yen")))
            .order_by()
        )
        for kind, fy, amount in grouped:
            by_kind[(kind, fy)] = by_kind.get((kind, fy), 0) + int(amount or 0)
    else:
        flows = book_flows(organization, as_of)
        kinds = dict(Commitment.objects.filter(pk__in=[f.commitment_id for f in flows]).values_list("pk", "kind"))
        for flow in flows:
            for fy, amount in flow.years.items():
                key = (kinds[flow.commitment_id], fy)
                by_kind[key] = by_kind.get(key, 0) + amount
    rows = {key: StatisticsRow(key, label) for key, label in STATISTICS_CLASS_CHOICES}
    for (kind, fy), amount in by_kind.items():
        row = rows[classes.get(kind, "other")]
        row.years[fy] = row.years.get(fy, 0) + amount
    used = [fy for (_kind, fy), amount in by_kind.items() if amount]
    years = list(range(min(used), max(used) + 1)) if used else []
    totals = StatisticsRow("total", "合計", {fy: sum(r.years.get(fy, 0) for r in rows.values()) for fy in years})
    labels = dict(CommitmentKind.choices)
    class_labels = dict(STATISTICS_CLASS_CHOICES)
    own = set(KindClassification.objects.filter(organization=organization).values_list("kind", flat=True))
    mapping = [(labels[k], class_labels[c], k in own) for k, c in classes.items()]
    return StatisticsTable(organization, as_of, years, list(rows.values()), totals, mapping)
