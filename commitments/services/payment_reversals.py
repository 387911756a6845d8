"""戻入・取消: a payment corrected by a row of negative amount that names it, carries a reason, and is charged to the
same 会計年度. A payment is never edited or deleted; its reversals never exceed it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments import fiscal
from commitments.models import Commitment, Contract, ContractStatus, Payment, Status, User
from commitments.selectors import wareki_day
from commitments.services import projection as projection_services
from commitments.services import workflow
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.contracts import contract_trim_to_paid
from commitments.services.dates import day
from commitments.services.payments import REFERENCE_MAX_LENGTH, PaymentRefusedError, yen


def reversible_rest(payment: Payment) -> int:
    """What of a payment is not yet reversed: its amount plus its reversals (negative rows)."""
    reversed_total = Payment.objects.filter(reverses_id=payment.pk).aggregate(total=Sum("amount_yen"))["total"] or 0
    return payment.amount_yen + reversed_total


def payment_reverse_check(
    *,
    payment: Payment,
    amount_yen: int | None,
    reason: str,
    reversed_on: datetime.date | None = None,
    reference: str = "",
) -> datetime.date:
    """Every rule a reversal must meet, without writing; returns its date (today when none is given)."""
    if payment.reverses_id is not None:
        raise PaymentRefusedError(_("戻入・取消の行はさらに取り消せません。取り消した元の支出を開いてください。"))
    rest = reversible_rest(payment)
    if rest <= 0:
        raise PaymentRefusedError(_("この支出は全額が戻入・取消済です。"))
    if amount_yen is None or amount_yen <= 0:
        raise PaymentRefusedError(_("戻入・取消の額は正の金額で入力してください。"), field="amount_yen")
    if amount_yen > rest:
        raise PaymentRefusedError(
            _(
                "戻入・取消の額 %(amount)s が、この支出のうち取り消していない額 %(rest)s を超えます"
                "（支出額 %(paid)s、戻入・取消済 %(done)s）。"
            )
            % {
                "amount": yen(amount_yen),
                "rest": yen(rest),
                "paid": yen(payment.amount_yen),
                "done": yen(payment.amount_yen - rest),
            },
            field="amount_yen",
        )
    if not (reason or "").strip():
        raise PaymentRefusedError(_("戻入・取消の理由を入力してください。"), field="reason")
    if len((reference or "").strip()) > REFERENCE_MAX_LENGTH:
        raise PaymentRefusedError(
            _("支出命令番号は %(n)d 字以内です（%(len)d 字）。")
            % {"n": REFERENCE_MAX_LENGTH, "len": len(reference.strip())},
            field="reference",
        )
    today = timezone.localdate()
    on = reversed_on or today
    if on > today:
        raise PaymentRefusedError(
            _("戻入・取消の日 %(date)s は今日（%(today)s）より後です。") % {"date": day(on), "today": day(today)},
            field="reversed_on",
        )
    if on < payment.paid_on:
        raise PaymentRefusedError(
            _("戻入・取消の日 %(date)s が取り消す支出の支出日 %(paid)s より前です。")
            % {"date": day(on), "paid": day(payment.paid_on)},
            field="reversed_on",
        )
    return on


def _reopen_if_unpaid(commitment: Commitment, actor: User) -> None:
    """A completed commitment no longer fully paid goes back to active (契約済), with its own trail entry."""
    if commitment.status != Status.COMPLETED:
        return
    contracted = Contract.objects.filter(commitment=commitment).aggregate(total=Sum("amount_yen"))["total"] or 0
    paid = Payment.objects.filter(contract__commitment=commitment).aggregate(total=Sum("amount_yen"))["total"] or 0
    if paid == contracted:
        return
    workflow.transition(
        commitment,
        "reopen",
        actor=actor,
        locked=True,
        note=stored("支出の戻入・取消により未払額 %(rest)s") % {"rest": yen(contracted - paid)},
    )


@transaction.atomic
def payment_reverse(
    *,
    actor: User,
    payment: Payment,
    amount_yen: int,
    reason: str,
    reversed_on: datetime.date | None = None,
    reference: str = "",
) -> Payment:
    """戻入・取消 of all or part of a payment: a negative row naming it, charged to its 会計年度 (row-locked)."""
    require(actor, "add_payment", payment.organization_id)
    commitment = lock_commitment(payment.contract.commitment_id)
    original = Payment.objects.select_related("contract").get(pk=payment.pk)  # re-read under the lock
    on = payment_reverse_check(
        payment=original, amount_yen=amount_yen, reason=reason, reversed_on=reversed_on, reference=reference
    )
    reason = reason.strip()
    reversal = Payment(
        organization_id=original.organization_id,
        contract=original.contract,
        reverses=original,
        reason=reason,
        paid_on=on,
        fiscal_year=original.fiscal_year,
        amount_yen=-amount_yen,
        reference=reference.strip(),
        recorded_by=actor,
    )
    reversal._history_user = actor  # type: ignore[attr-defined]
    reversal.save()
    record_event(
        commitment,
        actor,
        "payment_reverse",
        commitment.status,
        note=stored("%(no)s %(date)s %(ref)s %(paid)s のうち %(amount)s（%(fy)s）：%(reason)s")
        % {
            "no": original.contract.contract_no,
            "date": wareki_day(original.paid_on),
            "ref": original.reference or "—",
            "paid": yen(original.amount_yen),
            "amount": yen(-amount_yen),
            "fy": fiscal.format_fiscal_year(original.fiscal_year),
            "reason": reason,
        },
    )
    if original.contract.status == ContractStatus.CANCELLED:
        # A cancelled contract keeps only what was paid under it: its amount follows the net paid down.
        contract_trim_to_paid(actor=actor, contract=original.contract)
        commitment = lock_commitment(commitment.pk)  # re-read: the trim may have saved the commitment
    _reopen_if_unpaid(commitment, actor)
    Commitment.objects.filter(pk=commitment.pk).update(needs_projection=True)
    projection_services.projection_request(commitment_id=commitment.pk)
    return reversal
