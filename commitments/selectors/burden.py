"""How much of each coming fiscal year is already committed: the committed outflow (paid + contracted + uncontracted)
against the fiscal frame (財政見通し), its 一般財源 part from the funding splits, and the share.

Today the amounts are the stored projection (the trigger-kept cells per 事業区分 × year, and the rows of the
commitments that have a funding split); as of another day, the books as that day's fiscal year's budget holds them
(`PointOfView.budget_day`): authority approved for that year or before counts even where the books got it later (an
imported budget), with the contracts signed by the day. Frames likewise: the one approved by the end of the day, or,
for a year whose frame was approved later, the frame as first approved. Drafts count only in what-if
(`selectors.burden_whatif`), never here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q

from commitments import fiscal
from commitments.models import (
    Commitment,
    CommitmentFunding,
    FiscalFrame,
    FrameStatus,
    FundingSource,
    Organization,
    ProjectionTotal,
    ProjectionYear,
    Segment,
)
from commitments.selectors.as_of import end_of_day
from commitments.selectors.books_as_of import PointOfView, books_as_of

YEAR_LIST_MAX = 200  # the commitments listed under a year (largest first)
Stated = dict[int, dict[int, int]]  # budget year → funding source id → yen
Key = tuple[int | None, int]  # (segment id, fiscal year)


@dataclass
class Flow:
    """One commitment's committed outflow by fiscal year (negative in a what-if delta that lowers it)."""

    commitment_id: int
    segment_id: int
    years: dict[int, int]


