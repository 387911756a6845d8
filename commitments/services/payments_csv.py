"""A payment CSV (支出日, 契約番号, 支出額, 支出命令番号[, 会計年度]) read into rows, and what became of each row."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import fiscal
from commitments.models import Contract, Organization, Payment
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.imports.reader import XLSX_MAGIC, ReadError, csv_records, decode

REFERENCE_MAX_LENGTH = Payment._meta.get_field("reference").max_length or 100

_HEADERS = {
    "paid_on": ("支出日", "date", "paid_on"),
    "contract_no": ("契約番号", "contract_no", "contract"),
    "amount": ("支出額", "amount", "amount_yen"),
    "reference": ("支出命令番号", "reference", "参照番号"),
    "fiscal_year": ("会計年度", "fiscal_year"),
}
# Columns whose absence makes the file unreadable; a missing 支出命令番号 is an error of each row (it names the line).
_REQUIRED = ("paid_on", "contract_no", "amount")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def short(text: str, limit: int = 40) -> str:
    """A cell quoted in a message, cut short (a CSV cell may hold 100,000 characters)."""
    return text if len(text) <= limit else f"{text[:limit]}…"


@dataclass(frozen=True)
class PaymentLine:
    """One readable row of the file: the payment it asks to record, with its line number."""

    line: int
    contract: Contract
    paid_on: datetime.date
    amount_yen: int
    reference: str
    fiscal_year: int | None

    def payment(self) -> dict[str, Any]:
        """The payment as the services take it (without the actor)."""
        return {name: getattr(self, name) for name in ("contract", "paid_on", "amount_yen", "reference", "fiscal_year")}


class ContractIndex:
    """An organization's contracts keyed by `fiscal.contract_number_key` of their stored number."""

    def __init__(self, organization: Organization) -> None:
        self._by_key: dict[str, list[Contract]] = defaultdict(list)
        for contract in Contract.objects.filter(organization=organization).order_by("contract_no", "pk"):
            self._by_key[fiscal.contract_number_key(contract.contract_no)].append(contract)

    def find(self, text: str) -> Contract:
        """The one contract a cell names, compared through the key; none or two are refused."""
        found = self._by_key.get(fiscal.contract_number_key(text), [])
        if not found:
            raise ServiceError(_("契約番号「%(no)s」が見つかりません。") % {"no": short(text)})
        if len(found) > 1:
            raise ServiceError(
                _("契約番号「%(no)s」に当たる契約が複数あります（%(found)s）。登録済の契約番号を確かめてください。")
                % {"no": short(text), "found": "、".join(f"「{c.contract_no}」" for c in found)}
            )
        return found[0]


# What became of each row of an upload.
NEW, ALREADY, ERROR = "new", "already", "error"
ROW_LABELS = {NEW: gettext_lazy("新規"), ALREADY: gettext_lazy("登録済"), ERROR: gettext_lazy("誤り")}


@dataclass(frozen=True)
class PaymentImportRow:
    """One row of an uploaded CSV: 新規 (recorded now), 登録済 (recorded before) or 誤り, with its line number."""

    line: int
    status: str
    payment: Payment | None = None
    message: str = ""

    @property
    def label(self) -> str:
        """新規, 登録済 or 誤り."""
        return str(ROW_LABELS[self.status])


@dataclass
class PaymentImportResult:
    """Every non-blank row of a CSV with what became of it."""

    rows: list[PaymentImportRow] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def created(self) -> int:
        """Rows recorded by this upload (新規)."""
        return self._count(NEW)

    @property
    def already(self) -> int:
        """Rows already recorded before (登録済), skipped."""
        return self._count(ALREADY)

    @property
    def errors(self) -> list[tuple[int, str]]:
        """(line, message) of every refused row (誤り)."""
        return [(row.line, row.message) for row in self.rows if row.status == ERROR]

    @property
    def payments(self) -> list[Payment]:
        """The payments recorded by this upload."""
        return [row.payment for row in self.rows if row.status == NEW and row.payment is not None]

    def __len__(self) -> int:
        return len(self.rows)


