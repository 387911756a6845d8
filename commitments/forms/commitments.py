"""Commitment entry and the approve / reject confirmations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal, rules
from commitments.forms.fields import UNIT_CHOICES, FiscalYearField, MonthField, VersionedModelForm
from commitments.models import Commitment, CommitmentKind
from commitments.models.scoping import scoped_formfield


class CommitmentForm(VersionedModelForm):
    """Enter a commitment: the limit in 千円 by default, fiscal years as printed in the budget."""

    limit_amount = forms.CharField(
        label=_("限度額"),
        required=False,
        max_length=40,
        help_text=_("全角・カンマ可。文言の限度額の場合は空欄にして下の欄に入力"),
    )
    limit_unit = forms.ChoiceField(label=_("単位"), choices=UNIT_CHOICES, initial="千円")
    authorized_fy = FiscalYearField(label=_("行為年度"))
    first_burden_fy = FiscalYearField(label=_("負担年度（初年度）"))
    last_burden_fy = FiscalYearField(label=_("負担年度（最終年度）"))
    spread_start_month = MonthField(label=_("月割の開始月"), required=False)

    class Meta:
        model = Commitment
        formfield_callback = scoped_formfield
        fields = [
            "organization",
            "segment",
            "kind",
            "seq",
            "matter",
            "limit_amount",
            "limit_unit",
            "limit_text",
            "estimated_limit_yen",
            "authorized_fy",
            "first_burden_fy",
            "last_burden_fy",
            "spread_rule",
            "spread_start_month",
            "spread_months",
            "expected_version",
        ]

    # The form field each problem of the rules (rules.DRAFT_RULE_FIELDS) is shown beside when its name differs.
    shown_beside = {"limit_yen": "limit_amount"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = False
        if self.instance.pk and self.instance.limit_yen is not None and not self.is_bound:
            self.initial["limit_amount"] = fiscal.format_amount(self.instance.limit_yen, unit="円")
            self.initial["limit_unit"] = "円"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_version(data)
        data["kind"] = data.get("kind") or CommitmentKind.OTHER
        raw = (data.get("limit_amount") or "").strip()
        data["limit_yen"] = None
        if raw:
            try:
                data["limit_yen"] = fiscal.parse_amount(raw, unit=data.get("limit_unit") or "千円")
            except fiscal.FiscalParseError as exc:
                self.add_error("limit_amount", str(exc))
        self._check_rules(data)
        return data

    def _check_rules(self, data: dict[str, Any]) -> None:
        """Each broken rule of commitments.rules, said beside its field unless that field has an error already."""
        values = {name: data.get(name) for name in rules.DRAFT_RULE_FIELDS}
        for problem in rules.commitment_problems(values):
            field = self.shown_beside.get(problem.field, problem.field)
            if field in self.fields and field not in self.errors:
                self.add_error(field, problem.message)
        if "limit_amount" in self.errors:
            data["limit_yen"] = None


class RejectForm(forms.Form):
    """Reason for sending submissions back."""

    reason = forms.CharField(label=_("差戻し理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    """The authorising resolution recorded with an approval."""

    resolution = forms.CharField(
        label=_("議決・決裁"),
        required=False,
        max_length=200,
        help_text=_("例：第13回経営審議委員会 議案第2号"),
        widget=forms.TextInput(attrs={"size": 60}),  # wide enough for a council's name and item number
    )
