"""Bad input to the target: property-based, against the sandbox, in-process.

Hypothesis (derandomized, bounded, no deadline) mixes valid changes with malformed and
hostile records: wrong types, huge and non-finite numbers, negative quantities, unknown
SKUs, lone surrogates and other unicode, missing keys, shops the token cannot use,
path-changing ids, nested garbage, records that are not objects. Whatever the mix, the
target never crashes, every record gets exactly one results line, every hostile record
fails with a reason, and every valid record is applied (the sandbox holds its value) or
reported unchanged/superseded. Two subprocess runs check the real process: hostile
records end in one error line (exit 1), a corrupt input line in one line naming it (exit 2).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from target_tiktokshop.target import TargetTikTokShop
from tests.support.reliability_kit import (
    FULL,
    assert_one_error_line,
    lines,
    product_view,
    read_results,
    record_figures,
    run,
    sandbox,
    write_json,
)
from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.target_kit import run_inprocess, schema
from tiktokshop.errors import TikTokShopError
from tiktokshop_sandbox import Sandbox

EXAMPLES = 60 if not FULL else 600
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
STATS = {"examples": 0, "records": 0, "hostile": 0, "valid": 0, "applied": 0}
KINDS: dict[str, int] = {}
SCHEMAS = [schema(s) for s in ("inventory", "prices", "products")]


@pytest.fixture
def quiet() -> Iterator[None]:
    """No log records while hypothesis runs hundreds of targets (pytest keeps them all)."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One sandbox for the module, what the strategies draw from, and a target config."""
    with sandbox(seed=50, shops=2, products=20, orders=0) as sb:
        data = sb.dataset.dump()
        live = sorted((p for p in data["products"] if p["status"] == "ACTIVATE"),
                      key=lambda p: p["id"])
        status_products = live[-4:]  # status and title changes only touch these
        writable = live[:-4]
        slots = [(p["shop_id"], p["id"], sku["id"], stock["warehouse_id"])
                 for p in writable for sku in p["skus"] for stock in sku["inventory"]]
        skus = [(p["shop_id"], p["id"], sku["id"], sku["price"]["currency"])
                for p in writable for sku in p["skus"]]
        results = tmp_path_factory.mktemp("hostile") / "results.jsonl"
        # valid prices are drawn at random: no max_price_change_percent (it has its own
        # tests in tests/target/test_guardrails.py)
        config = {**sb.config(), "results_path": str(results), "max_failures": 10**6,
                  "max_price_change_percent": 10**9,
                  "retry_backoff_seconds": 0.01, "max_retries": 2,
                  "token_store_path": str(results.parent / "tokens.json")}
        yield {"sb": sb, "slots": slots, "skus": skus, "status_products": status_products,
               "config": config, "shop": data["shops"][0]["id"],
               "known_skus": {sku["id"] for p in data["products"] for sku in p["skus"]}}


# ---------------------------------------------------------------------- strategies
garbage = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8)
weird_text = st.text(st.characters(codec=None, categories=None), min_size=1, max_size=12)
bad_quantity = st.one_of(
    st.integers(max_value=-1), st.integers(min_value=100_000, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not f.is_integer()
                                                          if f == f and abs(f) != float("inf")
                                                          else True),
    st.sampled_from(["lots", "1e5", "12.5", "-3", "", " ", "١٢", "0x10", "NaN"]),
    st.booleans(), st.lists(st.integers(), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), garbage, min_size=1, max_size=2))
bad_amount = st.one_of(
    st.sampled_from(["0", "-1.00", "1.234", "abc", "", "1e400", "NaN", "Infinity", "1,50"]),
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers(min_value=10**21, max_value=10**40), st.booleans(),
    st.lists(st.integers(), min_size=1, max_size=2))
bad_id = st.one_of(
    st.sampled_from(["../../authorization/202309/shops", "1/2", "1?x=1", "1%2F2", "a b",
                     "1" * 65, "\ud800", "\u202e123"]),
    st.floats(min_value=0.5, max_value=1e6).filter(lambda f: not f.is_integer()),
    st.integers(max_value=-1), st.lists(st.integers(), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), garbage, min_size=1, max_size=2))
title = st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
                max_size=80).filter(lambda s: s.strip())


