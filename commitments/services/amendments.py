"""Amendments (補正): propose, submit, approve (never one's own); approval changes the commitment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils.translation import gettext as _

from commitments import fiscal, planning_rules, rules
from commitments.models import (
    OPEN_AMENDMENT_STATES,
    Amendment,
    AmendmentStatus,
    Commitment,
    Contract,
    Installment,
    Payment,
    SpreadRule,
    Status,
    User,
    WorkflowItemKind,
)
from commitments.services import planning, workflow
from commitments.services import projection as projection_services
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.errors import (
    InvalidTransitionError,
    ServiceError,
)

KIND = WorkflowItemKind.AMENDMENT

AMENDABLE_STATES = workflow.flows.AMENDABLE_STATES
# What an amendment proposes (in the order its forms and pages show it), and what it may change on the commitment,
# recorded before and after: the pure rules' (commitments.planning_rules).
PROPOSAL_FIELDS = planning_rules.PROPOSAL_FIELDS
SNAPSHOT_FIELDS = planning_rules.SNAPSHOT_FIELDS


def _yen(amount: int) -> str:
    return fiscal.format_amount(amount, unit="円") + "円"


def _proposed_values(commitment: Commitment, p: dict[str, Any]) -> dict[str, Any]:
    """The commitment's fields as they would be after the proposal."""
    return planning_rules.values_after(_current(commitment), p)


def _current(commitment: Commitment) -> dict[str, Any]:
    return {name: getattr(commitment, name) for name in SNAPSHOT_FIELDS}


def _planned_after(commitment: Commitment, before: dict[str, Any], values: dict[str, Any], new_planned: Any) -> Any:
    """The 年割額 the 補正 leaves (None: unchanged), by `planning_rules.planned_after`; its refusal as the service's."""
    try:
        return planning_rules.planned_after(
            before,
            values,
            new_planned=new_planned,
            rule=commitment.spread_rule,
            start_month=commitment.spread_start_month,
            months=commitment.spread_months,
        )
    except planning_rules.PlanningRuleError as exc:
        raise ServiceError(exc.message) from exc


def amendment_check(commitment: Commitment, p: dict[str, Any]) -> dict[str, Any]:
    """Refuse a proposal the commitment's contracts, payments or the rules would not survive."""
    if not (p.get("reason") or "").strip():
        raise ServiceError(_("補正の理由を入力してください。"))
    if p.get("new_limit_yen") is not None and p.get("new_limit_text"):
        raise ServiceError(_("変更後の限度額は金額か文言のどちらかにしてください。"))
    values = _proposed_values(commitment, p)
    changed = any(values[k] != getattr(commitment, k) for k in SNAPSHOT_FIELDS) or bool(p.get("new_planned"))
    if not changed:
        raise ServiceError(_("変更内容がありません（限度額・期間・事項・契約締結期限・廃止のいずれかを入力）。"))
    problems = rules.commitment_problems({**values, "authorized_fy": commitment.authorized_fy})
    if p.get("new_planned"):
        problems += rules.planned_problems(planning_rules.entered_planned(p["new_planned"]))
    if problems:
        raise ServiceError(problems[0].message)
    first, last = values["first_burden_fy"], values["last_burden_fy"]
    contracted = Contract.objects.filter(commitment=commitment).aggregate(t=Sum("amount_yen"))["t"] or 0
    if values["limit_yen"] is not None and values["limit_yen"] < contracted:
        raise ServiceError(
            _("変更後の限度額 %(limit)s が契約済額 %(contracted)s を下回ります。")
            % {"limit": _yen(values["limit_yen"]), "contracted": _yen(contracted)}
        )
    years = Installment.objects.filter(contract__commitment=commitment).aggregate(
        lo=Min("fiscal_year"), hi=Max("fiscal_year")
    )
    paid = Payment.objects.filter(contract__commitment=commitment).aggregate(
        lo=Min("fiscal_year"), hi=Max("fiscal_year")
    )
    used = [y for y in (years["lo"], years["hi"], paid["lo"], paid["hi"]) if y is not None]
    if used and (min(used) < first or max(used) > last):
        raise ServiceError(
            _("変更後の負担年度（%(span)s）の外に契約の支払予定・支出があります（%(used)s）。")
            % {"span": fiscal.format_span(first, last), "used": fiscal.format_span(min(used), max(used))}
        )
    _planned_after(commitment, _current(commitment), values, p.get("new_planned"))
    if p.get("new_planned"):
        planned = planning_rules.entered_planned(p["new_planned"])
        target = values["limit_yen"] if values["limit_yen"] is not None else values["estimated_limit_yen"]
        if any(not first <= fy <= last for fy in planned) or (target is not None and sum(planned.values()) != target):
            raise ServiceError(
                _("変更後の年割額は変更後の負担年度の中で、合計が限度額と一致するように入力してください。")
            )
    return values


