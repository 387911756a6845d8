"""Contracts under a commitment's authority: registration (idempotent by 契約番号), 変更契約, 契約解除, schedules.

The rules live in `contract_rules`, the change and cancellation entries in `contract_changes`; this module is the
entry point the admin, the tests and other services use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments.models import (
    Commitment,
    Contract,
    ContractChange,
    ContractChangeKind,
    ContractStatus,
    PaymentTerms,
    User,
)
from commitments.services import projection as projection_services
from commitments.services import workflow
from commitments.services.common import lock_commitment, require
from commitments.services.contract_changes import (
    TRIM_REASON,
    change_note,
    change_reason,
    contract_cancel,
    contract_terms,
    contract_trim_to_paid,
    save_change,
    settle_commitment,
    store_schedule,
    trim_schedule,
)
from commitments.services.contract_rules import (
    CONTRACT_FIELDS,
    CONTRACTABLE_STATES,
    ContractFieldError,
    check_same_as_recorded,
    contract_by_number,
    contract_check,
    contracted_total,
    lock_contract_number,
    net_paid,
    schedule_check,
    stored_schedule,
    yen,
)
from commitments.services.errors import ConcurrentUpdateError, InvalidTransitionError, ServiceError
from commitments.services.late_entry import is_late_entry, late_entry_note

LATE_ENTRY_REASON = stored("年度末処理後の契約登録")

__all__ = [
    "CONTRACTABLE_STATES",
    "CONTRACT_FIELDS",
    "TRIM_REASON",
    "ContractFieldError",
    "ContractOutcome",
    "contract_cancel",
    "contract_check",
    "contract_register",
    "contract_schedule_set",
    "contract_trim_to_paid",
    "contract_update",
    "contracted_total",
    "net_paid",
    "schedule_check",
    "trim_schedule",
]


@dataclass
class ContractOutcome:
    """The contract, the warnings the officer should read (e.g. 90 % of the limit reached), and what was written.

    `existing` is True when the 契約番号 was already registered with the same content (登録済: nothing written);
    `change` is the 変更契約 entry of an update.
    """

    contract: Contract
    warnings: list[str] = field(default_factory=list)
    existing: bool = False
    change: ContractChange | None = None


@transaction.atomic
def contract_register(
    *,
    actor: User,
    commitment: Commitment,
    contract_no: str,
    counterparty: str,
    signed_on: date,
    start_on: date,
    end_on: date,
    amount_yen: int,
    payment_terms: str = PaymentTerms.MONTHLY,
    installments: Sequence[tuple[date, int]] | None = None,
    note: str = "",
) -> ContractOutcome:
    """Register a contract: inside the authority's window, never past the limit (row-locked); sent again, 登録済.

    After the year-end close a contract signed in time is a late entry (出納整理期間, or an approver's reopening): a
    lapsed commitment becomes active with it, and the trail says how much of the lapse it undid.
    """
    require(actor, "add_contract", commitment.organization_id)
    values: dict[str, object] = {
        "contract_no": contract_no.strip(),
        "counterparty": counterparty.strip(),
        "signed_on": signed_on,
        "start_on": start_on,
        "end_on": end_on,
        "amount_yen": amount_yen,
        "payment_terms": payment_terms,
        "note": note,
    }
    lock_contract_number(commitment.organization_id, contract_no)
    existing = contract_by_number(commitment.organization_id, contract_no)
    if existing is not None:
        check_same_as_recorded(existing, commitment, values, installments)
        return ContractOutcome(contract=existing, existing=True)
    locked = lock_commitment(commitment.pk)
    rows, warnings = contract_check(commitment=locked, values=values, installments=installments)
    late = is_late_entry(locked, timezone.localdate())
    contract = Contract(organization_id=locked.organization_id, commitment=locked, registered_by=actor, **values)
    contract._history_user = actor  # type: ignore[attr-defined]
    contract.save()
    store_schedule(contract, rows, actor)
    if late:
        note = late_entry_note(locked, contract, contracted_total(locked.pk))
    else:
        note = f"{contract.contract_no} {contract.counterparty} {yen(amount_yen)}"
    workflow.transition(
        locked,
        "late_contract" if late else "contract",
        actor=actor,
        locked=True,
        note=note,
        history_reason=LATE_ENTRY_REASON if late else "",
    )
    projection_services.projection_request(commitment_id=locked.pk)
    return ContractOutcome(contract=contract, warnings=warnings)


@transaction.atomic
def contract_update(
    *,
    actor: User,
    contract: Contract,
    expected_version: int,
    reason: str,
    installments: Sequence[tuple[date, int]] | None = None,
    **changes: object,
) -> ContractOutcome:
    """変更契約, recorded as an entry with its reason: re-checked against the limit, the deadline and the span."""
    require(actor, "change_contract", contract.organization_id)
    unknown = set(changes) - CONTRACT_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    reason = change_reason(reason)
    for name in ("contract_no", "counterparty"):
        if name in changes:
            changes[name] = str(changes[name]).strip()
    if "contract_no" in changes:
        lock_contract_number(contract.organization_id, str(changes["contract_no"]))
    locked_commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.version != expected_version:
        raise ConcurrentUpdateError()
    schedule = stored_schedule(locked)
    before = contract_terms(locked, schedule)
    values = {name: getattr(locked, name) for name in CONTRACT_FIELDS} | changes
    if installments is None and values["payment_terms"] == PaymentTerms.EXPLICIT:
        installments = schedule
    rows, warnings = contract_check(
        commitment=locked_commitment, values=values, installments=installments, contract=locked
    )
    old_amount = locked.amount_yen
    for name, value in changes.items():
        setattr(locked, name, value)
    after = contract_terms(locked, rows)
    if after == before:
        raise ServiceError(_("変更する内容がありません。"))
    today = timezone.localdate()
    entry = save_change(
        locked, ContractChangeKind.CHANGE, reason, before, rows, today, actor=actor, store_rows=rows != schedule
    )
    head = stored("%(no)s 変更契約：%(reason)s") % {"no": locked.contract_no, "reason": reason}
    note = change_note(locked_commitment, head, old_amount, locked.amount_yen, today)
    settle_commitment(locked_commitment, actor, "contract_change", note)
    return ContractOutcome(contract=locked, warnings=warnings, change=entry)


@transaction.atomic
def contract_schedule_set(
    *, actor: User, contract: Contract, installments: Sequence[tuple[date, int]], reason: str
) -> Contract:
    """Replace an explicit schedule (支払予定), recorded as a 変更契約: inside the span, summing to the amount."""
    require(actor, "change_installment", contract.organization_id)
    reason = change_reason(reason)
    locked_commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.payment_terms != PaymentTerms.EXPLICIT:
        raise ServiceError(_("支払予定を直接入力できるのは支払条件が「個別指定」の契約だけです。"))
    if locked.status != ContractStatus.ACTIVE:
        raise InvalidTransitionError(_("契約 %(no)s は解除済のため変更できません。") % {"no": locked.contract_no})
    rows = schedule_check(locked_commitment, locked, installments)
    schedule = stored_schedule(locked)
    if rows == schedule:
        raise ServiceError(_("変更する内容がありません。"))
    before = contract_terms(locked, schedule)
    store_schedule(locked, rows, actor)  # the schedule first, then the contract's version: as recorded until now
    save_change(
        locked, ContractChangeKind.CHANGE, reason, before, rows, timezone.localdate(), actor=actor, store_rows=False
    )
    head = stored("%(no)s 変更契約：%(reason)s") % {"no": locked.contract_no, "reason": reason}
    settle_commitment(locked_commitment, actor, "contract_change", head)
    return locked
