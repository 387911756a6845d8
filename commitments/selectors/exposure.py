"""Exposure reads: year-by-year amounts per commitment and totals, shared by pages, exports and e-mails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from commitments.models import (
    APPROVED_STATES,
    Commitment,
    CommitmentTotal,
    ProjectionSnapshot,
    ProjectionTotal,
    ProjectionYear,
    Segment,
    User,
)
from commitments.selectors.as_of import commitment_stats_as_of
from commitments.selectors.exposure_as_of import exposure_books, exposure_table_of_books
from commitments.selectors.exposure_types import BASES, ExposureTable, check_grouping


def commitments_visible_to(user: User) -> QuerySet[Commitment]:
    """Commitments of the user's organization (all of them for superusers)."""
    return Commitment.objects.for_user(user).select_related("organization", "segment")


def segments_of(organization_ids: list[int] | None) -> QuerySet[Segment]:
    """Segments of the given organizations (or all)."""
    qs = Segment.objects.select_related("organization")
    return qs if organization_ids is None else qs.filter(organization_id__in=organization_ids)


def _scoped(
    qs: QuerySet[Any], organization_ids: list[int] | None, segment_ids: list[int] | None, from_fy: int | None
) -> QuerySet[Any]:
    """Rows of tables keyed by organization and segment (and fiscal year, when `from_fy` is given), narrowed to the
    scope asked for."""
    if from_fy is not None:
        qs = qs.filter(fiscal_year__gte=from_fy)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=organization_ids)
    if segment_ids:
        qs = qs.filter(segment_id__in=segment_ids)
    return qs


def _projection_rows(
    organization_ids: list[int] | None, segment_ids: list[int] | None, from_fy: int | None = None
) -> QuerySet[ProjectionYear]:
    return _scoped(ProjectionYear.objects.all(), organization_ids, segment_ids, from_fy)


def _total_cells(
    organization_ids: list[int] | None, segment_ids: list[int] | None, from_fy: int | None = None
) -> QuerySet[ProjectionTotal]:
    """The sums of the projection rows per organization × segment × fiscal year (ProjectionTotal, kept by triggers
    in the same transaction as the rows): what `_projection_rows` would give grouped by those three."""
    return _scoped(ProjectionTotal.objects.all(), organization_ids, segment_ids, from_fy)


def approved_commitments(
    organization_ids: list[int] | None, segment_ids: list[int] | None = None
) -> QuerySet[Commitment]:
    """The approved (live or settled) commitments of these organizations (None: every one), optionally of some
    segments: the rows every exposure figure reads."""
    return _scoped(Commitment.objects.filter(status__in=APPROVED_STATES), organization_ids, segment_ids, None)


def _approved_cells(organization_ids: list[int] | None, segment_ids: list[int] | None) -> QuerySet[CommitmentTotal]:
    """The approved commitments' number and 限度額 total per organization × segment × state (CommitmentTotal, kept by
    triggers on the commitments in their writing transaction): a few cells instead of a scan of the commitments."""
    return _scoped(CommitmentTotal.objects.filter(status__in=APPROVED_STATES), organization_ids, segment_ids, None)


def _basis_expression(basis: str, term: Callable[[str], Any]) -> Any:
    """The basis's amount as one expression: `term(column)` (`Sum` or `F`) over its projection columns, added up."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
    columns = BASES[basis]
    expr: Any = term(columns[0])
    for name in columns[1:]:
        expr = expr + term(name)
    return expr


def _amount(basis: str) -> Any:
    """The basis's amount summed over projection rows."""
    return _basis_expression(basis, Sum)


