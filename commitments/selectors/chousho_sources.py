"""Where the 調書's amounts come from: the stored projection rows (the books of today), or the books as they stood at
a point of view (a day, or a budget year's own view); and its 財源内訳 columns and split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from commitments.models import (
    APPROVED_STATES,
    Commitment,
    CommitmentFunding,
    FundingSource,
    Organization,
    ProjectionYear,
    Status,
)
from commitments.selectors.books_as_of import PointOfView, books_as_of

_ROUND = 1_000
VALUES = (
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


def _flows(budget_year: int, *, before: bool) -> Coalesce:
    """One commitment's paid + contracted + uncontracted over its stored years before (or from) the budget year."""
    years = Q(fiscal_year__lt=budget_year) if before else Q(fiscal_year__gte=budget_year)
    # The base manager: the rows are those of the outer (scoped) commitment, as a join through `projection__` would
    # read them; the scope's organization filter would let the planner probe projection_org_fy_seg instead of
    # projection_unique_year, a scan of the organization's rows per commitment whenever its statistics are stale.
    total = (
        ProjectionYear._base_manager.filter(years, commitment_id=OuterRef("pk"))
        .values("commitment_id")
        .annotate(total=Sum(F("paid_yen") + F("contracted_yen") + F("uncontracted_yen")))
        .values("total")
    )
    return Coalesce(Subquery(total), 0, output_field=BigIntegerField())


def stored_rows(*, organization: Organization, budget_year: int) -> QuerySet[Commitment]:
    """The 調書's row set from the stored projection rows, unordered, each commitment with `spent` and `planned`.

    Rows: approved-state commitments authorised by the budget year whose burden reaches it, except those with
    nothing left to pay from it unless authorised in it (or whose live limit is words, with no amount to plan).
    `spent` and `planned` are sums over the commitment's own projection rows (correlated subqueries on
    projection_unique_year), so a page of rows taken in the book's order reads only the projection of its rows.
    """
    return (
        Commitment.objects.filter(
            organization=organization,
            status__in=APPROVED_STATES,
            authorized_fy__lte=budget_year,
            last_burden_fy__gte=budget_year,
        )
        .annotate(spent=_flows(budget_year, before=True), planned=_flows(budget_year, before=False))
        .filter(
            Q(authorized_fy=budget_year)
            # a limit in words has no amount to plan: listed while its authority stands (like 同上利子 in a book)
            | Q(limit_yen__isnull=True, status__in=LISTED_TEXT_STATES)
            | Q(planned__gt=0)
        )
    )


def stale_count(*, organization: Organization, budget_year: int) -> int:
    """Commitments whose stored projection does not show their latest change yet, of those the 調書 may list."""
    return (
        Commitment.objects.filter(organization=organization, status__in=APPROVED_STATES, needs_projection=True)
        .filter(last_burden_fy__gte=budget_year)
        .count()
    )


def book_order(*, numbered: bool) -> tuple[str, ...]:
    """The 調書's order: by the book's own numbering when one numbering runs across its rows, else (行為年度, 番号)."""
    return ("seq", "id") if numbered else ("authorized_fy", "seq", "id")


def stored_amounts(*, organization: Organization, budget_year: int) -> list[dict[str, Any]]:
    """The 調書's rows from the stored projection rows (one query, `stored_rows`): each commitment's fields, `spent`
    and `planned`, in the book's order (行為年度, 番号)."""
    rows = stored_rows(organization=organization, budget_year=budget_year)
    return list(rows.order_by(*book_order(numbered=False)).values(*VALUES, "spent", "planned"))


@dataclass(frozen=True)
class StoredSummary:
    """What the whole of `stored_rows` adds up to, read in one aggregate: its count, whether one numbering runs across
    its rows, the sums of the rows with a numeric limit (the 合計's), and the first rows of its two lists."""

    count: int
    numbered: bool
    limit_yen: int
    spent_yen: int
    planned_yen: int
    planned_rows: int  # rows (counted or not) with something planned: what goes to 一般財源 or 未設定
    untied_count: int
    untied_ids: list[int]  # the first `listed` rows where 限度額 ≠ spent + planned, in the book's order
    text_count: int
    text_ids: list[int]  # the first `listed` rows whose limit is words, in the book's order


