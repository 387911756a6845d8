"""Payments (支出実績) against contracts: one at a time from the admin, or a whole CSV all-or-nothing."""

from __future__ import annotations

import datetime
import re

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import Commitment, Contract, Organization, Payment, Status, User
from commitments.services import projection as projection_services
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.imports.reader import XLSX_MAGIC, ReadError, csv_records, decode

# 出納整理期間: payments made in April and May may still be charged to the fiscal year just ended.
CLOSING_PERIOD_MONTHS = frozenset({4, 5})


REFERENCE_MAX_LENGTH = Payment._meta.get_field("reference").max_length or 100


def _short(text: str, limit: int = 40) -> str:
    """A cell quoted in a message, cut short (a CSV cell may hold 100,000 characters)."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def _yen(amount: int) -> str:
    return fiscal.format_amount(amount, unit="円") + "円"


def payment_fiscal_years(paid_on: datetime.date) -> list[int]:
    """Fiscal years a payment on this date may be charged to: its own, or the previous one in April–May."""
    own = fiscal.fiscal_year_of(paid_on)
    closing = paid_on.month in CLOSING_PERIOD_MONTHS and own - 1 >= fiscal.MIN_FISCAL_YEAR
    return [own, own - 1] if closing else [own]


def _maybe_complete(commitment: Commitment, actor: User) -> None:
    """Active → completed once every contract is fully paid and no authority is left to contract."""
    if commitment.status != Status.ACTIVE:
        return
    contracts = Contract.objects.filter(commitment=commitment)
    contracted = contracts.aggregate(total=Sum("amount_yen"))["total"] or 0
    paid = Payment.objects.filter(contract__commitment=commitment).aggregate(total=Sum("amount_yen"))["total"] or 0
    authority_left = (
        commitment.limit_yen is not None
        and contracted < commitment.limit_yen
        and fiscal.fiscal_year_of(timezone.localdate()) <= commitment.contract_deadline_fy
    )
    if paid == contracted and not authority_left:
        commitment.status = Status.COMPLETED
        commitment.version += 1
        commitment._history_user = actor  # type: ignore[attr-defined]
        commitment.save()
        record_event(commitment, actor, "complete", Status.ACTIVE)


def payment_check(
    *,
    commitment: Commitment,
    contract: Contract,
    paid_on: datetime.date,
    amount_yen: int | None,
    fiscal_year: int | None,
) -> int:
    """Every rule a payment must meet, without writing; returns the fiscal year it is charged to."""
    if amount_yen is None or amount_yen <= 0:
        raise ServiceError(_("支出額は正の金額でなければなりません。"))
    if not fiscal.MIN_FISCAL_YEAR <= fiscal.fiscal_year_of(paid_on) <= fiscal.MAX_FISCAL_YEAR:
        raise ServiceError(
            _("支出日 %(date)s は取り扱える年度（%(min)d〜%(max)d年度）の外です。")
            % {"date": paid_on.isoformat(), "min": fiscal.MIN_FISCAL_YEAR, "max": fiscal.MAX_FISCAL_YEAR}
        )
    allowed = payment_fiscal_years(paid_on)
    fy = allowed[0] if fiscal_year is None else fiscal_year
    if fy not in allowed:
        raise ServiceError(
            _("支出日 %(date)s の会計年度は %(years)s のいずれかです（前年度は出納整理期間の4・5月のみ）。")
            % {"date": paid_on.isoformat(), "years": "、".join(fiscal.format_fiscal_year(y) for y in allowed)}
        )
    if not commitment.first_burden_fy <= fy <= commitment.last_burden_fy:
        raise ServiceError(
            _("会計年度 %(fy)s は負担年度（%(span)s）の外です。")
            % {
                "fy": fiscal.format_fiscal_year(fy),
                "span": fiscal.format_span(commitment.first_burden_fy, commitment.last_burden_fy),
            }
        )
    paid = Payment.objects.filter(contract=contract).aggregate(total=Sum("amount_yen"))["total"] or 0
    if paid + amount_yen > contract.amount_yen:
        raise ServiceError(
            _(
                "契約 %(no)s の支出額が契約金額を超えます。"
                "契約金額 %(amount)s、支出済 %(paid)s、今回 %(this)s、超過額 %(excess)s。"
            )
            % {
                "no": contract.contract_no,
                "amount": _yen(contract.amount_yen),
                "paid": _yen(paid),
                "this": _yen(amount_yen),
                "excess": _yen(paid + amount_yen - contract.amount_yen),
            }
        )
    return fy


@transaction.atomic
def payment_record(
    *,
    actor: User,
    contract: Contract,
    paid_on: datetime.date,
    amount_yen: int,
    reference: str = "",
    fiscal_year: int | None = None,
) -> Payment:
    """Record a payment: never more than the contract amount, charged to a year inside the burden span."""
    require(actor, "add_payment", contract.organization_id)
    commitment = lock_commitment(contract.commitment_id)
    contract = Contract.objects.get(pk=contract.pk)  # re-read under the lock: amount may have changed
    fy = payment_check(
        commitment=commitment, contract=contract, paid_on=paid_on, amount_yen=amount_yen, fiscal_year=fiscal_year
    )
    payment = Payment(
        organization_id=contract.organization_id,
        contract=contract,
        paid_on=paid_on,
        fiscal_year=fy,
        amount_yen=amount_yen,
        reference=reference.strip(),
        recorded_by=actor,
    )
    payment._history_user = actor  # type: ignore[attr-defined]
    payment.save()
    commitment.needs_projection = True
    _maybe_complete(commitment, actor)
    Commitment.objects.filter(pk=commitment.pk).update(needs_projection=True)
    projection_services.projection_request(commitment_id=commitment.pk)
    return payment


_HEADERS = {
    "paid_on": ("支出日", "date", "paid_on"),
    "contract_no": ("契約番号", "contract_no", "contract"),
    "amount": ("支出額", "amount", "amount_yen"),
    "reference": ("支出命令番号", "reference", "参照番号"),
    "fiscal_year": ("会計年度", "fiscal_year"),
}
_REQUIRED = ("paid_on", "contract_no", "amount")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


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
        raise ServiceError(_("日付「%(text)s」を読めません（例：2026-04-30、2026/4/30）。") % {"text": _short(text)})
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


@transaction.atomic
def payments_import_csv(*, actor: User, organization: Organization, text: str) -> list[Payment]:
    """Record every row (支出日, 契約番号, 支出額[, 支出命令番号, 会計年度]) or none, listing every bad row."""
    require(actor, "add_payment", organization)
    try:
        rows = csv_records(text)
    except ReadError as exc:
        raise ServiceError(str(exc)) from exc
    if not rows:
        raise ServiceError(_("CSV が空です。"))
    cols = _columns(rows[0])
    contracts = {c.contract_no: c for c in Contract.objects.filter(organization=organization)}
    errors: list[tuple[int, str]] = []
    payments: list[Payment] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            extra = [cell for cell in row[len(rows[0]) :] if cell.strip()]
            if extra:
                raise ServiceError(
                    _(
                        "見出しより列が多くあります（見出し %(head)d 列、この行 %(row)d 列）。"
                        "「1,000」のようにカンマを含む金額は引用符で囲むか、カンマなしで入力してください。"
                    )
                    % {"head": len(rows[0]), "row": len(row)}
                )
            missing = [_HEADERS[key][0] for key in _REQUIRED if cols[key] >= len(row)]
            if missing:
                raise ServiceError(
                    _("列が足りません（この行は %(row)d 列で、%(names)s の列がありません）。")
                    % {"row": len(row), "names": "、".join(missing)}
                )
            cell = {key: (row[index].strip() if index < len(row) else "") for key, index in cols.items()}
            contract = contracts.get(fiscal.normalize_text(cell["contract_no"]).strip())
            if contract is None:
                raise ServiceError(_("契約番号「%(no)s」が見つかりません。") % {"no": _short(cell["contract_no"])})
            if len(cell.get("reference", "")) > REFERENCE_MAX_LENGTH:
                raise ServiceError(
                    _("支出命令番号は %(n)d 字以内です（%(len)d 字）。")
                    % {"n": REFERENCE_MAX_LENGTH, "len": len(cell["reference"])}
                )
            try:
                amount = fiscal.parse_amount(cell["amount"], unit="円")
                fy = fiscal.parse_fiscal_year(cell["fiscal_year"]) if cell.get("fiscal_year") else None
            except fiscal.FiscalParseError as exc:
                raise ServiceError(str(exc)) from exc
            with transaction.atomic():
                payments.append(
                    payment_record(
                        actor=actor,
                        contract=contract,
                        paid_on=_parse_date(cell["paid_on"]),
                        amount_yen=amount,
                        reference=cell.get("reference", ""),
                        fiscal_year=fy,
                    )
                )
        except ServiceError as exc:
            errors.append((line, str(exc.message)))
    if errors:
        raise RowErrors(errors)
    if not payments:
        raise ServiceError(_("取り込む行がありません。"))
    return payments
