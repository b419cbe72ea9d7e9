"""target-tiktokshop as a real process against the sandbox HTTP server."""

from __future__ import annotations

import pytest

from tests.support.target_kit import (
    APP_SECRET,
    admin,
    calls_to,
    dataset,
    pick,
    products_by_id,
    record,
    run_subprocess,
    schema,
    state,
    stats,
)


@pytest.fixture(autouse=True)
def _any_price_change(config: dict) -> None:
    """These tests set arbitrary prices; the guardrails (max_price_change_percent, 80 by
    default) have tests of their own in tests/target/test_guardrails.py."""
    config["max_price_change_percent"] = 10**9


def sku_of(product: dict, k: int = 0) -> dict:
    return product["skus"][k]


def inventory_of(data: dict, product_id: str, k: int = 0) -> dict[str, int]:
    sku = products_by_id(data)[product_id]["skus"][k]
    return {entry["warehouse_id"]: entry["quantity"] for entry in sku["inventory"]}


def assert_no_secrets(run, config: dict) -> None:
    secrets = [APP_SECRET, config["refresh_token"]]
    blob = run.stdout + run.stderr + repr(run.results)
    for secret in secrets:
        assert secret not in blob


@pytest.fixture
def mixed(data):
    """A mixed input: valid changes on three streams and one of each kind of invalid record."""
    gb, us = data["shops"][0]["id"], data["shops"][1]["id"]
    two_skus = pick(data, skus=2, warehouses=1)
    two_wh = pick(data, warehouses=2)
    us_product = pick(data, shop=1)
    to_deactivate = pick(data, skip=3)
    to_retitle = pick(data, skip=4)
    a0, a1 = sku_of(two_skus, 0), sku_of(two_skus, 1)
    b0 = sku_of(two_wh)
    first_wh = b0["inventory"][0]["warehouse_id"]
    valid = [
        record("inventory", shop_id=gb, product_id=two_skus["id"], sku_id=a0["id"],
               warehouse_id=a0["inventory"][0]["warehouse_id"], quantity=0),
        record("inventory", shop_id=gb, product_id=two_skus["id"], sku_id=a1["id"], quantity=250),
        record("inventory", shop_id=gb, product_id=two_wh["id"], sku_id=b0["id"],
               warehouse_id=first_wh, quantity=4444),
        record("inventory", shop_id=us, seller_sku=sku_of(us_product)["seller_sku"],
               quantity=31),
        record("prices", shop_id=gb, product_id=two_skus["id"], sku_id=a0["id"],
               amount="19.99", currency="GBP"),
        record("prices", shop_id=us, seller_sku=sku_of(us_product)["seller_sku"], amount=8.5,
               currency="usd"),
        record("products", shop_id=gb, product_id=to_deactivate["id"],
               status="SELLER_DEACTIVATED"),
        record("products", shop_id=gb, product_id=to_retitle["id"], title="Renamed by target"),
    ]
    invalid = [
        (record("inventory", shop_id=gb, product_id=two_skus["id"], sku_id=a0["id"],
                quantity=-4), "quantity must be 0 or more"),
        (record("inventory", shop_id=gb, product_id=two_skus["id"], sku_id=a0["id"],
                quantity=2.5), "quantity must be a whole number"),
        (record("inventory", shop_id=gb, product_id=two_skus["id"], sku_id="1", quantity=1),
         "unknown sku_id 1"),
        (record("inventory", shop_id=gb, seller_sku="NO-SUCH-SKU", quantity=1),
         "unknown seller_sku 'NO-SUCH-SKU'"),
        (record("inventory", shop_id=gb, quantity=1), "sku_id or seller_sku is required"),
        (record("prices", shop_id=gb, product_id=two_skus["id"], sku_id=a1["id"],
                amount="5.00", currency="USD"), "does not match the shop's currency GBP"),
        (record("prices", shop_id=gb, product_id=two_skus["id"], sku_id=a1["id"],
                amount="1.234", currency="GBP"), "at most 2 decimals"),
        (record("inventory", shop_id="999", seller_sku="X", quantity=1),
         "shop 999 is not authorized"),
        (record("products", shop_id=gb, product_id=to_retitle["id"], status="DELETED"),
         "unknown status"),
    ]
    messages = [schema("inventory"), schema("prices"), schema("products")]
    expected: dict[int, str | None] = {}
    seq = 0
    for message in valid:
        seq += 1
        expected[seq] = None
        messages.append(message)
    for message, reason in invalid:
        seq += 1
        expected[seq] = reason
        messages.append(message)
    messages.append(state({"bookmarks": {"stock": {"replication_key_value": "2024-01-01"}}}))
    picks = {"two_skus": two_skus, "two_wh": two_wh, "us": us_product,
             "deactivate": to_deactivate, "retitle": to_retitle}
    return messages, expected, picks


