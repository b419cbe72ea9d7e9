"""``make bench``: run every scenario, print the table, write JSON and Markdown.

    .venv/bin/python -m benchmarks.run                 # full run (a few minutes)
    .venv/bin/python -m benchmarks.run --smoke         # tiny sizes, seconds (CI)
    .venv/bin/python -m benchmarks.run --only orders   # some scenario groups

Results: ``bench-results/results.json`` (machine-readable) and, for a full run of every
scenario, ``benchmarks/RESULTS.md`` (the table as Markdown), ``benchmarks/ratios.svg`` (a
chart of the ratios) and the same table in the README's "Latest benchmark" section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.analytics_scenario import analytics_backfill
from benchmarks.chart import ratio_chart
from benchmarks.harness import ROOT
from benchmarks.scenarios import FULL, SCENARIOS, SMOKE, Bench, Row

SCENARIOS = {**SCENARIOS, "analytics": analytics_backfill}  # scenario 7: `--only analytics`

RESULTS_MD = Path(__file__).with_name("RESULTS.md")
CHART_SVG = Path(__file__).with_name("ratios.svg")
README = ROOT / "README.md"
#: The README's copy of the latest results sits between these two lines.
README_START = "<!-- latest-benchmark:start (written by make bench) -->"
README_END = "<!-- latest-benchmark:end -->"
ORDER = ("1", "2", "2b", "3a", "3b", "4", "5", "6", "7")


def _fmt(value: float, unit: str) -> str:
    if unit == "calls":
        return f"{value:,.0f} calls"
    if unit == "MiB":
        return f"{value:,.1f} MiB"
    if unit == "CPU s":
        return f"{value:,.1f} s CPU"
    return f"{value:,.1f} s"


def _goal(row: Row) -> str:
    if row.goal is None:
        return "(reported)"
    return f"<= {row.goal:g}x"


def _met(row: Row) -> str:
    return {True: "yes", False: "NO", None: "-"}[row.met]


def table_lines(rows: list[Row], *, markdown: bool) -> list[str]:
    header = ("#", "scenario", "measured", "floor", "ratio", "goal", "met")
    body = [(row.id, row.title, _fmt(row.figure, row.unit), _fmt(row.floor, row.unit),
             f"{row.ratio:.2f}x", _goal(row), _met(row)) for row in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return lines
    widths = [max(len(str(r[i])) for r in (header, *body)) for i in range(len(header))]
    widths[1] = min(widths[1], 70)
    out = []
    for cells in (header, *body):
        out.append("  ".join(str(c)[:widths[i]].ljust(widths[i]) for i, c in enumerate(cells)))
    return out


def extra_lines(rows: list[Row]) -> list[str]:
    """The figures behind each row, one bullet per row."""
    lines = []
    for row in rows:
        d = row.details
        if row.id == "1":
            calls = d["calls"]
            text = (f"{calls['search']} search + {calls['detail']} detail calls (needed "
                    f"{calls['needed_search']} + {calls['needed_detail']}), "
                    f"{calls['rate_limited_429']} answered 429; tap CPU {d['cpu_seconds']} s")
        elif row.id == "2":
            tap, floor = d["tap"], d["floor"]
            each = d["cpu_seconds_each_run"]
            text = (f"tap {tap['records_per_cpu_second']:,} orders per CPU second "
                    f"({tap['records_per_second']:,}/s wall), floor "
                    f"{floor['records_per_cpu_second']:,}/CPU s; CPU s per run: tap "
                    f"{each['tap']}, floor {each['floor']}; same calls: "
                    f"{d['calls']['tap_order_search']} vs {d['calls']['floor_order_search']} "
                    f"order searches; with order_line_items selected: "
                    f"{d['with_line_items']['cpu_seconds']} s CPU")
        elif row.id == "2b":
            each = d["cpu_seconds_each_run"]
            text = (f"tap {d['tap']['records_per_cpu_second']:,} orders per CPU second, floor "
                    f"{d['floor']['records_per_cpu_second']:,}; CPU s per run: tap "
                    f"{each['tap']}, floor {each['floor']}")
        elif row.id in ("3a", "3b"):
            text = (f"large run {d['large']['cpu_seconds']} s CPU, small run "
                    f"{d['small']['cpu_seconds']} s CPU")
        elif row.id == "4":
            text = (f"{d['write_calls']} Update Inventory calls (grouped minimum "
                    f"{d['grouped_minimum']}); lookups: {d['lookup_calls']['search']} search "
                    f"+ {d['lookup_calls']['detail']} detail; {d['auth_and_shop_calls']} token/"
                    f"shop calls; {d['rate_limited_429']} answered 429")
        elif row.id == "5":
            made, minimum = d["made"], d["minimum"]
            text = ("made " + ", ".join(f"{k} {v}" for k, v in made.items()) + "; minimum "
                    + ", ".join(f"{k} {v}" for k, v in minimum.items())
                    + f"; lookback re-reads {d['lookback_rereads'].get('product_details', 0)}"
                    + f"; {d['auth_and_shop_calls']} token/shop calls apart")
        elif row.id == "6":
            made, minimum = d["calls"], d["minimum"]
            text = (f"{made['statement_pages']} statement pages + {made['transaction_calls']} "
                    f"transaction calls (minimum {minimum['statement_pages']} + "
                    f"{minimum['transaction_calls']}; {d['extra_calls']} extra), "
                    f"{d['rate_limited_429']} answered 429; at most "
                    f"{d['peak_transaction_calls_in_flight']} transaction calls in flight "
                    f"(one at a time would take {d['serial_seconds_per_shop']} s per shop in "
                    f"latency alone); tap CPU {d['cpu_seconds']} s")
        elif row.id == "7":
            calls = d["calls"]
            text = (f"{calls['made']} analytics calls (minimum {calls['minimum']}), "
                    f"{d['rate_limited_429']} answered 429, "
                    f"{d['progress_lines_with_eta']} progress lines with an ETA; "
                    f"tap CPU {d['cpu_seconds']} s")
        else:
            continue
        lines.append(f"- **{row.id}**: {text}. {row.note.capitalize()}.")
    return lines


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "system": platform.system(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def results_markdown(rows: list[Row], env: dict[str, Any], seconds: float) -> list[str]:
    """The latest results as Markdown lines: what ran, the table, the figures behind it."""
    return [
        "Latest `make bench` (`.venv/bin/python -m benchmarks.run`), on "
        f"{env['cpus']} CPUs, Python {env['python']}, {env['date']}, {seconds / 60:.1f} minutes. "
        "Each floor is measured or computed in the same run; ratios compare like with like. "
        "The sandbox runs as a separate process (its CPU is not counted).",
        "",
        *table_lines(rows, markdown=True),
        "",
        *extra_lines(rows),
        "",
        "Floors: (1) the rate limit alone: per shop, the larger of search pages and detail "
        "calls divided by the limit, shops in parallel (each shop and endpoint has its own "
        "limit); (2) a bare script (`benchmarks/floor_orders.py`) making the same calls with "
        "the same signing that only parses each page and dumps each order; (2b) the same "
        "script with `urllib` (`--urllib`), process start included on both sides (bytecode "
        "cached, as an installed program's: `bench-results/pycache`); (3) the same "
        "program on a tenth of the data; (4) one Update Inventory call per product at the "
        "rate limit, shops in parallel; (5) the search pages of the incremental window plus "
        "one detail per changed product; (6) per shop, the statement pages or the "
        "transaction calls (the larger) at the rate limit, plus one latency per call that "
        "waits for another's answer (a statements page, then a statement's transaction "
        "pages), shops in parallel.",
    ]


def write_reports(rows: list[Row], env: dict[str, Any], seconds: float) -> list[Path]:
    """RESULTS.md, the chart, and the README's section; returns the files written."""
    body = results_markdown(rows, env, seconds)
    RESULTS_MD.write_text("\n".join(["# Benchmark results", "", *body, ""]))
    CHART_SVG.write_text(ratio_chart(rows, f"make bench, {env['date']}: measured / floor"))
    written = [RESULTS_MD, CHART_SVG]
    readme = README.read_text(encoding="utf-8")
    if README_START in readme and README_END in readme:
        head, rest = readme.split(README_START, 1)
        tail = rest.split(README_END, 1)[1]
        section = [README_START, "", f"![Ratios of the latest run]({CHART_SVG.relative_to(ROOT)})",
                   "", *body, "", README_END]
        README.write_text(head + "\n".join(section) + tail, encoding="utf-8")
        written.append(README)
    return written


