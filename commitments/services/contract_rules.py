"""Every rule a contract must meet, without writing: forms ask them to show errors beside the fields, services again
under the commitment's row lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.deadline import contract_deadline_label, contract_deadline_passed, earliest_open_deadline_fy
from commitments.models import Commitment, CommitmentReopening, Contract, ContractStatus, Payment, PaymentTerms, Status
from commitments.projection import installment_schedule
from commitments.services.dates import day
from commitments.services.errors import InvalidTransitionError, LimitExceededError, ServiceError
from commitments.services.late_entry import check_late_entry, is_late_entry

CONTRACTABLE_STATES = frozenset({Status.APPROVED, Status.ACTIVE})
CONTRACT_FIELDS = frozenset(
    {"contract_no", "counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms", "note"}
)
Schedule = list[tuple[date, int]]


class ContractFieldError(ServiceError):
    """A refusal that belongs beside one field of the contract form (e.g. a 契約締結日 in the future)."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def yen(amount: int) -> str:
    """An amount in a message: 1,234,567円."""
    return fiscal.format_amount(amount, unit="円") + "円"


def contracted_total(commitment_id: int, *, excluding: int | None = None) -> int:
    """Sum of the contract amounts registered under a commitment (optionally leaving one contract out)."""
    qs = Contract.objects.filter(commitment_id=commitment_id)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.aggregate(total=Sum("amount_yen"))["total"] or 0


def net_paid(contract: Contract) -> int:
    """What was paid under a contract, reversals (negative rows) included."""
    return Payment.objects.filter(contract_id=contract.pk).aggregate(total=Sum("amount_yen"))["total"] or 0


def stored_schedule(contract: Contract) -> Schedule:
    """The contract's installments as (due date, amount), earliest first."""
    return list(contract.installments.order_by("due_on").values_list("due_on", "amount_yen"))