def test_mixed_valid_and_invalid_records(sandbox, config, data, mixed, tmp_path):
    messages, expected, picks = mixed
    config["max_failures"] = 9
    run = run_subprocess(config, messages, tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.by_seq()
    assert sorted(lines) == list(range(1, len(expected) + 1))  # one line per record
    for seq, reason in expected.items():
        if reason is None:
            assert lines[seq]["outcome"] == "applied", lines[seq]
            assert lines[seq]["code"] == 0
            assert lines[seq]["request_id"]
        else:
            assert lines[seq]["outcome"] == "failed", lines[seq]
            assert reason in lines[seq]["reason"], lines[seq]
    # the seller_sku-only record got its ids resolved in the results line
    us_line = lines[4]
    assert (us_line["product_id"], us_line["sku_id"]) == (picks["us"]["id"],
                                                          sku_of(picks["us"])["id"])
    after = dataset(sandbox.base_url)
    two_skus, two_wh = picks["two_skus"], picks["two_wh"]
    assert list(inventory_of(after, two_skus["id"], 0).values()) == [0]
    assert list(inventory_of(after, two_skus["id"], 1).values()) == [250]
    before_wh = inventory_of(data, two_wh["id"])
    after_wh = inventory_of(after, two_wh["id"])
    first, second = list(before_wh)
    assert after_wh == {first: 4444, second: before_wh[second]}  # other warehouse kept
    assert list(inventory_of(after, picks["us"]["id"]).values()) == [31]
    by_id = products_by_id(after)
    assert by_id[two_skus["id"]]["skus"][0]["price"]["sale_price"] == "19.99"
    assert by_id[picks["us"]["id"]]["skus"][0]["price"]["sale_price"] == "8.50"
    assert by_id[picks["deactivate"]["id"]]["status"] == "SELLER_DEACTIVATED"
    retitled = by_id[picks["retitle"]["id"]]
    assert retitled["title"] == "Renamed by target"
    assert retitled["description"] == picks["retitle"]["description"]  # untouched
    assert run.states == [messages[-1]["value"]]  # passed through unchanged
    assert "Summary for stream 'inventory'" in run.stderr
    assert "write calls" in run.stderr and "lookup calls" in run.stderr
    assert_no_secrets(run, config)

    # Same input, no failures allowed: non-zero exit with one line naming count and file;
    # the valid records are (re)applied either way - here they are already in place.
    config["max_failures"] = 8
    again = run_subprocess(config, messages, tmp_path)
    assert again.returncode == 1
    last = again.stderr.strip().splitlines()[-1]
    assert last.startswith("target-tiktokshop: error: 9 of 17 records failed")
    assert config["results_path"] in last
    assert [line["outcome"] for line in again.results].count("unchanged") == 8
    assert again.states == []  # failures above the limit: STATE held back
    assert_no_secrets(again, config)


def test_dry_run_changes_nothing_and_reports_planned(sandbox, config, data, mixed, tmp_path):
    messages, expected, _ = mixed
    config.update(dry_run=True, max_failures=100)
    run = run_subprocess(config, messages, tmp_path)
    assert run.returncode == 0, run.stderr
    assert dataset(sandbox.base_url) == data
    assert not any("update" in ep or "activate" in ep or "partial_edit" in ep
                   for ep in stats(sandbox.base_url))
    outcomes = run.by_seq()
    for seq, reason in expected.items():
        assert outcomes[seq]["outcome"] == ("planned" if reason is None else "failed")
        assert outcomes[seq]["dry_run"] is True
    assert run.states == []
    assert "Dry run: would call POST /product/202309/products/{product_id}/inventory/update" \
        in run.stderr


def test_seller_sku_only_records_resolve_with_filtered_search(sandbox, config, data, tmp_path):
    shop_id = data["shops"][0]["id"]
    products = [pick(data, skip=i, warehouses=1) for i in range(3)]
    messages = [schema("inventory"), schema("prices")]
    for i, product in enumerate(products):
        messages.append(record("inventory", shop_id=shop_id,
                               seller_sku=sku_of(product)["seller_sku"], quantity=60 + i))
        messages.append(record("prices", shop_id=shop_id,
                               seller_sku=sku_of(product)["seller_sku"], amount=f"{3 + i}.25",
                               currency="GBP"))
    run = run_subprocess(config, messages, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.outcomes() == ["applied"] * 6
    after = products_by_id(dataset(sandbox.base_url))
    for i, product in enumerate(products):
        sku = after[product["id"]]["skus"][0]
        assert sku["inventory"][0]["quantity"] == 60 + i
        assert sku["price"]["sale_price"] == f"{3 + i}.25"
    # one filtered search (3 seller SKUs <= 10), reused by the prices stream; no Get Product
    assert calls_to(sandbox.base_url, "products/search") == 1
    assert "GET /product/202309/products/{product_id}" not in stats(sandbox.base_url)


def test_one_inventory_update_call_per_product(sandbox, config, data, tmp_path):
    multi = pick(data, skus=2, warehouses=2)
    single = pick(data, skus=2, warehouses=1)
    messages = [schema("inventory")]
    expected = {}
    for product in (multi, single):
        for sku in product["skus"]:
            for n, entry in enumerate(sku["inventory"]):
                quantity = 700 + n
                messages.append(record("inventory", shop_id=product["shop_id"],
                                       product_id=product["id"], sku_id=sku["id"],
                                       warehouse_id=entry["warehouse_id"], quantity=quantity))
                expected[(product["id"], sku["id"], entry["warehouse_id"])] = quantity
    run = run_subprocess(config, messages, tmp_path)
    assert run.returncode == 0, run.stderr
    assert set(run.outcomes()) == {"applied"}
    endpoint = "POST /product/202309/products/{product_id}/inventory/update"
    assert stats(sandbox.base_url)[endpoint] == {"ok": 2}
    after = products_by_id(dataset(sandbox.base_url))
    for (product_id, sku_id, warehouse_id), quantity in expected.items():
        sku = next(s for s in after[product_id]["skus"] if s["id"] == sku_id)
        assert {e["warehouse_id"]: e["quantity"] for e in sku["inventory"]}[warehouse_id] == \
            quantity


def test_locked_sku_fails_per_record_and_the_rest_applies(sandbox, config, data, tmp_path):
    product = pick(data, skus=2, warehouses=1)
    free, locked = product["skus"][0], product["skus"][1]
    admin(sandbox.base_url, "/sandbox/skus/lock", {"sku_ids": [locked["id"]]})
    messages = [schema("inventory"), schema("prices")]
    for sku, quantity, amount in ((free, 42, "11.11"), (locked, 43, "12.12")):
        messages.append(record("inventory", shop_id=product["shop_id"],
                               product_id=product["id"], sku_id=sku["id"], quantity=quantity))
        messages.append(record("prices", shop_id=product["shop_id"], product_id=product["id"],
                               sku_id=sku["id"], amount=amount, currency="GBP"))
    config["max_failures"] = 2
    run = run_subprocess(config, messages, tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.by_seq()
    assert [lines[s]["outcome"] for s in (1, 2, 3, 4)] == ["applied", "applied", "failed",
                                                           "failed"]
    assert lines[3]["code"] == 12052393  # inventory: locked for a promotion
    assert lines[4]["code"] == 12052038  # price: locked by a promotion
    for seq in (3, 4):
        assert lines[seq]["request_id"]
        assert lines[seq]["message"]
    # one inventory call for the product (per-item error inside code 0)
    assert stats(sandbox.base_url)[
        "POST /product/202309/products/{product_id}/inventory/update"] == {"ok": 1}
    after = products_by_id(dataset(sandbox.base_url))[product["id"]]
    assert after["skus"][0]["inventory"][0]["quantity"] == 42
    assert after["skus"][0]["price"]["sale_price"] == "11.11"
    assert after["skus"][1]["inventory"] == locked["inventory"]
    assert after["skus"][1]["price"]["sale_price"] == locked["price"]["sale_price"]


def test_state_passthrough_and_exit_codes(sandbox, config, data, tmp_path):
    product = pick(data)
    tap_state = {"bookmarks": {"stock": {"replication_key_value": "2025-03-01T00:00:00Z",
                                         "partitions": [{"context": {"shop_id": "1"}}]}},
                 "currently_syncing": None}
    messages = [schema("inventory"),
                record("inventory", shop_id=product["shop_id"], product_id=product["id"],
                       sku_id=sku_of(product)["id"], quantity=12),
                state({"bookmarks": {}}),
                record("inventory", shop_id=product["shop_id"], product_id=product["id"],
                       sku_id=sku_of(product)["id"], quantity=13),
                state(tap_state)]
    ok = run_subprocess(config, messages, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.states == [tap_state]
    assert ok.outcomes() == ["superseded", "applied"]


def test_authorization_failure_stops_cleanly_without_leaking_secrets(sandbox, config, data,
                                                                     tmp_path):
    admin(sandbox.base_url, "/sandbox/tokens/revoke", {})
    product = pick(data)
    run = run_subprocess(config, [
        schema("inventory"),
        record("inventory", shop_id=product["shop_id"], product_id=product["id"],
               sku_id=sku_of(product)["id"], quantity=5),
        state({"s": 1}),
    ], tmp_path)
    assert run.returncode != 0
    assert run.states == []
    assert run.outcomes() == ["failed"]
    assert run.results[0]["reason"].startswith("not attempted:")
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("target-tiktokshop: error:")
    assert "Traceback" not in run.stderr
    assert_no_secrets(run, config)


def test_unknown_stream_exit_status(config, tmp_path):
    run = run_subprocess(config, [schema("stock", "inventory"), record("stock", quantity=1)],
                         tmp_path)
    assert run.returncode == 2
    last = run.stderr.strip().splitlines()[-1]
    assert "stream 'stock'" in last and "inventory, prices, products" in last
    config["unknown_streams"] = "ignore"
    ignored = run_subprocess(config, [schema("stock", "inventory"), record("stock", quantity=1),
                                      record("stock", quantity=2), state({"s": 9})], tmp_path)
    assert ignored.returncode == 0, ignored.stderr
    assert ignored.stderr.count("Ignoring stream 'stock'") == 1
    assert ignored.states == [{"s": 9}]
    assert ignored.results == []
