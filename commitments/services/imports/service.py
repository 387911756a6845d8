"""Import a budget book's table of commitments (seed table, 第２表 or 調書): all rows or none, idempotent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import Commitment, CommitmentFunding, Contract, FundingSource, Organization, Segment, User
from commitments.models.constraints import violation_message
from commitments.services import projection as projection_services
from commitments.services.common import require
from commitments.services.errors import RowErrors, SegregationOfDutiesError, ServiceError
from commitments.services.imports import writer
from commitments.services.imports.columns import FORMAT_LABELS, UNSET_SOURCE, Format, detect
from commitments.services.imports.reader import ReadError, read_rows
from commitments.services.imports.rows import Plan, Progress, RowError, RowPlan, plan_rows
from commitments.services.imports.totals import resolve_budget_year

PROJECT_EACH_MAX = 200  # above this many commitments one set-based refresh is faster than one refresh each
GENERAL_SOURCE = "一般財源"


class ImportRefused(RowErrors):
    """Nothing was imported; `errors` lists every refused cell (row, column as printed, text, reason)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__([(e.row, str(e)) for e in errors])


@dataclass
class ImportOptions:
    """How to read a file: its name (for provenance), budget year and its era, unit, default segment, resolution."""

    file_name: str
    budget_year: int | None = None
    era: str | None = None
    unit: str | None = None
    segment: str = ""
    resolution: str = ""

    @classmethod
    def parse(
        cls, file_name: str, *, budget_year: str = "", unit: str = "", segment: str = "", resolution: str = ""
    ) -> ImportOptions:
        """Options as typed (「令和8年度」, 「平成31年度」, 「2026」); the era typed resolves era-less years."""
        year = fiscal.parse_fiscal_year(budget_year) if budget_year.strip() else None
        if unit and unit not in fiscal.UNITS:
            raise ServiceError(_("単位は %(units)s のいずれかです。") % {"units": "、".join(fiscal.UNITS)})
        return cls(
            file_name=file_name,
            budget_year=year,
            era=fiscal.era_in_text(budget_year) if budget_year else None,
            unit=unit or None,
            segment=segment.strip(),
            resolution=resolution.strip(),
        )


@dataclass
class RowOutcome:
    """What happened (or would happen) to one row: 新規, 既存 or 追加, and the commitment's id once written."""

    plan: RowPlan
    action: str
    commitment_id: int | None = None


@dataclass
class ImportResult:
    """The outcome of one file: format, budget year, every row's outcome, totals in yen and warnings."""

    file_name: str
    format: Format
    budget_year: int | None
    unit: str
    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    total_row: int | None = None
    contracts: int = 0
    funding: int = 0
    seconds: float = 0.0

    @property
    def format_label(self) -> str:
        """The table's name as a budget book prints it."""
        return FORMAT_LABELS[self.format]

    def count(self, action: str) -> int:
        """How many rows had this outcome (新規, 既存, 追加)."""
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def totals(self) -> dict[str, object]:
        """Sums over the rows in yen (text limits count 0), for the summary and the 合計 check."""
        plans = [o.plan for o in self.outcomes]
        funding: dict[str, int] = {}
        for plan in plans:
            for name, yen in plan.funding.items():
                funding[name] = funding.get(name, 0) + yen
        return {
            "rows": len(plans),
            "limit_yen": sum(p.limit.yen or 0 for p in plans),
            "spent_yen": sum(p.spent_yen for p in plans),
            "planned_yen": sum(p.planned_yen for p in plans),
            "funding_yen": funding,
            "text_limits": [p.row for p in plans if p.limit.is_text],
            "text_spans": [p.row for p in plans if p.span_text],
        }


def default_users(organization: Organization) -> tuple[User | None, User | None]:
    """The organization's first active finance officer and a different active approver (by username)."""
    users = User.objects.filter(organization=organization, is_active=True).order_by("username")
    officer = next((u for u in users if u.has_perm("commitments.add_commitment")), None)
    approver = next(
        (u for u in users if u.has_perm("commitments.approve_commitment") and (officer is None or u.pk != officer.pk)),
        None,
    )
    return officer, approver