def general_part(amount: int, stated: Stated, fy: int, general_id: int | None) -> tuple[int, int]:
    """The 一般財源 part of one year's amount and the part of unknown funding (財源未設定).

    The split stated for the latest budget year up to `fy` applies (the earliest one for a year before them all);
    each specific source takes its proportion rounded down to the yen, 一般財源 the rest. Without a split the whole
    amount is 一般財源, or of unknown funding where the organization has no 一般財源 source.
    """
    years = [y for y, split in stated.items() if sum(split.values()) > 0]
    if not years:
        return (amount, 0) if general_id is not None else (0, amount)
    chosen = max((y for y in years if y <= fy), default=min(years))
    split = stated[chosen]
    base = sum(split.values())
    specific = sum(amount * part // base for source, part in split.items() if source != general_id)
    if general_id is None:
        return 0, amount - specific
    return amount - specific, 0


@dataclass
class BurdenCell:
    """One year (of one 事業区分, or of the whole organization): amounts in yen, the frame and the share."""

    committed_yen: int = 0
    general_revenue_yen: int = 0
    funding_unset_yen: int = 0
    frame_yen: int | None = None
    general_frame_yen: int | None = None
    threshold_percent: Decimal = Decimal(10)

    @staticmethod
    def _share(amount: int, frame: int | None) -> float | None:
        return None if not frame else amount / frame

    @property
    def share(self) -> float | None:
        """Committed outflow ÷ 歳出総額 frame (None without a frame)."""
        return self._share(self.committed_yen, self.frame_yen)

    @property
    def general_share(self) -> float | None:
        """一般財源 part ÷ 一般財源 frame (None without one)."""
        return self._share(self.general_revenue_yen, self.general_frame_yen)

    @property
    def over(self) -> bool:
        """The share is above the organization's warning threshold (exactly: committed × 100 > frame × threshold)."""
        return bool(self.frame_yen) and self.committed_yen * 100 > self.frame_yen * self.threshold_percent

    @property
    def general_over(self) -> bool:
        """The 一般財源 share is above the threshold."""
        return bool(self.general_frame_yen) and (
            self.general_revenue_yen * 100 > self.general_frame_yen * self.threshold_percent
        )

    def as_json(self) -> dict[str, Any]:
        """The documented cell: amounts in yen, shares as ratios (null where there is no frame)."""
        share, general_share = self.share, self.general_share
        return {
            "committed_yen": self.committed_yen,
            "general_revenue_yen": self.general_revenue_yen,
            "funding_unset_yen": self.funding_unset_yen,
            "frame_yen": self.frame_yen,
            "share": None if share is None else round(share, 6),
            "general_frame_yen": self.general_frame_yen,
            "general_share": None if general_share is None else round(general_share, 6),
            "over_threshold": self.over,
        }


@dataclass
class BurdenRow:
    """A 事業区分 (key: its id) or the whole organization (key None), year by year."""

    key: int | None
    label: str
    years: dict[int, BurdenCell] = field(default_factory=dict)


@dataclass
class BurdenReport:
    """The burden of an organization's coming fiscal years, by 事業区分 and in total."""

    organization: Organization
    day: datetime.date
    as_of: datetime.date | None
    threshold_percent: Decimal
    fiscal_years: list[int] = field(default_factory=list)
    rows: list[BurdenRow] = field(default_factory=list)
    totals: BurdenRow = field(default_factory=lambda: BurdenRow(None, ""))
    has_frames: bool = False
    what_if: list[str] = field(default_factory=list)

    @property
    def threshold_text(self) -> str:
        """The threshold as people write it: 10, 12.5 (no trailing zeros)."""
        return format(self.threshold_percent.normalize(), "f")

    def over_years(self) -> list[int]:
        """The years whose total share is above the threshold."""
        return [fy for fy in self.fiscal_years if self.totals.years[fy].over]

    def as_json(self) -> dict[str, Any]:
        """`{"fiscal_years": [...], "rows": [{"segment": ..., "years": {...}}], "totals": {...}}`, yen and ratios."""
        return {
            "organization": self.organization.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "unit": "yen",
            "threshold": float(self.threshold_percent) / 100,
            "fiscal_years": self.fiscal_years,
            "rows": [
                {"segment": row.label, "years": {str(fy): row.years[fy].as_json() for fy in self.fiscal_years}}
                for row in self.rows
            ],
            "totals": {"years": {str(fy): self.totals.years[fy].as_json() for fy in self.fiscal_years}},
            "what_if": self.what_if,
        }


@dataclass
class BurdenInputs:
    """What a report is assembled from: committed cells, the flows of funded commitments, frames, funding."""

    cells: dict[Key, int]
    funded: list[Flow]
    stated: dict[int, Stated]
    frames: dict[tuple[int, int | None], tuple[int | None, int | None]]
    general_id: int | None
    from_fy: int


def budget_day_view(day: datetime.date) -> PointOfView:
    """The books at the end of `day` as its fiscal year's budget holds them (see the module's note)."""
    fy = fiscal.fiscal_year_of(day)
    return PointOfView(as_of=day, as_of_fy=fy, live_fy=fy, budget_year=fy)


def stated_funding(commitment_ids: list[int] | None, organization: Organization) -> dict[int, Stated]:
    """Every 財源内訳 stated for the organization's commitments (or the given ones): id → budget year → source → yen."""
    rows = CommitmentFunding.objects.filter(commitment__organization=organization)
    if commitment_ids is not None:
        rows = rows.filter(commitment_id__in=commitment_ids)
    stated: dict[int, Stated] = {}
    for commitment_id, year, source_id, amount in rows.values_list(
        "commitment_id", "budget_year", "source_id", "amount_yen"
    ):
        stated.setdefault(commitment_id, {}).setdefault(year, {})[source_id] = amount
    return stated


def frames_of(organization: Organization, day: datetime.date | None) -> dict[tuple[int, int | None], tuple[Any, Any]]:
    """The frames read against: (year, segment id) → (歳出総額, 一般財源); today's approved ones, or as of a day."""
    if day is None:
        approved = FiscalFrame.objects.filter(organization=organization, status=FrameStatus.APPROVED)
        return {
            (f.fiscal_year, f.segment_id): (f.expenditure_yen, f.general_revenue_yen)
            for f in approved.only("fiscal_year", "segment_id", "expenditure_yen", "general_revenue_yen")
        }
    history = FiscalFrame.history.model  # type: ignore[attr-defined]
    versions = history.objects.filter(organization=organization)
    found: dict[tuple[int, int | None], tuple[Any, Any]] = {}
    then = versions.filter(history_date__lt=end_of_day(day)).order_by("id", "-history_date", "-history_id")
    for v in then.distinct("id"):
        if v.status == FrameStatus.APPROVED and v.history_type != "-":
            found[(v.fiscal_year, v.segment_id)] = (v.expenditure_yen, v.general_revenue_yen)
    first = versions.filter(status=FrameStatus.APPROVED).order_by("history_date", "history_id")
    for v in first:
        found.setdefault((v.fiscal_year, v.segment_id), (v.expenditure_yen, v.general_revenue_yen))
    return found


def general_source_id(organization: Organization) -> int | None:
    """The organization's 一般財源 source, if it has one."""
    return FundingSource.objects.filter(organization=organization, is_general=True).values_list("pk", flat=True).first()


def stored_inputs(organization: Organization, today: datetime.date) -> BurdenInputs:
    """Today's amounts from the stored projection: the per-cell totals, and the rows of funded commitments."""
    from_fy = fiscal.fiscal_year_of(today) + 1
    committed = F("paid_yen") + F("contracted_yen") + F("uncontracted_yen")
    cells: dict[Key, int] = {}
    for segment_id, fy, amount in (
        ProjectionTotal.objects.filter(organization=organization, fiscal_year__gte=from_fy)
        .annotate(amount=committed)
        .values_list("segment_id", "fiscal_year", "amount")
    ):
        cells[(segment_id, fy)] = int(amount)
    stated = stated_funding(None, organization)
    by_commitment: dict[int, Flow] = {}
    for commitment_id, segment_id, fy, amount in (
        ProjectionYear.objects.filter(commitment_id__in=list(stated), fiscal_year__gte=from_fy)
        .annotate(amount=committed)
        .values_list("commitment_id", "segment_id", "fiscal_year", "amount")
    ):
        by_commitment.setdefault(commitment_id, Flow(commitment_id, segment_id, {})).years[fy] = int(amount)
    return BurdenInputs(
        cells=cells,
        funded=list(by_commitment.values()),
        stated=stated,
        frames=frames_of(organization, None),
        general_id=general_source_id(organization),
        from_fy=from_fy,
    )


def book_flows(organization: Organization, day: datetime.date) -> list[Flow]:
    """Each commitment's committed outflow from the year after `day`'s, as the budget of that year holds the books."""
    view = budget_day_view(day)
    candidates = Commitment.objects.filter(organization=organization, authorized_fy__lte=view.budget_year)
    return [
        Flow(
            b.commitment.pk,
            b.commitment.segment_id,
            {y.fiscal_year: y.total for y in b.years if y.fiscal_year > view.as_of_fy},
        )
        for b in books_as_of(view=view, commitments=candidates)
    ]


def book_inputs(organization: Organization, day: datetime.date) -> BurdenInputs:
    """The amounts as of `day` (budget_day_view), and the frames of then."""
    flows = book_flows(organization, day)
    cells: dict[Key, int] = defaultdict(int)
    for flow in flows:
        for fy, amount in flow.years.items():
            cells[(flow.segment_id, fy)] += amount
    stated = stated_funding([f.commitment_id for f in flows], organization)
    return BurdenInputs(
        cells=dict(cells),
        funded=[f for f in flows if f.commitment_id in stated],
        stated=stated,
        frames=frames_of(organization, day),
        general_id=general_source_id(organization),
        from_fy=fiscal.fiscal_year_of(day) + 1,
    )


def assemble(
    organization: Organization,
    inputs: BurdenInputs,
    *,
    day: datetime.date,
    as_of: datetime.date | None,
    extra: list[Flow] = (),  # type: ignore[assignment]
    extra_stated: dict[int, Stated] | None = None,
    what_if: list[str] | None = None,
) -> BurdenReport:
    """The report from its inputs, with what-if flows (`extra`) added where asked."""
    threshold = Decimal(organization.burden_warning_percent)
    committed: dict[Key, int] = defaultdict(int)
    general: dict[Key, int] = defaultdict(int)
    unset: dict[Key, int] = defaultdict(int)
    has_general = inputs.general_id is not None
    for key, amount in inputs.cells.items():
        committed[key] += amount
        (general if has_general else unset)[key] += amount
    for flow in inputs.funded:  # the funded commitments: their split instead of the default
        for fy, amount in flow.years.items():
            g, u = general_part(amount, inputs.stated.get(flow.commitment_id, {}), fy, inputs.general_id)
            key = (flow.segment_id, fy)
            general[key] += g - (amount if has_general else 0)
            unset[key] += u - (0 if has_general else amount)
    stated_extra = {**inputs.stated, **(extra_stated or {})}
    for flow in extra:
        for fy, amount in flow.years.items():
            if fy < inputs.from_fy:
                continue
            g, u = general_part(amount, stated_extra.get(flow.commitment_id, {}), fy, inputs.general_id)
            key = (flow.segment_id, fy)
            committed[key] += amount
            general[key] += g
            unset[key] += u
    frame_years = [fy for fy, _segment in inputs.frames if fy >= inputs.from_fy]
    used_years = [fy for (_s, fy), amount in committed.items() if amount and fy >= inputs.from_fy]
    last = max([*frame_years, *used_years], default=None)
    years = list(range(inputs.from_fy, last + 1)) if last is not None else []
    report = BurdenReport(
        organization, day, as_of, threshold, years, what_if=what_if or [], has_frames=bool(inputs.frames)
    )
    segment_ids = {s for s, _fy in committed} | {s for _fy, s in inputs.frames if s is not None}
    segments = Segment.objects.filter(pk__in=segment_ids).order_by("sort_order", "code")
    report.totals = BurdenRow(None, str(organization))
    for segment in segments:
        row = BurdenRow(segment.pk, segment.name)
        for fy in years:
            key = (segment.pk, fy)
            frame = inputs.frames.get((fy, segment.pk), (None, None))
            row.years[fy] = BurdenCell(committed[key], general[key], unset[key], frame[0], frame[1], threshold)
        report.rows.append(row)
    for fy in years:
        whole = inputs.frames.get((fy, None))
        parts = [inputs.frames[k] for k in inputs.frames if k[0] == fy and k[1] is not None]
        frame = whole or (_sum_or_none([p[0] for p in parts]), _sum_or_none([p[1] for p in parts]))
        report.totals.years[fy] = BurdenCell(
            sum(r.years[fy].committed_yen for r in report.rows),
            sum(r.years[fy].general_revenue_yen for r in report.rows),
            sum(r.years[fy].funding_unset_yen for r in report.rows),
            frame[0],
            frame[1],
            threshold,
        )
    return report


def _sum_or_none(values: list[int | None]) -> int | None:
    """The sum of the frames entered (None when none is)."""
    entered = [v for v in values if v is not None]
    return sum(entered) if entered else None


def burden_report(
    *, organization: Organization, as_of: datetime.date | None = None, today: datetime.date
) -> BurdenReport:
    """The burden of the organization's coming years: today's stored projection, or as of another day."""
    if as_of is None or as_of == today:
        return assemble(organization, stored_inputs(organization, today), day=today, as_of=as_of)
    return assemble(organization, book_inputs(organization, as_of), day=as_of, as_of=as_of)


def burden_year_commitments(
    *, organization: Organization, fiscal_year: int, as_of: datetime.date | None, today: datetime.date
) -> list[tuple[Commitment, int]]:
    """The commitments making up one year's committed outflow, largest first (YEAR_LIST_MAX of them at most), with
    their amount in yen."""
    if as_of is None or as_of == today:
        amounts = dict(
            ProjectionYear.objects.filter(organization=organization, fiscal_year=fiscal_year)
            .annotate(amount=F("paid_yen") + F("contracted_yen") + F("uncontracted_yen"))
            .filter(~Q(amount=0))
            .order_by("-amount", "commitment_id")
            .values_list("commitment_id", "amount")[:YEAR_LIST_MAX]
        )
    else:
        flows = [f for f in book_flows(organization, as_of) if f.years.get(fiscal_year)]
        flows.sort(key=lambda f: (-f.years[fiscal_year], f.commitment_id))
        amounts = {f.commitment_id: f.years[fiscal_year] for f in flows[:YEAR_LIST_MAX]}
    commitments = Commitment.objects.filter(pk__in=amounts).select_related("segment")
    return sorted(((c, int(amounts[c.pk])) for c in commitments), key=lambda pair: (-pair[1], pair[0].pk))
