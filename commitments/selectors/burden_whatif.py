"""What-if for the budget office's examination (査定): the burden with draft and submitted commitments, or open 補正,
added. Nothing here is stored or counted anywhere else: the drafts' outflow is projected in memory with the pure
`project_outflow`, from the same inputs the projection reads, as if their authority were approved and live."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum

from commitments import fiscal, planning_rules
from commitments.models import (
    OPEN_AMENDMENT_STATES,
    Amendment,
    Commitment,
    CommitmentTotal,
    Organization,
    Status,
)
from commitments.projection import project_outflow
from commitments.selectors.burden import (
    BurdenCell,
    BurdenReport,
    BurdenRow,
    Flow,
    assemble,
    book_inputs,
    stated_funding,
    stored_inputs,
)
from commitments.selectors.projection_inputs import projection_inputs

DRAFT_STATES = (Status.DRAFT, Status.SUBMITTED)


@dataclass(frozen=True)
class WhatIfChoice:
    """One item that can be added: `c<id>` for a draft commitment, `a<id>` for an open 補正."""

    key: str
    label: str
    status: str


# The what-if list offers at most this many items (the newest first): an organization may hold thousands of drafts,
# and the page's cost must not grow with them. Any other draft is tried from its own admin page (?include=…).
WHAT_IF_LIST_MAX = 100


def what_if_choices(
    organization: Organization, *, included: tuple[str, ...] = (), limit: int | None = None
) -> list[WhatIfChoice]:
    """The organization's draft and submitted commitments and open 補正 a what-if may add, the newest `limit` of each
    kind in book order, plus those already included (keys `c<id>` / `a<id>`) wherever they stand."""
    limit = WHAT_IF_LIST_MAX if limit is None else limit
    wanted = {kind: [int(k[1:]) for k in included if k[:1] == kind and k[1:].isdigit()] for kind in ("c", "a")}
    commitments = Commitment.objects.filter(organization=organization, status__in=DRAFT_STATES)
    newest = list(commitments.order_by("-id").values_list("id", flat=True)[:limit])
    amendments = Amendment.objects.filter(organization=organization, status__in=OPEN_AMENDMENT_STATES)
    newest_amendments = list(amendments.order_by("-id").values_list("id", flat=True)[:limit])
    labels = dict(Status.choices)
    choices = [
        WhatIfChoice(f"c{pk}", f"{fiscal.format_fiscal_year(fy)} {matter}", str(labels.get(status, status)))
        for pk, fy, matter, status in commitments.filter(pk__in=newest + wanted["c"])
        .order_by("authorized_fy", "seq", "id")
        .values_list("pk", "authorized_fy", "matter", "status")
    ]
    choices += [
        WhatIfChoice(f"a{a.pk}", str(a), a.get_status_display())
        for a in amendments.filter(pk__in=newest_amendments + wanted["a"]).select_related("commitment").order_by("id")
    ]
    return choices


def what_if_candidates(organization: Organization) -> int:
    """How many drafts, submitted commitments and open 補正 the organization holds (the list shows the newest).

    The commitments are counted from the cells the writes keep per organization × segment × state (CommitmentTotal),
    not by counting an organization's drafts, which may be tens of thousands."""
    drafts = CommitmentTotal.objects.filter(organization=organization, status__in=DRAFT_STATES).aggregate(
        n=Sum("commitments", default=0)
    )["n"]
    return int(drafts) + Amendment.objects.filter(organization=organization, status__in=OPEN_AMENDMENT_STATES).count()


def _years(inputs: dict[str, Any]) -> dict[int, int]:
    return {y.fiscal_year: y.total for y in project_outflow(**inputs)}


def _amended_inputs(commitment: Commitment, amendment: Amendment, inputs: dict[str, Any]) -> dict[str, Any]:
    """The projection inputs of the commitment as approving the 補正 would leave it, by the rules its service applies
    (`planning_rules`: the values after, the 年割額 it enters or the rule's); abolition: no uncontracted authority."""
    current = {name: getattr(commitment, name) for name in planning_rules.SNAPSHOT_FIELDS}
    values = planning_rules.values_after(
        current, {name: getattr(amendment, name) for name in planning_rules.PROPOSAL_FIELDS}
    )
    after = dict(inputs)
    after.update(
        limit_yen=planning_rules.exposure_limit(values["limit_yen"], values["estimated_limit_yen"]),
        first_fy=values["first_burden_fy"],
        last_fy=values["last_burden_fy"],
    )
    try:
        planned = planning_rules.planned_after(
            current,
            values,
            new_planned=amendment.new_planned,
            rule=commitment.spread_rule,
            start_month=commitment.spread_start_month,
            months=commitment.spread_months,
        )
    except planning_rules.PlanningRuleError:
        planned = None  # a 補正 its approval would refuse: the 年割額 as they stand
    if planned is not None:
        after["planned"] = planned
    if values["status"] == planning_rules.ABOLISHED:
        after["live"] = False
    return after


