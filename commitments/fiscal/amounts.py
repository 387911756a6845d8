"""Yen amounts as printed in budget books (千円, 4,101万6,000円, △ negatives) and 限度額 cells; units of display."""

import re
from typing import NamedTuple

from commitments.fiscal.text import INVISIBLE, SPACE_RUN_RE, FiscalParseError, normalize_text, quoted

UNITS: dict[str, int] = {"円": 1, "千円": 1_000, "百万円": 1_000_000}

# Units recognised inside amount text, mapped to their value in yen.
_TEXT_UNITS: dict[str, int] = {
    "億円": 100_000_000,
    "億": 100_000_000,
    "百万円": 1_000_000,
    "百万": 1_000_000,
    "万円": 10_000,
    "万": 10_000,
    "千円": 1_000,
    "千": 1_000,
    "円": 1,
}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT_ALTERNATION = "|".join(sorted(_TEXT_UNITS, key=len, reverse=True))
_AMOUNT_PART_RE = re.compile(rf"(?P<number>{_NUMBER})(?P<unit>{_UNIT_ALTERNATION})?")
_NEGATIVE_MARKS = ("△", "▲", "-", "\u2212")  # U+2212 minus sign

# A limit printed with a proviso after its number (「５，７５３ ただし、…」) or a formula in brackets.
_PROVISO_RE = re.compile(r"ただし|但し|※|[(（]")
_HEDGE_RE = re.compile(r"約|概ね|おおむね|およそ|程度|見込|以内|上限")
_FORMULA_RE = re.compile(r"(?P<each>\d[\d,]*(?:\.\d+)?(?:百万円|千円|万円|円)?)[×xX*](?P<times>\d{1,3})")
# 「委託料 24,382千円」: the label is every non-digit before the first digit, so the split is found in one pass.
_LABELLED_RE = re.compile(r"(?P<label>\D+?)(?P<amount>\d[\d,.]*(?:億|万|千|百万)?円)")
_AMOUNT_ONLY_RE = re.compile(r"[\d,.億万千百円△▲\-\u2212]+")


def _unit_value(unit: str) -> int:
    """Return the yen value of a display/input unit name, or raise ValueError."""
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"不明な単位です: {unit!r} (使用可能: {'、'.join(UNITS)})") from None


def _split_amount(body: str, text: str) -> list[re.Match[str]]:
    """Split normalised amount text into contiguous (number, unit) parts, or raise."""
    parts: list[re.Match[str]] = []
    position = 0
    while position < len(body):
        part = _AMOUNT_PART_RE.match(body, position)
        if part is None:
            break
        parts.append(part)
        position = part.end()
    if not parts or position != len(body):
        raise FiscalParseError(f"金額を読み取れません: {quoted(text)}")
    return parts


def parse_amount(text: str | int, *, unit: str = "千円") -> int:
    """Parse a printed amount (default 千円, △/▲ negative, 4,101万6,000円) into yen."""
    default = _unit_value(unit)
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise TypeError(f"金額は文字列または整数で指定してください: {text!r}")
    if isinstance(text, int):
        return text * default
    body = normalize_text(text)
    sign = 1
    if body.startswith(_NEGATIVE_MARKS):
        sign, body = -1, body[1:]
    parts = _split_amount(body, text)
    total = 0
    previous_unit: int | None = None
    for index, part in enumerate(parts):
        is_last = index == len(parts) - 1
        suffix = part["unit"]
        if suffix is not None:
            multiplier = _TEXT_UNITS[suffix]
        elif len(parts) == 1:
            multiplier = default
        elif is_last:
            multiplier = 1  # "4,101万6,000": the remainder after 万/億 is in yen.
        else:
            raise FiscalParseError(f"金額を読み取れません: {quoted(text)}")
        if suffix is not None and suffix.endswith("円") and not is_last:
            raise FiscalParseError(f"金額の「円」の位置が不正です: {quoted(text)}")
        whole, _, fraction = part["number"].replace(",", "").partition(".")
        if fraction and len(parts) > 1:
            raise FiscalParseError(f"金額の小数の位置が不正です: {quoted(text)}")
        try:  # Exact integer arithmetic: value = whole.fraction * multiplier.
            numerator = int(whole + fraction) * multiplier
        except ValueError:  # more digits than int() accepts
            raise FiscalParseError(f"金額を読み取れません: {quoted(text)}") from None
        value, remainder = divmod(numerator, 10 ** len(fraction))
        if remainder:
            raise FiscalParseError(f"金額が1円単位の整数になりません: {quoted(text)}")
        if previous_unit is not None and value >= previous_unit:
            raise FiscalParseError(f"金額の位取りが不正です: {quoted(text)}")
        total += value
        previous_unit = multiplier
    return sign * total


