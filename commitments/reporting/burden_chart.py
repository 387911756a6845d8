"""The burden chart: the share of each coming year's frame already committed, as an inline SVG drawn on the server
(no script), with the warning threshold as a line and, in a what-if, the share after the drafts beside it. No ORM.

The text alternative is the SVG's own <title> and <desc> (one sentence per year), and the page's table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from commitments.reporting.chart import PALETTE

WIDTH, HEIGHT = 720, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 40
BEFORE, AFTER, OVER, THRESHOLD = PALETTE[0], PALETTE[1], PALETTE[5], "#a52a2a"


@dataclass(frozen=True)
class ShareBar:
    """One year: its label, the share (None: no frame) and, in a what-if, the share after."""

    label: str
    share: float | None
    after: float | None = None
    over: bool = False
    after_over: bool = False


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.2f}%"


def _axis(bars: Sequence[ShareBar], threshold: float) -> tuple[float, float]:
    """The axis's top and gridline step in percent: round steps, at most six of them, above every bar and the line."""
    highest = max([threshold, *(b.share or 0 for b in bars), *(b.after or 0 for b in bars)]) * 100 * 1.05
    step = 1.0
    for step in (1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if math.ceil(highest / step) <= 6:
            break
    return max(math.ceil(highest / step), 1) * step, step


def share_chart_svg(
    bars: Sequence[ShareBar], *, threshold_percent: Decimal, title: str, what_if: bool = False
) -> SafeString:
    """The SVG (to put in the page as is) with its text alternative; empty when there is no year."""
    if not bars:
        return mark_safe("")
    threshold = float(threshold_percent) / 100
    top, step = _axis(bars, threshold)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h

    def y_of(percent: float) -> float:
        return base - plot_h * min(percent, top) / top

    parts = []
    for i in range(round(top / step) + 1):
        value = step * i
        y = y_of(value)
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" stroke="#dddddd"/>')
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{value:g}%</text>'
        )
    line_y = y_of(threshold * 100)
    slot = plot_w / len(bars)
    width = slot * (0.35 if what_if else 0.6)
    for i, bar in enumerate(bars):
        x = _LEFT + slot * i + (slot - width * (2 if what_if else 1)) / 2
        series = [(bar.share, bar.over, BEFORE)] + ([(bar.after, bar.after_over, AFTER)] if what_if else [])
        for j, (share, over, color) in enumerate(series):
            if share is None:
                continue
            y = y_of(share * 100)
            fill = OVER if over and not what_if else color
            parts.append(
                f'<rect class="bar{" over" if over else ""}" x="{x + j * width:.1f}" y="{y:.1f}" '
                f'width="{width:.1f}" height="{base - y:.1f}" fill="{fill}"/>'
            )
            # Above the bar; inside it where the label would sit on the threshold line (and the bar is tall enough).
            inside = y - 14 < line_y < y and base - y > 16
            parts.append(
                f'<text x="{x + j * width + width / 2:.1f}" y="{y + 12 if inside else y - 3:.1f}" '
                f'text-anchor="middle" font-size="10" fill="{"#fff" if inside else "#333"}">'
                f"{escape(_percent(share))}</text>"
            )
        parts.append(
            f'<text x="{_LEFT + slot * i + slot / 2:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
            f'fill="#333">{escape(bar.label)}</text>'
        )
    y = line_y
    parts.append(
        f'<line class="threshold" x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
        f'stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text x="{WIDTH - _RIGHT}" y="{y - 4:.1f}" text-anchor="end" font-size="11" fill="{THRESHOLD}">'
        f"{escape(format(threshold_percent.normalize(), 'f'))}%</text>"
    )
    parts.append(f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" stroke="#666"/>')
    parts.append(f'<line x1="{_LEFT}" y1="{base}" x2="{WIDTH - _RIGHT}" y2="{base}" stroke="#666"/>')
    lines = [
        f"{b.label}: {_percent(b.share)}" + (f" → {_percent(b.after)}" if what_if else "") + (" ※" if b.over else "")
        for b in bars
    ]
    description = "。".join(lines)
    # Every text in it is escaped above and here.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="burden-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" aria-labelledby="burden-chart-title burden-chart-desc">'
        f'<title id="burden-chart-title">{escape(title)}</title>'
        f'<desc id="burden-chart-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
