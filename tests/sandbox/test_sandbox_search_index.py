"""The sandbox's sorted search index answers exactly like filtering and sorting every row."""

from __future__ import annotations

import random
import time

from tiktokshop_sandbox import SandboxOptions
from tiktokshop_sandbox.dataset import Dataset
from tiktokshop_sandbox.gen_common import Columns
from tiktokshop_sandbox.query import Rows, build_rows, time_range


def reference(cols: Columns, predicates: list, sort_values: list[int], desc: bool) -> Rows:
    """Filter every row, then sort by (value, id), negated when descending: the spec."""
    rows = [i for i in range(len(cols)) if all(p(i) for p in predicates)]
    sign = -1 if desc else 1
    rows.sort(key=lambda i: (sign * sort_values[i], sign * cols.id_ints[i]))
    return Rows([(sign * sort_values[i], sign * cols.id_ints[i]) for i in rows], rows)


def test_random_queries_match_a_full_filter_and_sort() -> None:
    dataset = Dataset(SandboxOptions(seed=3, shops=1, products=300, orders=2_000))
    shop = dataset.shops[0]
    rng = random.Random(7)
    for cols in (dataset.orders[shop.id], dataset.products[shop.id]):
        times = sorted(set(cols.update) | set(cols.create))
        for _ in range(80):
            column = rng.choice([cols.update, cols.create])
            sort_values = rng.choice([cols.update, cols.create])
            low = rng.choice([None, *rng.sample(times, 3)])
            high = rng.choice([None, *rng.sample(times, 3)])
            ranged = time_range(column, low, high, high_inclusive=rng.random() < 0.5)
            predicates = [ranged] if ranged else []
            if rng.random() < 0.3:
                status = rng.choice(cols.status)
                predicates.append(lambda i, s=status, c=cols: c.status[i] == s)
            desc = rng.random() < 0.5
            got = build_rows(cols, predicates, sort_values, desc)
            want = reference(cols, predicates, sort_values, desc)
            assert (got.keys, got.idxs) == (want.keys, want.idxs)


def test_the_index_is_rebuilt_after_a_write() -> None:
    dataset = Dataset(SandboxOptions(seed=4, shops=1, products=50, orders=300))
    cols = dataset.orders[dataset.shops[0].id]
    build_rows(cols, [], cols.update, False)
    newest = max(cols.update)
    cols.update[0] = newest + 10  # what a write does: change the column, bump the version
    cols.version += 1
    window = time_range(cols.update, newest + 1, None, high_inclusive=False)
    assert build_rows(cols, [window], cols.update, False).idxs == [0]
    assert build_rows(cols, [], cols.update, True).idxs[0] == 0


def test_a_time_window_on_a_large_table_is_not_a_full_sort() -> None:
    """Seeking by update_time makes a new query per page; at 100,000 orders each must not
    cost a full sort (what made the benchmark's orders scenarios take 15 minutes)."""
    dataset = Dataset(SandboxOptions(seed=5, shops=1, products=10, orders=100_000))
    cols = dataset.orders[dataset.shops[0].id]
    ordered = sorted(cols.update)
    build_rows(cols, [], cols.update, False)  # the index, built once per table version
    started = time.process_time()
    for n in range(50):
        low = ordered[n * 1_000]
        window = time_range(cols.update, low, ordered[-1], high_inclusive=True)
        assert build_rows(cols, [window], cols.update, False).idxs
    per_query = (time.process_time() - started) / 50
    started = time.process_time()
    reference(cols, [], cols.update, False)
    full_sort = time.process_time() - started
    assert per_query < full_sort / 3, (per_query, full_sort)
