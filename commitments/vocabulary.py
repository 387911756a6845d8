"""The tracker's shared words, defined once: the bases of the exposure figures, the display units and year eras.

Pure (no ORM): read by the filters, the models' choices, the selectors, the reports and the exports. Labels are
Japanese msgids (gettext_lazy); English comes from the catalogue under the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Basis:
    """One basis of the exposure figures: its key, its label, and the projection columns (yen) it sums."""

    key: str
    label: Promise
    columns: tuple[str, ...]


BASES: tuple[Basis, ...] = (
    Basis("planned", _("年割額（予算）"), ("planned_yen",)),
    Basis("total", _("支出見込（支出済＋契約済未払＋未契約）"), ("paid_yen", "contracted_yen", "uncontracted_yen")),
    Basis("paid", _("支出済"), ("paid_yen",)),
    Basis("contracted", _("契約済未払"), ("contracted_yen",)),
    Basis("uncontracted", _("未契約"), ("uncontracted_yen",)),
    # What is still to flow out: contracted but unpaid, and authority not yet contracted (use with a from-year).
    Basis("remaining", _("残額（契約済未払＋未契約）"), ("contracted_yen", "uncontracted_yen")),
)
BASIS_COLUMNS: dict[str, tuple[str, ...]] = {b.key: b.columns for b in BASES}
BASIS_CHOICES: list[tuple[str, Promise]] = [(b.key, b.label) for b in BASES]

# Display units (the yen value of each is fiscal.UNITS) and the era of fiscal-year headers.
UNIT_CHOICES: list[tuple[str, Promise]] = [("千円", _("千円")), ("円", _("円")), ("百万円", _("百万円"))]
ERA_CHOICES: list[tuple[str, Promise]] = [("wareki", _("和暦（令和元年度）")), ("seireki", _("西暦（FY2019）"))]
DEFAULT_UNIT = "千円"
DEFAULT_ERA = "wareki"


def basis_label(key: str) -> Promise:
    """The label of a basis (KeyError for an unknown key)."""
    return dict(BASIS_CHOICES)[key]


def unit_label(unit: str) -> Promise:
    """The label of a display unit: 千円 (thousand yen in English)."""
    return dict(UNIT_CHOICES)[unit]


# The yearly statistics' classes of 翌年度以降支出予定額 (債務負担行為の状況), and the class each 種別 falls in unless
# an organization maps it otherwise (models.KindClassification).
STATISTICS_CLASS_CHOICES: list[tuple[str, Promise]] = [
    ("purchase", _("物件の購入等")),
    ("guarantee", _("債務保証又は損失補償")),
    ("other", _("その他")),
]
DEFAULT_STATISTICS_CLASS: dict[str, str] = {
    "lease": "purchase",
    "service": "purchase",
    "construction": "purchase",
    "system": "purchase",
    "guarantee": "guarantee",
    "subsidy": "other",
    "other": "other",
}
DEFAULT_BURDEN_WARNING_PERCENT = 10  # the share of a year's frame already committed that is marked


# Figures shown in 千円 or 百万円 are each rounded on their own (fiscal.to_unit, 四捨五入), as budget books print
# them; every surface that shows such figures with a total prints this note under them.
ROUNDED_UNITS = frozenset({"千円", "百万円"})
ROUNDING_NOTE = _("単位未満四捨五入のため、合計と内訳が一致しない場合があります。")


def rounding_note(unit: str) -> Promise | None:
    """The note a table in `unit` prints under its figures (None in 円, which is exact)."""
    return ROUNDING_NOTE if unit in ROUNDED_UNITS else None