class Limit(NamedTuple):
    """A printed 限度額: yen when it has a number, else the words; `note` keeps a proviso or label printed with it."""

    yen: int | None
    text: str = ""
    note: str = ""

    @property
    def is_text(self) -> bool:
        """True when the limit is words with no number (flag it; never invent an amount)."""
        return self.yen is None


def _flatten(text: str) -> str:
    """The printed cell on one line: line breaks (and the spaces around them) removed."""
    # Each whitespace run that holds a line break goes (one match per run: linear, unlike \s*\n\s* on long runs).
    return SPACE_RUN_RE.sub(lambda run: "" if "\n" in run[0] else run[0], text.translate(INVISIBLE)).strip()


def _positive_limit(yen: int, text: str) -> int:
    if yen < 0:
        raise FiscalParseError(f"限度額に負の金額は指定できません: {quoted(text)}")
    if yen == 0:
        raise FiscalParseError(f"限度額は正の金額でなければなりません: {quoted(text)}")
    return yen


def _check_formula(yen: int, note: str, unit: str, text: str) -> None:
    """A bracketed formula (12,191千円×2年) must give the amount it explains."""
    match = _FORMULA_RE.search(normalize_text(note))
    if match is not None and parse_amount(match["each"], unit=unit) * int(match["times"]) != yen:
        raise FiscalParseError(f"限度額と内訳の計算が一致しません: {quoted(text)}")


def parse_limit(text: str, *, unit: str = "千円") -> Limit:
    """Parse a printed 限度額: a positive amount, an amount with a proviso, or words with no number.

    「５，７５３ ただし、…」 → 5,753,000 yen + the proviso; 「委託料 24,382千円(12,191千円×2年)」 → the amount, its
    label and formula (checked); 「寄附金額に応じた諸経費にかかる金額」 → text only. A negative (△) or zero limit,
    or a cell that starts with figures that do not form an amount (「52,721円也」), is an error.
    """
    if not isinstance(text, str):
        raise TypeError(f"限度額は文字列で指定してください: {text!r}")
    body = normalize_text(text)
    if not body:
        raise FiscalParseError("限度額が空欄です")
    try:
        return Limit(_positive_limit(parse_amount(body, unit=unit), text))
    except FiscalParseError:
        if _AMOUNT_ONLY_RE.fullmatch(body):
            raise
    flat = _flatten(text)
    marker = _PROVISO_RE.search(flat)
    head, note = (flat[: marker.start()], flat[marker.start() :]) if marker else (flat, "")
    head_body = normalize_text(head)
    if head_body and _AMOUNT_ONLY_RE.fullmatch(head_body):
        yen = _positive_limit(parse_amount(head_body, unit=unit), text)
        _check_formula(yen, note, unit, text)
        return Limit(yen, "", note)
    labelled = _LABELLED_RE.fullmatch(head_body)
    if labelled is not None and not _HEDGE_RE.search(labelled["label"]):
        yen = _positive_limit(parse_amount(labelled["amount"], unit=unit), text)
        _check_formula(yen, note, unit, text)
        return Limit(yen, "", f"{labelled['label']}{note}")
    if re.match(r"[△▲\-\u2212]?\d", body):  # starts as a figure but does not read as one: a typo, not words
        raise FiscalParseError(f"金額を読み取れません: {quoted(text)}")
    return Limit(None, flat, "")


def to_unit(yen: int, unit: str) -> int:
    """Convert yen to a whole number of the given unit, rounded half away from zero (四捨五入) as budget books do.

    The one rounding rule of every displayed figure: each cell (year, row total, footer) is converted on its own from
    its exact yen, so a total may differ from the sum of its rounded parts (vocabulary.rounding_note says so).
    """
    size = _unit_value(unit)
    quotient, remainder = divmod(abs(yen), size)
    if 2 * remainder >= size:
        quotient += 1
    return -quotient if yen < 0 else quotient


def format_amount(yen: int, *, unit: str = "千円") -> str:
    """Format yen in a unit (rounded half away from zero, see to_unit), negatives as 「△1,234」."""
    value = to_unit(yen, unit)
    return f"△{-value:,}" if value < 0 else f"{value:,}"
