"""The optimised per-record code gives exactly what the straightforward code gave.

References: the SDK's root-level type conformance, ``datetime.strftime``, and the
first versions of the walk ``add_iso_times``, the search walk ``iter_ascending`` and
``add_money_values``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_tiktokshop.drift import DriftReporter
from tap_tiktokshop.enrichment import DURATION_FIELDS, add_iso_times, iso_utc
from tap_tiktokshop.money import add_money_values, money_plan, to_decimal
from tap_tiktokshop.paging import (
    MAX_IDLE_PAGES,
    RECENT_RECORDS,
    Page,
    WalkStats,
    _order_key,
    iter_ascending,
)
from tap_tiktokshop.stream_base import exclusive_boolean_fields
from tiktokshop.errors import FatalAPIError

LOGGER = logging.getLogger("test")


def reference_iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def reference_add_iso_times(value: Any) -> Any:
    """``add_iso_times`` as first written (isinstance checks, one strftime per value)."""
    if isinstance(value, dict):
        extra = {}
        for key, item in value.items():
            if isinstance(item, dict | list):
                reference_add_iso_times(item)
            elif (key.endswith("_time") and type(item) is int and item > 0
                  and key not in DURATION_FIELDS):
                extra[key + "_iso"] = reference_iso(item)
        value.update(extra)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                reference_add_iso_times(item)
    return value


@given(st.integers(min_value=1, max_value=253_402_300_799))  # up to 9999-12-31T23:59:59
def test_iso_utc_matches_strftime(seconds: int) -> None:
    assert iso_utc(seconds) == reference_iso(seconds)


KEYS = st.sampled_from(["update_time", "create_time", "handling_time", "paid_time", "id",
                        "name", "x_time_iso", "line_items", "time", "skus", "a", "b", "c",
                        "rts_time", "d", "e"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 2_000_000_000),
                    st.floats(allow_nan=False), st.text(max_size=3))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=12)), max_leaves=40)


@settings(max_examples=400)
@given(TREES)
def test_add_iso_times_matches_the_reference(tree: Any) -> None:
    for _ in range(2):  # the second time through, object shapes come from the cache
        expected = reference_add_iso_times(copy.deepcopy(tree))
        got = add_iso_times(copy.deepcopy(tree))
        assert got == expected
        assert repr(got) == repr(expected)  # same key order too


class Sub(dict):
    pass


def test_add_iso_times_on_wide_objects_and_subclasses() -> None:
    wide = {f"k{n}": n for n in range(10)}
    tree = {**wide, "update_time": 1_700_000_000, "flag_time": True, "x": Sub(wide, a_time=5),
            "lst": [Sub(b_time=7), [{"c_time": 9}], "s"], "none_time": None}
    for _ in range(2):
        expected = reference_add_iso_times(copy.deepcopy(tree))
        got = add_iso_times(copy.deepcopy(tree))
        assert repr(got) == repr(expected)
    assert got["update_time_iso"] == "2023-11-14T22:13:20Z"
    assert "flag_time_iso" not in got and got["x"]["a_time_iso"].endswith("00:00:05Z")


BOOL_SCHEMA = {"type": "object", "properties": {
    "flag": {"type": ["boolean", "null"]}, "strict": {"type": "boolean"},
    "either": {"type": ["boolean", "string", "null"]}, "n": {"type": ["integer", "null"]},
    "obj": {"type": ["object", "null"], "properties": {"inner": {"type": ["boolean", "null"]}}},
    "arr": {"type": ["array", "null"], "items": {"type": ["boolean", "null"]}},
}}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=2),
                   st.just({"inner": 1}), st.just([0, 1]))


@given(st.dictionaries(st.sampled_from(list(BOOL_SCHEMA["properties"])), VALUES))
def test_conform_matches_the_sdk_root_only_conformance(record: dict[str, Any]) -> None:
    from tap_tiktokshop.stream_base import TikTokShopStream

    expected = conform_record_data_types("s", dict(record), BOOL_SCHEMA,
                                         TypeConformanceLevel.ROOT_ONLY, LOGGER)

    class Probe:
        _booleans = exclusive_boolean_fields(BOOL_SCHEMA)

    got = TikTokShopStream.conform(Probe(), dict(record))  # type: ignore[arg-type]
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def test_boolean_fields_of_the_real_schemas() -> None:
    orders = json.loads(resources.files("tap_tiktokshop.schemas").joinpath(
        "orders.json").read_text())
    fields = exclusive_boolean_fields(orders)
    assert "is_cod" in fields and "id" not in fields


def test_drift_check_still_drops_unknown_top_level_fields(caplog) -> None:
    schema = {"properties": {"id": {"type": "string"}, "obj": {
        "type": "object", "properties": {"a": {"type": "string"}}}}}
    reporter = DriftReporter("s", schema, LOGGER)
    record = {"id": "1", "new": 2, "obj": {"a": "x", "b": 1}}
    with caplog.at_level(logging.WARNING):
        assert reporter.check(record) == {"id": "1", "obj": {"a": "x", "b": 1}}
        assert reporter.check({"id": "2"}) == {"id": "2"}
    assert "'new'" in caplog.text and "'obj.b'" in caplog.text


def reference_walk(fetch: Any, start: int, end: int, stats: WalkStats) -> Iterator[dict]:
    """``iter_ascending`` as first written: every yielded (id, time) pair in one bounded
    insertion-ordered dict, looked up for every record."""
    cursor, at_cursor, recent = start, set(), {}
    token, tokens_seen, idle = None, set(), 0
    while cursor < end:
        page = fetch(cursor, end, token)
        stats.pages += 1
        progressed, fresh = False, 0
        for record in sorted(page.items, key=lambda r: _order_key(r, "update_time", "id")):
            value = record.get("update_time")
            if not isinstance(value, int) or value >= end or value < start:
                stats.deferred += 1
                continue
            record_id = str(record.get("id"))
            seen = (record_id, value)
            if (value == cursor and record_id in at_cursor) or seen in recent:
                stats.repeated += 1
                continue
            if value > cursor:
                cursor, at_cursor, progressed = value, set(), True
            elif value < cursor:
                stats.late += 1
            if value == cursor:
                at_cursor.add(record_id)
            recent[seen] = None
            if len(recent) > RECENT_RECORDS:
                del recent[next(iter(recent))]
            fresh += 1
            stats.emitted += 1
            yield record
        if not page.next_token:
            return
        idle = 0 if fresh else idle + 1
        if idle >= MAX_IDLE_PAGES:
            raise FatalAPIError(code=None, message="idle", endpoint="search")
        if progressed:
            token, tokens_seen = None, set()
            continue
        if page.next_token in tokens_seen:
            raise FatalAPIError(code=None, message="token", endpoint="search")
        tokens_seen.add(page.next_token)
        token = page.next_token


RECORDS = st.fixed_dictionaries({"id": st.sampled_from("abcdefgh"),
                                 "update_time": st.one_of(st.integers(95, 130),
                                                          st.just("x"), st.none())})
PAGES = st.lists(st.lists(RECORDS, max_size=8), min_size=1, max_size=25)


def _outcome(walk: Iterator[dict]) -> tuple[list[tuple], str | None]:
    got: list[tuple] = []
    try:
        for record in walk:
            got.append((record["id"], record["update_time"]))
    except FatalAPIError as exc:
        return got, type(exc).__name__
    return got, None


@settings(max_examples=400)
@given(PAGES, st.booleans())
def test_walk_matches_the_reference_on_a_misbehaving_search(pages: list[list[dict]],
                                                           repeat_tokens: bool) -> None:
    """Pages out of order, repeated records, late records, records outside the window,
    short and empty pages: the same records in the same order, the same counts."""
    def server() -> Any:
        served = iter(range(len(pages)))

        def fetch(ge: int, lt: int, token: str | None) -> Page:
            n = next(served, len(pages) - 1)
            last = n == len(pages) - 1
            next_token = "" if last else ("same" if repeat_tokens else f"t{n}")
            return Page([dict(r) for r in pages[n]], next_token)

        return fetch

    stats, expected_stats = WalkStats(), WalkStats()
    got = _outcome(iter_ascending(server(), 100, 125, stats=stats))
    expected = _outcome(reference_walk(server(), 100, 125, expected_stats))
    assert got == expected
    assert stats == expected_stats


def reference_add_money_values(row: dict[str, Any], plan: Any) -> dict[str, Any]:
    """``add_money_values`` as first written: every pair of the plan, one conversion each."""
    for name, sibling, key in plan:
        value = row.get(name)
        if value is None:
            continue
        if key:
            value = value.get(key) if value.__class__ is dict else None
        row[sibling] = to_decimal(value)
    return row


AMOUNTS = st.one_of(st.sampled_from(["0.00", "1.5", "-12.34", "abc", "", "NaN", "1e999",
                                     "3.99", "Infinity", " 2 "]),
                    st.none(), st.integers(), st.decimals(allow_nan=False).map(str))


@settings(max_examples=300)
@given(st.data())
def test_money_values_match_the_reference(data: st.DataObject) -> None:
    """Rows of any shape (amounts missing, null, malformed, money objects, other keys in
    between), converted twice so shapes and amounts come from the caches too."""
    for stream in ("statement_transactions", "payments"):
        plan = money_plan(json.loads(resources.files("tap_tiktokshop.schemas").joinpath(
            f"{stream}.json").read_text()))
        names = data.draw(st.lists(st.sampled_from([name for name, _, _ in plan] + ["id"]),
                                   unique=True, max_size=12))
        row: dict[str, Any] = {}
        for name in names:
            key = next((k for n, _, k in plan if n == name), "")
            amount = data.draw(AMOUNTS)
            row[name] = {key: amount, "currency": "GBP"} if key and data.draw(
                st.booleans()) else amount
        for _ in range(2):
            got = add_money_values(copy.deepcopy(row), plan)
            expected = reference_add_money_values(copy.deepcopy(row), plan)
            assert got == expected
            assert list(got) == list(expected)  # siblings in the same order
