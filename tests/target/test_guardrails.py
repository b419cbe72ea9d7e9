"""Guardrails against the sandbox: each per-record limit, each run-level breaker (with the
override in the config and as an environment variable), dry runs, STATE, and API calls."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from target_tiktokshop.guardrails import BREAKER_MIN_RECORDS, OVERRIDE_ENV
from target_tiktokshop.run_errors import (
    BreakerTrippedError,
    RunStoppedError,
    TooManyFailuresError,
)
from target_tiktokshop.target import TargetTikTokShop
from tests.support.target_kit import (
    calls_to,
    dataset,
    pick,
    products_by_id,
    read_results,
    record,
    run_inprocess,
    run_subprocess,
    schema,
    state,
    stats,
)
from tiktokshop.errors import ConfigError


def stocked(data: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` SKU-warehouse pairs of active products, each with stock above 0."""
    items = [{"shop_id": p["shop_id"], "product_id": p["id"], "sku_id": s["id"],
              "warehouse_id": stock["warehouse_id"], "quantity": stock["quantity"]}
             for p in data["products"] if p["status"] == "ACTIVATE"
             for s in p["skus"] for stock in s["inventory"] if stock["quantity"] > 0]
    assert len(items) >= count, "the seeded dataset has too few stocked SKUs"
    return items[:count]


def stock(item: dict[str, Any], quantity: int) -> dict:
    return record("inventory", **{**item, "quantity": quantity})