def say(text: str = "") -> None:
    """One line of progress or results on stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS),
                        help="run only these scenario groups")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results",
                        help="folder for results.json and the work files")
    parser.add_argument("--no-markdown", action="store_true",
                        help="do not rewrite RESULTS.md, ratios.svg and the README section")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the work folder (configs, inputs, logs of every process)")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="work-", dir=args.out))
    bench = Bench(workdir, sizes, log=say)
    started = time.perf_counter()
    rows: list[Row] = []
    for name in args.only or list(SCENARIOS):
        say(f"scenario group '{name}'")
        rows.extend(SCENARIOS[name](bench))
    seconds = time.perf_counter() - started
    if not args.keep_work:
        shutil.rmtree(workdir, ignore_errors=True)
    rows.sort(key=lambda row: ORDER.index(row.id) if row.id in ORDER else len(ORDER))
    env = environment()
    result = {"environment": env, "smoke": args.smoke, "seconds": round(seconds, 1),
              "sizes": sizes.__dict__, "rows": [row.as_dict() for row in rows]}
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    say()
    say("\n".join(table_lines(rows, markdown=False)))
    say()
    say("\n".join(extra_lines(rows)))
    say(f"\n{seconds / 60:.1f} minutes; results in {args.out / 'results.json'}")
    if not args.smoke and not args.only and not args.no_markdown:
        written = write_reports(rows, env, seconds)
        say("written: " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
