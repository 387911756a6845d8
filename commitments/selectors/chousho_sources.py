"""Where the 調書's amounts come from: the stored projection rows (the books of today), or the books as they stood at
a point of view (a day, or a budget year's own view); and its 財源内訳 columns and split."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, Sum

from commitments.models import APPROVED_STATES, Commitment, CommitmentFunding, FundingSource, Organization, Status
from commitments.selectors.books_as_of import PointOfView, books_as_of

_ROUND = 1_000
_VALUES = (
    "id",
    "seq",
    "matter",
    "status",
    "authorized_fy",
    "first_burden_fy",
    "last_burden_fy",
    "limit_yen",
    "limit_text",
    "estimated_limit_yen",
)
LISTED_TEXT_STATES = (Status.APPROVED, Status.ACTIVE)


def stored_amounts(*, organization: Organization, budget_year: int) -> list[dict[str, Any]]:
    """The 調書's rows from the stored projection rows (one query): each commitment's fields, `spent` and `planned`.

    Rows: approved-state commitments authorised by the budget year whose burden reaches it, except those with
    nothing left to pay from it unless authorised in it (or whose live limit is words, with no amount to plan);
    in the book's order (行為年度, 番号).
    """
    flows = F("projection__paid_yen") + F("projection__contracted_yen") + F("projection__uncontracted_yen")
    commitments = (
        Commitment.objects.filter(
            organization=organization,
            status__in=APPROVED_STATES,
            authorized_fy__lte=budget_year,
            last_burden_fy__gte=budget_year,
        )
        .annotate(
            spent=Sum(flows, filter=Q(projection__fiscal_year__lt=budget_year), default=0),
            planned=Sum(flows, filter=Q(projection__fiscal_year__gte=budget_year), default=0),
        )
        .filter(
            Q(planned__gt=0)
            | Q(authorized_fy=budget_year)
            # a limit in words has no amount to plan: listed while its authority stands (like 同上利子 in a book)
            | Q(limit_yen__isnull=True, status__in=LISTED_TEXT_STATES)
        )
        .order_by("authorized_fy", "seq", "id")
        .values(*_VALUES, "spent", "planned")
    )
    return list(commitments)


def book_amounts(*, organization: Organization, budget_year: int, view: PointOfView) -> list[dict[str, Any]]:
    """The same rows from the books as they stood at `view` (the rule of `stored_amounts`, row by row)."""
    candidates = Commitment.objects.filter(organization=organization, authorized_fy__lte=budget_year)
    found = []
    for book in books_as_of(view=view, commitments=candidates):
        c = book.commitment
        if c.last_burden_fy < budget_year:
            continue
        planned = book.total(from_fy=budget_year)
        text_listed = c.limit_yen is None and c.status in LISTED_TEXT_STATES
        if planned > 0 or c.authorized_fy == budget_year or text_listed:
            row = {name: getattr(c, name) for name in _VALUES}
            found.append({**row, "spent": book.total(before=budget_year), "planned": planned})
    return found


def stated_funding(commitment_ids: list[int], budget_year: int) -> dict[int, dict[int, dict[int, int]]]:
    """The 財源内訳 stated for each commitment by budget year up to `budget_year`: id → year → source → yen."""
    stated: dict[int, dict[int, dict[int, int]]] = {}
    if commitment_ids:
        funding = CommitmentFunding.objects.filter(
            commitment_id__in=commitment_ids, budget_year__lte=budget_year
        ).values_list("commitment_id", "budget_year", "source_id", "amount_yen")
        for commitment_id, year, source_id, amount in funding:
            stated.setdefault(commitment_id, {}).setdefault(year, {})[source_id] = amount
    return stated


def funding_sources(organization: Organization) -> list[FundingSource]:
    """The organization's sources in column order: specific ones (特定財源) first, the general one (一般財源) last."""
    return list(
        FundingSource.objects.filter(organization=organization).order_by("is_general", "sort_order", "name", "id")
    )


def split(
    planned: int, stated: dict[int, dict[int, int]], budget_year: int, general_id: int | None
) -> tuple[dict[int | None, int], str, int | None]:
    """The 財源内訳 of one row by source id (None: 未設定), how it was found, and the year it was stated for."""
    if budget_year in stated:
        return dict(stated[budget_year]), "stated", budget_year
    earlier = [y for y, amounts in stated.items() if y < budget_year and sum(amounts.values()) > 0]
    if earlier:
        year = max(earlier)
        amounts = stated[year]
        base = sum(amounts.values())
        if base == planned:
            return dict(amounts), "scaled", year
        result: dict[int | None, int] = {}
        for source_id, amount in amounts.items():
            if source_id != general_id:
                result[source_id] = amount * planned // base // _ROUND * _ROUND
        result[general_id] = planned - sum(result.values())
        return result, "scaled", year
    return {general_id: planned}, ("general" if general_id is not None else "unset"), None
