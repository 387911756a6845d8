"""The report's formatting follows the active language, and the bases are one vocabulary read everywhere."""

from __future__ import annotations

import datetime

from django.utils import translation

from commitments import filters, selectors, vocabulary
from commitments.models import ReportSubscription
from commitments.reporting import formatting
from commitments.reporting.labels import section_title
from commitments.reporting.period import period_of

D = datetime.date


def test_amounts_changes_years_and_periods_in_japanese():
    with translation.override("ja"):
        assert formatting.amount(-1_234_567, "千円") == "△1,235"  # 四捨五入: 1,234.567 千円 -> 1,235
        assert formatting.amount(-1_234_499, "千円") == "△1,234"
        assert formatting.amount(25_395_623_000, "千円") == "25,395,623"
        assert formatting.change(-1_234_000, "千円") == "△1,234"
        assert formatting.change(2_000_000, "千円") == "+2,000"
        assert formatting.change(499, "千円") == "±0"
        assert formatting.change(999, "千円") == "+1"
        assert formatting.change(None, "千円") is None
        assert formatting.amount_with_unit(6_000_000, "千円") == "6,000千円"
        assert formatting.year_label(2018) == "平成30年度"
        assert formatting.short_year_label(2019) == "R1"
        assert period_of("weekly", D(2026, 4, 8)).label() == "令和8年4月6日の週"
        assert section_title("lapsing", "x", days=60, percent=90) == "60日以内に失効する未契約の権限"
        assert str(vocabulary.unit_label("百万円")) == "百万円"


def test_the_same_in_english_from_the_catalogue():
    with translation.override("en"):
        assert formatting.amount(-1_234_567, "千円") == "-1,235"
        assert formatting.change(-1_234_000, "千円") == "-1,234"
        assert formatting.amount_with_unit(6_000_000, "千円") == "6,000 thousand yen"
        assert formatting.year_label(2018) == "FY2018"
        assert formatting.short_year_label(2019) == "2019"
        assert period_of("monthly", D(2026, 4, 30)).label() == "April 2026"
        assert period_of("weekly", D(2026, 4, 8)).label() == "week of 6 April 2026"
        assert period_of("daily", D(2026, 4, 6)).label() == "6 April 2026"
        assert section_title("near_limit", "x", days=60, percent=90) == "Contracts near the limit (90% or more)"
        assert str(vocabulary.basis_label("planned")) == "Planned annual amounts (budget)"
    assert period_of("monthly", D(2026, 4, 30)).label("en") == "April 2026"


def test_one_list_of_bases():
    keys = [b.key for b in vocabulary.BASES]
    assert keys == ["planned", "total", "paid", "contracted", "uncontracted", "remaining"]
    assert selectors.BASES == vocabulary.BASIS_COLUMNS
    assert filters.ExposureOptionsForm.base_fields["basis"].choices == vocabulary.BASIS_CHOICES
    assert ReportSubscription._meta.get_field("basis").choices == vocabulary.BASIS_CHOICES
    assert vocabulary.BASIS_COLUMNS["total"] == ("paid_yen", "contracted_yen", "uncontracted_yen")
