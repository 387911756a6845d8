"""Contracts under a commitment's authority: registration with availability control, changes, schedules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import Commitment, Contract, Installment, PaymentTerms, Status, User
from commitments.projection import installment_schedule
from commitments.services import projection as projection_services
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    LimitExceededError,
    ServiceError,
)

CONTRACTABLE_STATES = frozenset({Status.APPROVED, Status.ACTIVE})
CONTRACT_FIELDS = frozenset(
    {"contract_no", "counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms", "note"}
)


@dataclass
class ContractOutcome:
    """The saved contract and the warnings the officer should read (e.g. 90 % of the limit reached)."""

    contract: Contract
    warnings: list[str] = field(default_factory=list)


def _yen(amount: int) -> str:
    return fiscal.format_amount(amount, unit="円") + "円"


def contracted_total(commitment_id: int, *, excluding: int | None = None) -> int:
    """Sum of the contract amounts registered under a commitment (optionally leaving one contract out)."""
    qs = Contract.objects.filter(commitment_id=commitment_id)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.aggregate(total=Sum("amount_yen"))["total"] or 0


def _availability(commitment: Commitment, already: int, amount: int) -> list[str]:
    """Refuse contracts beyond the limit; warn from the configured share. Caller holds the row lock."""
    total = already + amount
    if commitment.limit_yen is None:
        estimate = commitment.estimated_limit_yen
        if estimate and total > estimate:
            return [
                _("契約額の合計 %(total)s が見込額 %(estimate)s を超えています（限度額は文言）。")
                % {"total": _yen(total), "estimate": _yen(estimate)}
            ]
        return []
    limit = commitment.limit_yen
    if total > limit:
        raise LimitExceededError(
            _(
                "限度額を超えるため登録できません。"
                "限度額 %(limit)s、契約済 %(already)s、今回 %(amount)s、超過額 %(excess)s。"
            )
            % {"limit": _yen(limit), "already": _yen(already), "amount": _yen(amount), "excess": _yen(total - limit)}
        )
    if total * 100 >= limit * settings.COMMITMENT_WARN_PERCENT:
        return [
            _("契約額の合計が限度額の %(share)s%% に達しました（限度額 %(limit)s、契約済 %(total)s、残額 %(rest)s）。")
            % {"share": total * 100 // limit, "limit": _yen(limit), "total": _yen(total), "rest": _yen(limit - total)}
        ]
    return []


def _check_signed_in_authority(commitment: Commitment, signed_on: date) -> None:
    signed_fy = fiscal.fiscal_year_of(signed_on)
    if not commitment.authorized_fy <= signed_fy <= commitment.contract_deadline_fy:
        raise ServiceError(
            _("契約締結日 %(date)s（%(fy)s）は行為年度（%(authorized)s）の外です。期限を延長する補正の承認が必要です。")
            % {
                "date": signed_on.isoformat(),
                "fy": fiscal.format_fiscal_year(signed_fy),
                "authorized": fiscal.format_span(commitment.authorized_fy, commitment.contract_deadline_fy)
                if commitment.contract_deadline_fy != commitment.authorized_fy
                else fiscal.format_fiscal_year(commitment.authorized_fy),
            }
        )


def schedule_check(commitment: Commitment, contract: Contract, installments: Sequence[tuple[date, int]]) -> None:
    """Refuse an explicit schedule that does not sum to the contract amount or leaves the burden span."""
    _schedule(
        commitment,
        amount_yen=contract.amount_yen,
        start_on=contract.start_on,
        end_on=contract.end_on,
        payment_terms=PaymentTerms.EXPLICIT,
        installments=installments,
    )


def _schedule(
    commitment: Commitment,
    *,
    amount_yen: int,
    start_on: date,
    end_on: date,
    payment_terms: str,
    installments: Sequence[tuple[date, int]] | None,
) -> list[tuple[date, int]]:
    """The installments to store: generated from the terms, or the explicit ones, checked against the span."""
    if payment_terms == PaymentTerms.EXPLICIT:
        if not installments:
            raise ServiceError(_("個別指定の支払条件では支払予定を入力してください。"))
        rows = sorted(installments)
    else:
        rows = [(i.due_on, i.amount_yen) for i in installment_schedule(amount_yen, start_on, end_on, payment_terms)]
    due_dates = [due for due, _amount in rows]
    if len(set(due_dates)) != len(due_dates):
        raise ServiceError(_("同じ支払予定日が重複しています。"))
    if any(amount < 0 for _due, amount in rows):
        raise ServiceError(_("支払予定額に負の金額があります。"))
    total = sum(amount for _due, amount in rows)
    if total != amount_yen:
        raise ServiceError(
            _("支払予定額の合計 %(total)s が契約金額 %(amount)s と一致しません。")
            % {"total": _yen(total), "amount": _yen(amount_yen)}
        )
    outside = sorted(
        {
            fiscal.fiscal_year_of(due)
            for due, _amount in rows
            if not commitment.first_burden_fy <= fiscal.fiscal_year_of(due) <= commitment.last_burden_fy
        }
    )
    if outside:
        raise ServiceError(
            _("負担年度（%(span)s）外に支払予定があります：%(years)s")
            % {
                "span": fiscal.format_span(commitment.first_burden_fy, commitment.last_burden_fy),
                "years": "、".join(fiscal.format_fiscal_year(fy) for fy in outside),
            }
        )
    return rows


def _store_schedule(contract: Contract, rows: Sequence[tuple[date, int]], actor: User) -> None:
    for old in contract.installments.all():
        old._history_user = actor  # type: ignore[attr-defined]
        old.delete()
    for due_on, amount in rows:
        installment = Installment(
            contract=contract, due_on=due_on, fiscal_year=fiscal.fiscal_year_of(due_on), amount_yen=amount
        )
        installment._history_user = actor  # type: ignore[attr-defined]
        installment.save()


def _check_fields(values: dict[str, object]) -> None:
    if values["amount_yen"] is None or int(values["amount_yen"]) <= 0:  # type: ignore[call-overload]
        raise ServiceError(_("契約金額は正の金額でなければなりません。"))
    if values["end_on"] < values["start_on"]:  # type: ignore[operator]
        raise ServiceError(_("契約期間の終了日が開始日より前です。"))
    if values["signed_on"] > values["end_on"]:  # type: ignore[operator]
        raise ServiceError(_("契約締結日が契約期間の終了日より後です。"))
    if values["payment_terms"] not in PaymentTerms.values:
        raise ServiceError(_("支払条件が正しくありません。"))


def contract_check(
    *,
    commitment: Commitment,
    values: dict[str, object],
    installments: Sequence[tuple[date, int]] | None = None,
    contract: Contract | None = None,
    check_schedule: bool = True,
) -> tuple[list[tuple[date, int]], list[str]]:
    """Every rule a contract must meet, without writing: returns its schedule and the warnings.

    Forms call it to show errors next to the fields; the services call it again under the row lock.
    """
    _check_fields(values)
    if contract is None and commitment.status not in CONTRACTABLE_STATES:
        raise InvalidTransitionError(
            _("「%(status)s」の債務負担行為には契約を登録できません（承認済のものだけ）。")
            % {"status": commitment.get_status_display()}
        )
    if contract is None or values["signed_on"] != contract.signed_on:
        _check_signed_in_authority(commitment, values["signed_on"])  # type: ignore[arg-type]
    same_no = Contract.objects.filter(organization_id=commitment.organization_id, contract_no=values["contract_no"])
    if contract is not None:
        same_no = same_no.exclude(pk=contract.pk)
    if same_no.exists():
        raise ServiceError(_("契約番号 %(no)s は登録済です。") % {"no": values["contract_no"]})
    amount = int(values["amount_yen"])  # type: ignore[call-overload]
    if contract is not None and commitment.status not in CONTRACTABLE_STATES and amount > contract.amount_yen:
        raise InvalidTransitionError(
            _("「%(status)s」の債務負担行為の契約金額は増やせません（減額・期間等の変更のみ）。")
            % {"status": commitment.get_status_display()}
        )
    if contract is not None:
        paid = contract.payments.aggregate(total=Sum("amount_yen"))["total"] or 0
        if amount < paid:
            raise ServiceError(_("契約金額を支出済額 %(paid)s より少なくはできません。") % {"paid": _yen(paid)})
    excluding = contract.pk if contract is not None else None
    warnings = _availability(commitment, contracted_total(commitment.pk, excluding=excluding), amount)
    if not check_schedule:
        return [], warnings
    rows = _schedule(
        commitment,
        amount_yen=amount,
        start_on=values["start_on"],  # type: ignore[arg-type]
        end_on=values["end_on"],  # type: ignore[arg-type]
        payment_terms=str(values["payment_terms"]),
        installments=installments,
    )
    return rows, warnings


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
    """Register a contract: inside the authority's year and span, never past the limit (row-locked)."""
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
    locked = lock_commitment(commitment.pk)
    rows, warnings = contract_check(commitment=locked, values=values, installments=installments)
    contract = Contract(organization_id=locked.organization_id, commitment=locked, registered_by=actor, **values)
    contract._history_user = actor  # type: ignore[attr-defined]
    contract.save()
    _store_schedule(contract, rows, actor)
    before = locked.status
    if locked.status == Status.APPROVED:
        locked.status = Status.ACTIVE
    locked.needs_projection = True
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    record_event(
        locked, actor, "contract", before, note=f"{contract.contract_no} {contract.counterparty} {_yen(amount_yen)}"
    )
    projection_services.projection_request(commitment_id=locked.pk)
    return ContractOutcome(contract=contract, warnings=warnings)


