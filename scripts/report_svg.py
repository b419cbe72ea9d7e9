"""Inline SVG charts for the HTML report (no JavaScript, no external resources)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def line_chart(points: Sequence[tuple[date, Decimal]], *, title: str, unit: str,
               color: str = PALETTE[0], chart_id: str, width: int = 720,
               height: int = 240) -> str:
    """One series over days: a line with its axes (y from 0)."""
    left, right, top, bottom = 56, 16, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" '
             f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="16" {FONT} font-weight="600">{escape(title)}</text>']
    if not points:
        parts.append(f'<text x="{left}" y="{top + 20}" {FONT}>no data</text></svg>')
        return "".join(parts)
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    y_max = _nice_max(max(float(v) for _, v in points))
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f'{_fmt(value)}</text>')
    for i in range(5):
        day = first.fromordinal(first.toordinal() + round(span * i / 4))
        x = left + plot_w * i / 4
        anchor = ("start", "middle", "middle", "middle", "end")[i]
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="{anchor}" {FONT}>'
                     f'{day.isoformat()}</text>')
    coords = " ".join(
        f"{left + plot_w * (d - first).days / span:.1f},"
        f"{top + plot_h - plot_h * float(v) / y_max:.1f}" for d, v in points)
    parts.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="1.5" '
                 f'points="{coords}"/>')
    parts.append(f'<text x="{left + plot_w}" y="16" text-anchor="end" {FONT}>{escape(unit)}'
                 '</text></svg>')
    return "".join(parts)


def bar_chart(bars: Sequence[tuple[str, Decimal]], *, title: str, unit: str, chart_id: str,
              color: str = PALETTE[0], alert_below: float | None = None,
              width: int = 720) -> str:
    """Horizontal bars, one per label (in the order given); bars under ``alert_below``
    are red."""
    label_w, right, top, row = 260, 110, 28, 20
    height = top + row * max(len(bars), 1) + 8
    plot_w = width - label_w - right
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" '
             f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="4" y="16" {FONT} font-weight="600">{escape(title)}</text>']
    if not bars:
        parts.append(f'<text x="4" y="{top + 14}" {FONT}>no data</text></svg>')
        return "".join(parts)
    x_max = _nice_max(max(float(v) for _, v in bars))
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        fill = "#dc2626" if alert_below is not None and float(value) < alert_below else color
        w = max(plot_w * float(value) / x_max, 1.0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" {FONT}>'
                     f'{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
                     f'height="{row - 6}" fill="{fill}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" {FONT}>'
                     f'{float(value):,.2f} {escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
