"""django-filter filter sets and display options of the auditor site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.forms.fields import FiscalYearField
from commitments.models import APPROVED_STATES, Commitment, CommitmentKind, Segment, Status
from commitments.vocabulary import BASIS_CHOICES, DEFAULT_ERA, DEFAULT_UNIT, ERA_CHOICES, UNIT_CHOICES


class ExposureFilter(django_filters.FilterSet):
    """Which commitments: segment, status, kind, 行為年度 and words of the 事項."""

    segment = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.none(), label=_("事業区分"), empty_label=_("すべて")
    )
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in Status if s in APPROVED_STATES], label=_("状態"), empty_label=_("すべて")
    )
    kind = django_filters.ChoiceFilter(choices=CommitmentKind.choices, label=_("種別"), empty_label=_("すべて"))
    authorized_fy = django_filters.CharFilter(label=_("行為年度"), method="filter_authorized_fy")
    matter = django_filters.CharFilter(lookup_expr="icontains", label=_("事項"))

    class Meta:
        model = Commitment
        fields = ["segment", "status", "kind", "authorized_fy", "matter"]

    def __init__(self, *args: Any, segments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.filters["segment"].queryset = segments
        self.filters["authorized_fy"].field.widget.attrs.update({"size": 10, "placeholder": "令和8年度"})

    def filter_authorized_fy(self, queryset: QuerySet[Commitment], name: str, value: str) -> QuerySet[Commitment]:
        try:
            return queryset.filter(authorized_fy=fiscal.parse_fiscal_year(value))
        except fiscal.FiscalParseError:
            return queryset.none()

    def matches(self, commitment: Commitment) -> bool:
        """The same filters on one commitment in memory (the books of a past day are not a queryset)."""
        wanted = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        if wanted.get("segment") and commitment.segment_id != wanted["segment"].pk:
            return False
        if wanted.get("status") and commitment.status != wanted["status"]:
            return False
        if wanted.get("kind") and commitment.kind != wanted["kind"]:
            return False
        if wanted.get("authorized_fy"):
            try:
                if commitment.authorized_fy != fiscal.parse_fiscal_year(wanted["authorized_fy"]):
                    return False
            except fiscal.FiscalParseError:
                return False
        return not wanted.get("matter") or wanted["matter"].casefold() in commitment.matter.casefold()


class ExposureOptionsForm(forms.Form):
    """How to show them: basis, fiscal-year range, unit, era of the headers, and the day whose books are shown."""

    basis = forms.ChoiceField(label=_("集計の基準"), choices=BASIS_CHOICES, required=False)
    fy_from = FiscalYearField(label=_("年度（から）"), required=False, help_text="")
    fy_to = FiscalYearField(label=_("年度（まで）"), required=False, help_text="")
    unit = forms.ChoiceField(label=_("単位"), choices=UNIT_CHOICES, required=False)
    era = forms.ChoiceField(label=_("年度の表記"), choices=ERA_CHOICES, required=False)
    as_of = forms.DateField(label=_("基準日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@dataclass(frozen=True)
class ExposureOptions:
    """The cleaned display options (defaults where a value was missing or invalid)."""

    basis: str = "planned"
    fy_from: int | None = None
    fy_to: int | None = None
    unit: str = DEFAULT_UNIT
    era: str = DEFAULT_ERA
    as_of: date | None = None
    range_chosen: bool = False  # the reader asked for 年度（から）or（まで）: a filter then keeps those years

    @property
    def year_style(self) -> str:
        """The fiscal.format_fiscal_year style of the column headers."""
        return "fy" if self.era == "seireki" else "wareki"

    def years(self, available: list[int]) -> list[int]:
        """The fiscal years of `available` inside the chosen range."""
        return [
            fy
            for fy in available
            if (self.fy_from is None or fy >= self.fy_from) and (self.fy_to is None or fy <= self.fy_to)
        ]


def _form_showing(options: ExposureOptions) -> ExposureOptionsForm:
    """An unbound form whose boxes show the options in effect (defaults included), so what the form says is what the
    page shows and pressing 表示 shows the same page again."""
    return ExposureOptionsForm(
        initial={
            "basis": options.basis,
            "fy_from": "" if options.fy_from is None else fiscal.format_fiscal_year(options.fy_from),
            "fy_to": "" if options.fy_to is None else fiscal.format_fiscal_year(options.fy_to),
            "unit": options.unit,
            "era": options.era,
            "as_of": "" if options.as_of is None else options.as_of.isoformat(),
        }
    )


def exposure_options(
    data: Any, *, today: date, default_basis: str = "planned"
) -> tuple[ExposureOptionsForm, ExposureOptions]:
    """Read the options from the query string; `remaining` without a start year starts at the current one (that of
    the as-of day, when one is asked for). The form returned shows the options in effect."""
    form = ExposureOptionsForm(data)
    cleaned = form.cleaned_data if form.is_valid() else {}
    basis = cleaned.get("basis") or default_basis
    fy_from = cleaned.get("fy_from")
    if basis == "remaining" and fy_from is None:
        fy_from = fiscal.fiscal_year_of(cleaned.get("as_of") or today)
    options = ExposureOptions(
        basis=basis,
        fy_from=fy_from,
        fy_to=cleaned.get("fy_to"),
        unit=cleaned.get("unit") or DEFAULT_UNIT,
        era=cleaned.get("era") or DEFAULT_ERA,
        as_of=cleaned.get("as_of"),
        range_chosen=cleaned.get("fy_from") is not None or cleaned.get("fy_to") is not None,
    )
    return _form_showing(options), options
