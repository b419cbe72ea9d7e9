"""Seek paging over ascending searches, and product window splitting."""

from __future__ import annotations

import itertools
import logging
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_key_that_never_changes_is_paged_through_one_query_in_the_fewest_calls() -> None:
    """Creation and statement times never change: one query, followed by its page tokens,
    reads N records in ceil(N / page size) calls; seeking re-reads the last second of each
    page and costs a page more."""
    rng = random.Random(6)
    records = [{"id": f"{i:04d}", "update_time": 100 + rng.randrange(200)} for i in range(300)]
    fetch, calls = server(records, page_size=100)
    out = list(iter_ascending(fetch, 0, 1000, seek=False))
    assert sorted(r["id"] for r in out) == sorted(r["id"] for r in records)
    assert [r["update_time"] for r in out] == sorted(r["update_time"] for r in out)
    assert len(calls) == 3
    assert {ge for ge, _, _ in calls} == {0}  # every token with the query it belongs to
    fetch, calls = server(records, page_size=100)
    assert len(list(iter_ascending(fetch, 0, 1000))) == 300
    assert len(calls) == 4


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


# ---------------------------------------------------------------- a search that misbehaves
class ChaosSearch:
    """Seek-able ascending search over ``records`` that misbehaves like a live one can.

    Per page, drawn from ``rng``: records shuffled inside the page, a record of the
    previous page served again, a short page, an empty page that still carries a new next
    token, a wrong ``total_count``, and a record not yet served moving to a later update
    time (still inside the query's range). Tokens are offsets plus a nonce, so they
    never repeat.
    """

    def __init__(self, records: list[dict], rng: random.Random, page_size: int = 7) -> None:
        self.records, self.rng, self.page_size = records, rng, page_size
        self.previous: list[dict] = []
        self.nonce = itertools.count()

    def __call__(self, ge: int, lt: int, token: str | None) -> Page:
        rng = self.rng
        rows = sorted((r for r in self.records if ge <= r["update_time"] < lt),
                      key=lambda r: (r["update_time"], r["id"]))
        offset = int(token.split(":")[0]) if token else 0
        if rows and rng.random() < 0.15:  # a record ahead of this page changes meanwhile
            ahead = rows[offset + self.page_size:] if offset + self.page_size < len(rows) else []
            if ahead:
                moved = rng.choice(ahead)
                moved["update_time"] = rng.randrange(moved["update_time"], lt)
                rows.sort(key=lambda r: (r["update_time"], r["id"]))
        size = self.page_size
        roll = rng.random()
        if roll < 0.1:
            size = 0  # empty page, next token still given
        elif roll < 0.3:
            size = rng.randrange(1, self.page_size)  # short page
        chunk = [dict(r) for r in rows[offset:offset + size]]
        if self.previous and rng.random() < 0.2:  # the same record on two pages
            chunk.append(dict(rng.choice(self.previous)))
        if rng.random() < 0.5:
            rng.shuffle(chunk)
        self.previous = [r for r in chunk if ge <= r["update_time"] < lt] or self.previous
        more = offset + size < len(rows)
        token_out = f"{offset + size}:{next(self.nonce)}" if more else ""
        total = len(rows) + rng.choice((0, 0, -3, 250))  # sometimes wrong
        return Page(chunk, token_out, total)


def simulated_run(fetch, start: int, end: int, state_every: int, bookmark: int | None = None):
    """The walk as the tap runs it: its messages, ``("record", id, time)`` or
    ``("state", bookmark)``. The bookmark is the stream's: it starts at the resumed
    state's and follows the records' times, never moving backwards."""
    messages = []
    for n, record in enumerate(iter_ascending(fetch, start, end), 1):
        messages.append(("record", record["id"], record["update_time"]))
        value = record["update_time"]
        bookmark = value if bookmark is None else max(bookmark, value)
        if n % state_every == 0:
            messages.append(("state", bookmark))
    messages.append(("state", bookmark))
    return messages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), kill=st.floats(0, 1), lookback=st.sampled_from([0, 5, 40]),
       state_every=st.sampled_from([1, 3, 10]))
def test_a_misbehaving_search_killed_anywhere_loses_nothing(seed, kill, lookback, state_every):
    rng = random.Random(seed)
    start, end = 1_000, 2_000
    records = [{"id": f"r{i:03d}", "update_time": rng.randrange(start - 50, end + 50)}
               for i in range(rng.randrange(0, 120))]
    first = simulated_run(ChaosSearch(records, rng), start, end, state_every)
    bookmarks = [m[1] for m in first if m[0] == "state" and m[1] is not None]
    assert bookmarks == sorted(bookmarks)  # never backwards
    cut = int(kill * len(first))
    before = first[:cut]
    emitted_before = {m[1] for m in before if m[0] == "record"}
    states = [m[1] for m in before if m[0] == "state" and m[1] is not None]
    # no STATE passes a record that had not been written before it (times as of then)
    for position, message in enumerate(first):
        if message[0] == "state" and message[1] is not None:
            written = {m[1] for m in first[:position] if m[0] == "record"}
            passed = {m[1] for m in first[position:] if m[0] == "record" and m[2] < message[1]}
            assert passed <= written
    resume_from = states[-1] - lookback if states else start
    second = simulated_run(ChaosSearch(records, rng), max(start, resume_from), end, state_every,
                           bookmark=states[-1] if states else None)
    emitted_after = [(m[1], m[2]) for m in second if m[0] == "record"]
    # every record whose final update time is inside the window was written at least once
    wanted = {r["id"] for r in records if start <= r["update_time"] < end}
    assert wanted <= emitted_before | {rid for rid, _ in emitted_after}
    # the resumed run re-reads nothing from before the lookback
    assert all(time >= resume_from for _, time in emitted_after)
    later = [m[1] for m in second if m[0] == "state" and m[1] is not None]
    assert all(b >= states[-1] for b in later) if states else True


def test_pages_that_never_progress_stop_with_a_clear_error() -> None:
    tokens = itertools.count()

    def fetch(ge: int, lt: int, token: str | None) -> Page:
        return Page([], f"fresh-token-{next(tokens)}", 10)  # new every time, never any record

    with pytest.raises(FatalAPIError) as caught:
        list(iter_ascending(fetch, 0, 100, endpoint="POST /order/202309/orders/search"))
    assert "pages in a row brought no new record" in str(caught.value)
    assert next(tokens) < 100  # gave up after a bounded number of pages


def test_a_page_out_of_order_is_sorted_and_a_late_record_is_kept() -> None:
    pages = iter([
        Page([{"id": "c", "update_time": 30}, {"id": "a", "update_time": 10},
              {"id": "b", "update_time": 20}], "t1"),
        Page([{"id": "d", "update_time": 40}, {"id": "late", "update_time": 15},
              {"id": "b", "update_time": 20}], ""),
    ])
    stats = WalkStats()
    out = [r["id"] for r in iter_ascending(lambda ge, lt, tok: next(pages), 0, 100,
                                           stats=stats)]
    assert out == ["a", "b", "c", "late", "d"]
    assert stats.late == 1 and stats.repeated == 1
