"""The benchmark still works: every scenario at tiny sizes (seconds), no performance goals.

The goals themselves (ratios to the floors) are checked by ``make bench`` on a quiet
machine; here a smoke run must produce every scenario with a numeric figure, floor and
ratio, and the reports (chart, README section) must be made from the results.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks import chart, run
from benchmarks.harness import _SingerCounter
from benchmarks.scenarios import SMOKE, Row

SCENARIOS = {"1", "2", "2b", "3a", "3b", "4", "5", "6", "7"}  # 7: benchmarks/analytics_scenario.py


def test_smoke_run_produces_every_scenario(tmp_path: Path) -> None:
    assert run.main(["--smoke", "--out", str(tmp_path), "--no-markdown"]) == 0
    result = json.loads((tmp_path / "results.json").read_text())
    rows = {row["id"]: row for row in result["rows"]}
    assert set(rows) == SCENARIOS
    for row in rows.values():
        for name in ("figure", "floor", "ratio"):
            value = row[name]
            assert isinstance(value, int | float) and not isinstance(value, bool), (row, name)
            assert math.isfinite(value) and value > 0, (row["id"], name, value)
        assert row["ratio"] == round(row["figure"] / row["floor"], 3) or \
            abs(row["ratio"] - row["figure"] / row["floor"]) < 0.01
    assert rows["4"]["details"]["calls_equal_minimum"] is True
    calls = rows["2"]["details"]["calls"]
    assert calls["tap_order_search"] == calls["floor_order_search"]


def test_finance_scenario_makes_the_minimum_calls_concurrently(tmp_path: Path) -> None:
    """Scenario 6 at small sizes: every statement and transaction read, with the fewest
    calls (statement pages, and one per page of each statement's transactions), several
    transaction calls in flight at once."""
    assert run.main(["--smoke", "--only", "finance", "--out", str(tmp_path),
                     "--no-markdown"]) == 0
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    d = row["details"]
    statements = SMOKE.finance_shops * SMOKE.finance_statements
    assert d["records"] == {"statements": statements,
                            "statement_transactions": statements * SMOKE.finance_transactions}
    per_statement = -(-SMOKE.finance_transactions // 100)  # pages of at most 100
    assert d["minimum"]["transaction_calls"] == statements * per_statement
    assert d["calls"]["transaction_calls"] == d["minimum"]["transaction_calls"]
    # statements are paged through one query's tokens (their times never change)
    assert d["calls"]["statement_pages"] == d["minimum"]["statement_pages"]
    assert d["rate_limited_429"] == 0
    assert d["peak_transaction_calls_in_flight"] >= 2


def test_singer_counter_counts_records_per_stream_across_chunks() -> None:
    lines = (b'{"type":"SCHEMA","stream":"a"}\n{"type":"RECORD","stream":"a","record":{}}\n'
             b'{"type":"RECORD","stream":"bb","record":{}}\n{"type":"STATE","value":{"x":1}}\n')
    counter = _SingerCounter()
    for i in range(0, len(lines), 7):
        counter.feed(lines[i:i + 7])
    assert counter.records == {"a": 1, "bb": 1}
    assert counter.lines == 4
    assert counter.state() == {"x": 1}


def test_chart_and_readme_section_come_from_the_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [Row("1", "Products sync, 3 shops", 43.0, 39.1, "s", 1.3),
            Row("2", "Orders backfill CPU", 32.0, 14.0, "CPU s", 2.0),
            Row("5", "Incremental run", 69, 66, "calls", None)]
    svg = chart.ratio_chart(rows, "caption <&>")
    root = ET.fromstring(svg)  # well-formed, text escaped
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"1.10x", "2.29x", "1.05x"} <= set(texts)
    assert chart.OVER in svg  # scenario 2 is over its goal
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{run.README_START}\nold table\n{run.README_END}\nafter\n")
    monkeypatch.setattr(run, "README", readme)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "RESULTS_MD", tmp_path / "RESULTS.md")
    monkeypatch.setattr(run, "CHART_SVG", tmp_path / "ratios.svg")
    monkeypatch.setattr(run, "extra_lines", lambda rows: ["- the figures behind"])
    env = {"cpus": 2, "python": "3.11", "date": "2026-11-25T00:00:00Z"}
    assert len(run.write_reports(rows, env, 300.0)) == 3
    text = readme.read_text()
    assert "old table" not in text and text.startswith("# x\n\nbefore\n")
    assert text.endswith(f"{run.README_END}\nafter\n")
    assert "| 2 | Orders backfill CPU | 32.0 s CPU | 14.0 s CPU | 2.29x | <= 2x | NO |" in text
    assert "![Ratios of the latest run](ratios.svg)" in text and "- the figures behind" in text
    assert (tmp_path / "RESULTS.md").read_text().startswith("# Benchmark results\n")
    ET.fromstring((tmp_path / "ratios.svg").read_text())