class PaymentImportRefused(RowErrors):
    """An upload with a bad row: nothing recorded; `result` says what each row would have been."""

    def __init__(self, result: PaymentImportResult) -> None:
        self.result = result
        super().__init__(result.errors)


def decode_upload(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM) or Shift_JIS (cp932), as Excel writes it."""
    if data.startswith(XLSX_MAGIC):
        raise ServiceError(_("Excel（.xlsx）のファイルは読めません。CSV（UTF-8 または Shift_JIS）で保存してください。"))
    try:
        return decode(data)
    except ReadError as exc:
        raise ServiceError(str(exc)) from exc


def _parse_date(text: str) -> datetime.date:
    match = _DATE.match(fiscal.normalize_text(text).strip())
    if not match:
        raise ServiceError(_("日付「%(text)s」を読めません（例：2026-04-30、2026/4/30）。") % {"text": short(text)})
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise ServiceError(_("日付「%(text)s」は存在しません。") % {"text": text}) from exc


def _columns(header: list[str]) -> dict[str, int]:
    names = [fiscal.normalize_text(h).strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _HEADERS.items():
        for alias in aliases:
            if alias.lower() in names:
                found[key] = names.index(alias.lower())
                break
    missing = [_HEADERS[key][0] for key in _REQUIRED if key not in found]
    if missing:
        raise ServiceError(_("CSV の見出しに %(cols)s がありません。") % {"cols": "、".join(missing)})
    return found


def _line(line: int, row: list[str], width: int, cols: dict[str, int], contracts: ContractIndex) -> PaymentLine:
    """One row read into the payment it asks for; any unreadable cell raises ServiceError."""
    extra = [cell for cell in row[width:] if cell.strip()]
    if extra:
        raise ServiceError(
            _(
                "見出しより列が多くあります（見出し %(head)d 列、この行 %(row)d 列）。"
                "「1,000」のようにカンマを含む金額は引用符で囲むか、カンマなしで入力してください。"
            )
            % {"head": width, "row": len(row)}
        )
    missing = [_HEADERS[key][0] for key in _REQUIRED if cols[key] >= len(row)]
    if missing:
        raise ServiceError(
            _("列が足りません（この行は %(row)d 列で、%(names)s の列がありません）。")
            % {"row": len(row), "names": "、".join(missing)}
        )
    cell = {key: (row[index].strip() if index < len(row) else "") for key, index in cols.items()}
    contract = contracts.find(cell["contract_no"])
    reference = cell.get("reference", "")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ServiceError(
            _("支出命令番号は %(n)d 字以内です（%(len)d 字）。") % {"n": REFERENCE_MAX_LENGTH, "len": len(reference)}
        )
    try:
        amount = fiscal.parse_amount(cell["amount"], unit="円")
        fy = fiscal.parse_fiscal_year(cell["fiscal_year"]) if cell.get("fiscal_year") else None
    except fiscal.FiscalParseError as exc:
        raise ServiceError(str(exc)) from exc
    paid_on = _parse_date(cell["paid_on"])
    if not reference:
        raise ServiceError(
            _("支出命令番号がありません。支出命令番号は各行に必要です（同じ支出を二重に登録しないための番号です）。")
        )
    return PaymentLine(line, contract, paid_on, amount, reference, fy)


def payment_lines(text: str, contracts: ContractIndex) -> Iterator[tuple[int, PaymentLine | str]]:
    """Each non-blank row with its line number: the payment it asks for, or the message saying why it cannot be read.

    A file that cannot be read at all (encoding, quotes, missing columns of the header) raises ServiceError.
    """
    try:
        rows = csv_records(text)
    except ReadError as exc:
        raise ServiceError(str(exc)) from exc
    if not rows:
        raise ServiceError(_("CSV が空です。"))
    cols = _columns(rows[0])
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            read: PaymentLine | str = _line(line, row, len(rows[0]), cols, contracts)
        except ServiceError as exc:
            read = str(exc.message)
        yield line, read
