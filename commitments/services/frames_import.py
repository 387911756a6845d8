"""Import fiscal frames from CSV or XLSX (`年度, 事業区分, 歳出総額, 一般財源`): all rows or none, each submitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import FiscalFrame, FrameStatus, Organization, Segment, User
from commitments.services import frames
from commitments.services.common import require
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.imports.reader import ReadError, SourceRow, read_rows, unit_in

COLUMNS = {
    "fiscal_year": "年度",
    "segment": "事業区分",
    "expenditure_yen": "歳出総額",
    "general_revenue_yen": "一般財源",
}
WHOLE = {"", "全体", "団体全体", "合計", "-", "－", "―"}


@dataclass(frozen=True)
class FrameHeader:
    """Where the header is, which column holds what, and the unit of the amounts."""

    line: int
    columns: dict[str, int]
    unit: str


def _header(rows: list[SourceRow], unit: str) -> FrameHeader:
    """The first row naming 年度 and an amount column; a unit named above it or in a header cell wins over `unit`."""
    for index, row in enumerate(rows):
        cells = [fiscal.normalize_text(cell).replace(" ", "") for cell in row.cells]
        found: dict[str, int] = {}
        for key, title in COLUMNS.items():
            for position, cell in enumerate(cells):
                if cell.startswith(title) and key not in found:
                    found[key] = position
        if "fiscal_year" in found and ({"expenditure_yen", "general_revenue_yen"} & set(found)):
            named = [unit_in(" ".join(r.cells)) for r in rows[: index + 1]]
            named += [u for cell in row.cells if (u := _unit_of_cell(cell))]
            chosen = next((u for u in reversed(named) if u), unit)
            return FrameHeader(row.number, found, chosen)
    raise RowErrors([(1, _("見出し行（年度・事業区分・歳出総額・一般財源）が見つかりません。"))])


def _unit_of_cell(cell: str) -> str | None:
    """A unit written in a header cell, e.g. 歳出総額（千円）."""
    text = fiscal.normalize_text(cell)
    for unit in sorted(fiscal.UNITS, key=len, reverse=True):
        if f"({unit})" in text or f"（{unit}）" in text:
            return unit
    return None


def _segments(organization: Organization) -> dict[str, Segment]:
    """The organization's segments by normalized name and code."""
    found: dict[str, Segment] = {}
    for segment in Segment.objects.filter(organization=organization):
        found[fiscal.normalize_text(segment.name).replace(" ", "")] = segment
        found[segment.code.lower()] = segment
    return found


def _amount(text: str, unit: str, title: str) -> int | None:
    if not text.strip():
        return None
    try:
        return fiscal.parse_amount(text, unit=unit)
    except fiscal.FiscalParseError as exc:
        raise ServiceError(
            _("%(column)s「%(text)s」を金額として読めません。") % {"column": title, "text": text}
        ) from exc


def _row(row: SourceRow, header: FrameHeader, segments: dict[str, Segment]) -> dict[str, Any]:
    """One row's frame fields; ServiceError with the first problem."""
    cell = {key: row.cell(position).strip() for key, position in header.columns.items()}
    try:
        fy = fiscal.parse_fiscal_year(cell["fiscal_year"])
    except fiscal.FiscalParseError as exc:
        raise ServiceError(_("年度「%(text)s」を読めません。") % {"text": cell["fiscal_year"]}) from exc
    name = fiscal.normalize_text(cell.get("segment", "")).replace(" ", "")
    segment = None
    if name not in WHOLE:
        segment = segments.get(name) or segments.get(name.lower())
        if segment is None:
            raise ServiceError(_("事業区分「%(name)s」はこの団体にありません。") % {"name": cell["segment"]})
    fields = {
        "fiscal_year": fy,
        "segment": segment,
        "expenditure_yen": _amount(cell.get("expenditure_yen", ""), header.unit, COLUMNS["expenditure_yen"]),
        "general_revenue_yen": _amount(
            cell.get("general_revenue_yen", ""), header.unit, COLUMNS["general_revenue_yen"]
        ),
    }
    problems = frames.frame_problems(fields)
    if problems:
        raise ServiceError(problems[0])
    return fields


@transaction.atomic
def frames_import(
    *, actor: User, organization: Organization, data: bytes, file_name: str = "", unit: str = "千円", note: str = ""
) -> list[FiscalFrame]:
    """Read every row, refuse the file with each bad row's line and reason, else enter and submit each frame."""
    require(actor, "add_fiscalframe", organization)
    require(actor, "submit_fiscalframe", organization)
    try:
        rows = read_rows(data, file_name)
    except ReadError as exc:
        raise RowErrors([(1, str(exc))]) from exc
    header = _header(rows, unit)
    segments = _segments(organization)
    open_keys = set(
        FiscalFrame.objects.filter(
            organization=organization, status__in=[FrameStatus.DRAFT, FrameStatus.SUBMITTED]
        ).values_list("fiscal_year", "segment_id")
    )
    errors: list[tuple[int, str]] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[int, int | None], int] = {}
    for row in rows:
        if row.number <= header.line or row.is_blank:
            continue
        try:
            fields = _row(row, header, segments)
        except ServiceError as exc:
            errors.append((row.number, str(exc.message)))
            continue
        key = (fields["fiscal_year"], fields["segment"].pk if fields["segment"] else None)
        if key in seen:
            errors.append((row.number, _("%(line)d行目と同じ年度・事業区分です。") % {"line": seen[key]}))
        elif key in open_keys:
            errors.append((row.number, _("この年度・事業区分には起案中または承認待ちの財政見通しがあります。")))
        seen.setdefault(key, row.number)
        parsed.append(fields)
    if errors:
        raise RowErrors(errors)
    if not parsed:
        raise RowErrors([(header.line, _("取り込む行がありません。"))])
    created = []
    for fields in parsed:
        frame = frames.frame_create(actor=actor, organization=organization, note=note, **fields)
        created.append(frames.frame_submit(actor=actor, frame=frame))
    return created
