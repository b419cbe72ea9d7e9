"""Seek paging over ascending searches, and product window splitting."""

from __future__ import annotations

import itertools
import logging
import random

import pytest

from tap_tiktokshop.paging import (
    Page,
    WalkStats,
    WindowTooLarge,
    iter_ascending,
    windows_under_cap,
)
from tiktokshop.errors import FatalAPIError


def server(records: list[dict], page_size: int):
    """Offset-token search over [ge, lt), sorted ascending by (update_time, id)."""
    calls = []

    def fetch(ge: int, lt: int, token: str | None) -> Page:
        calls.append((ge, lt, token))
        rows = sorted((r for r in records if ge <= r["update_time"] < lt),
                      key=lambda r: (r["update_time"], r["id"]))
        offset = int(token) if token else 0
        chunk = rows[offset:offset + page_size]
        more = offset + page_size < len(rows)
        return Page([dict(r) for r in chunk], str(offset + page_size) if more else "", len(rows))

    return fetch, calls


def test_same_second_ties_are_neither_lost_nor_repeated() -> None:
    rng = random.Random(4)
    records = [{"id": f"{i:04d}", "update_time": 100 + rng.randrange(30)} for i in range(500)]
    fetch, calls = server(records, page_size=7)
    stats = WalkStats()
    out = list(iter_ascending(fetch, 0, 1000, stats=stats))
    assert sorted(r["id"] for r in out) == sorted(r["id"] for r in records)
    assert [r["update_time"] for r in out] == sorted(r["update_time"] for r in out)
    assert len(calls) < 500 / 7 * 1.6


def test_more_records_in_one_second_than_a_page() -> None:
    records = [{"id": f"{i:03d}", "update_time": 50} for i in range(25)]
    records += [{"id": "z", "update_time": 51}]
    fetch, _ = server(records, page_size=10)
    out = list(iter_ascending(fetch, 0, 100))
    assert len(out) == 26 and len({r["id"] for r in out}) == 26


def test_records_changed_after_the_sync_started_are_deferred() -> None:
    def fetch(ge: int, lt: int, token: str | None) -> Page:
        return Page([{"id": "a", "update_time": 10}, {"id": "b", "update_time": 999},
                     {"id": "c", "update_time": 11}], "")

    stats = WalkStats()
    out = list(iter_ascending(fetch, 0, 100, stats=stats))
    assert [r["id"] for r in out] == ["a", "c"] and stats.deferred == 1


def test_repeated_page_token_stops_with_a_clear_error() -> None:
    def fetch(ge: int, lt: int, token: str | None) -> Page:
        return Page([{"id": "a", "update_time": 5}], "same")

    with pytest.raises(FatalAPIError, match="page token"):
        list(iter_ascending(fetch, 5, 10))


def test_windows_are_split_until_under_the_cap() -> None:
    times = list(range(0, 1000)) * 3

    def read(a: int, b: int) -> list[dict]:
        rows = [{"update_time": t} for t in times if a <= t <= b]
        if len(rows) > 500:
            raise WindowTooLarge(len(rows))
        return rows

    windows = list(windows_under_cap(read, 0, 999, logging.getLogger("t")))
    assert windows[0][0] == 0 and windows[-1][1] == 999
    for (_, b, _), (a2, _, _) in itertools.pairwise(windows):
        assert a2 == b + 1
    assert sum(len(rows) for _, _, rows in windows) == 3000


def test_an_unsplittable_second_is_a_clear_error() -> None:
    def read(a: int, b: int) -> list[dict]:
        raise WindowTooLarge(20_000)

    with pytest.raises(FatalAPIError, match="same second"):
        list(windows_under_cap(read, 7, 7, logging.getLogger("t")))
