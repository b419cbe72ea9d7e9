"""``python -m benchmarks.sandbox_server ARGS``: tiktokshop-sandbox for the benchmarks.

The same command line, server and answers as ``tiktokshop-sandbox``, with one change in
how the emulator finds search results. The emulator filters and sorts a whole table for
every new query: 0.3-0.5 s per query at 100,000 orders, paid on every page by a client
that seeks by ``update_time`` (a new query per page), so the orders scenarios would
measure the emulator's sort and take 15 minutes. Here each table is sorted once per
table version, a time range on the sort column is cut out of that list by bisection
(like a database index), and the other filters are applied to the slice. Cutting and
filtering a sorted list keeps its order, so every answer is the same as the emulator's
(``tests/bench/test_bench_smoke.py`` compares both on random queries).
"""

from __future__ import annotations

import bisect
import sys
import threading
from collections.abc import Callable, Iterable

from tiktokshop.sandbox import handlers_orders, handlers_products, query
from tiktokshop.sandbox.cli import main as sandbox_main
from tiktokshop.sandbox.gen_common import Columns

ORIGINAL_BUILD_ROWS = query.build_rows
ORIGINAL_TIME_RANGE = query.time_range
_FAR = 1 << 62


class RangePredicate:
    """``low <= values[i] < high`` (or ``<= high``), as ``query.time_range`` builds it."""

    __slots__ = ("high", "inclusive", "low", "values")

    def __init__(self, values: list[int], low: int, high: int, inclusive: bool) -> None:
        self.values, self.low, self.high, self.inclusive = values, low, high, inclusive

    def __call__(self, i: int) -> bool:
        value = self.values[i]
        if self.inclusive:
            return self.low <= value <= self.high
        return self.low <= value < self.high


def indexed_time_range(values: list[int], low: int | None, high: int | None, *,
                       high_inclusive: bool) -> RangePredicate | None:
    """``query.time_range`` as an inspectable predicate (same truth values)."""
    if low is None and high is None:
        return None
    return RangePredicate(values, low if low is not None else -_FAR,
                          high if high is not None else _FAR, high_inclusive)


_sorted_cache: dict[tuple[int, int, bool], tuple[int, query.Rows]] = {}
_lock = threading.Lock()


def _bounds(rows: query.Rows, pred: RangePredicate, desc: bool) -> tuple[int, int]:
    """Positions ``[start, end)`` of the rows whose sort value is in the predicate's range."""
    top = pred.high + 1 if pred.inclusive else pred.high  # first value out of range
    keys = rows.keys
    if desc:  # keys are (-value, -id) ascending
        return bisect.bisect_left(keys, (-top + 1,)), bisect.bisect_left(keys, (-pred.low + 1,))
    return bisect.bisect_left(keys, (pred.low,)), bisect.bisect_left(keys, (top,))


def presorted_build_rows(
    cols: Columns, predicates: Iterable[Callable[[int], bool]], sort_values: list[int],
    desc: bool,
) -> query.Rows:
    """``query.build_rows`` with the sort done once per table version."""
    key = (id(cols), id(sort_values), desc)
    with _lock:
        hit = _sorted_cache.get(key)
        if hit is None or hit[0] != cols.version:
            hit = (cols.version, ORIGINAL_BUILD_ROWS(cols, (), sort_values, desc))
            _sorted_cache[key] = hit
    full = hit[1]
    active = list(predicates)
    start, end = 0, len(full.idxs)
    for pred in active:
        if isinstance(pred, RangePredicate) and pred.values is sort_values:
            start, end = _bounds(full, pred, desc)
            active.remove(pred)
            break
    keys, idxs = full.keys[start:end], full.idxs[start:end]
    if not active:
        return query.Rows(keys, idxs)
    keep = [n for n, i in enumerate(idxs) if all(p(i) for p in active)]
    return query.Rows([keys[n] for n in keep], [idxs[n] for n in keep])


def install() -> None:
    """Use the indexed search in this process."""
    query.time_range = indexed_time_range
    handlers_orders.time_range = indexed_time_range
    handlers_products.time_range = indexed_time_range
    query.build_rows = presorted_build_rows


def main(argv: list[str] | None = None) -> int:
    install()
    return sandbox_main(argv)


if __name__ == "__main__":
    sys.exit(main())
