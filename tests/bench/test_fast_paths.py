"""The optimised per-record code gives exactly what the straightforward code gave.

References: the SDK's root-level type conformance, ``datetime.strftime`` and the walk
``add_iso_times`` used before it was optimised.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_tiktokshop.drift import DriftReporter
from tap_tiktokshop.enrichment import DURATION_FIELDS, add_iso_times, iso_utc
from tap_tiktokshop.stream_base import exclusive_boolean_fields

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