@transaction.atomic
def amendment_create(*, actor: User, commitment: Commitment, **proposal: Any) -> Amendment:
    """Draft an amendment of an approved commitment (one open amendment per commitment)."""
    require(actor, "add_amendment", commitment.organization_id)
    unknown = set(proposal).difference(PROPOSAL_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = lock_commitment(commitment.pk)
    if locked.status not in AMENDABLE_STATES:
        raise InvalidTransitionError(
            _("補正できるのは承認済・契約済の債務負担行為だけです（現在：%(status)s）。")
            % {"status": locked.get_status_display()}
        )
    if Amendment.objects.filter(commitment=locked, status__in=OPEN_AMENDMENT_STATES).exists():
        raise ServiceError(_("この債務負担行為には手続中の補正があります。先にそれを承認または削除してください。"))
    amendment_check(locked, proposal)
    number = (Amendment.objects.filter(commitment=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    amendment = Amendment(
        organization_id=locked.organization_id, commitment=locked, number=number, created_by=actor, **proposal
    )
    amendment._history_user = actor  # type: ignore[attr-defined]
    amendment.save()
    record_event(locked, actor, "amendment_create", locked.status, note=workflow.amendment_label(amendment))
    workflow.authorship_record(kind=KIND, item_id=amendment.pk, actor=actor, action="create")
    return amendment


@transaction.atomic
def amendment_update_draft(*, actor: User, amendment: Amendment, expected_version: int, **proposal: Any) -> Amendment:
    """Change a draft amendment; refused when someone saved it since `expected_version` was read."""
    return workflow.draft_edit(
        amendment,
        actor=actor,
        expected_version=expected_version,
        changes=proposal,
        editable=PROPOSAL_FIELDS,
        check=lambda locked, merged: amendment_check(locked.commitment, merged),
    )


@transaction.atomic
def amendment_submit(*, actor: User, amendment: Amendment) -> Amendment:
    """Send a draft amendment for approval."""
    return workflow.transition(amendment, "submit", actor=actor)


@transaction.atomic
def amendment_reject(*, actor: User, amendment: Amendment, reason: str) -> Amendment:
    """Send a submitted amendment back with a reason (never one's own trail: its submitter withdraws it)."""
    return workflow.transition(amendment, "reject", actor=actor, note=reason)


@transaction.atomic
def amendment_withdraw(*, actor: User, amendment: Amendment) -> Amendment:
    """Take a submitted amendment back to draft (only its submitter)."""
    return workflow.transition(amendment, "withdraw", actor=actor)


@transaction.atomic
def amendment_approve(*, actor: User, amendment: Amendment, resolution: str = "") -> Amendment:
    """Approve (never by its authors): the commitment takes the new values; the amendment keeps before/after."""
    checked: dict[str, Any] = {}

    def guard(locked: Amendment) -> None:
        if locked.commitment.status not in AMENDABLE_STATES:
            raise InvalidTransitionError(_("この債務負担行為は補正できる状態にありません。"))
        if locked.status == AmendmentStatus.SUBMITTED:
            checked.update(amendment_check(locked.commitment, {n: getattr(locked, n) for n in PROPOSAL_FIELDS}))

    approved = workflow.transition(amendment, "approve", actor=actor, note=resolution, guard=guard)
    commitment = approved.commitment
    before = _current(commitment)
    planned = _planned_after(commitment, before, checked, approved.new_planned)
    for name, value in checked.items():
        if name != "status":
            setattr(commitment, name, value)
    if planned is not None:
        planning.planned_check(commitment, planned)
        if approved.new_planned and commitment.spread_rule != SpreadRule.EXPLICIT:
            commitment.spread_rule = SpreadRule.EXPLICIT
        planning.replace_planned(commitment, planned, actor)
    label = workflow.amendment_label(approved)
    step = "abolish" if checked["status"] == Status.ABOLISHED else "amend"
    workflow.transition(commitment, step, actor=actor, note=label, history_reason=label, locked=True)
    approved.before = before
    approved.after = {name: getattr(commitment, name) for name in SNAPSHOT_FIELDS}
    approved.save(update_fields=["before", "after"])
    projection_services.projection_request(commitment_id=commitment.pk)
    return approved


def amendment_delete_draft(*, actor: User, amendment: Amendment) -> None:
    """Delete a draft amendment (also one rejected or withdrawn); history and the trail keep the deletion."""

    def record(locked: Amendment) -> None:
        commitment = locked.commitment
        record_event(commitment, actor, "amendment_delete", commitment.status, note=workflow.amendment_label(locked))

    workflow.draft_delete(amendment, actor=actor, cleanup=record)
