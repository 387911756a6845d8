"""Planned annual amounts (年割額): filled by the commitment's rule or entered year by year, summing to the limit."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from commitments import fiscal, planning_rules
from commitments.models import Commitment, PlannedAmount, SpreadRule, Status, User, WorkflowItemKind
from commitments.services import workflow
from commitments.services.common import lock_commitment, require
from commitments.services.errors import InvalidTransitionError, ServiceError


def planned_compute(commitment: Commitment) -> dict[int, int] | None:
    """The 年割額 the commitment's rule gives (None for the explicit rule, whose rows are entered)."""
    try:
        return planning_rules.planned_by_rule(
            commitment.spread_rule,
            commitment.exposure_limit_yen,
            commitment.first_burden_fy,
            commitment.last_burden_fy,
            start_month=commitment.spread_start_month,
            months=commitment.spread_months,
        )
    except planning_rules.PlanningRuleError as exc:
        raise ServiceError(exc.message) from exc


def replace_planned(commitment: Commitment, amounts: Mapping[int, int], actor: User) -> None:
    """Make the stored 年割額 rows equal `amounts` (history records each change). Caller holds the row lock."""
    existing = {row.fiscal_year: row for row in commitment.planned_amounts.all()}
    for fy, row in existing.items():
        if fy not in amounts:
            row._history_user = actor  # type: ignore[attr-defined]
            row.delete()
    for fy, amount in sorted(amounts.items()):
        row = existing.get(fy) or PlannedAmount(commitment=commitment, fiscal_year=fy)
        if row.pk and row.amount_yen == amount:
            continue
        row.amount_yen = amount
        row._history_user = actor  # type: ignore[attr-defined]
        row.save()


def planned_sync(*, actor: User, commitment: Commitment) -> None:
    """Refill the rows from the rule after a draft changed (explicit rows are kept as entered)."""
    amounts = planned_compute(commitment)
    if amounts is not None:
        replace_planned(commitment, amounts, actor)


def planned_check(commitment: Commitment, amounts: Mapping[int, int] | None = None) -> None:
    """Refuse 年割額 outside the burden span or not summing to the limit (text limits: to the estimate, if any)."""
    if amounts is None:
        amounts = dict(commitment.planned_amounts.values_list("fiscal_year", "amount_yen"))
    outside = sorted(fy for fy in amounts if not commitment.first_burden_fy <= fy <= commitment.last_burden_fy)
    if outside:
        raise ServiceError(
            _("年割額に負担年度外の年度があります：%(years)s")
            % {"years": "、".join(fiscal.format_fiscal_year(fy) for fy in outside)}
        )
    if any(amount < 0 for amount in amounts.values()):
        raise ServiceError(_("年割額に負の金額があります。"))
    target = commitment.exposure_limit_yen
    if commitment.is_text_limit and not commitment.estimated_limit_yen:
        return
    total = sum(amounts.values())
    if total != target:
        raise ServiceError(
            _("年割額の合計（%(total)s円）が限度額（%(limit)s円）と一致しません。差額 %(diff)s円。")
            % {
                "total": fiscal.format_amount(total, unit="円"),
                "limit": fiscal.format_amount(target, unit="円"),
                "diff": fiscal.format_amount(total - target, unit="円"),
            }
        )


@transaction.atomic
def planned_amounts_fill(*, actor: User, commitment: Commitment, rule: str) -> dict[int, int]:
    """Set a draft's rule to `equal` or `monthly` and fill its 年割額 from it."""
    require(actor, "change_commitment", commitment.organization_id)
    if rule not in (SpreadRule.EQUAL, SpreadRule.MONTHLY):
        raise ServiceError(_("年割額を自動計算できるのは均等・月割だけです。"))
    locked = lock_commitment(commitment.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransitionError(_("起案中の債務負担行為だけ年割額を変更できます。"))
    locked.spread_rule = rule
    amounts = planned_compute(locked) or {}
    replace_planned(locked, amounts, actor)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    workflow.authorship_record(kind=WorkflowItemKind.COMMITMENT, item_id=locked.pk, actor=actor, action="edit")
    return amounts


@transaction.atomic
def planned_amounts_set(*, actor: User, commitment: Commitment, amounts: Mapping[int, int]) -> None:
    """Enter a draft's 年割額 year by year (the explicit rule); years must lie in the burden span."""
    require(actor, "change_commitment", commitment.organization_id)
    locked = lock_commitment(commitment.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransitionError(_("起案中の債務負担行為だけ年割額を変更できます。"))
    outside = [fy for fy in amounts if not locked.first_burden_fy <= fy <= locked.last_burden_fy]
    if outside or any(amount < 0 for amount in amounts.values()):
        planned_check(locked, amounts)
    replace_planned(locked, amounts, actor)
    if locked.spread_rule != SpreadRule.EXPLICIT:
        locked.spread_rule = SpreadRule.EXPLICIT
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save()
    workflow.authorship_record(kind=WorkflowItemKind.COMMITMENT, item_id=locked.pk, actor=actor, action="edit")