def exposure_table(
    *,
    organization_ids: list[int] | None,
    basis: str = "planned",
    by: str = "commitment",
    segment_ids: list[int] | None = None,
    from_fy: int | None = None,
    as_of: date | None = None,
) -> ExposureTable:
    """Exposure by fiscal year and commitment or segment: today from the stored projection rows (two queries); as the
    books stood at the end of `as_of` when given, row by row (`exposure_as_of`)."""
    check_grouping(by)
    if as_of is not None:
        books = exposure_books(organization_ids=organization_ids, as_of=as_of, segment_ids=segment_ids)
        return exposure_table_of_books(books, basis=basis, by=by, from_fy=from_fy)
    key_field = "commitment_id" if by == "commitment" else "segment_id"
    # By segment: the trigger-kept cells (organization × segment × year), a few hundred rows instead of millions.
    source = _projection_rows if by == "commitment" else _total_cells
    grouped = (
        source(organization_ids, segment_ids, from_fy)
        .values(key_field, "fiscal_year")
        .annotate(amount=_amount(basis))
        .order_by()
    )
    cells: dict[int, dict[int, int]] = {}
    for item in grouped:
        cells.setdefault(item[key_field], {})[item["fiscal_year"]] = int(item["amount"] or 0)

    commitments = approved_commitments(organization_ids, segment_ids)
    stats = _approved_cells(organization_ids, segment_ids).aggregate(
        n=Sum("commitments"), limit=Sum("limit_yen"), texts=Sum("text_limits")
    )

    labels: list[tuple[Any, str]]
    if by == "commitment":
        labels = [
            (c.pk, c.matter)
            for c in commitments.filter(pk__in=cells).order_by("organization_id", "authorized_fy", "seq", "id")
        ]
    else:
        labels = [
            (s.pk, s.name)
            for s in Segment.objects.filter(pk__in=cells).order_by("organization_id", "sort_order", "code")
        ]

    years = sorted({fy for by_year in cells.values() for fy in by_year})
    table = ExposureTable(
        basis=basis,
        fiscal_years=years,
        commitments=stats["n"] or 0,
        limit_total=int(stats["limit"] or 0),
        text_limit_count=stats["texts"] or 0,
    )
    for key, label in labels:
        table.add_row(key, label, cells.get(key, {}))
    return table


def exposure_commitments(
    *,
    organization_ids: list[int] | None,
    fiscal_years: list[int],
    basis: str = "planned",
    segment_ids: list[int] | None = None,
) -> QuerySet[Commitment]:
    """Commitments annotated with one amount column per fiscal year (`fy_<year>`) and `total_yen`: one query."""
    amount_fields = BASES[basis]
    annotations: dict[str, Any] = {}
    for fy in fiscal_years:
        expr: Any = None
        for name in amount_fields:
            part = Sum(f"projection__{name}", filter=Q(projection__fiscal_year=fy), default=0)
            expr = part if expr is None else expr + part
        annotations[f"fy_{fy}"] = expr
    total: Any = None
    for name in amount_fields:
        part = Sum(f"projection__{name}", filter=Q(projection__fiscal_year__in=fiscal_years), default=0)
        total = part if total is None else total + part
    annotations["total_yen"] = total
    qs = approved_commitments(organization_ids, segment_ids).select_related("segment", "organization")
    return qs.annotate(**annotations).order_by("organization_id", "authorized_fy", "seq", "id")


def _row_amount(basis: str) -> Any:
    """The basis's amount of one projection row (paid + contracted + uncontracted for `total`)."""
    return _basis_expression(basis, F)


def exposure_page_commitments(
    *,
    organization_ids: list[int] | None,
    fiscal_years: list[int],
    basis: str = "planned",
) -> QuerySet[Commitment]:
    """The rows of the exposure page: the same columns as `exposure_commitments`, each amount a correlated subquery
    on the projection's (commitment, fiscal year) key. PostgreSQL evaluates them only for the rows a page fetches
    (LIMIT after an index scan in the default order) and `count()` leaves them out, so a page of 50 costs the same
    at 1 M commitments as at 100. Exports read every row and use the grouped `exposure_commitments` instead."""
    _amount(basis)  # refuses an unknown basis
    rows = ProjectionYear.objects.filter(commitment_id=OuterRef("pk"))
    annotations: dict[str, Any] = {}
    for fy in fiscal_years:
        one = rows.filter(fiscal_year=fy).annotate(amount=_row_amount(basis)).values("amount")[:1]
        annotations[f"fy_{fy}"] = Coalesce(Subquery(one), Value(0))
    summed = (
        rows.filter(fiscal_year__in=fiscal_years)
        .order_by()
        .values("commitment_id")
        .annotate(amount=Sum(_row_amount(basis)))
        .values("amount")
    )
    annotations["total_yen"] = Coalesce(Subquery(summed), Value(0))
    qs = approved_commitments(organization_ids).select_related("segment", "organization")
    return qs.annotate(**annotations).order_by("organization_id", "authorized_fy", "seq", "id")


def fiscal_years_with_projection(*, organization_ids: list[int] | None) -> list[int]:
    """The fiscal years from the first to the last that has a projection row (from the per-cell totals)."""
    bounds = _total_cells(organization_ids, None).aggregate(first=Min("fiscal_year"), last=Max("fiscal_year"))
    if bounds["first"] is None:
        return []
    return list(range(bounds["first"], bounds["last"] + 1))


def burden_span(commitments: QuerySet[Commitment]) -> tuple[int, int | None, int | None]:
    """How many commitments a filtered queryset holds and the first and last fiscal year they burden (one query:
    the page's paginator takes the count from here, so narrowing the year columns costs no extra query)."""
    stats = commitments.order_by().aggregate(n=Count("*"), first=Min("first_burden_fy"), last=Max("last_burden_fy"))
    return int(stats["n"]), stats["first"], stats["last"]


