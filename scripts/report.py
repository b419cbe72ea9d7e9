"""The demo's summary and one-page HTML report, from the dbt marts in a DuckDB file.

    .venv/bin/python scripts/report.py output/sandbox.duckdb [--html output/report.html]

Prints the summary (top SKUs by net revenue, fees as a share of revenue, late shipments)
and writes a self-contained HTML page (inline CSS and SVG charts: daily net sales, fees by
type, stock cover; no external resource).
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_data import ReportData, load
from report_svg import PALETTE, bar_chart, line_chart

#: Stock cover under this many days is drawn red.
LOW_COVER_DAYS = 14
CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 760px; color: #111827; }
h1 { font-size: 22px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
td.num { text-align: right; } .muted { color: #6b7280; font-size: 12px; }
"""


def _money(value: Decimal | None, currency: str) -> str:
    return "-" if value is None else f"{value:,.2f} {currency}"


def summary_lines(data: ReportData) -> list[str]:
    """The demo's closing summary."""
    lines = ["Top SKUs by net revenue:"]
    for n, sku in enumerate(data.top_skus, 1):
        lines.append(f"  {n}. {sku.seller_sku:<16} {data.shop_name(sku.shop_id):<20} "
                     f"{sku.units:>4} units  {_money(sku.net_sales, data.currency(sku.shop_id))}")
    lines.append("TikTok fees as a share of settled revenue:")
    for share in data.fee_shares:
        currency = data.currency(share.shop_id)
        ratio = "-" if share.share is None else f"{share.share * 100:.1f}%"
        lines.append(f"  {data.shop_name(share.shop_id):<20} {ratio:>6}  "
                     f"({_money(share.fees, currency)} of {_money(share.revenue, currency)})")
    shipped = sum(f.shipped for f in data.fulfilment)
    late = sum(f.late for f in data.fulfilment)
    overdue = sum(f.overdue for f in data.fulfilment)
    pct = f"{late / shipped * 100:.1f}%" if shipped else "-"
    lines.append(f"Late shipments: {late} of {shipped} packages shipped after the SLA ({pct}), "
                 f"{overdue} not shipped and overdue")
    worst = sorted(data.fulfilment, key=lambda f: f.late / f.shipped if f.shipped else 0,
                   reverse=True)[:3]
    for f in worst:
        lines.append(f"  {data.shop_name(f.shop_id):<20} {f.provider:<12} {f.late:>3} late "
                     f"of {f.shipped}")
    return lines


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{escape(c)}</td>' if i in numeric
                         else f"<td>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: ReportData) -> str:
    """The one-page report."""
    sections = []
    charts = []
    for n, (shop_id, points) in enumerate(sorted(data.daily_net.items())):
        charts.append(line_chart(points, title=f"Daily net sales: {data.shop_name(shop_id)}",
                                 unit=data.currency(shop_id), color=PALETTE[n % len(PALETTE)],
                                 chart_id=f"daily-net-sales-{n}"))
    sections.append("<h2>Daily net sales</h2>" + "".join(charts))
    charts = []
    for n, (shop_id, fees) in enumerate(sorted(data.fees_by_type.items())):
        charts.append(bar_chart(fees, title=f"Fees by type: {data.shop_name(shop_id)}",
                                unit=data.currency(shop_id), chart_id=f"fees-by-type-{n}",
                                color=PALETTE[(n + 2) % len(PALETTE)]))
    share_rows = [[data.shop_name(s.shop_id), _money(s.revenue, data.currency(s.shop_id)),
                   _money(s.fees, data.currency(s.shop_id)),
                   "-" if s.share is None else f"{s.share * 100:.1f}%"]
                  for s in data.fee_shares]
    sections.append("<h2>TikTok fees</h2>" + "".join(charts)
                    + _table(["Shop", "Settled revenue", "Fees", "Share"], share_rows, {1, 2, 3}))
    cover = [(f"{c.seller_sku} @ {c.warehouse}", c.days_of_cover)
             for c in data.stock_cover]
    sections.append(
        "<h2>Stock cover</h2>"
        + bar_chart(cover, title="Lowest stock cover (days, 28-day average sales)",
                    unit="days", chart_id="stock-cover", alert_below=LOW_COVER_DAYS)
        + f'<p class="muted">Red: under {LOW_COVER_DAYS} days.</p>')
    sku_rows = [[s.seller_sku, data.shop_name(s.shop_id), str(s.units),
                 _money(s.net_sales, data.currency(s.shop_id))] for s in data.top_skus]
    sections.append("<h2>Top SKUs by net revenue</h2>"
                    + _table(["SKU", "Shop", "Units", "Net sales"], sku_rows, {2, 3}))
    ship_rows = [[data.shop_name(f.shop_id), f.provider, str(f.shipped), str(f.late),
                  f"{(f.shipped - f.late) / f.shipped * 100:.0f}%" if f.shipped else "-",
                  str(f.overdue)] for f in data.fulfilment]
    sections.append("<h2>Fulfilment against the SLA</h2>"
                    + _table(["Shop", "Provider", "Shipped", "Late", "On time", "Overdue"],
                             ship_rows, {2, 3, 4, 5}))
    pending = [[data.shop_name(shop), _money(amount, data.currency(shop))]
               for shop, amount in sorted(data.pending_payouts.items())]
    sections.append("<h2>Payouts pending</h2>"
                    + _table(["Shop", "Statements not paid yet"], pending, {1}))
    as_of = data.as_of.isoformat() if data.as_of else "-"
    # The script only marks that the page ran in a browser with its charts in place; the
    # report needs no JavaScript.
    script = ("document.documentElement.dataset.charts = "
              "String(document.querySelectorAll('svg.chart').length);")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>TikTok Shop report</title>"
            f"<style>{CSS}</style></head><body>"
            "<h1>TikTok Shop report</h1>"
            f'<p class="muted">From the dbt marts (README: "Models"); as of {as_of}.</p>'
            + "".join(sections)
            + f"<script>{script}</script></body></html>\n")


def write_report(duckdb_path: Path, html_path: Path) -> list[str]:
    """Write the HTML report; return the summary lines."""
    data = load(duckdb_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(data), encoding="utf-8")
    return summary_lines(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("duckdb", type=Path, help="DuckDB file built by dbt-duckdb:build")
    parser.add_argument("--html", type=Path, default=Path("output/report.html"))
    args = parser.parse_args(argv)
    if not args.duckdb.exists():
        print(f"report: no DuckDB file at {args.duckdb}", file=sys.stderr)
        return 2
    for line in write_report(args.duckdb, args.html):
        print(line)
    print(f"Report: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
