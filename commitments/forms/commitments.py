"""Commitment entry and the approve / reject confirmations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.forms.fields import UNIT_CHOICES, FiscalYearField, MonthField, VersionCheckMixin, check_yen
from commitments.models import MAX_SPAN_YEARS, Commitment, CommitmentKind, SpreadRule


class CommitmentForm(VersionCheckMixin, forms.ModelForm):
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
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Commitment
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = False
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
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
                amount = fiscal.parse_amount(raw, unit=data.get("limit_unit") or "千円")
            except fiscal.FiscalParseError as exc:
                self.add_error("limit_amount", str(exc))
                return data
            if amount <= 0:
                self.add_error("limit_amount", _("限度額は正の金額でなければなりません（△・▲は負数です）。"))
            else:
                try:
                    data["limit_yen"] = check_yen(amount)
                except forms.ValidationError as exc:
                    self.add_error("limit_amount", exc)
        elif not data.get("limit_text"):
            self.add_error("limit_amount", _("限度額を金額または文言で入力してください。"))
        self._check_years(data)
        self._check_monthly(data)
        return data

    def _check_years(self, data: dict[str, Any]) -> None:
        """行為年度 ≦ 初年度 ≦ 最終年度, at most MAX_SPAN_YEARS: said beside the field (not as a constraint's name)."""
        authorized, first, last = (data.get(name) for name in ("authorized_fy", "first_burden_fy", "last_burden_fy"))
        if authorized is not None and first is not None and first < authorized:
            self.add_error(
                "first_burden_fy",
                _("負担年度（初年度）は行為年度（%(fy)s）以後にしてください。")
                % {"fy": fiscal.format_fiscal_year(authorized)},
            )
        if first is not None and last is not None and last < first:
            self.add_error(
                "last_burden_fy",
                _("負担年度（最終年度）が初年度（%(fy)s）より前です。") % {"fy": fiscal.format_fiscal_year(first)},
            )
        elif first is not None and last is not None and last - first >= MAX_SPAN_YEARS:
            self.add_error(
                "last_burden_fy",
                _("負担年度の期間は%(max)d年以内です（%(span)s は %(n)d年）。")
                % {"max": MAX_SPAN_YEARS, "span": fiscal.format_span(first, last), "n": last - first + 1},
            )

    def _check_monthly(self, data: dict[str, Any]) -> None:
        """The monthly rule needs its start month and a number of months."""
        if data.get("spread_rule") != SpreadRule.MONTHLY:
            return
        if data.get("spread_start_month") is None and "spread_start_month" not in self.errors:
            self.add_error("spread_start_month", _("月割の場合は開始月を入力してください。"))
        if not data.get("spread_months") and "spread_months" not in self.errors:
            self.add_error("spread_months", _("月割の場合は月数（1以上）を入力してください。"))


class RejectForm(forms.Form):
    """Reason for sending submissions back."""

    reason = forms.CharField(label=_("差戻し理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    """The authorising resolution recorded with an approval."""

    resolution = forms.CharField(
        label=_("議決・決裁"), required=False, max_length=200, help_text=_("例：第13回経営審議委員会 議案第2号")
    )
