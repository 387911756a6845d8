"""契約の変更・解除 as entries: the terms before and after with the reason, and a cancelled contract kept to what
was paid under it."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments import fiscal
from commitments.deadline import contract_deadline_label, contract_deadline_passed
from commitments.models import (
    Commitment,
    Contract,
    ContractChange,
    ContractChangeKind,
    ContractStatus,
    Installment,
    Status,
    User,
)
from commitments.selectors import wareki_day
from commitments.services import projection as projection_services
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.contract_rules import (
    CONTRACTABLE_STATES,
    ContractFieldError,
    Schedule,
    net_paid,
    stored_schedule,
    yen,
)
from commitments.services.dates import day
from commitments.services.errors import InvalidTransitionError
from commitments.services.lifecycle import commitment_complete_if_done

TRIM_REASON = stored("解除後の戻入による減額")


def change_reason(reason: str) -> str:
    """The reason a change or cancellation is recorded with; refused when blank."""
    text = (reason or "").strip()
    if not text:
        raise ContractFieldError("change_reason", _("変更・解除の理由を入力してください。"))
    return text


def contract_terms(contract: Contract, schedule: Schedule) -> dict[str, object]:
    """The terms an entry keeps before and after: amount, period, payment terms, state and the schedule."""
    return {
        "contract_no": contract.contract_no,
        "counterparty": contract.counterparty,
        "signed_on": contract.signed_on.isoformat(),
        "start_on": contract.start_on.isoformat(),
        "end_on": contract.end_on.isoformat(),
        "amount_yen": contract.amount_yen,
        "payment_terms": contract.payment_terms,
        "note": contract.note,
        "status": contract.status,
        "cancelled_on": contract.cancelled_on.isoformat() if contract.cancelled_on else None,
        "schedule": [[due.isoformat(), amount] for due, amount in schedule],
    }


def trim_schedule(schedule: Schedule, paid: int) -> Schedule:
    """Installments, earliest due first, keep what the net paid settles; the rest is removed.

    The allocation is the one the projection uses (`projection._unpaid_by_fiscal_year`): first due, first settled.
    """
    kept: Schedule = []
    left = paid
    for due, amount in sorted(schedule):
        settled = min(left, amount)
        left -= settled
        if settled:
            kept.append((due, settled))
    return kept


def store_schedule(contract: Contract, rows: Schedule, actor: User) -> None:
    """Make the contract's installments exactly `rows`, writing only the ones that change."""
    wanted = dict(rows)
    for old in contract.installments.all():
        old._history_user = actor  # type: ignore[attr-defined]
        if old.due_on not in wanted:
            old.delete()
        elif old.amount_yen != wanted[old.due_on]:
            old.amount_yen = wanted.pop(old.due_on)
            old.save()
        else:
            del wanted[old.due_on]
    for due_on, amount in sorted(wanted.items()):
        installment = Installment(
            contract=contract, due_on=due_on, fiscal_year=fiscal.fiscal_year_of(due_on), amount_yen=amount
        )
        installment._history_user = actor  # type: ignore[attr-defined]
        installment.save()


def save_change(
    locked: Contract,
    kind: str,
    reason: str,
    before: dict[str, object],
    rows: Schedule,
    changed_on: date,
    *,
    actor: User,
    store_rows: bool = True,
) -> ContractChange:
    """Save the locked contract as its next version (and its schedule as `rows`), then append the entry, never
    edited: what the contract was and became, why, when and by whom."""
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked._change_reason = reason  # type: ignore[attr-defined]
    locked.save()
    if store_rows:
        store_schedule(locked, rows, actor)
    after = contract_terms(locked, rows)
    return ContractChange.objects.create(
        contract=locked,
        kind=kind,
        reason=reason,
        before=before,
        after=after,
        amount_delta_yen=int(after["amount_yen"]) - int(before["amount_yen"]),  # type: ignore[call-overload]
        changed_on=changed_on,
        actor=actor,
    )


def _freed_note(commitment: Commitment, freed: int, today: date) -> str:
    """What becomes of authority freed by a decrease: back to the limit while contracts can be signed, else lapsed."""
    if freed <= 0:
        return ""
    if commitment.status == Status.ABOLISHED:
        return stored("減額 %(yen)s は廃止済のため限度額に戻りません") % {"yen": yen(freed)}
    if commitment.status in CONTRACTABLE_STATES and not contract_deadline_passed(commitment, today):
        return stored("減額 %(yen)s は限度額に戻り、新たな契約に充てられます") % {"yen": yen(freed)}
    return stored("減額 %(yen)s は契約締結期限（%(deadline)s）を過ぎているため失効") % {
        "yen": yen(freed),
        "deadline": contract_deadline_label(commitment),
    }