@transaction.atomic
def contract_update(
    *,
    actor: User,
    contract: Contract,
    expected_version: int,
    installments: Sequence[tuple[date, int]] | None = None,
    **changes: object,
) -> ContractOutcome:
    """Change a contract (変更契約): re-checked against the limit and the span; schedule regenerated or replaced."""
    require(actor, "change_contract", contract.organization_id)
    unknown = set(changes) - CONTRACT_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked_commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.version != expected_version:
        raise ConcurrentUpdateError()
    values = {name: getattr(locked, name) for name in CONTRACT_FIELDS} | changes
    if installments is None and values["payment_terms"] == PaymentTerms.EXPLICIT:
        installments = list(locked.installments.values_list("due_on", "amount_yen"))
    rows, warnings = contract_check(
        commitment=locked_commitment, values=values, installments=installments, contract=locked
    )
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    _store_schedule(locked, rows, actor)
    Commitment.objects.filter(pk=locked_commitment.pk).update(needs_projection=True)
    record_event(locked_commitment, actor, "contract_change", locked_commitment.status, note=locked.contract_no)
    projection_services.projection_request(commitment_id=locked_commitment.pk)
    return ContractOutcome(contract=locked, warnings=warnings)


@transaction.atomic
def contract_schedule_set(*, actor: User, contract: Contract, installments: Sequence[tuple[date, int]]) -> Contract:
    """Replace an explicit schedule (支払予定): inside the span and summing to the contract amount."""
    require(actor, "change_installment", contract.organization_id)
    locked_commitment = lock_commitment(contract.commitment_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.payment_terms != PaymentTerms.EXPLICIT:
        raise ServiceError(_("支払予定を直接入力できるのは支払条件が「個別指定」の契約だけです。"))
    rows = _schedule(
        locked_commitment,
        amount_yen=locked.amount_yen,
        start_on=locked.start_on,
        end_on=locked.end_on,
        payment_terms=locked.payment_terms,
        installments=installments,
    )
    _store_schedule(locked, rows, actor)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    Commitment.objects.filter(pk=locked_commitment.pk).update(needs_projection=True)
    projection_services.projection_request(commitment_id=locked_commitment.pk)
    return locked
