"""The target in-process against the sandbox: streams, stream maps, STATE ordering."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from target_tiktokshop.results import ResultsWriter
from target_tiktokshop.run_errors import RunStoppedError, TooManyFailuresError, UnknownStreamError
from target_tiktokshop.target import TargetTikTokShop
from tests.support.target_kit import (
    calls_to,
    dataset,
    pick,
    products_by_id,
    read_results,
    record,
    run_inprocess,
    schema,
    state,
)
from tiktokshop.transport import TikTokShopClient


def inv(product: dict, k: int, quantity: object, **extra: object) -> dict:
    sku = product["skus"][k]
    return record("inventory", shop_id=product["shop_id"], product_id=product["id"],
                  sku_id=sku["id"], warehouse_id=sku["inventory"][0]["warehouse_id"],
                  quantity=quantity, **extra)


def test_stream_maps_alias_feeds_another_stream_name(sandbox, config, data):
    product = pick(data, warehouses=1)
    sku = product["skus"][0]
    config["stream_maps"] = {"stock_levels": {"__alias__": "inventory"}}
    run = run_inprocess(config, [
        schema("stock_levels", "inventory"),
        record("stock_levels", shop_id=product["shop_id"], seller_sku=sku["seller_sku"],
               quantity=4321),
    ])
    assert run.error is None, run.stderr
    assert run.outcomes() == ["applied"]
    assert run.results[0]["stream"] == "inventory"
    after = products_by_id(dataset(sandbox.base_url))[product["id"]]
    assert after["skus"][0]["inventory"][0]["quantity"] == 4321


def test_unknown_stream_fails_naming_it_and_the_accepted_streams(config, data):
    product = pick(data)
    run = run_inprocess(config, [
        schema("inventory"), inv(product, 0, 1),
        schema("orders", "inventory"),
    ])
    assert isinstance(run.error, UnknownStreamError)
    text = str(run.error)
    assert "'orders'" in text
    assert "inventory, prices, products" in text
    # the staged record was not applied, and says so
    assert run.outcomes() == ["failed"]
    assert "unknown stream" in run.results[0]["reason"]


def test_unknown_stream_ignored_with_one_warning(config, data):
    product = pick(data)
    config["unknown_streams"] = "ignore"
    run = run_inprocess(config, [
        schema("orders", "inventory"), schema("inventory"),
        record("orders", id=1), record("orders", id=2), inv(product, 0, 9),
    ])
    assert run.error is None
    assert run.outcomes() == ["applied"]  # ignored records get no results line


def test_record_missing_declared_key_property_is_reported_not_fatal(config, data):
    product = pick(data)
    run = run_inprocess(config, [
        schema("inventory", keys=["shop_id", "sku_id"]),
        record("inventory", shop_id=product["shop_id"], quantity=3),
        inv(product, 0, 11),
    ])
    assert isinstance(run.error, TooManyFailuresError)
    assert run.outcomes() == ["failed", "applied"]
    assert run.by_seq()[1]["reason"] == "sku_id or seller_sku is required"


def test_partial_batches_are_drained_at_end_of_input(sandbox, config, data):
    products = [pick(data, skip=i) for i in range(5)]
    config["batch_size_rows"] = 2  # 2 full batches, then a partial one of 1
    run = run_inprocess(config, [schema("inventory"),
                                 *[inv(p, 0, 1000 + i) for i, p in enumerate(products)]])
    assert run.error is None
    assert run.outcomes() == ["applied"] * 5
    after = products_by_id(dataset(sandbox.base_url))
    assert [after[p["id"]]["skus"][0]["inventory"][0]["quantity"] for p in products] == [
        1000, 1001, 1002, 1003, 1004]


class EventLog(io.StringIO):
    """stdout that records each STATE line in a shared event list."""

    def __init__(self, events: list) -> None:
        super().__init__()
        self.events = events

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                self.events.append(("state", json.loads(line)))
        return super().write(text)


class EagerTarget(TargetTikTokShop):
    """Drains all sinks (and so emits STATE) after every record."""

    _MAX_RECORD_AGE_IN_MINUTES = -1.0


@pytest.mark.parametrize(("target_class", "override"), [
    (TargetTikTokShop, False), (EagerTarget, False), (EagerTarget, True)])
def test_state_is_emitted_unchanged_and_only_after_the_records_before_it(
        monkeypatch, config, data, target_class, override):
    """``override``: no breaker, so inventory is written batch by batch; otherwise its
    writes wait for the end of input, and so do the STATEs after them."""
    events: list[tuple[str, object]] = []
    real_call, real_write = TikTokShopClient.call, ResultsWriter.write_all

    def spy_call(self, endpoint, **kwargs):
        response = real_call(self, endpoint, **kwargs)
        if endpoint.name == "inventory_update":
            events.append(("write", kwargs["path_params"]["product_id"]))
        return response

    def spy_write(self, outcomes):
        outcomes = list(outcomes)
        real_write(self, outcomes)
        events.extend(("result", outcome.seq) for outcome in outcomes)

    monkeypatch.setattr(TikTokShopClient, "call", spy_call)
    monkeypatch.setattr(ResultsWriter, "write_all", spy_write)
    products = [pick(data, skip=i) for i in range(4)]
    states = [{"bookmarks": {"stock": {"n": n, "nested": [n, {"x": None}]}}} for n in range(3)]
    messages = [schema("inventory"),
                inv(products[0], 0, 501), state(states[0]),
                inv(products[1], 0, 502), inv(products[2], 0, 503), state(states[1]),
                inv(products[3], 0, 504), state(states[2])]
    config["batch_size_rows"] = 2
    config["override_breakers"] = override
    target = target_class(config=dict(config))
    stdout = EventLog(events)
    monkeypatch.setattr("sys.stdout", stdout)
    target.listen(io.StringIO("".join(json.dumps(m) + "\n" for m in messages)))
    monkeypatch.undo()

    emitted = [value for kind, value in events if kind == "state"]
    assert emitted, "no STATE emitted"
    assert emitted[-1] == states[-1]
    assert all(value in states for value in emitted)  # passed through, never rewritten
    assert [states.index(v) for v in emitted] == sorted(states.index(v) for v in emitted)
    if target_class is EagerTarget and override:
        assert len(emitted) >= 3  # mid-stream drains emitted intermediate STATEs
    elif target_class is EagerTarget:
        assert emitted == [states[-1]]  # held: nothing was written before the end
    # records before a STATE (by input position) are written before it is emitted
    records_before = {0: 1, 1: 3, 2: 4}
    for position, (kind, value) in enumerate(events):
        if kind != "state":
            continue
        needed = records_before[states.index(value)]
        written = {seq for k, seq in events[:position] if k == "result"}
        assert set(range(1, needed + 1)) <= written
        writes = [pid for k, pid in events[:position] if k == "write"]
        assert {p["id"] for p in products[:needed]} <= set(writes)


def test_no_state_in_dry_run_or_when_failures_exceed_the_limit(sandbox, config, data):
    product = pick(data)
    messages = [schema("inventory"), inv(product, 0, 77), state({"s": 1})]
    dry = run_inprocess({**config, "dry_run": True}, messages)
    assert dry.error is None
    assert dry.states == []
    assert dry.outcomes() == ["planned"]
    failing = run_inprocess(config, [*messages[:2], inv(product, 0, -5), state({"s": 2})])
    assert isinstance(failing.error, TooManyFailuresError)
    assert failing.states == []
    allowed = run_inprocess({**config, "max_failures": 1},
                            [*messages[:2], inv(product, 0, -5), state({"s": 3})])
    assert allowed.error is None
    assert allowed.states == [{"s": 3}]
    assert calls_to(sandbox.base_url, "inventory/update") == 1  # the dry run wrote nothing


def test_interrupt_stops_without_applying_staged_records(sandbox, config, data):
    product = pick(data)
    target = TargetTikTokShop(config=dict(config))
    messages = [schema("inventory"), inv(product, 0, 3333), state({"s": 1})]
    target.process_lines(io.StringIO("".join(json.dumps(m) + "\n" for m in messages)))
    with pytest.raises(RunStoppedError) as info:
        target._handle_termination(15, None)
    assert info.value.exit_code == 143
    lines = read_results(Path(config["results_path"]))
    assert [(line["outcome"], line["reason"]) for line in lines] == [
        ("failed", "not confirmed: the run was interrupted by signal 15")]
    assert calls_to(sandbox.base_url, "inventory/update") == 0
    after = products_by_id(dataset(sandbox.base_url))[product["id"]]
    assert after["skus"][0]["inventory"] == product["skus"][0]["inventory"]


def test_many_seller_skus_scan_the_catalogue_once(sandbox, config, data):
    shop_id = data["shops"][0]["id"]
    skus = [(p, s) for p in data["products"] if p["shop_id"] == shop_id
            and p["status"] == "ACTIVATE" for s in p["skus"] if len(s["inventory"]) == 1]
    assert len(skus) >= 31
    messages = [schema("inventory")] + [
        record("inventory", shop_id=shop_id, seller_sku=sku["seller_sku"], quantity=900 + n)
        for n, (_, sku) in enumerate(skus)]
    run = run_inprocess(config, messages)
    assert run.error is None, run.stderr
    assert set(run.outcomes()) == {"applied"}
    # 4+ filtered searches would be needed; one 100-product page holds the whole shop
    assert calls_to(sandbox.base_url, "products/search") == 1
    assert calls_to(sandbox.base_url, "inventory/update") == len({p["id"] for p, _ in skus})


def test_dry_run_with_invalid_records_exits_non_zero(config, data):
    product = pick(data)
    run = run_inprocess({**config, "dry_run": True},
                        [schema("inventory"), inv(product, 0, -1), inv(product, 0, 5)])
    assert isinstance(run.error, TooManyFailuresError)
    assert "dry run: nothing was written" in str(run.error)
    assert run.outcomes() == ["failed", "planned"]