def change_note(commitment: Commitment, head: str, before: int, after: int, today: date) -> str:
    """The trail's note of a change: the contract and reason, the amount before → after, what the decrease frees."""
    parts = [head]
    if before != after:
        parts.append(stored("契約金額 %(before)s → %(after)s") % {"before": yen(before), "after": yen(after)})
    freed = _freed_note(commitment, before - after, today)
    if freed:
        parts.append(freed)
    return "。".join(parts)


def settle_commitment(commitment: Commitment, actor: User, action: str, note: str) -> None:
    """After a contract changed: the trail entry, completion when all is paid and nothing is left, the projection."""
    commitment.needs_projection = True
    record_event(commitment, actor, action, commitment.status, note=note)
    commitment_complete_if_done(commitment=commitment, actor=actor)
    Commitment.objects.filter(pk=commitment.pk).update(needs_projection=True)
    projection_services.projection_request(commitment_id=commitment.pk)


@transaction.atomic
def contract_cancel(
    *, actor: User, contract: Contract, reason: str, cancelled_on: date | None = None
) -> ContractChange:
    """契約解除: the amount becomes the net paid, the schedule keeps what that settles, the rest is freed."""
    require(actor, "change_contract", contract.organization_id)
    reason = change_reason(reason)
    today = timezone.localdate()
    cancelled_on = cancelled_on or today
    if cancelled_on > today:
        raise ContractFieldError(
            "cancelled_on",
            _("解除日 %(date)s は今日（%(today)s）より後です。") % {"date": day(cancelled_on), "today": day(today)},
        )
    commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status == ContractStatus.CANCELLED:
        raise InvalidTransitionError(
            _("契約 %(no)s は解除済です（解除日 %(date)s）。")
            % {"no": locked.contract_no, "date": day(locked.cancelled_on)}
        )
    if commitment.status == Status.COMPLETED:
        raise InvalidTransitionError(_("「完了」の債務負担行為の契約は解除できません。"))
    if cancelled_on < locked.signed_on:
        raise ContractFieldError(
            "cancelled_on",
            _("解除日 %(date)s が契約締結日 %(signed)s より前です。")
            % {"date": day(cancelled_on), "signed": day(locked.signed_on)},
        )
    schedule = stored_schedule(locked)
    before = contract_terms(locked, schedule)
    old_amount, paid = locked.amount_yen, net_paid(locked)
    rows = trim_schedule(schedule, paid)
    locked.status, locked.cancelled_on, locked.amount_yen = ContractStatus.CANCELLED, cancelled_on, paid
    entry = save_change(locked, ContractChangeKind.CANCEL, reason, before, rows, cancelled_on, actor=actor)
    head = stored("%(no)s 契約解除（%(date)s）：%(reason)s") % {
        "no": locked.contract_no,
        "date": wareki_day(cancelled_on),
        "reason": reason,
    }
    settle_commitment(commitment, actor, "contract_cancel", change_note(commitment, head, old_amount, paid, today))
    return entry


@transaction.atomic
def contract_trim_to_paid(*, actor: User, contract: Contract) -> ContractChange | None:
    """After a reversal hit a cancelled contract: its amount down to the net paid and the schedule trimmed again.

    Returns the entry, or None when the contract is not cancelled or already equals its net paid.
    """
    require(actor, "change_contract", contract.organization_id)
    commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    paid = net_paid(locked)
    if locked.status != ContractStatus.CANCELLED or paid == locked.amount_yen:
        return None
    if paid > locked.amount_yen:
        raise ValueError(f"contract {locked.pk}: net paid {paid} exceeds the amount of a cancelled contract")
    schedule = stored_schedule(locked)
    before = contract_terms(locked, schedule)
    old_amount = locked.amount_yen
    rows = trim_schedule(schedule, paid)
    locked.amount_yen = paid
    today = timezone.localdate()
    entry = save_change(locked, ContractChangeKind.CHANGE, TRIM_REASON, before, rows, today, actor=actor)
    head = stored("%(no)s %(reason)s") % {"no": locked.contract_no, "reason": TRIM_REASON}
    settle_commitment(commitment, actor, "contract_change", change_note(commitment, head, old_amount, paid, today))
    return entry
