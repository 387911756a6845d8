"""The report's chart: a stacked bar PNG of amounts by fiscal year and segment, drawn with Pillow. No ORM.

Labels are ASCII only (years as `R8` or `2026`, amounts as numbers), so no font is needed on the server; the
segment names are in the e-mail's HTML legend, next to the image, in the same colours.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from commitments import fiscal
from commitments.reporting.formatting import short_year_label

if TYPE_CHECKING:
    from commitments.selectors import ExposureTable

# Okabe–Ito: readable in print and for common colour-vision deficiencies (the summary page draws with it too).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
WIDTH, HEIGHT = 720, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 88, 12, 14, 30  # room on the left for ticks such as 12,000,000 (千円)


@dataclass(frozen=True)
class ChartSeries:
    """One stacked series: a colour and one value per year (in the chart's unit)."""

    color: str
    values: Sequence[int]


def color_of(index: int) -> str:
    """The colour of the index-th series (the HTML legend uses the same)."""
    return PALETTE[index % len(PALETTE)]


def _nice_step(top: int) -> int:
    """A round gridline step giving about four lines up to `top`."""
    raw = max(top / 4, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return int(magnitude * factor)
    return int(magnitude * 10)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def stacked_bar_png(labels: Sequence[str], series: Sequence[ChartSeries]) -> bytes:
    """A PNG of one stacked bar per label; values below zero are drawn as zero."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = _font(11)
    totals = [sum(max(s.values[i], 0) for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    step = _nice_step(top)
    top = step * -(-top // step)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h

    def y_of(value: float) -> float:
        return base - plot_h * value / top

    for tick in range(0, top + 1, step):
        y = y_of(tick)
        draw.line([(_LEFT, y), (WIDTH - _RIGHT, y)], fill="#dddddd")
        text = f"{tick:,}"
        draw.text((_LEFT - 6 - draw.textlength(text, font=font), y - 6), text, fill="#333333", font=font)
    draw.line([(_LEFT, _TOP), (_LEFT, base)], fill="#666666")
    draw.line([(_LEFT, base), (WIDTH - _RIGHT, base)], fill="#666666")
    if labels:
        slot = plot_w / len(labels)
        bar = max(slot * 0.6, 1)
        # Every label when the widest fits its slot with a gap, else every n-th (H20, H22, … rather than H20H21…).
        every = max(math.ceil((max(draw.textlength(label, font=font) for label in labels) + 6) / slot), 1)
        for i, label in enumerate(labels):
            x0 = _LEFT + slot * i + (slot - bar) / 2
            level = 0.0
            for s in series:
                value = max(s.values[i], 0)
                if value:
                    draw.rectangle([x0, y_of(level + value), x0 + bar, y_of(level)], fill=s.color)
                level += value
            if i % every == 0:
                draw.text(
                    (x0 + bar / 2 - draw.textlength(label, font=font) / 2, base + 6), label, fill="#333333", font=font
                )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def exposure_chart(table: ExposureTable, *, unit: str) -> bytes | None:
    """The PNG of a table by segment (None without rows or years), drawn in the report's unit: the same figures,
    rounded the same way, as the table beside it."""
    if not table.rows or not table.fiscal_years:
        return None
    series = [
        ChartSeries(color_of(i), [fiscal.to_unit(r["years"].get(fy, 0), unit) for fy in table.fiscal_years])
        for i, r in enumerate(table.rows)
    ]
    return stacked_bar_png([short_year_label(fy) for fy in table.fiscal_years], series)
