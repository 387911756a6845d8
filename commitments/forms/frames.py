"""Fiscal frame (財政見通し) entry and the frames' upload: amounts in 千円 by default, years as printed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.forms.fields import UNIT_CHOICES, FiscalYearField, VersionedModelForm
from commitments.models import FiscalFrame
from commitments.models.scoping import scoped_formfield
from commitments.services.frames import frame_problems

AMOUNT_WIDGET = forms.TextInput(attrs={"size": 16, "maxlength": 40, "style": "text-align:right"})


class FiscalFrameForm(VersionedModelForm):
    """One frame: year, 事業区分 (blank: the whole organization), 歳出総額 and/or 一般財源 in the chosen unit."""

    fiscal_year = FiscalYearField(label=_("年度"))
    expenditure_amount = forms.CharField(
        label=_("歳出総額"), required=False, widget=AMOUNT_WIDGET, help_text=_("全角・カンマ可")
    )
    general_revenue_amount = forms.CharField(
        label=_("一般財源"), required=False, widget=AMOUNT_WIDGET, help_text=_("全角・カンマ可")
    )
    amount_unit = forms.ChoiceField(label=_("単位"), choices=UNIT_CHOICES, initial="千円")

    class Meta:
        model = FiscalFrame
        formfield_callback = scoped_formfield
        fields = [
            "organization",
            "fiscal_year",
            "segment",
            "expenditure_amount",
            "general_revenue_amount",
            "amount_unit",
            "note",
            "expected_version",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name, field in (
                ("expenditure_yen", "expenditure_amount"),
                ("general_revenue_yen", "general_revenue_amount"),
            ):
                value = getattr(self.instance, name)
                if value is not None and field in self.fields:
                    self.fields[field].initial = fiscal.format_amount(value, unit="千円")

    def _amount(self, name: str, unit: str) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return fiscal.parse_amount(text, unit=unit)
        except fiscal.FiscalParseError as exc:
            self.add_error(name, str(exc))
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_version(data)
        unit = data.get("amount_unit") or "千円"
        data["expenditure_yen"] = self._amount("expenditure_amount", unit)
        data["general_revenue_yen"] = self._amount("general_revenue_amount", unit)
        segment, organization = (
            data.get("segment"),
            data.get("organization") or getattr(self.instance, "organization", None),
        )
        if segment is not None and organization is not None and segment.organization_id != organization.pk:
            self.add_error("segment", _("事業区分が団体と一致しません。"))
        if not self.errors:
            for problem in frame_problems(data):
                self.add_error(None, problem)
        return data

    def values(self) -> dict[str, Any]:
        """The fields the services take."""
        data = self.cleaned_data
        return {
            "fiscal_year": data["fiscal_year"],
            "segment": data.get("segment"),
            "expenditure_yen": data.get("expenditure_yen"),
            "general_revenue_yen": data.get("general_revenue_yen"),
            "note": data.get("note") or "",
        }


class FrameUploadForm(forms.Form):
    """A CSV or XLSX of frames: `年度, 事業区分, 歳出総額, 一般財源`."""

    organization = forms.ModelChoiceField(label=_("団体"), queryset=None)  # type: ignore[arg-type]
    file = forms.FileField(label=_("ファイル（CSV・Excel）"))
    unit = forms.ChoiceField(
        label=_("金額の単位"),
        choices=UNIT_CHOICES,
        initial="千円",
        help_text=_("ファイルに単位の記載があればそれに従います"),
    )
    note = forms.CharField(label=_("出典・前提"), required=False, max_length=200)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first()