@st.composite
def valid_record(draw: Any, world: dict[str, Any], used: set) -> tuple[str, dict, None]:
    """A change that must be applied: a distinct SKU, warehouse or product each time."""
    kind = draw(st.sampled_from(["inventory", "inventory", "prices", "products"]))
    extra = draw(st.dictionaries(st.sampled_from(["note", "_sdc_x", "nested", "ignored"]),
                                 garbage, max_size=2))  # unknown fields are ignored
    if kind == "inventory":
        shop, product, sku, warehouse = draw(st.sampled_from(world["slots"]).filter(
            lambda s: ("inv", *s) not in used))
        used.add(("inv", shop, product, sku, warehouse))
        quantity = draw(st.integers(min_value=0, max_value=99_999))
        as_text = draw(st.sampled_from([quantity, str(quantity), float(quantity)]))
        return kind, {**extra, "shop_id": shop, "product_id": int(product)
                      if draw(st.booleans()) else product, "sku_id": sku,
                      "warehouse_id": warehouse, "quantity": as_text}, None
    if kind == "prices":
        shop, product, sku, currency = draw(st.sampled_from(world["skus"]).filter(
            lambda s: ("price", s[2]) not in used))
        used.add(("price", sku))
        amount = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"),
                                  places=2))
        return kind, {**extra, "shop_id": shop, "product_id": product, "sku_id": sku,
                      "amount": str(amount), "currency": currency.lower()
                      if draw(st.booleans()) else currency}, None
    product = draw(st.sampled_from(world["status_products"]).filter(
        lambda p: ("product", p["id"]) not in used))
    used.add(("product", product["id"]))
    change = draw(st.sampled_from([{"status": "SELLER_DEACTIVATED"}, {"status": "activate"},
                                   {"title": draw(title)}]))
    return kind, {**extra, "shop_id": product["shop_id"], "product_id": product["id"],
                  **change}, None


@st.composite
def hostile_record(draw: Any, world: dict[str, Any]) -> tuple[str, Any, str]:
    """A record that must fail, whatever else it holds (the reason is in the results)."""
    shop, product, sku, warehouse = draw(st.sampled_from(world["slots"]))
    base = {"shop_id": shop, "product_id": product, "sku_id": sku, "warehouse_id": warehouse}
    how = draw(st.sampled_from(["quantity", "amount", "currency", "status", "title", "id",
                                "missing", "shop", "unknown_sku", "not_object"]))
    stream = {"amount": "prices", "currency": "prices", "status": "products",
              "title": "products"}.get(how, draw(st.sampled_from(["inventory", "prices"])))
    record: Any
    if how == "quantity":
        stream, record = "inventory", {**base, "quantity": draw(bad_quantity)}
    elif how == "amount":
        record = {**base, "amount": draw(bad_amount), "currency": "GBP"}
    elif how == "currency":
        record = {**base, "amount": "5.00", "currency": draw(
            st.sampled_from(["", "GB", "POUNDS", "€€€", "12", None]) | garbage.filter(
                lambda g: not isinstance(g, str)))}
    elif how == "status":
        record = {**base, "status": draw(st.sampled_from(["DELETED", "DRAFT", "", "on"])
                                         | garbage.filter(lambda g: g is not None))}
    elif how == "title":
        record = {**base, "title": draw(garbage.filter(lambda g: g is not None and
                                                       not isinstance(g, str))
                                        | st.just("\ud800 lone surrogate"))}
    elif how == "id":
        field = draw(st.sampled_from(["shop_id", "product_id", "sku_id", "warehouse_id"]))
        record = {**base, field: draw(bad_id), "quantity": 1, "amount": "1.00",
                  "currency": "GBP"}
    elif how == "missing":
        gone = draw(st.sampled_from([("shop_id",), ("sku_id",), ("quantity", "amount")]))
        record = {k: v for k, v in {**base, "quantity": 1, "amount": "1.00",
                                    "currency": "GBP"}.items() if k not in gone}
    elif how == "shop":
        record = {**base, "shop_id": draw(st.sampled_from(["999000", "0", "7494000000000000000"])
                                          | weird_text.filter(lambda t: t.strip().isalnum())),
                  "quantity": 1, "amount": "1.00", "currency": "GBP"}
    elif how == "unknown_sku":
        unknown = draw(st.integers(min_value=10**17, max_value=10**18).map(str).filter(
            lambda s: s not in world["known_skus"]))
        record = {**base, "sku_id": unknown, "quantity": 3, "amount": "2.00", "currency": "GBP"}
    else:
        record = draw(st.none() | st.lists(garbage, max_size=3) | st.text(max_size=10)
                      | st.integers())
    return stream, record, how


def expected_value(stream: str, record: dict[str, Any]) -> tuple:
    """(product_id, what the sandbox must hold) for a valid record."""
    if stream == "inventory":
        return str(record["product_id"]), ("inventory", record["sku_id"],
                                           record["warehouse_id"], int(float(record["quantity"])))
    if stream == "prices":
        return record["product_id"], ("price", record["sku_id"],
                                      f"{Decimal(record['amount']):.2f}")
    if "status" in record:
        return record["product_id"], ("status", record["status"].upper())
    return record["product_id"], ("title", record["title"])