def read_plan(data: bytes, options: ImportOptions, *, progress: Progress | None = None) -> Plan:
    """Read and check a file without touching the database; file-level problems raise ImportRefused."""
    try:
        rows = read_rows(data, options.file_name)
        layout = detect(rows)
    except ReadError as exc:
        raise ImportRefused([RowError(0, "ファイル", options.file_name, str(exc))]) from exc
    today_fy = fiscal.fiscal_year_of(timezone.localdate())
    year, problems = resolve_budget_year(layout, budget_year=options.budget_year, era=options.era, today_fy=today_fy)
    if problems:
        raise ImportRefused([RowError(layout.header_rows[0], "見出し", "", p) for p in problems])
    era = options.era or (fiscal.era_of_fiscal_year(year)[0] if year else None)
    unit = options.unit or layout.unit or "千円"
    return plan_rows(rows, layout, budget_year=year, era=era, unit=unit, progress=progress)


def _segments(plan: Plan, organization: Organization, default: str) -> tuple[list[Segment], list[RowError]]:
    """Each row's segment: its 事業区分 cell, else the given one, else the organization's default (or only) one."""
    segments = list(Segment.objects.filter(organization=organization))
    by_name = {key: s for s in segments for key in (s.code, s.name, fiscal.normalize_text(s.name))}
    fallback = next((s for s in segments if s.is_default), segments[0] if len(segments) == 1 else None)
    column = plan.layout.name("segment") if "segment" in plan.layout.columns else "事業区分"
    chosen: list[Segment] = []
    errors: list[RowError] = []
    for row in plan.rows:
        text = row.segment or default
        segment = by_name.get(text) or by_name.get(fiscal.normalize_text(text)) if text else fallback
        if segment is None:
            message = (
                f"事業区分が登録されていません（登録済：{'、'.join(s.name for s in segments) or 'なし'}）。"
                if text
                else "事業区分を指定してください（--segment）。既定の事業区分がありません。"
            )
            label = f"{plan.layout.name('seq')} {row.seq}" if row.seq is not None else ""
            errors.append(RowError(row.row, column, text, message, label))
        chosen.append(segment)  # type: ignore[arg-type]
    return chosen, errors


def _existing(organization: Organization, plan: Plan) -> dict[tuple[object, ...], writer.Existing]:
    """Commitments already stored with the key of one of the rows."""
    years = {row.authorized_fy for row in plan.rows}
    found: dict[tuple[object, ...], writer.Existing] = {}
    fields = ("pk", "authorized_fy", "matter", "first_burden_fy", "last_burden_fy", "limit_yen", "limit_text", "status")
    for pk, fy, matter, first, last, limit_yen, limit_text, status in Commitment.objects.filter(
        organization=organization, authorized_fy__in=years
    ).values_list(*fields):
        key = (fy, fiscal.normalize_text(matter), first, last, limit_yen, fiscal.normalize_text(limit_text))
        found.setdefault(key, writer.Existing(pk, status, False, set()))
    wanted = {row.key for row in plan.rows}
    found = {key: value for key, value in found.items() if key in wanted}
    ids = [e.pk for e in found.values()]
    contracted = set(Contract.objects.filter(commitment_id__in=ids).values_list("commitment_id", flat=True))
    funded: dict[int, set[int]] = {}
    for pk, year in CommitmentFunding.objects.filter(commitment_id__in=ids).values_list("commitment_id", "budget_year"):
        funded.setdefault(pk, set()).add(year)
    for e in found.values():
        e.has_contract, e.funded_years = e.pk in contracted, funded.get(e.pk, set())
    return found


def _sources(organization: Organization, plan: Plan) -> dict[str, FundingSource]:
    """The sources the 調書's columns name (「地 方 債」 is 地方債), created in print order when missing; not 未設定."""
    found = list(FundingSource.objects.filter(organization=organization))
    by_name = {fiscal.normalize_text(s.name): s for s in found}
    has_general = any(s.is_general for s in found)
    start = max((s.sort_order for s in found), default=0)
    sources: dict[str, FundingSource] = {}
    for order, (name, _index) in enumerate(plan.layout.funding, start=start + 1):
        if name == UNSET_SOURCE:
            continue
        key = fiscal.normalize_text(name)
        if key not in by_name:
            general = key == GENERAL_SOURCE and not has_general
            by_name[key] = FundingSource.objects.create(
                organization=organization, name=name, is_general=general, sort_order=order
            )
        sources[name] = by_name[key]
    return sources


def _free_seq(plan: RowPlan, taken: set[tuple[int, int]]) -> int | None:
    """The book's number of the row (else its place in the table) as 番号, unless taken in that 行為年度."""
    seq = plan.seq if plan.seq is not None else plan.position or None
    if seq is None or (plan.authorized_fy, seq) in taken:
        return None
    taken.add((plan.authorized_fy, seq))
    return seq


