"""The database constraints of a commitment (債務負担行為), each with its field and its message in words."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from commitments import rules
from commitments.models.constraints import on_field
from commitments.models.workflow import approval_record_constraints


def commitment_constraints(approved_states: Sequence[str]) -> list[models.BaseConstraint]:
    """The CHECKs and UNIQUEs of the commitment table (approved states: those that need an approver)."""
    return [
        on_field(
            "limit_yen",
            models.CheckConstraint(
                condition=Q(limit_yen__isnull=True) | Q(limit_yen__gt=0),
                name="commitment_limit_positive",
                violation_error_message=_("限度額は1円以上で入力してください。"),
            ),
        ),
        on_field(
            "limit_yen",
            models.CheckConstraint(
                condition=Q(limit_yen__isnull=False) | ~Q(limit_text=""),
                name="commitment_limit_amount_or_text",
                violation_error_message=_("限度額を金額か文言で入力してください。"),
            ),
        ),
        on_field(
            "estimated_limit_yen",
            models.CheckConstraint(
                condition=Q(estimated_limit_yen__isnull=True) | Q(estimated_limit_yen__gte=0),
                name="commitment_estimate_not_negative",
                violation_error_message=_("見込額は0円以上で入力してください。"),
            ),
        ),
        on_field(
            "authorized_fy",
            models.CheckConstraint(
                condition=Q(authorized_fy__gte=rules.MIN_FISCAL_YEAR) & Q(authorized_fy__lte=rules.MAX_FISCAL_YEAR),
                name="commitment_authorized_fy_range",
                violation_error_message=format_lazy(
                    _("年度は{first}年度から{last}年度までの間で入力してください。"),
                    first=rules.MIN_FISCAL_YEAR,
                    last=rules.MAX_FISCAL_YEAR,
                ),
            ),
        ),
        on_field(
            "first_burden_fy",
            models.CheckConstraint(
                condition=Q(first_burden_fy__gte=F("authorized_fy")),
                name="commitment_first_fy_after_authorized",
                violation_error_message=_("負担年度の始まりは行為年度と同じか後の年度にしてください。"),
            ),
        ),
        on_field(
            "last_burden_fy",
            models.CheckConstraint(
                condition=Q(last_burden_fy__gte=F("first_burden_fy")),
                name="commitment_span_ordered",
                violation_error_message=_("負担年度の終わりは始まりと同じか後の年度にしてください。"),
            ),
        ),
        on_field(
            "last_burden_fy",
            models.CheckConstraint(
                condition=Q(last_burden_fy__lt=F("first_burden_fy") + rules.MAX_SPAN_YEARS),
                name="commitment_span_at_most_50_years",
                violation_error_message=format_lazy(
                    _("負担年度は{years}年以内にしてください。"), years=rules.MAX_SPAN_YEARS
                ),
            ),
        ),
        *approval_record_constraints(
            "commitment",
            Q(status__in=approved_states),
            has_approver=_("承認済みの債務負担行為には承認者が必要です。"),
            not_submitter=_("提出した人はその債務負担行為を承認できません。"),
        ),
        on_field(
            "contract_until_fy",
            models.CheckConstraint(
                condition=Q(contract_until_fy__isnull=True) | Q(contract_until_fy__gte=F("authorized_fy")),
                name="commitment_contract_until_after_authorized",
                violation_error_message=_("契約締結期限の年度は行為年度と同じか後の年度にしてください。"),
            ),
        ),
        on_field(
            "spread_start_month",
            models.CheckConstraint(
                condition=~Q(spread_rule="monthly") | (Q(spread_start_month__isnull=False) & Q(spread_months__gte=1)),
                name="commitment_monthly_rule_has_months",
                violation_error_message=_("月割の配分には開始月と月数を入力してください。"),
            ),
        ),
        on_field(
            "seq",
            models.UniqueConstraint(
                fields=["organization", "authorized_fy", "seq"],
                name="commitment_unique_seq",
                condition=Q(seq__isnull=False),
                violation_error_message=_("この行為年度にはすでに同じ番号の債務負担行為があります。"),
            ),
        ),
    ]