def holds(view: dict[str, Any], product_id: str, value: tuple) -> bool:
    product = view[product_id]
    if value[0] == "inventory":
        return product["skus"][value[1]]["inventory"][value[2]] == value[3]
    if value[0] == "price":
        return product["skus"][value[1]]["price"] == value[2]
    return product[value[0]] == value[1]


@st.composite
def inputs(draw: Any, world: dict[str, Any]) -> list[tuple[str, Any, str | None]]:
    used: set = set()
    count = draw(st.integers(min_value=1, max_value=10))
    return [draw(hostile_record(world) if draw(st.booleans()) else valid_record(world, used))
            for _ in range(count)]


@given(data=st.data())
@SETTINGS
def test_hostile_and_valid_records_mixed(world: dict[str, Any], quiet: None,
                                         data: st.DataObject) -> None:
    items = data.draw(inputs(world))
    messages = [*SCHEMAS, *({"type": "RECORD", "stream": s, "record": r} for s, r, _ in items),
                {"type": "STATE", "value": {"n": len(items)}}]
    text = "".join(json.dumps(m, allow_nan=True) + "\n" for m in messages)
    result = run_inprocess(world["config"], text, TargetTikTokShop)
    assert result.error is None or isinstance(result.error, TikTokShopError), repr(result.error)
    assert result.error is None, str(result.error)  # max_failures is huge: exit 0
    assert "Traceback" not in result.stderr
    by_seq = result.by_seq()
    assert sorted(by_seq) == list(range(1, len(items) + 1))  # exactly one line each
    view = product_view(world["sb"].dataset.dump())
    for seq, (stream, record, hostile) in enumerate(items, start=1):
        line = by_seq[seq]
        assert line["stream"] == stream
        if hostile:
            assert line["outcome"] == "failed", (hostile, record, line)
            assert line["reason"], line
            STATS["hostile"] += 1
            KINDS[hostile] = KINDS.get(hostile, 0) + 1
            continue
        assert line["outcome"] in ("applied", "unchanged", "superseded"), (record, line)
        if line["outcome"] != "superseded":
            product_id, value = expected_value(stream, record)
            assert holds(view, product_id, value), (record, line, view[product_id])
        STATS["valid"] += 1
        STATS["applied"] += line["outcome"] == "applied"
    assert result.states == [{"n": len(items)}]  # failures <= max_failures: STATE passes
    STATS["examples"] += 1
    STATS["records"] += len(items)
    record_figures("hostile_input.inprocess", **STATS, hostile_kinds=dict(sorted(KINDS.items())),
                   crashes=0, records_without_exactly_one_line=0)


def _hostile_lines(world: dict[str, Any]) -> tuple[str, int]:
    shop, product, sku, warehouse = world["slots"][0]
    base = {"shop_id": shop, "product_id": product, "sku_id": sku, "warehouse_id": warehouse}
    records = [
        ("inventory", {**base, "quantity": 10**40}), ("inventory", {**base, "quantity": -1}),
        ("inventory", {**base, "quantity": float("nan")}), ("inventory", None),
        ("inventory", [1, 2]), ("inventory", "text"), ("prices", {**base, "amount": "1e400",
                                                                  "currency": "GBP"}),
        ("prices", {**base, "amount": "2.00", "currency": "\ud83d\ude00x"}),
        ("products", {**base, "title": {"nested": [{"garbage": None}]}}),
        ("inventory", {**base, "product_id": "../../../authorization/202309/shops",
                       "quantity": 1}),
        ("inventory", {**base, "shop_id": "404404", "quantity": 1}),
        ("inventory", {**base, "sku_id": "\ud800", "quantity": 1}),
        ("inventory", {**base, "quantity": 7}),  # the one valid record
    ]
    messages = [*SCHEMAS, *({"type": "RECORD", "stream": s, "record": r} for s, r in records)]
    return "".join(json.dumps(m) + "\n" for m in messages), len(records)


def test_hostile_records_in_a_real_process(world: dict[str, Any], tmp_path: Path) -> None:
    text, count = _hostile_lines(world)
    config = {**world["config"], "max_failures": 0,
              "results_path": str(tmp_path / "results.jsonl")}
    done = run(["target-tiktokshop", "--config", str(write_json(tmp_path / "c.json", config))],
               stdin=text)
    assert done.returncode == 1
    assert_one_error_line(done.stderr, "target-tiktokshop", f"{count - 1} of {count} records "
                          "failed", "every other record was applied")
    results = read_results(tmp_path / "results.jsonl")
    assert sorted(line["seq"] for line in results) == list(range(1, count + 1))
    assert [line["outcome"] for line in sorted(results, key=lambda r: r["seq"])] == \
        ["failed"] * (count - 1) + ["applied"]
    assert_no_secrets({"stdout": done.stdout, "stderr": done.stderr,
                       "results": (tmp_path / "results.jsonl").read_text()},
                      secrets_of(config, token_stores=[Path(config["token_store_path"])]),
                      prefixes=[TOKEN_PREFIX, APP_SECRET])


