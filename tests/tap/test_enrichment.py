"""Record shaping: ISO siblings, SKU rows, line-item rows."""

from __future__ import annotations

from tap_tiktokshop.enrichment import add_iso_times, order_line_item_rows, product_sku_rows


def test_iso_siblings_at_every_level_but_not_for_durations() -> None:
    rec = {"update_time": 1700000000, "skus": [{"inventory": [{"handling_time": 5}]}],
           "line_items": [{"rts_time": 1700000001}], "paid_time": 0}
    add_iso_times(rec)
    assert rec["update_time_iso"] == "2023-11-14T22:13:20Z"
    assert rec["line_items"][0]["rts_time_iso"] == "2023-11-14T22:13:21Z"
    assert "handling_time_iso" not in rec["skus"][0]["inventory"][0]
    assert "paid_time_iso" not in rec


def test_sku_rows_one_per_warehouse() -> None:
    product = {"id": "p", "status": "ACTIVATE", "update_time": 1700000000, "skus": [
        {"id": "s1", "seller_sku": "A", "price": {"sale_price": "1.00", "currency": "USD"},
         "inventory": [{"warehouse_id": "w1", "quantity": 3},
                       {"warehouse_id": "w2", "quantity": 0}]},
        {"id": "s2", "seller_sku": "B"},
    ]}
    rows = product_sku_rows("shop", product)
    assert [(r["sku_id"], r["warehouse_id"], r["quantity"]) for r in rows] == [
        ("s1", "w1", 3), ("s1", "w2", 0), ("s2", "", None)]
    assert rows[0]["price"] == "1.00" and rows[0]["product_update_time_iso"]


def test_line_item_rows() -> None:
    order = {"id": "o", "status": "COMPLETED", "update_time": 1700000000,
             "line_items": [{"id": "l1", "sku_id": "s1", "sale_price": "2.50"}]}
    (row,) = order_line_item_rows("shop", order)
    assert row["order_id"] == "o" and row["shop_id"] == "shop" and row["sku_id"] == "s1"
    assert row["order_status"] == "COMPLETED"
