"""Admin forms: amounts in a chosen unit and fiscal years in 和暦 or 西暦, parsed by fiscal.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.models import Commitment

UNIT_CHOICES = [("千円", _("千円")), ("円", _("円")), ("百万円", _("百万円"))]


class FiscalYearField(forms.CharField):
    """A fiscal year typed as 平成29年度, H29, 令和5年度 or 2017; cleaned to the int year."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": 30, "size": 14}))
        kwargs.setdefault("help_text", _("例：平成29年度、H29、令和5年度、2017"))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return fiscal.format_fiscal_year(value)
        return value

    def to_python(self, value: Any) -> int | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return fiscal.parse_fiscal_year(text)
        except fiscal.FiscalParseError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CommitmentForm(forms.ModelForm):
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
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Commitment
        fields = [
            "organization",
            "segment",
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
            "expected_version",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if self.instance.pk and self.instance.limit_yen is not None and not self.is_bound:
            self.initial["limit_amount"] = fiscal.format_amount(self.instance.limit_yen, unit="円")
            self.initial["limit_unit"] = "円"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
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
            data["limit_yen"] = amount
        elif not data.get("limit_text"):
            self.add_error("limit_amount", _("限度額を金額または文言で入力してください。"))
        return data


class RejectForm(forms.Form):
    """Reason for sending submissions back."""

    reason = forms.CharField(label=_("差戻し理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    """The authorising resolution recorded with an approval."""

    resolution = forms.CharField(
        label=_("議決・決裁"), required=False, max_length=200, help_text=_("例：第13回経営審議委員会 議案第2号")
    )