def draft_flows(organization: Organization, keys: list[str], *, as_of_fy: int) -> tuple[list[Flow], list[str]]:
    """The outflow the chosen drafts would add (a 補正: after minus before), and their labels."""
    commitment_ids = [int(k[1:]) for k in keys if k.startswith("c") and k[1:].isdigit()]
    amendment_ids = [int(k[1:]) for k in keys if k.startswith("a") and k[1:].isdigit()]
    drafts = list(Commitment.objects.filter(organization=organization, status__in=DRAFT_STATES, pk__in=commitment_ids))
    amendments = list(
        Amendment.objects.filter(
            organization=organization, status__in=OPEN_AMENDMENT_STATES, pk__in=amendment_ids
        ).select_related("commitment")
    )
    inputs = projection_inputs([*drafts, *(a.commitment for a in amendments)], as_of_fy=as_of_fy)
    flows, labels = [], []
    for draft in drafts:
        years = _years({**inputs[draft.pk], "live": True})  # as if approved: its authority to be contracted
        flows.append(Flow(draft.pk, draft.segment_id, years))
        labels.append(f"{draft.matter}（{draft.get_status_display()}）")
    for amendment in amendments:
        commitment = amendment.commitment
        before = _years(inputs[commitment.pk])
        after = _years(_amended_inputs(commitment, amendment, inputs[commitment.pk]))
        delta = {fy: after.get(fy, 0) - before.get(fy, 0) for fy in set(before) | set(after)}
        flows.append(Flow(commitment.pk, commitment.segment_id, delta))
        labels.append(f"{amendment}（{amendment.get_status_display()}）")
    return flows, labels


def burden_what_if(
    *, organization: Organization, keys: list[str], as_of: datetime.date | None, today: datetime.date
) -> tuple[BurdenReport, BurdenReport]:
    """The burden before and after adding the chosen drafts (the same years in both)."""
    day = today if as_of is None or as_of == today else as_of
    inputs = stored_inputs(organization, today) if day == today else book_inputs(organization, day)
    flows, labels = draft_flows(organization, keys, as_of_fy=fiscal.fiscal_year_of(day))
    extra_stated = stated_funding([f.commitment_id for f in flows], organization)
    after = assemble(organization, inputs, day=day, as_of=as_of, extra=flows, extra_stated=extra_stated, what_if=labels)
    before = assemble(organization, inputs, day=day, as_of=as_of)
    _align(before, after)
    return before, after


def _align(before: BurdenReport, after: BurdenReport) -> None:
    """Give both reports the union of their years and rows (a draft may reach a year or 事業区分 with nothing yet)."""
    years = sorted(set(before.fiscal_years) | set(after.fiscal_years))
    labels = {r.key: r.label for r in [*after.rows, *before.rows]}
    for report in (before, after):
        by_key = {r.key: r for r in report.rows}
        for key, label in labels.items():
            by_key.setdefault(key, BurdenRow(key, label))
        report.rows = [by_key[key] for key in labels]
        for row in [*report.rows, report.totals]:
            for fy in years:
                row.years.setdefault(fy, BurdenCell(threshold_percent=report.threshold_percent))
        report.fiscal_years = years
    order = {r.key: i for i, r in enumerate(after.rows)}
    before.rows.sort(key=lambda r: order[r.key])


def draft_comparison(
    *, commitment: Commitment | None = None, amendment: Amendment | None = None, today: datetime.date
) -> list[dict[str, Any]]:
    """For a draft's own admin page: year by year, the organization's committed outflow and share before and after."""
    target = commitment if commitment is not None else amendment
    if target is None:
        return []
    key = f"c{target.pk}" if commitment is not None else f"a{target.pk}"
    organization = Organization.objects.get(pk=target.organization_id)
    before, after = burden_what_if(organization=organization, keys=[key], as_of=None, today=today)
    rows = []
    for fy in after.fiscal_years:
        b, a = before.totals.years[fy], after.totals.years[fy]
        rows.append(
            {
                "fiscal_year": fy,
                "label": fiscal.format_fiscal_year(fy),
                "before_yen": b.committed_yen,
                "after_yen": a.committed_yen,
                "frame_yen": a.frame_yen,
                "before_share": b.share,
                "after_share": a.share,
                "before_over": b.over,
                "after_over": a.over,
            }
        )
    return rows
