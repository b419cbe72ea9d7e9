"""Grouping, resolution, last-wins and skip-unchanged rules (stubbed client)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from target_tiktokshop.changes import Change, parse_record
from target_tiktokshop.planner import Plan, format_amount, lookup_needs, plan_changes
from target_tiktokshop.product_cache import ShopCatalog
from tests.support.stub_client import SHOP, StubClient, make_product


def plan(stream: str, records: Sequence[dict], products: list[dict], *,
         skip_unchanged: bool = True) -> tuple[Plan, StubClient]:
    client = StubClient(products)
    catalog = ShopCatalog(client, SHOP)  # type: ignore[arg-type]
    changes: list[Change] = []
    for seq, raw in enumerate(records, start=1):
        change = parse_record(stream, seq, {"shop_id": SHOP.id, **raw})
        assert isinstance(change, Change), change
        changes.append(change)
    catalog.prefetch(*lookup_needs(stream, changes, skip_unchanged=skip_unchanged))
    return plan_changes(stream, changes, catalog, skip_unchanged=skip_unchanged), client


def outcomes(result: Plan) -> dict[int, tuple[str, str | None]]:
    return {o.seq: (o.outcome, o.reason) for o in result.outcomes}


def test_inventory_one_call_per_product_with_every_warehouse():
    products = [make_product(1, skus=3, warehouses=2, quantity=5), make_product(2)]
    result, _ = plan("inventory", [
        {"product_id": "P1", "sku_id": "S1-0", "warehouse_id": "W0", "quantity": 9},
        {"product_id": "P1", "sku_id": "S1-2", "warehouse_id": "W1", "quantity": 0},
        {"seller_sku": "SSKU-2-0", "quantity": 3},
    ], products)
    assert result.outcomes == []
    assert [(c.kind, c.product_id) for c in result.calls] == [("inventory", "P1"),
                                                              ("inventory", "P2")]
    assert result.calls[0].body == {"skus": [
        {"id": "S1-0", "inventory": [{"warehouse_id": "W0", "quantity": 9},
                                     {"warehouse_id": "W1", "quantity": 5}]},
        {"id": "S1-2", "inventory": [{"warehouse_id": "W0", "quantity": 5},
                                     {"warehouse_id": "W1", "quantity": 0}]},
    ]}
    # the single warehouse of a SKU is filled in, and so are the resolved ids
    assert result.calls[1].body == {"skus": [{"id": "S2-0", "inventory": [
        {"warehouse_id": "W0", "quantity": 3}]}]}
    keys = result.details[3].keys
    assert (keys.product_id, keys.sku_id, keys.warehouse_id) == ("P2", "S2-0", "W0")


def test_inventory_last_record_wins_and_unchanged_is_skipped():
    products = [make_product(1, skus=2, quantity=5)]
    result, _ = plan("inventory", [
        {"product_id": "P1", "sku_id": "S1-0", "quantity": 1},
        {"seller_sku": "SSKU-1-0", "quantity": 2},
        {"product_id": "P1", "sku_id": "S1-0", "quantity": 3},
        {"product_id": "P1", "sku_id": "S1-1", "quantity": 5},
    ], products)
    assert outcomes(result) == {1: ("superseded", None), 2: ("superseded", None),
                                4: ("unchanged", None)}
    assert {o.seq: o.superseded_by for o in result.outcomes} == {1: 3, 2: 3, 4: None}
    assert len(result.calls) == 1
    assert [p.seq for p in result.calls[0].parts] == [3]


def test_inventory_unchanged_sent_when_skip_unchanged_is_off():
    result, _ = plan("inventory", [{"product_id": "P1", "sku_id": "S1-0", "quantity": 5}],
                     [make_product(1, quantity=5)], skip_unchanged=False)
    assert result.outcomes == []
    assert len(result.calls) == 1


def test_inventory_resolution_failures():
    products = [make_product(1, warehouses=2), make_product(2)]
    result, _ = plan("inventory", [
        {"product_id": "P1", "sku_id": "S1-0", "quantity": 1},
        {"product_id": "P1", "sku_id": "S1-0", "warehouse_id": "W9", "quantity": 1},
        {"product_id": "P1", "sku_id": "S9", "quantity": 1},
        {"product_id": "P404", "sku_id": "S9", "quantity": 1},
        {"seller_sku": "NOPE", "quantity": 1},
        {"product_id": "P2", "sku_id": "S2-0", "seller_sku": "SSKU-1-0", "quantity": 1},
    ], products)
    got = outcomes(result)
    assert all(outcome == "failed" for outcome, _ in got.values())
    assert "stocked in 2 warehouses (W0, W1); give warehouse_id" in got[1][1]
    assert "warehouse_id W9 is not a warehouse of SKU S1-0" in got[2][1]
    assert "unknown sku_id S9 in product P1" in got[3][1]
    assert "unknown product_id P404" in got[4][1]
    assert "unknown seller_sku 'NOPE'" in got[5][1]
    assert "has seller_sku 'SSKU-2-0', not 'SSKU-1-0'" in got[6][1]
    assert result.calls == []


def test_prices_grouped_per_product_and_currency_checked():
    products = [make_product(1, skus=2, price="10.00"), make_product(2, currency="USD")]
    result, _ = plan("prices", [
        {"product_id": "P1", "sku_id": "S1-0", "amount": "12.5", "currency": "GBP"},
        {"seller_sku": "SSKU-1-1", "amount": 8, "currency": "GBP", "list_price_amount": "20"},
        {"product_id": "P2", "sku_id": "S2-0", "amount": "3.00", "currency": "GBP"},
        {"product_id": "P1", "sku_id": "S1-0", "amount": "10", "currency": "GBP"},
    ], products)
    got = outcomes(result)
    assert got[3][0] == "failed"
    assert "does not match the shop's currency USD" in got[3][1]
    # record 4 supersedes record 1 and equals the current price: unchanged
    assert got[1] == ("superseded", None)
    assert got[4] == ("unchanged", None)
    assert len(result.calls) == 1
    assert result.calls[0].body == {"skus": [{
        "id": "S1-1", "price": {"amount": "8.00", "currency": "GBP"},
        "list_price": {"amount": "20.00", "currency": "GBP"},
    }]}


def test_zero_decimal_currencies():
    assert format_amount(Decimal("1200"), "JPY") == "1200"
    assert format_amount(Decimal("12.5"), "JPY") is None
    assert format_amount(Decimal("12.5"), "EUR") == "12.50"


def test_products_partial_edit_sends_only_given_properties():
    products = [make_product(1), make_product(2)]
    result, client = plan("products", [
        {"product_id": "P1", "title": "New title"},
        {"product_id": "P2", "description": "<p>About 2</p>"},  # same as TikTok's
        {"product_id": "P2", "title": "Product 2"},  # same as TikTok's
    ], products)
    assert outcomes(result) == {2: ("unchanged", None), 3: ("unchanged", None)}
    assert [(c.kind, c.product_id, c.body) for c in result.calls] == [
        ("edit", "P1", {"title": "New title"})]
    # two products: two Get Product calls (no scan), which also give the description
    assert sorted(c.path_params["product_id"] for c in client.calls) == ["P1", "P2"]


def test_products_status_calls_hold_at_most_twenty_ids():
    products = [make_product(i) for i in range(45)]
    products.append(make_product(99, status="SELLER_DEACTIVATED"))
    records = [{"product_id": f"P{i}", "status": "SELLER_DEACTIVATED"} for i in range(45)]
    records.append({"product_id": "P99", "status": "ACTIVATE"})
    records.append({"product_id": "P0", "status": "SELLER_DEACTIVATED", "title": "T"})
    result, _ = plan("products", records, products)
    kinds = [(c.kind, len(c.body.get("product_ids", []))) for c in result.calls]
    assert kinds == [("edit", 0), ("activate", 1), ("deactivate", 20), ("deactivate", 20),
                     ("deactivate", 5)]
    # record 1 (P0 status) is superseded by record 47, which also sets the title
    assert outcomes(result) == {1: ("superseded", None)}


def test_products_record_with_only_superseded_fields():
    result, _ = plan("products", [
        {"product_id": "P1", "title": "A", "description": "x"},
        {"product_id": "P1", "title": "B"},
        {"product_id": "P1", "description": "y"},
    ], [make_product(1)])
    assert outcomes(result) == {1: ("superseded", None)}
    assert result.calls[0].body == {"title": "B", "description": "y"}
    assert sorted(p.seq for p in result.calls[0].parts) == [2, 3]
