"""An SVG bar chart of the benchmark's ratios (measured / floor) against their goals.

Plain SVG text, no plotting library: one bar per scenario, a tick at its goal, the ratio
written at the end of the bar. Bars over their goal are drawn in a warning colour.
"""

from __future__ import annotations

from html import escape

from benchmarks.scenarios import Row

WIDTH, LEFT, RIGHT, ROW, TOP = 720, 230, 70, 34, 44
OK, OVER, REPORTED, GOAL = "#2f7d4f", "#c0392b", "#7f8c8d", "#222222"


#: Short names of the scenarios for the chart (the table has the full titles).
LABELS = {"1": "products sync: wall time", "2": "orders backfill: CPU",
          "3a": "tap memory: 100k vs 10k", "3b": "target memory: 100k vs 10k",
          "4": "target writes: wall time", "5": "incremental run: API calls"}


def _label(row: Row) -> str:
    return f"{row.id}. " + LABELS.get(row.id, row.title.split(",")[0])[:36]


def ratio_chart(rows: list[Row], caption: str) -> str:
    """The SVG document for the rows of one run."""
    top_ratio = max([1.0, *(r.ratio for r in rows), *(r.goal or 0 for r in rows)])
    scale = (WIDTH - LEFT - RIGHT) / (top_ratio * 1.05)
    height = TOP + ROW * len(rows) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="12" y="22" font-size="15" font-weight="bold">{escape(caption)}</text>',
    ]
    x1 = LEFT + scale
    parts.append(f'<line x1="{x1:.1f}" y1="{TOP - 8}" x2="{x1:.1f}" '
                 f'y2="{TOP + ROW * len(rows)}" stroke="#999" stroke-dasharray="3,3"/>')
    parts.append(f'<text x="{x1:.1f}" y="{TOP - 12}" text-anchor="middle" fill="#666">'
                 '1x = floor</text>')
    for n, row in enumerate(rows):
        y = TOP + n * ROW
        colour = REPORTED if row.goal is None else (OK if row.met else OVER)
        width = max(row.ratio * scale, 1)
        parts.append(f'<text x="{LEFT - 8}" y="{y + 17}" text-anchor="end">'
                     f'{escape(_label(row))}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="{ROW - 12}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{LEFT + width + 6:.1f}" y="{y + 17}">{row.ratio:.2f}x</text>')
        if row.goal is not None:
            gx = LEFT + row.goal * scale
            parts.append(f'<line x1="{gx:.1f}" y1="{y + 1}" x2="{gx:.1f}" y2="{y + ROW - 5}" '
                         f'stroke="{GOAL}" stroke-width="3"/>')
    legend_y = TOP + ROW * len(rows) + 24
    parts.append(f'<text x="{LEFT}" y="{legend_y}" fill="#444">bar: measured / floor '
                 '(same run); black tick: goal; red: over its goal; grey: reported only</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
