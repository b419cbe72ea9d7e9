"""The benchmark still works: every scenario at tiny sizes (seconds), no performance goals.

The goals themselves (ratios to the floors) are checked by ``make bench`` on a quiet
machine; here a smoke run must produce every scenario with a numeric figure, floor and
ratio, and the benchmark's sandbox must answer exactly like the emulator.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from benchmarks import run
from benchmarks.harness import _SingerCounter
from benchmarks.sandbox_server import (
    ORIGINAL_BUILD_ROWS,
    ORIGINAL_TIME_RANGE,
    indexed_time_range,
    presorted_build_rows,
)
from tiktokshop.sandbox import SandboxOptions
from tiktokshop.sandbox.dataset import Dataset

SCENARIOS = {"1", "2", "3a", "3b", "4", "5"}


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


def test_indexed_search_answers_like_the_emulator() -> None:
    dataset = Dataset(SandboxOptions(seed=3, shops=1, products=300, orders=2_000))
    shop = dataset.shops[0]
    rng = random.Random(7)
    for cols in (dataset.orders[shop.id], dataset.products[shop.id]):
        times = sorted(set(cols.update))
        for _ in range(60):
            low = rng.choice([None, *rng.sample(times, 3)])
            high = rng.choice([None, *rng.sample(times, 3)])
            inclusive = rng.random() < 0.5
            desc = rng.random() < 0.5
            sort_values = rng.choice([cols.update, cols.create])
            status = rng.choice(cols.status)
            extra = [lambda i, s=status, c=cols: c.status[i] == s] if rng.random() < 0.3 else []
            original = [p for p in (ORIGINAL_TIME_RANGE(cols.update, low, high,
                                                         high_inclusive=inclusive),) if p]
            indexed = [p for p in (indexed_time_range(cols.update, low, high,
                                                      high_inclusive=inclusive),) if p]
            want = ORIGINAL_BUILD_ROWS(cols, original + extra, sort_values, desc)
            got = presorted_build_rows(cols, indexed + extra, sort_values, desc)
            assert (got.keys, got.idxs) == (want.keys, want.idxs)
        cols.update[0] += 1  # a write: the sorted copy must be rebuilt
        cols.version += 1
        want = ORIGINAL_BUILD_ROWS(cols, [], cols.update, False)
        got = presorted_build_rows(cols, [], cols.update, False)
        assert (got.keys, got.idxs) == (want.keys, want.idxs)


def test_singer_counter_counts_records_per_stream_across_chunks() -> None:
    lines = (b'{"type":"SCHEMA","stream":"a"}\n{"type":"RECORD","stream":"a","record":{}}\n'
             b'{"type":"RECORD","stream":"bb","record":{}}\n{"type":"STATE","value":{"x":1}}\n')
    counter = _SingerCounter()
    for i in range(0, len(lines), 7):
        counter.feed(lines[i:i + 7])
    assert counter.records == {"a": 1, "bb": 1}
    assert counter.lines == 4
    assert counter.state() == {"x": 1}