def _availability(commitment: Commitment, already: int, amount: int) -> list[str]:
    """Refuse contracts beyond the limit; warn from the configured share. Caller holds the row lock."""
    total = already + amount
    if commitment.limit_yen is None:
        estimate = commitment.estimated_limit_yen
        if estimate and total > estimate:
            return [
                _("契約額の合計 %(total)s が見込額 %(estimate)s を超えています（限度額は文言）。")
                % {"total": yen(total), "estimate": yen(estimate)}
            ]
        return []
    limit = commitment.limit_yen
    if total > limit:
        raise LimitExceededError(
            _(
                "限度額を超えるため登録できません。"
                "限度額 %(limit)s、契約済 %(already)s、今回 %(amount)s、超過額 %(excess)s。"
            )
            % {"limit": yen(limit), "already": yen(already), "amount": yen(amount), "excess": yen(total - limit)}
        )
    if total * 100 >= limit * settings.COMMITMENT_WARN_PERCENT:
        return [
            _("契約額の合計が限度額の %(share)s%% に達しました（限度額 %(limit)s、契約済 %(total)s、残額 %(rest)s）。")
            % {"share": total * 100 // limit, "limit": yen(limit), "total": yen(total), "rest": yen(limit - total)}
        ]
    return []


def _check_signed_on(commitment: Commitment, signed_on: date, today: date) -> None:
    """Signed inside the authority's window (行為年度 up to its 契約締結期限) and not after today."""
    if signed_on > today:
        raise ContractFieldError(
            "signed_on",
            _("契約締結日 %(date)s は今日（%(today)s）より後です。締結前の契約は登録できません。")
            % {"date": day(signed_on), "today": day(today)},
        )
    if signed_on < fiscal.fiscal_year_start(commitment.authorized_fy) or contract_deadline_passed(
        commitment, signed_on
    ):
        deadline_fy = commitment.contract_deadline_fy
        raise ContractFieldError(
            "signed_on",
            _("契約締結日 %(date)s（%(fy)s）は行為年度（%(authorized)s）の外です。期限を延長する補正の承認が必要です。")
            % {
                "date": day(signed_on),
                "fy": fiscal.format_fiscal_year(fiscal.fiscal_year_of(signed_on)),
                "authorized": fiscal.format_span(commitment.authorized_fy, deadline_fy)
                if deadline_fy != commitment.authorized_fy
                else fiscal.format_fiscal_year(commitment.authorized_fy),
            },
        )


def contractable_commitments(today: date) -> QuerySet[Commitment]:
    """The commitments a new contract may be chosen for today: approved or active, or lapsed with late entry open.

    The SQL form of `check_late_entry`, used only to offer choices; each registration is decided by that rule.
    """
    reopened = Exists(CommitmentReopening.objects.filter(commitment=OuterRef("pk"), until__gte=today))
    earliest = earliest_open_deadline_fy(today)
    window = Q(contract_until_fy__gte=earliest) | Q(contract_until_fy__isnull=True, authorized_fy__gte=earliest)
    late = Q(status=Status.LAPSED) & (window | reopened)
    return Commitment.objects.filter(Q(status__in=CONTRACTABLE_STATES) | late)


def check_increase_allowed(commitment: Commitment, today: date) -> None:
    """A contract's amount may grow only while its commitment's 契約締結期限 has not passed."""
    if contract_deadline_passed(commitment, today):
        raise ContractFieldError(
            "amount_yen",
            _(
                "契約締結期限（%(deadline)s）を過ぎたため、契約金額は増額できません。"
                "増額は新たな債務負担となるため補正が必要です。"
            )
            % {"deadline": contract_deadline_label(commitment)},
        )


def schedule_check(commitment: Commitment, contract: Contract, installments: Sequence[tuple[date, int]]) -> Schedule:
    """An explicit schedule's rows; refused if they do not sum to the contract amount or leave the burden span."""
    return build_schedule(
        commitment,
        amount_yen=contract.amount_yen,
        start_on=contract.start_on,
        end_on=contract.end_on,
        payment_terms=PaymentTerms.EXPLICIT,
        installments=installments,
    )


def _incoming_schedule(values: dict[str, object], installments: Sequence[tuple[date, int]] | None) -> Schedule:
    """The schedule the values describe, unchecked: the explicit rows, or the ones the terms generate."""
    if values["payment_terms"] == PaymentTerms.EXPLICIT:
        return sorted(installments or [])
    generated = installment_schedule(
        int(values["amount_yen"]),  # type: ignore[call-overload]
        values["start_on"],  # type: ignore[arg-type]
        values["end_on"],  # type: ignore[arg-type]
        str(values["payment_terms"]),
    )
    return [(i.due_on, i.amount_yen) for i in generated]


def build_schedule(
    commitment: Commitment,
    *,
    amount_yen: int,
    start_on: date,
    end_on: date,
    payment_terms: str,
    installments: Sequence[tuple[date, int]] | None,
) -> Schedule:
    """The installments to store: generated from the terms, or the explicit ones, checked against the span."""
    if payment_terms == PaymentTerms.EXPLICIT and not installments:
        raise ServiceError(_("個別指定の支払条件では支払予定を入力してください。"))
    values = {"amount_yen": amount_yen, "start_on": start_on, "end_on": end_on, "payment_terms": payment_terms}
    rows = _incoming_schedule(values, installments)
    due_dates = [due for due, _amount in rows]
    if len(set(due_dates)) != len(due_dates):
        raise ServiceError(_("同じ支払予定日が重複しています。"))
    if any(amount < 0 for _due, amount in rows):
        raise ServiceError(_("支払予定額に負の金額があります。"))
    total = sum(amount for _due, amount in rows)
    if total != amount_yen:
        raise ServiceError(
            _("支払予定額の合計 %(total)s が契約金額 %(amount)s と一致しません。")
            % {"total": yen(total), "amount": yen(amount_yen)}
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


def _check_fields(values: dict[str, object]) -> None:
    if values["amount_yen"] is None or int(values["amount_yen"]) <= 0:  # type: ignore[call-overload]
        raise ContractFieldError("amount_yen", _("契約金額は正の金額でなければなりません。"))
    if values["end_on"] < values["start_on"]:  # type: ignore[operator]
        raise ContractFieldError("end_on", _("契約期間の終了日が開始日より前です。"))
    if values["signed_on"] > values["end_on"]:  # type: ignore[operator]
        raise ContractFieldError("signed_on", _("契約締結日が契約期間の終了日より後です。"))
    if values["payment_terms"] not in PaymentTerms.values:
        raise ContractFieldError("payment_terms", _("支払条件が正しくありません。"))


def lock_contract_number(organization_id: int, contract_no: str) -> None:
    """Serialise, until the transaction ends, every registration of one 契約番号 (as matched) in an organization."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [organization_id, "contract_no:" + fiscal.contract_number_key(contract_no)],
        )


def contract_by_number(organization_id: int, contract_no: str, *, excluding: int | None = None) -> Contract | None:
    """The organization's contract whose 契約番号 matches through `fiscal.contract_number_key`, if any."""
    key = fiscal.contract_number_key(contract_no)
    numbers = Contract.objects.filter(organization_id=organization_id).values_list("pk", "contract_no")
    for pk, number in numbers.iterator(chunk_size=5000):
        if pk != excluding and fiscal.contract_number_key(number) == key:
            return Contract.objects.select_related("commitment").get(pk=pk)
    return None


def _differences(
    existing: Contract,
    commitment: Commitment,
    values: dict[str, object],
    installments: Sequence[tuple[date, int]] | None,
    compare_schedule: bool,
) -> list[str]:
    """What differs between a recorded contract and a registration of the same number (labels of the fields)."""
    labels = {name: str(Contract._meta.get_field(name).verbose_name) for name in CONTRACT_FIELDS}
    differ = []
    if existing.commitment_id != commitment.pk:
        differ.append(str(Contract._meta.get_field("commitment").verbose_name))
    for name in ("counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms"):
        if getattr(existing, name) != values[name]:
            differ.append(labels[name])
    if existing.status != ContractStatus.ACTIVE:
        differ.append(str(Contract._meta.get_field("status").verbose_name))
    if compare_schedule and not differ and _incoming_schedule(values, installments) != stored_schedule(existing):
        differ.append(_("支払予定"))
    return differ


def check_same_as_recorded(
    existing: Contract,
    commitment: Commitment,
    values: dict[str, object],
    installments: Sequence[tuple[date, int]] | None = None,
    *,
    compare_schedule: bool = True,
) -> None:
    """A 契約番号 already recorded may be sent again only with the same content (then nothing is written)."""
    differ = _differences(existing, commitment, values, installments, compare_schedule)
    if differ:
        raise ContractFieldError(
            "contract_no",
            _(
                "契約番号 %(no)s は登録済です（%(matter)s、%(counterparty)s、契約金額 %(amount)s、締結日 %(signed)s）。"
                "内容が異なるため登録できません（相違：%(fields)s）。変更は変更契約で行ってください。"
            )
            % {
                "no": existing.contract_no,
                "matter": existing.commitment.matter,
                "counterparty": existing.counterparty,
                "amount": yen(existing.amount_yen),
                "signed": day(existing.signed_on),
                "fields": "、".join(differ),
            },
        )


def _check_change(commitment: Commitment, contract: Contract, values: dict[str, object], today: date) -> None:
    """A 変更契約: never on a cancelled contract, never below the net paid, increases only while authority lives."""
    if contract.status == ContractStatus.CANCELLED:
        raise InvalidTransitionError(_("契約 %(no)s は解除済のため変更できません。") % {"no": contract.contract_no})
    amount = int(values["amount_yen"])  # type: ignore[call-overload]
    if amount > contract.amount_yen:
        if commitment.status not in CONTRACTABLE_STATES:
            raise InvalidTransitionError(
                _("「%(status)s」の債務負担行為の契約金額は増やせません（減額・期間等の変更のみ）。")
                % {"status": commitment.get_status_display()}
            )
        check_increase_allowed(commitment, today)
    paid = net_paid(contract)
    if amount < paid:
        raise ContractFieldError(
            "amount_yen", _("契約金額を支出済額 %(paid)s より少なくはできません。") % {"paid": yen(paid)}
        )
    if fiscal.contract_number_key(str(values["contract_no"])) != fiscal.contract_number_key(contract.contract_no):
        same = contract_by_number(commitment.organization_id, str(values["contract_no"]), excluding=contract.pk)
        if same is not None:
            raise ContractFieldError(
                "contract_no",
                _("契約番号 %(no)s は登録済です（%(matter)s、%(counterparty)s）。")
                % {"no": same.contract_no, "matter": same.commitment.matter, "counterparty": same.counterparty},
            )


def contract_check(
    *,
    commitment: Commitment,
    values: dict[str, object],
    installments: Sequence[tuple[date, int]] | None = None,
    contract: Contract | None = None,
    check_schedule: bool = True,
) -> tuple[Schedule, list[str]]:
    """Every rule a contract must meet, without writing: returns its schedule and the warnings.

    Forms call it to show errors next to the fields; the services call it again under the row lock. A new contract
    whose 契約番号 is recorded with the same content passes (its registration writes nothing); with other content
    it is refused, naming the recorded contract. After the year-end close a contract signed in time is still taken,
    also under a lapsed commitment, until the 出納整理期間 or an approver's reopening ends (`check_late_entry`).
    """
    _check_fields(values)
    today = timezone.localdate()
    late = False
    if contract is None:
        existing = contract_by_number(commitment.organization_id, str(values["contract_no"]))
        if existing is not None:
            check_same_as_recorded(existing, commitment, values, installments, compare_schedule=check_schedule)
            return stored_schedule(existing), []
        late = is_late_entry(commitment, today)
        if commitment.status not in CONTRACTABLE_STATES and not (late and commitment.status == Status.LAPSED):
            raise InvalidTransitionError(
                _("「%(status)s」の債務負担行為には契約を登録できません（承認済のものだけ）。")
                % {"status": commitment.get_status_display()}
            )
    else:
        _check_change(commitment, contract, values, today)
    if contract is None or values["signed_on"] != contract.signed_on:
        _check_signed_on(commitment, values["signed_on"], today)  # type: ignore[arg-type]
    if contract is None and late:
        check_late_entry(commitment, today)
    amount = int(values["amount_yen"])  # type: ignore[call-overload]
    if contract is not None and amount <= contract.amount_yen:
        warnings: list[str] = []  # a decrease is always allowed (down to the net paid), and asks nothing of the limit
    else:
        excluding = contract.pk if contract is not None else None
        warnings = _availability(commitment, contracted_total(commitment.pk, excluding=excluding), amount)
    if not check_schedule:
        return [], warnings
    rows = build_schedule(
        commitment,
        amount_yen=amount,
        start_on=values["start_on"],  # type: ignore[arg-type]
        end_on=values["end_on"],  # type: ignore[arg-type]
        payment_terms=str(values["payment_terms"]),
        installments=installments,
    )
    return rows, warnings
