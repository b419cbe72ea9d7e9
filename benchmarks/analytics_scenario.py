"""Scenario 7: a year of daily product performance for 2 shops at the analytics rate limit.

The analytics endpoints are far slower than the rest at TikTok (the reference suggests
starting around 0.2-1 request/s), so a backfill is bound by the rate limit: the tap asks
one day at a time (every page of it), each shop at the analytics rate, shops in parallel.
The floor is the fewest calls (per shop: the pages of every day in the window, one even for
a day with no rows) at that rate, the slower shop setting the pace. The sandbox enforces
the same rate (a 429 would cost a Retry-After); the run must make exactly the minimum
calls and print progress lines with the days done and the time left while it runs.

The rate is 10 requests/s on both sides (not TikTok's 1/s) so a year takes under a minute.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from benchmarks.harness import all_calls, ok_calls
from benchmarks.scenarios import SMOKE, Bench, Row

PRODUCT_PERFORMANCE = "/shop_products/performance"
PAGE = 100  # the tap's page size (the documented maximum)
#: A progress line of the stream, with the days done and the time left.
PROGRESS = re.compile(r"product_performance_daily shop \d+: [\d,]+ records, ([\d,]+) of "
                      r"([\d,]+) days \(([\d.]+)%\).*about (.+) left")


@dataclass(frozen=True)
class AnalyticsSizes:
    """Scenario 7's data and API conditions."""

    shops: int = 2
    days: int = 365
    products: int = 110  # per shop: each day fits one page of 100
    orders: int = 40_000
    qps: float = 10.0
    latency_ms: int = 50
    progress_seconds: int = 5


FULL = AnalyticsSizes()
SMOKE_SIZES = AnalyticsSizes(days=40, products=30, orders=400, qps=20.0, latency_ms=5,
                             progress_seconds=1)


def minimum_calls(rows: list[dict[str, Any]], shops: list[str], first: date,
                  days: int) -> dict[str, int]:
    """Per shop, the fewest calls that read every product row of the window: the pages of
    each day (one for a day without rows)."""
    per_day = Counter((str(row["shop_id"]), row["date"]) for row in rows)
    window = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return {shop: sum(max(1, math.ceil(per_day[shop, day] / PAGE)) for day in window)
            for shop in shops}


def analytics_backfill(bench: Bench) -> list[Row]:
    """Scenario 7: the year of product performance, wall time against the rate floor."""
    s = SMOKE_SIZES if bench.sizes == SMOKE else FULL
    sandbox = bench.sandbox("analytics", seed=7, shops=s.shops, products=s.products,
                            orders=s.orders, latency_ms=s.latency_ms, analytics_days=s.days,
                            analytics_rate_limit_qps=s.qps)
    try:
        calendar = sandbox.admin("GET", "/sandbox/analytics")
        latest = date.fromisoformat(calendar["latest_available_date"])
        first = latest - timedelta(days=s.days - 1)
        rows = sandbox.dataset("product_performance_daily")["product_performance_daily"]
        shops = [str(shop_id) for shop_id in sandbox.config()["shop_ids"]]
        needed = minimum_calls(rows, shops, first, s.days)
        floor = max(needed.values()) / s.qps
        config = {k: v for k, v in bench.connector_config(sandbox, "analytics").items()
                  if k != "api_version"}  # the default: the analytics endpoints' newest
        config.update(analytics_start_date=first.isoformat(), rate_limit_qps_analytics=s.qps,
                      progress_interval_seconds=s.progress_seconds)
        sandbox.reset_stats()
        bench.log(f"  tap: product_performance_daily, {s.days} days x {s.shops} shops")
        run = bench.tap.run("analytics", config, {"product_performance_daily"})
        stats = sandbox.stats()
    finally:
        sandbox.stop()
    if run.records["product_performance_daily"] != len(rows):
        raise RuntimeError(f"product_performance_daily: {run.records['product_performance_daily']}"
                           f" records, expected {len(rows)}")
    stderr = (bench.workdir / "tap-analytics.stderr").read_text(encoding="utf-8", errors="replace")
    progress = [match.group(0) for match in PROGRESS.finditer(stderr)]
    made = ok_calls(stats, PRODUCT_PERFORMANCE)
    minimum = sum(needed.values())
    return [Row(
        "7", f"Analytics backfill, {s.shops} shops x {s.days} days of product performance, "
        f"latency {s.latency_ms} ms, {s.qps:g} req/s (analytics limit)", run.wall, floor,
        "s wall", 1.3,
        details={
            "records": dict(run.records), "cpu_seconds": round(run.cpu, 2),
            "calls": {"made": made, "minimum": minimum, "per_shop_minimum": needed,
                      "all_analytics": all_calls(stats, "/analytics/")},
            "calls_equal_minimum": made == minimum,
            "rate_limited_429": sum(o.get("36009002", 0) for o in stats.values()),
            "progress_lines_with_eta": len(progress),
            "first_progress_line": progress[0] if progress else None,
            "floor_formula": "max over shops of (sum over days of pages) / analytics qps"},
        note="floor: per shop, one call per page of each day at the analytics rate limit, "
             "shops in parallel")]