def test_corrupt_input_line_stops_with_one_line_naming_it(world: dict[str, Any],
                                                           tmp_path: Path) -> None:
    shop, product, sku, warehouse = world["slots"][1]
    record = {"type": "RECORD", "stream": "inventory", "record": {
        "shop_id": shop, "product_id": product, "sku_id": sku, "warehouse_id": warehouse,
        "quantity": 55}}
    text = lines([SCHEMAS[0], record, record]) + "\n" + '{"type": "RECORD", "stream": "inv\n'
    config = {**world["config"], "results_path": str(tmp_path / "results.jsonl")}
    done = run(["target-tiktokshop", "--config", str(write_json(tmp_path / "c.json", config))],
               stdin=text + lines([record]))
    assert done.returncode == 2
    assert_one_error_line(done.stderr, "target-tiktokshop", "line 5 of the input",
                          "not JSON")
    results = read_results(tmp_path / "results.jsonl")
    assert sorted(line["seq"] for line in results) == [1, 2]  # the records read before it
    assert {line["outcome"] for line in results} == {"failed"}
    assert all(line["reason"].startswith("not applied: the run stopped at an invalid input")
               for line in results)
    assert done.stdout == ""


def test_sandbox_untouched_by_hostile_ids(world: dict[str, Any]) -> None:
    """Path-changing ids never reach the API: no request outside the known endpoints."""
    sb: Sandbox = world["sb"]
    from tests.support.reliability_kit import admin

    endpoints = admin(sb, "/sandbox/stats")["endpoints"]
    assert "GET <unmatched>" not in endpoints and "POST <unmatched>" not in endpoints, endpoints


@pytest.mark.parametrize(("stream", "record", "reason"), [
    # each crashed the target or hung it before the fixes in target_tiktokshop/changes.py
    ("prices", {"amount": 10**30}, "amount is too large"),  # decimal.InvalidOperation
    ("prices", {"amount": Decimal("1E+400")}, "amount is too large"),
    ("inventory", {"quantity": Decimal("1E+999999999")}, "at most 99,999"),  # a huge int
    ("inventory", {"quantity": "9" * 5000}, "at most 99,999"),  # int() digit limit
    ("inventory", {"product_id": Decimal("Infinity")}, "must be an id"),  # OverflowError
    ("inventory", {"seller_sku": "\ud800", "sku_id": None}, "not valid Unicode"),  # utf-8
    ("products", {"title": "x\udfff"}, "not valid Unicode"),
    ("inventory", {"quantity": "١٢"}, "whole number"),  # int() reads Arabic-Indic digits
    ("prices", {"amount": "\u0661\u0662.\u0665\u0660"}, "decimal number"),  # and so does Decimal()
    ("inventory", {"product_id": "../../authorization/202309/shops"}, "must be an id"),
    ("inventory", {"sku_id": "1?x=1"}, "must be an id"),
    ("inventory", {"warehouse_id": "7068 1"}, "must be an id"),
])
def test_records_that_used_to_crash_fail_with_a_reason(stream: str, record: dict,
                                                       reason: str) -> None:
    from target_tiktokshop.changes import Rejected, parse_record, record_keys

    base = {"shop_id": "1", "product_id": "10", "sku_id": "100", "warehouse_id": "7",
            "quantity": 1, "amount": "1.00", "currency": "GBP", "title": "t"}
    result = parse_record(stream, 1, {**base, **record})
    assert isinstance(result, Rejected) and reason in result.reason, result
    record_keys({**base, **record})  # results lines are always possible


def test_results_lines_survive_line_separators_and_lone_surrogates(tmp_path: Path) -> None:
    from target_tiktokshop.changes import Keys
    from target_tiktokshop.results import FAILED, Outcome, ResultsWriter

    writer = ResultsWriter(tmp_path / "r.jsonl", run_id="r", dry_run=False)
    weird = "a\u2028b\u2029c\x85d\ud800e"
    writer.write(Outcome(1, "inventory", FAILED, Keys(seller_sku=weird), reason=weird))
    writer.write(Outcome(2, "inventory", FAILED, Keys(), reason="ok"))
    writer.close()
    text = (tmp_path / "r.jsonl").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 2  # str.splitlines() splits at U+2028, U+2029, U+0085
    first = json.loads(text.splitlines()[0])
    assert first["seller_sku"] == weird and first["reason"] == weird