# The rows of `stored_rows` (a subquery) added up; "ties" as ChoushoRow.ties: the limit (or the estimate of a limit in
# words, or 0) equals spent + planned. Each list is kept in both of the book's orders (numbered or not).
_SUMMARY = """
SELECT count(*), count(DISTINCT seq),
       coalesce(sum(limit_yen), 0),
       coalesce(sum(spent) FILTER (WHERE limit_yen IS NOT NULL), 0),
       coalesce(sum(planned) FILTER (WHERE limit_yen IS NOT NULL), 0),
       count(*) FILTER (WHERE planned <> 0),
       count(*) FILTER (WHERE NOT ties),
       (array_agg(id ORDER BY authorized_fy, seq, id) FILTER (WHERE NOT ties))[1:%(listed)s],
       (array_agg(id ORDER BY seq, id) FILTER (WHERE NOT ties))[1:%(listed)s],
       count(*) FILTER (WHERE limit_yen IS NULL),
       (array_agg(id ORDER BY authorized_fy, seq, id) FILTER (WHERE limit_yen IS NULL))[1:%(listed)s],
       (array_agg(id ORDER BY seq, id) FILTER (WHERE limit_yen IS NULL))[1:%(listed)s]
  FROM (SELECT *, coalesce(limit_yen, estimated_limit_yen, 0) = spent + planned AS ties FROM (%(rows)s) AS r) AS rows
"""


def stored_summary(*, organization: Organization, budget_year: int, listed: int) -> StoredSummary:
    """The whole `stored_rows` set added up in SQL (one query): what a page of the 調書 shows of the whole report."""
    rows = (
        stored_rows(organization=organization, budget_year=budget_year)
        .order_by()
        .values("id", "seq", "authorized_fy", "limit_yen", "estimated_limit_yen", "spent", "planned")
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_SUMMARY % {"rows": sql, "listed": "%s"}, [*[listed] * 4, *params])  # in the text's order
        row = cursor.fetchone()
    count, distinct, limit, spent, planned, planned_rows, untied, untied_fy, untied_seq, text, text_fy, text_seq = row
    numbered = count > 0 and distinct == count
    return StoredSummary(
        count=count,
        numbered=numbered,
        limit_yen=int(limit),
        spent_yen=int(spent),
        planned_yen=int(planned),
        planned_rows=planned_rows,
        untied_count=untied,
        untied_ids=list((untied_seq if numbered else untied_fy) or []),
        text_count=text,
        text_ids=list((text_seq if numbered else text_fy) or []),
    )


def stored_page(
    *, organization: Organization, budget_year: int, numbered: bool, offset: int, limit: int
) -> list[dict[str, Any]]:
    """Rows `offset` … `offset + limit` of `stored_rows` in the book's order (one query, reading only their
    projection rows when the book is ordered by 行為年度 and 番号, as commitment_org_fy_seq_id is)."""
    rows = stored_rows(organization=organization, budget_year=budget_year).order_by(*book_order(numbered=numbered))
    return list(rows.values(*VALUES, "spent", "planned")[offset : offset + limit])


def stored_rows_of(*, organization: Organization, budget_year: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The rows of `stored_rows` among `ids`, by id (one query; none when `ids` is empty)."""
    if not ids:
        return {}
    rows = stored_rows(organization=organization, budget_year=budget_year).filter(pk__in=ids)
    return {row["id"]: row for row in rows.values(*VALUES, "spent", "planned")}


def book_amounts(*, organization: Organization, budget_year: int, view: PointOfView) -> list[dict[str, Any]]:
    """The same rows from the books as they stood at `view` (the rule of `stored_rows`, row by row)."""
    candidates = Commitment.objects.filter(organization=organization, authorized_fy__lte=budget_year)
    found = []
    for book in books_as_of(view=view, commitments=candidates):
        c = book.commitment
        if c.last_burden_fy < budget_year:
            continue
        planned = book.total(from_fy=budget_year)
        text_listed = c.limit_yen is None and c.status in LISTED_TEXT_STATES
        if planned > 0 or c.authorized_fy == budget_year or text_listed:
            row = {name: getattr(c, name) for name in VALUES}
            found.append({**row, "spent": book.total(before=budget_year), "planned": planned})
    return found


def stated_funding(
    commitment_ids: list[int] | None, budget_year: int, *, organization: Organization | None = None
) -> dict[int, dict[int, dict[int, int]]]:
    """The 財源内訳 stated for each commitment by budget year up to `budget_year`: id → year → source → yen; of the
    commitments `commitment_ids`, or (None) of every commitment of `organization` that has one."""
    stated: dict[int, dict[int, dict[int, int]]] = {}
    if commitment_ids is None or commitment_ids:
        funding = CommitmentFunding.objects.filter(budget_year__lte=budget_year)
        if commitment_ids is None:
            funding = funding.filter(commitment__organization=organization)
        else:
            funding = funding.filter(commitment_id__in=commitment_ids)
        amounts = funding.values_list("commitment_id", "budget_year", "source_id", "amount_yen")
        for commitment_id, year, source_id, amount in amounts:
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