def import_file(
    *,
    actor: User,
    organization: Organization,
    data: bytes,
    options: ImportOptions,
    approver: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every row of a file as approved commitments, or nothing; rows already imported are left as they are.

    A 調書 row authorised before the budget year or already being spent also gets its opening balance (an opening
    contract of spent + planned and a payment of the spent part) and its funding split for the budget year.
    """
    started = time.monotonic()
    require(actor, "add_commitment", organization)
    if not dry_run:
        if approver is None:
            raise ServiceError(_("承認者を指定してください。"))
        require(approver, "approve_commitment", organization)
        if approver.pk == actor.pk:
            raise SegregationOfDutiesError(_("取込を行う担当者と承認者は別の人でなければなりません（職務分掌）。"))
    plan = read_plan(data, options, progress=progress)
    segments, segment_errors = _segments(plan, organization, options.segment)
    errors = sorted(plan.errors + segment_errors, key=lambda e: e.row)
    if errors:
        raise ImportRefused(errors)
    if not plan.rows:
        raise ImportRefused([RowError(0, "ファイル", options.file_name, "取り込む行がありません。")])
    result = ImportResult(
        file_name=options.file_name,
        format=plan.layout.format,
        budget_year=plan.budget_year,
        unit=plan.unit,
        dry_run=dry_run,
        warnings=list(plan.warnings),
        notices=list(plan.notices),
        total_row=plan.total_row,
    )
    try:
        with transaction.atomic():
            _write(result, plan, segments, organization, actor, approver, options, dry_run, progress)
    except IntegrityError as exc:
        raise ImportRefused(
            [RowError(0, "データベース", "", f"取り込めませんでした：{violation_message(exc)}")]
        ) from exc
    except DataError as exc:  # a value the rows' checks let through (they should not): refused, never a traceback
        raise ImportRefused(
            [RowError(0, "データベース", "", f"範囲外の値があるため取り込めませんでした: {exc}")]
        ) from exc
    result.seconds = time.monotonic() - started
    return result


def _write(
    result: ImportResult,
    plan: Plan,
    segments: list[Segment],
    organization: Organization,
    actor: User,
    approver: User | None,
    options: ImportOptions,
    dry_run: bool,
    progress: Progress | None,
) -> None:
    """Decide each row's outcome under the organization's lock (imports into one organization run one at a time)."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    existing = _existing(organization, plan)
    new: list[tuple[RowPlan, Segment, int | None]] = []
    old: list[tuple[RowPlan, writer.Existing]] = []
    years = {row.authorized_fy for row in plan.rows}
    taken = set(
        Commitment.objects.filter(organization=organization, authorized_fy__in=years, seq__isnull=False).values_list(
            "authorized_fy", "seq"
        )
    )
    for row, segment in zip(plan.rows, segments, strict=True):
        found = existing.get(row.key)
        if found is None:
            new.append((row, segment, _free_seq(row, taken)))
            result.outcomes.append(RowOutcome(row, "新規"))
        else:
            old.append((row, found))
            result.outcomes.append(RowOutcome(row, "既存", found.pk))
    if dry_run or approver is None:
        return
    ctx = writer.WriteContext(
        organization=organization,
        actor=actor,
        approver=approver,
        file_name=options.file_name,
        format_label=FORMAT_LABELS[plan.layout.format],
        budget_year=plan.budget_year,
        resolution=options.resolution,
        sources=_sources(organization, plan) if plan.layout.funding else {},
        contract_numbers=set(
            Contract.objects.filter(organization=organization, contract_no__startswith="期首-").values_list(
                "contract_no", flat=True
            )
        ),
    )
    counts = writer.WriteCounts()
    total = len(new)
    writer.write_new(new, ctx, counts, progress=(lambda done: progress("write", done, total)) if progress else None)
    writer.complete_existing(old, ctx, counts)
    created = iter(counts.created)
    for outcome in result.outcomes:
        if outcome.action == "新規":
            outcome.commitment_id = next(created)
        elif outcome.commitment_id in counts.enriched:
            outcome.action = "追加"
    result.contracts, result.funding = counts.contracts, counts.funding
    touched = counts.created + counts.enriched
    if progress is not None:
        progress("project", 0, len(touched))
    if len(touched) > PROJECT_EACH_MAX:
        projection_services.projection_refresh_many(commitment_ids=touched)
    else:
        for pk in touched:
            projection_services.projection_refresh(commitment_id=pk)


__all__ = ["ImportOptions", "ImportRefused", "ImportResult", "default_users", "import_file", "read_plan"]