def priced(data: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` SKUs of active products (one per product) with their current price."""
    items = [{"shop_id": p["shop_id"], "product_id": p["id"], "sku_id": p["skus"][0]["id"],
              "price": Decimal(p["skus"][0]["price"]["sale_price"]),
              "currency": p["skus"][0]["price"]["currency"]}
             for p in data["products"] if p["status"] == "ACTIVATE"]
    assert len(items) >= count
    return items[:count]


def price(item: dict[str, Any], factor: str) -> dict:
    amount = (item["price"] * Decimal(factor)).quantize(Decimal("0.01"))
    return record("prices", shop_id=item["shop_id"], product_id=item["product_id"],
                  sku_id=item["sku_id"], amount=str(amount), currency=item["currency"])


def quantities(base_url: str) -> dict[tuple[str, str], int]:
    return {(s["id"], stock["warehouse_id"]): stock["quantity"]
            for p in dataset(base_url)["products"] for s in p["skus"]
            for stock in s["inventory"]}


def sale_prices(base_url: str) -> dict[str, str]:
    return {s["id"]: s["price"]["sale_price"] for p in dataset(base_url)["products"]
            for s in p["skus"]}


# ---------------------------------------------------------------------- per-record limits
def test_max_stock_change_refuses_naming_the_limit_and_both_values(sandbox, config, data):
    near, far = stocked(data, 2)
    config["max_stock_change"] = 10
    run = run_inprocess(config, [schema("inventory"), stock(near, near["quantity"] + 10),
                                 stock(far, far["quantity"] + 11)])
    assert run.outcomes() == ["applied", "refused"]
    line = run.by_seq()[2]
    assert line["reason"] == (f"max_stock_change: the stock would change by 11 (from "
                              f"{far['quantity']:,} to {far['quantity'] + 11:,}); the limit is 10")
    assert line["guardrail"] == {"limit": "max_stock_change", "limit_value": "10",
                                 "current": far["quantity"], "requested": far["quantity"] + 11}
    assert (line["value"], line["previous"]) == ({"quantity": far["quantity"] + 11},
                                                 {"quantity": far["quantity"]})
    after = quantities(sandbox.base_url)
    assert after[(far["sku_id"], far["warehouse_id"])] == far["quantity"]  # not sent
    assert after[(near["sku_id"], near["warehouse_id"])] == near["quantity"] + 10
    assert calls_to(sandbox.base_url, "inventory/update") == 1
    # a refused record counts against max_failures, and the error says what happened
    assert isinstance(run.error, TooManyFailuresError)
    assert "2 records were not applied (0 failed, 1 refused by a guardrail" in str(run.error)


def test_max_price_change_percent_default_80_both_ways(sandbox, config, data):
    items = priced(data, 4)
    run = run_inprocess({**config, "max_failures": 5}, [
        schema("prices"), price(items[0], "1.8"), price(items[1], "1.81"),
        price(items[2], "0.2"), price(items[3], "0.19")])
    assert run.error is None, run.stderr
    assert run.outcomes() == ["applied", "refused", "applied", "refused"]
    lines = run.by_seq()
    assert lines[2]["guardrail"]["limit"] == "max_price_change_percent"
    assert lines[2]["guardrail"]["limit_value"] == "80"
    assert lines[2]["reason"].startswith("max_price_change_percent: amount would change by 81")
    assert lines[4]["reason"].startswith("max_price_change_percent: amount would change by 81")
    assert (lines[2]["guardrail"]["current"], lines[2]["guardrail"]["requested"]) == (
        str(items[1]["price"]), f"{items[1]['price'] * Decimal('1.81'):.2f}")
    after = sale_prices(sandbox.base_url)
    assert Decimal(after[items[1]["sku_id"]]) == items[1]["price"]  # refused: not sent
    assert Decimal(after[items[3]["sku_id"]]) == items[3]["price"]
    assert calls_to(sandbox.base_url, "prices/update") == 2


@pytest.mark.parametrize(("setting", "bound", "factor", "word"), [
    ("min_price", "0.5", "0.49", "below the minimum"),
    ("max_price", "1.5", "1.51", "above the maximum"),
])
def test_min_and_max_price(sandbox, config, data, setting, bound, factor, word):
    item = priced(data, 1)[0]
    limit = (item["price"] * Decimal(bound)).quantize(Decimal("0.01"))
    inside = "0.51" if setting == "min_price" else "1.49"
    run = run_inprocess({**config, setting: str(limit), "max_failures": 1},
                        [schema("prices"), price(item, factor), price(item, inside)])
    # the two records set the same SKU: the last one wins
    assert run.outcomes() == ["superseded", "applied"]
    run = run_inprocess({**config, setting: float(limit), "max_failures": 1},
                        [schema("prices"), price(item, factor)])
    line = run.results[0]
    assert line["outcome"] == "refused" and word in line["reason"]
    assert line["guardrail"]["limit"] == setting
    assert Decimal(line["guardrail"]["limit_value"]) == limit
    assert calls_to(sandbox.base_url, "prices/update") == 1  # only the first run's record


# ---------------------------------------------------------------------- breakers
def zero_feed(data: dict[str, Any], total: int, zeros: int) -> list[dict]:
    items = stocked(data, total)
    return [schema("inventory"),
            *[stock(item, 0 if n < zeros else item["quantity"] + 1)
              for n, item in enumerate(items)]]


def test_zero_stock_breaker_writes_no_inventory_of_the_run(sandbox, config, data):
    before = quantities(sandbox.base_url)
    product = pick(data, status="SELLER_DEACTIVATED")
    messages = [*zero_feed(data, 20, 11), state({"s": 1}),
                schema("products"),
                record("products", shop_id=product["shop_id"], product_id=product["id"],
                       status="ACTIVATE"),
                state({"s": 2})]
    config["batch_size_rows"] = 3  # the zeros come in the first batches
    run = run_inprocess(config, messages)
    assert isinstance(run.error, BreakerTrippedError)
    assert run.error.exit_code == 3
    text = str(run.error)
    assert text.startswith("breaker_zero_stock_percent tripped: 11 of 20 inventory records "
                           "(55%) would set stock to 0, more than the 50% allowed; no "
                           "inventory record of this run was written")
    assert "override_breakers: true" in text and f"{OVERRIDE_ENV}=true" in text
    assert sorted(line["seq"] for line in run.results) == list(range(1, 22))  # one line each
    inventory = [line for line in run.results if line["stream"] == "inventory"]
    assert {line["outcome"] for line in inventory} == {"refused"}
    assert all(line["guardrail"]["limit"] == "breaker_zero_stock_percent"
               and line["reason"].startswith("breaker_zero_stock_percent tripped")
               for line in inventory)
    assert calls_to(sandbox.base_url, "inventory/update") == 0
    assert quantities(sandbox.base_url) == before
    # other streams are not held back by the inventory breaker
    assert run.by_seq()[21]["outcome"] == "applied"
    assert products_by_id(dataset(sandbox.base_url))[product["id"]]["status"] == "ACTIVATE"
    assert run.states == []  # STATE held back: the tap sends the records again


@pytest.mark.parametrize(("total", "zeros"), [(20, 10), (BREAKER_MIN_RECORDS - 1, 19)])
def test_zero_stock_breaker_needs_more_than_the_share_and_enough_records(
        sandbox, config, data, total, zeros):
    run = run_inprocess(config, [*zero_feed(data, total, zeros), state({"s": 1})])
    assert run.error is None, run.stderr
    assert set(run.outcomes()) == {"applied"}
    assert run.states == [{"s": 1}]


@pytest.mark.parametrize("how", ["config", "env"])
def test_override_lets_one_run_through(sandbox, config, data, monkeypatch, how):
    if how == "config":
        config["override_breakers"] = True
    else:
        monkeypatch.setenv(OVERRIDE_ENV, "true")
    run = run_inprocess(config, zero_feed(data, 20, 20))
    assert run.error is None, run.stderr
    assert run.outcomes() == ["applied"] * 20
    after = quantities(sandbox.base_url)
    assert [after[(i["sku_id"], i["warehouse_id"])] for i in stocked(data, 20)] == [0] * 20


def test_override_env_var_must_be_true_or_false(config, monkeypatch):
    monkeypatch.setenv(OVERRIDE_ENV, "yes")
    with pytest.raises(ConfigError) as info:
        TargetTikTokShop(config=config)
    assert info.value.setting == "override_breakers"
    assert "TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS must be true or false" in str(info.value)


def price_feed(data: dict[str, Any], total: int, jumps: int) -> list[dict]:
    return [schema("prices"), *[price(item, "2" if n < jumps else "1.1")
                                for n, item in enumerate(priced(data, total))]]


def test_price_breaker_writes_no_price_of_the_run(sandbox, config, data):
    before = sale_prices(sandbox.base_url)
    run = run_inprocess(config, price_feed(data, 20, 5))
    assert isinstance(run.error, BreakerTrippedError)
    assert str(run.error).startswith(
        "breaker_price_change_percent tripped: 5 of 20 price records (25%) were refused by "
        "max_price_change_percent, more than the 20% allowed")
    lines = run.by_seq()
    assert all(lines[seq]["guardrail"]["limit"] == "max_price_change_percent"
               for seq in range(1, 6))  # refused by their own limit
    assert all(lines[seq]["guardrail"]["limit"] == "breaker_price_change_percent"
               and lines[seq]["outcome"] == "refused" for seq in range(6, 21))
    assert calls_to(sandbox.base_url, "prices/update") == 0
    assert sale_prices(sandbox.base_url) == before


def test_price_breaker_at_its_share_lets_the_rest_through(sandbox, config, data):
    run = run_inprocess({**config, "max_failures": 4}, price_feed(data, 20, 4))
    assert run.error is None, run.stderr
    assert run.outcomes() == ["refused"] * 4 + ["applied"] * 16
    assert calls_to(sandbox.base_url, "prices/update") == 16


def test_breaker_off_at_100_writes_batch_by_batch(sandbox, config, data):
    config.update(breaker_zero_stock_percent=100, batch_size_rows=5)
    run = run_inprocess(config, [*zero_feed(data, 20, 20), state({"s": 1})])
    assert run.error is None
    assert run.outcomes() == ["applied"] * 20
    assert calls_to(sandbox.base_url, "inventory/update") >= 4  # one call per product per batch


# ---------------------------------------------------------------------- dry run
def test_dry_run_reports_what_the_guardrails_refuse(sandbox, config, data):
    config.update(dry_run=True, max_stock_change=1000)
    feed = zero_feed(data, 20, 11)
    far = stocked(data, 21)[20]
    feed.append(stock(far, far["quantity"] + 1001))
    dry = run_inprocess(config, feed)
    assert isinstance(dry.error, BreakerTrippedError)
    assert "no inventory record of this run would be written" in str(dry.error)
    assert dry.outcomes() == ["refused"] * 21
    assert dry.by_seq()[21]["guardrail"]["limit"] == "max_stock_change"
    assert all(line["dry_run"] for line in dry.results)
    assert calls_to(sandbox.base_url, "inventory/update") == 0
    real = run_inprocess({**config, "dry_run": False}, feed)
    assert [(line["seq"], line["outcome"], line["reason"]) for line in real.results] == [
        (line["seq"], line["outcome"], line["reason"]) for line in dry.results]
    assert calls_to(sandbox.base_url, "inventory/update") == 0


def test_dry_run_refuses_a_single_record(sandbox, config, data):
    item = priced(data, 1)[0]
    run = run_inprocess({**config, "dry_run": True}, [schema("prices"), price(item, "3")])
    assert run.outcomes() == ["refused"]
    assert isinstance(run.error, TooManyFailuresError)
    assert "dry run: nothing was written" in str(run.error)


# ---------------------------------------------------------------------- cost, exit, STATE
def lookup_calls(base_url: str) -> int:
    return sum(sum(outcomes.values()) for endpoint, outcomes in stats(base_url).items()
               if endpoint.endswith(("/products/search", "/products/{product_id}")))


def test_guardrails_make_no_extra_api_calls(sandbox, config, data):
    """The current values come from the lookups the target makes anyway."""
    feed = zero_feed(data, 20, 11)
    base = sandbox.base_url
    off = {**config, "dry_run": True, "override_breakers": True}
    run = run_inprocess(off, feed)
    assert run.error is None and set(run.outcomes()) == {"planned"}
    without = lookup_calls(base)
    guarded = {**config, "dry_run": True, "max_stock_change": 1}
    run = run_inprocess(guarded, feed)
    assert isinstance(run.error, BreakerTrippedError)
    assert lookup_calls(base) - without == without  # the same lookups, nothing more
    assert calls_to(base, "inventory/update") == 0


def test_summary_counts_refused_and_calls(config, data):
    target = TargetTikTokShop(config={**config, "max_stock_change": 1, "max_failures": 5})
    item = stocked(data, 1)[0]
    messages = [schema("inventory"), stock(item, item["quantity"] + 2)]
    target.listen(io.StringIO("".join(json.dumps(m) + "\n" for m in messages)))
    stats_ = target.run.results.stats["inventory"]
    assert stats_.outcomes["refused"] == 1
    summary = stats_.summary("inventory", dry_run=False)
    assert "refused 1" in summary and "write calls 0" in summary
    assert stats_.lookup_calls >= 1


def test_breaker_error_is_one_line_with_exit_status_3(sandbox, config, data, tmp_path):
    run = run_subprocess(config, zero_feed(data, 24, 18), tmp_path)
    assert run.returncode == 3, run.stderr[-2000:]
    last = run.stderr.strip().splitlines()[-1]
    assert last == (
        "target-tiktokshop: error: breaker_zero_stock_percent tripped: 18 of 24 inventory "
        "records (75%) would set stock to 0, more than the 50% allowed; no inventory record "
        f"of this run was written (each is 'refused' in {config['results_path']}); if the "
        "feed is right, let this run through with override_breakers: true (or "
        "TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS=true)")
    assert "Traceback" not in run.stderr
    assert [line["outcome"] for line in read_results(Path(config["results_path"]))] == [
        "refused"] * 24
    assert calls_to(sandbox.base_url, "inventory/update") == 0


def test_interrupt_reports_held_records_and_writes_nothing(sandbox, config, data):
    config["batch_size_rows"] = 1  # every record is drained into the hold at once
    target = TargetTikTokShop(config=dict(config))
    feed = zero_feed(data, 3, 0)
    target.process_lines(io.StringIO("".join(json.dumps(m) + "\n" for m in feed)))
    assert target.run.held.pending()
    with pytest.raises(RunStoppedError) as info:
        target._handle_termination(15, None)
    assert info.value.exit_code == 143
    lines = read_results(Path(config["results_path"]))
    assert [(line["outcome"], line["reason"]) for line in lines] == [
        ("failed", "not confirmed: the run was interrupted by signal 15")] * 3
    assert calls_to(sandbox.base_url, "inventory/update") == 0


def test_held_records_for_the_same_keys_supersede_at_once(sandbox, config, data):
    item = stocked(data, 1)[0]
    config["batch_size_rows"] = 1
    run = run_inprocess(config, [schema("inventory"), stock(item, 7), stock(item, 8),
                                 stock(item, 9)])
    assert run.error is None
    assert run.outcomes() == ["superseded", "superseded", "applied"]
    assert [line["superseded_by"] for line in sorted(run.results, key=lambda x: x["seq"])] == [
        2, 3, None]
    assert calls_to(sandbox.base_url, "inventory/update") == 1
    assert quantities(sandbox.base_url)[(item["sku_id"], item["warehouse_id"])] == 9


def test_every_line_has_the_schema_version(config, data):
    item = stocked(data, 1)[0]
    run = run_inprocess(config, [schema("inventory"), stock(item, item["quantity"] + 1)])
    assert run.results[0]["schema_version"] == 1
    assert "guardrail" in run.results[0] and run.results[0]["guardrail"] is None