def _year_totals(rows: QuerySet[Any], fiscal_years: list[int], basis: str) -> dict[str, int]:
    """`fy_<year>` sums of the basis over projection rows or cell totals in the given years, and `total_yen`."""
    per_year = rows.filter(fiscal_year__in=fiscal_years).values("fiscal_year").annotate(amount=_amount(basis))
    totals: dict[str, int] = {f"fy_{fy}": 0 for fy in fiscal_years}
    for item in per_year.order_by():
        totals[f"fy_{item['fiscal_year']}"] = int(item["amount"] or 0)
    totals["total_yen"] = sum(totals.values())
    return totals


def exposure_totals(
    *, commitments: QuerySet[Commitment], fiscal_years: list[int], basis: str = "planned"
) -> dict[str, int]:
    """Footer totals of an annotated commitment queryset: `fy_<year>`, `total_yen` and `limit_yen` (two queries)."""
    ids = commitments.order_by().values("pk")
    rows = ProjectionYear.objects.filter(commitment_id__in=ids)
    totals = _year_totals(rows, fiscal_years, basis)
    totals["limit_yen"] = int(Commitment.objects.filter(pk__in=ids).aggregate(s=Sum("limit_yen"))["s"] or 0)
    return totals


def exposure_totals_of_scope(
    *, organization_ids: list[int] | None, fiscal_years: list[int], basis: str = "planned"
) -> dict[str, int]:
    """`exposure_totals` of every approved commitment of the organizations (the page with no filter): projection rows
    exist exactly for approved commitments, so their trigger-kept sums per organization × segment × year are the
    footer (two small queries instead of a join over every row). `commitments` is their number."""
    totals = _year_totals(_total_cells(organization_ids, None), fiscal_years, basis)
    # The trigger-kept cells give both, whatever the number of commitments; the page's paginator takes the count.
    stats = _approved_cells(organization_ids, None).aggregate(n=Sum("commitments"), s=Sum("limit_yen"))
    totals["limit_yen"] = int(stats["s"] or 0)
    totals["commitments"] = int(stats["n"] or 0)
    return totals


def snapshot_dates(*, organization_ids: list[int] | None) -> list[date]:
    """The as-of dates kept by the nightly runs, newest first."""
    qs = ProjectionSnapshot.objects.all()
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=organization_ids)
    return list(qs.order_by("-as_of").values_list("as_of", flat=True).distinct())


def exposure_snapshot_table(
    *, organization_ids: list[int] | None, as_of: date, basis: str = "total", from_fy: int | None = None
) -> tuple[date | None, ExposureTable]:
    """Exposure by segment as the latest nightly run on or before `as_of` saw it (one snapshot, two queries)."""
    _amount(basis)  # validates the basis
    scoped = ProjectionSnapshot.objects.all()
    if organization_ids is not None:
        scoped = scoped.filter(organization_id__in=organization_ids)
    taken = scoped.filter(as_of__lte=as_of).order_by("-as_of").values_list("as_of", flat=True).first()
    table = ExposureTable(basis=basis, fiscal_years=[])
    if taken is None:
        return None, table
    cells = scoped.filter(as_of=taken)
    if from_fy is not None:
        cells = cells.filter(fiscal_year__gte=from_fy)
    grouped: dict[int, dict[int, int]] = {}
    counts: dict[int, int] = {}
    for cell in cells.values("segment_id", "fiscal_year", "commitments", *BASES[basis]):
        amount = sum(int(cell[name]) for name in BASES[basis])
        grouped.setdefault(cell["segment_id"], {})[cell["fiscal_year"]] = amount
        counts[cell["segment_id"]] = max(counts.get(cell["segment_id"], 0), cell["commitments"])
    table.fiscal_years = sorted({fy for years in grouped.values() for fy in years})
    table.commitments, table.limit_total, table.text_limit_count = commitment_stats_as_of(
        organization_ids=organization_ids, as_of=taken
    )
    for segment in Segment.objects.filter(pk__in=grouped).order_by("organization_id", "sort_order", "code"):
        years = grouped[segment.pk]
        table.rows.append({"key": segment.pk, "label": segment.name, "years": years, "total": sum(years.values())})
        for fy, amount in years.items():
            table.totals[fy] = table.totals.get(fy, 0) + amount
    return taken, table


def stale_commitment_count(*, organization_ids: list[int] | None) -> int:
    """Approved commitments whose projection has not caught up with their last change (shown as a note)."""
    qs = Commitment.objects.filter(needs_projection=True, status__in=APPROVED_STATES)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=organization_ids)
    return qs.count()
