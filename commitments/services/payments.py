"""Payments (支出実績) against contracts: one at a time from the admin, or a whole CSV all-or-nothing.

A 支出命令番号 names one payment per organization and 会計年度: the same payment sent again is recorded once (the row
already recorded is reported 登録済), the same number with other content is refused. Reversals: payment_reversals.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import Commitment, Contract, Organization, Payment, User
from commitments.services import projection as projection_services
from commitments.services.common import lock_commitment, require
from commitments.services.contract_rules import net_paid
from commitments.services.dates import day
from commitments.services.errors import ServiceError
from commitments.services.lifecycle import commitment_complete_if_done
from commitments.services.payments_csv import (
    ALREADY,
    ERROR,
    NEW,
    REFERENCE_MAX_LENGTH,
    ContractIndex,
    PaymentImportRefused,
    PaymentImportResult,
    PaymentImportRow,
    PaymentLine,
    payment_lines,
)
from commitments.services.payments_csv import decode_upload as decode_upload

# 出納整理期間: payments made in April and May may still be charged to the fiscal year just ended.
CLOSING_PERIOD_MONTHS = frozenset({4, 5})
UNIQUE_REFERENCE = "payment_unique_reference"


class PaymentRefusedError(ServiceError):
    """A payment rule refused the entry; `field` is the form field the message belongs beside (None: the form)."""

    def __init__(self, message: object, *, field: str | None = None, recorded: Payment | None = None) -> None:
        self.field = field
        self.recorded = recorded  # the payment already recorded under the same 支出命令番号, when that is the cause
        super().__init__(message)


@dataclass(frozen=True)
class PaymentDecision:
    """What payment_check found: the fiscal year charged, and the same payment if it is already recorded."""

    fiscal_year: int
    recorded: Payment | None = None


@dataclass(frozen=True)
class PaymentOutcome:
    """The payment, and whether this call recorded it (False: the same payment was already recorded)."""

    payment: Payment
    created: bool


def yen(amount: int) -> str:
    """An amount in a message: 1,234,567円, a negative one △1,234円."""
    return fiscal.format_amount(amount, unit="円") + "円"


def payment_label(payment: Payment) -> str:
    """A payment named in a message: its date, contract and amount."""
    return _("%(date)s、契約 %(no)s、%(amount)s") % {
        "date": day(payment.paid_on),
        "no": payment.contract.contract_no,
        "amount": yen(payment.amount_yen),
    }


def already_recorded_message(payment: Payment) -> str:
    """What the officer reads when the payment entered is one already recorded."""
    return _("支出命令番号「%(ref)s」（%(fy)s）の支出は登録済です（%(what)s）。二重には登録していません。") % {
        "ref": payment.reference,
        "fy": fiscal.format_fiscal_year(payment.fiscal_year),
        "what": payment_label(payment),
    }


def payment_fiscal_years(paid_on: datetime.date) -> list[int]:
    """Fiscal years a payment on this date may be charged to: its own, or the previous one in April–May."""
    own = fiscal.fiscal_year_of(paid_on)
    closing = paid_on.month in CLOSING_PERIOD_MONTHS and own - 1 >= fiscal.MIN_FISCAL_YEAR
    return [own, own - 1] if closing else [own]


def _amount_check(amount_yen: int | None) -> int:
    if amount_yen is not None and amount_yen < 0:
        raise PaymentRefusedError(
            _(
                "支出額に負の金額は入力できません。"
                "登録済の支出の訂正・取消は、その支出実績を開いて「戻入・取消」で行ってください。"
            ),
            field="amount_yen",
        )
    if not amount_yen:
        raise PaymentRefusedError(_("支出額は正の金額でなければなりません。"), field="amount_yen")
    return amount_yen


def _date_check(paid_on: datetime.date) -> None:
    if not fiscal.MIN_FISCAL_YEAR <= fiscal.fiscal_year_of(paid_on) <= fiscal.MAX_FISCAL_YEAR:
        raise PaymentRefusedError(
            _("支出日 %(date)s は取り扱える年度（%(min)d〜%(max)d年度）の外です。")
            % {"date": day(paid_on), "min": fiscal.MIN_FISCAL_YEAR, "max": fiscal.MAX_FISCAL_YEAR},
            field="paid_on",
        )
    today = timezone.localdate()
    if paid_on > today:
        raise PaymentRefusedError(
            _("支出日 %(date)s は今日（%(today)s）より後です。支出実績は支出した日以後に登録してください。")
            % {"date": day(paid_on), "today": day(today)},
            field="paid_on",
        )


def _recorded(organization_id: int, fiscal_year: int, reference: str) -> Payment | None:
    """The payment recorded under this 支出命令番号 (the key of the database's UNIQUE payment_unique_reference)."""
    if not reference:
        return None
    return (
        Payment.objects.filter(
            organization_id=organization_id,
            fiscal_year=fiscal_year,
            reference=reference,
            reverses__isnull=True,
            is_opening=False,
        )
        .select_related("contract")
        .first()
    )


def _same_or_refuse(recorded: Payment, contract: Contract, paid_on: datetime.date, amount_yen: int) -> Payment:
    """The recorded payment if the entry is the same payment; a refusal naming it otherwise."""
    if (recorded.contract_id, recorded.paid_on, recorded.amount_yen) == (contract.pk, paid_on, amount_yen):
        return recorded
    raise PaymentRefusedError(
        _(
            "支出命令番号「%(ref)s」（%(fy)s）は登録済の支出（%(what)s）のものです。内容が異なるため登録できません。"
            "登録済の支出が誤りなら、その支出の「戻入・取消」で取り消してください。"
        )
        % {
            "ref": recorded.reference,
            "fy": fiscal.format_fiscal_year(recorded.fiscal_year),
            "what": payment_label(recorded),
        },
        field="reference",
        recorded=recorded,
    )


def payment_check(
    *,
    commitment: Commitment,
    contract: Contract,
    paid_on: datetime.date,
    amount_yen: int | None,
    fiscal_year: int | None,
    reference: str = "",
) -> PaymentDecision:
    """Every rule a payment must meet, without writing: its fiscal year, or the same payment already recorded."""
    amount_yen = _amount_check(amount_yen)
    _date_check(paid_on)
    allowed = payment_fiscal_years(paid_on)
    fy = allowed[0] if fiscal_year is None else fiscal_year
    if fy not in allowed:
        raise PaymentRefusedError(
            _("支出日 %(date)s の会計年度は %(years)s のいずれかです（前年度は出納整理期間の4・5月のみ）。")
            % {"date": day(paid_on), "years": "、".join(fiscal.format_fiscal_year(y) for y in allowed)}
        )
    if not commitment.first_burden_fy <= fy <= commitment.last_burden_fy:
        raise PaymentRefusedError(
            _("会計年度 %(fy)s は負担年度（%(span)s）の外です。")
            % {
                "fy": fiscal.format_fiscal_year(fy),
                "span": fiscal.format_span(commitment.first_burden_fy, commitment.last_burden_fy),
            }
        )
    reference = reference.strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise PaymentRefusedError(
            _("支出命令番号は %(n)d 字以内です（%(len)d 字）。") % {"n": REFERENCE_MAX_LENGTH, "len": len(reference)},
            field="reference",
        )
    recorded = _recorded(contract.organization_id, fy, reference)
    if recorded is not None:
        return PaymentDecision(fy, _same_or_refuse(recorded, contract, paid_on, amount_yen))
    paid = net_paid(contract)
    if paid + amount_yen > contract.amount_yen:
        raise PaymentRefusedError(
            _(
                "契約 %(no)s の支出額が契約金額を超えます。"
                "契約金額 %(amount)s、支出済 %(paid)s、今回 %(this)s、超過額 %(excess)s。"
            )
            % {
                "no": contract.contract_no,
                "amount": yen(contract.amount_yen),
                "paid": yen(paid),
                "this": yen(amount_yen),
                "excess": yen(paid + amount_yen - contract.amount_yen),
            }
        )
    return PaymentDecision(fy)


def _violated(exc: IntegrityError) -> str:
    """The name of the constraint a database error reports ('' if none)."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""


@transaction.atomic
def payment_record_once(
    *,
    actor: User,
    contract: Contract,
    paid_on: datetime.date,
    amount_yen: int,
    reference: str = "",
    fiscal_year: int | None = None,
) -> PaymentOutcome:
    """Record a payment unless the same one is recorded under its 支出命令番号: never past the contract, in the span."""
    require(actor, "add_payment", contract.organization_id)
    commitment = lock_commitment(contract.commitment_id)
    contract = Contract.objects.get(pk=contract.pk)  # re-read under the lock: amount may have changed
    reference = reference.strip()
    decision = payment_check(
        commitment=commitment,
        contract=contract,
        paid_on=paid_on,
        amount_yen=amount_yen,
        fiscal_year=fiscal_year,
        reference=reference,
    )
    if decision.recorded is not None:
        return PaymentOutcome(decision.recorded, created=False)
    payment = Payment(
        organization_id=contract.organization_id,
        contract=contract,
        paid_on=paid_on,
        fiscal_year=decision.fiscal_year,
        amount_yen=amount_yen,
        reference=reference,
        recorded_by=actor,
    )
    payment._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:
        # Recorded since the check by a writer this lock does not serialise with: the same answer as the check's.
        recorded = _recorded(contract.organization_id, decision.fiscal_year, reference)
        if _violated(exc) != UNIQUE_REFERENCE or recorded is None:
            raise
        return PaymentOutcome(_same_or_refuse(recorded, contract, paid_on, amount_yen), created=False)
    commitment.needs_projection = True
    commitment_complete_if_done(commitment=commitment, actor=actor)
    Commitment.objects.filter(pk=commitment.pk).update(needs_projection=True)
    projection_services.projection_request(commitment_id=commitment.pk)
    return PaymentOutcome(payment, created=True)


def payment_record(**payment: Any) -> Payment:
    """Record a payment (the keyword arguments of payment_record_once); returns it, or the same one recorded before."""
    return payment_record_once(**payment).payment


# --- CSV --------------------------------------------------------------------------------------------------------


def _import_row(actor: User, read: PaymentLine, created_at: dict[int, int]) -> PaymentImportRow:
    """Record one row in its own savepoint; a row the same as an earlier one of the file is 登録済 too."""
    try:
        with transaction.atomic():
            outcome = payment_record_once(actor=actor, **read.payment())
    except PaymentRefusedError as exc:
        earlier = created_at.get(exc.recorded.pk) if exc.recorded is not None else None
        if earlier is None:
            return PaymentImportRow(read.line, ERROR, message=str(exc.message))
        message = _("支出命令番号「%(ref)s」は %(line)d 行目（%(what)s）と同じですが、内容が異なります。") % {
            "ref": read.reference,
            "line": earlier,
            "what": payment_label(exc.recorded),  # type: ignore[arg-type]
        }
        return PaymentImportRow(read.line, ERROR, message=message)
    except ServiceError as exc:
        return PaymentImportRow(read.line, ERROR, message=str(exc.message))
    if outcome.created:
        created_at[outcome.payment.pk] = read.line
        return PaymentImportRow(read.line, NEW, outcome.payment)
    earlier = created_at.get(outcome.payment.pk)
    message = (
        _("%(line)d 行目と同じ支出です。") % {"line": earlier}
        if earlier is not None
        else already_recorded_message(outcome.payment)
    )
    return PaymentImportRow(read.line, ALREADY, outcome.payment, message)


@transaction.atomic
def payments_import_csv(*, actor: User, organization: Organization, text: str) -> PaymentImportResult:
    """Record every new row of a CSV or none: rows already recorded are 登録済 and skipped; any bad row refuses all."""
    require(actor, "add_payment", organization)
    contracts = ContractIndex(organization)
    result = PaymentImportResult()
    created_at: dict[int, int] = {}  # payment id -> the line of this file that recorded it
    for line, read in payment_lines(text, contracts):
        if isinstance(read, str):
            result.rows.append(PaymentImportRow(line, ERROR, message=read))
        else:
            result.rows.append(_import_row(actor, read, created_at))
    if result.errors:
        raise PaymentImportRefused(result)
    if not result.rows:
        raise ServiceError(_("取り込む行がありません。"))
    return result
