"""Scenario 7 (the analytics backfill) at tiny sizes: the tap makes exactly the fewest
calls, collects no 429 from the sandbox's analytics limit, and prints progress lines with
the days done and the time left."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from benchmarks.analytics_scenario import PROGRESS, analytics_backfill, minimum_calls
from benchmarks.scenarios import SMOKE, Bench


def test_minimum_calls_count_the_pages_of_every_day() -> None:
    rows = [{"shop_id": "1", "date": "2026-01-01"}] * 101 + [
        {"shop_id": "1", "date": "2026-01-03"}]
    assert minimum_calls(rows, ["1", "2"], date(2026, 1, 1), 3) == {"1": 2 + 1 + 1, "2": 3}


def test_analytics_backfill_at_smoke_size(tmp_path: Path) -> None:
    lines: list[str] = []
    [row] = analytics_backfill(Bench(tmp_path, SMOKE, log=lines.append))
    details = row.details
    assert row.id == "7" and row.figure > 0 and row.floor > 0
    assert details["calls_equal_minimum"] is True, details["calls"]
    assert details["rate_limited_429"] == 0
    assert details["progress_lines_with_eta"] > 0
    assert PROGRESS.search(details["first_progress_line"])
