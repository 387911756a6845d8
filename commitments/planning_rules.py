"""年割額 by a commitment's spreading rule, and what a 補正 leaves: the values after it and its new 年割額.

Pure: no models, no database (Django only for gettext when a message is made). Read by the services that store them
(`services.planning`, `services.amendments`) and by the what-if that projects them in memory
(`selectors.burden_whatif`), so an examiner's what-if shows what approving the 補正 would write.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from commitments.projection import equal_split, monthly_split

EQUAL, MONTHLY, EXPLICIT = "equal", "monthly", "explicit"  # SpreadRule's values (models are not imported here)
ABOLISHED = "abolished"  # Status.ABOLISHED

# What a 補正 proposes, and the commitment's fields it may change (kept before and after on the amendment).
PROPOSAL_FIELDS = (
    "reason",
    "abolish",
    "new_matter",
    "new_limit_yen",
    "new_limit_text",
    "new_estimated_limit_yen",
    "new_first_burden_fy",
    "new_last_burden_fy",
    "new_contract_until_fy",
    "new_planned",
)
SNAPSHOT_FIELDS = (
    "matter",
    "limit_yen",
    "limit_text",
    "estimated_limit_yen",
    "first_burden_fy",
    "last_burden_fy",
    "contract_until_fy",
    "status",
)
MONEY_AND_SPAN = ("limit_yen", "estimated_limit_yen", "first_burden_fy", "last_burden_fy")


class PlanningRuleError(ValueError):
    """The values give no 年割額 by the rule; the message says why (in the user's language)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _(message: str) -> str:
    """Django's gettext, imported when a message is made."""
    from django.utils.translation import gettext

    return gettext(message)


def planned_by_rule(
    rule: str,
    amount_yen: int,
    first_fy: int,
    last_fy: int,
    *,
    start_month: datetime.date | None,
    months: int | None,
) -> dict[int, int] | None:
    """The 年割額 the spreading rule gives (None for the explicit rule, whose amounts are entered)."""
    if rule == EXPLICIT:
        return None
    if rule == MONTHLY:
        if start_month is None or not months:
            raise PlanningRuleError(_("月割の場合は開始月と月数を入力してください。"))
        try:
            return monthly_split(amount_yen, start_month.replace(day=1), months, first_fy=first_fy, last_fy=last_fy)
        except ValueError as exc:
            raise PlanningRuleError(_("月割の期間が負担年度の範囲を超えています。")) from exc
    return equal_split(amount_yen, first_fy, last_fy)


def exposure_limit(limit_yen: int | None, estimated_limit_yen: int | None) -> int:
    """The amount counted in exposure: the limit, else the officer's estimate, else 0."""
    return limit_yen if limit_yen is not None else (estimated_limit_yen or 0)


def values_after(current: Mapping[str, Any], proposal: Mapping[str, Any]) -> dict[str, Any]:
    """The commitment's SNAPSHOT_FIELDS as they would be after the proposal (`current`: as they are)."""
    values = {name: current[name] for name in SNAPSHOT_FIELDS}
    if proposal.get("new_matter"):
        values["matter"] = proposal["new_matter"].strip()
    if proposal.get("new_limit_yen") is not None:
        values.update(limit_yen=proposal["new_limit_yen"], limit_text="", estimated_limit_yen=None)
    elif proposal.get("new_limit_text"):
        values.update(limit_yen=None, limit_text=proposal["new_limit_text"].strip())
        values["estimated_limit_yen"] = proposal.get("new_estimated_limit_yen")
    elif proposal.get("new_estimated_limit_yen") is not None and current["limit_yen"] is None:
        values["estimated_limit_yen"] = proposal["new_estimated_limit_yen"]
    for name in ("first_burden_fy", "last_burden_fy", "contract_until_fy"):
        if proposal.get(f"new_{name}") is not None:
            values[name] = proposal[f"new_{name}"]
    if proposal.get("abolish"):
        values["status"] = ABOLISHED
    return values


def entered_planned(new_planned: Mapping[Any, Any] | None) -> dict[int, int]:
    """The 年割額 a 補正 enters (stored with text keys), by fiscal year; empty when it enters none."""
    return {int(fy): int(amount) for fy, amount in (new_planned or {}).items()}


def planned_after(
    current: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    new_planned: Mapping[Any, Any] | None,
    rule: str,
    start_month: datetime.date | None,
    months: int | None,
) -> dict[int, int] | None:
    """The 年割額 a 補正 leaves: those it enters; else, when it changes the limit or the span, the rule's over the
    values after; None when it changes neither (the 年割額 stay). A commitment whose 年割額 are entered (the explicit
    rule) needs new ones to change its limit or span: PlanningRuleError."""
    if new_planned:
        return entered_planned(new_planned)
    if all(values[name] == current[name] for name in MONEY_AND_SPAN):
        return None
    planned = planned_by_rule(
        rule,
        exposure_limit(values["limit_yen"], values["estimated_limit_yen"]),
        values["first_burden_fy"],
        values["last_burden_fy"],
        start_month=start_month,
        months=months,
    )
    if planned is None:
        raise PlanningRuleError(
            _("年割額が個別入力の債務負担行為で限度額・期間を変える場合は、変更後の年割額を入力してください。")
        )
    return planned
