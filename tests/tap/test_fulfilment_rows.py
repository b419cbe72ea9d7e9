"""Child rows of returns and packages, and the full line-item rows."""

from __future__ import annotations

import copy

from tap_tiktokshop.enrichment import (
    add_iso_times,
    order_line_item_rows,
    package_order_rows,
    return_line_item_rows,
    sum_amounts,
)


def test_line_item_rows_take_every_field_and_sum_the_item_tax() -> None:
    line = {"id": "l1", "sku_id": "s1", "tracking_number": "T1", "package_id": "p1",
            "rts_time": 1700000001, "new_field_2027": "kept for the drift report",
            "item_tax": [{"tax_type": "VAT", "tax_amount": "1.10", "tax_rate": "0.2"},
                         {"tax_type": "SALES_TAX", "tax_amount": "0.25", "tax_rate": "0.05"}]}
    order = {"id": "o", "status": "IN_TRANSIT", "update_time": 1700000000, "line_items": [line]}
    (row,) = order_line_item_rows("shop", order)
    assert {k: row[k] for k in line} == line
    assert row["item_tax_amount"] == "1.35"
    assert row["rts_time_iso"] == "2023-11-14T22:13:21Z"
    assert row["order_update_time_iso"] == "2023-11-14T22:13:20Z"
    assert (row["shop_id"], row["order_id"], row["order_status"]) == ("shop", "o", "IN_TRANSIT")
    assert "order_update_time_iso" not in line  # the order's own line item is left as it was
    enriched = add_iso_times(copy.deepcopy(order))  # as the tap has it: siblings everywhere
    assert order_line_item_rows("shop", enriched) == [row]


def test_item_tax_amount_is_null_without_taxes_or_with_a_bad_amount() -> None:
    order = {"id": "o", "line_items": [{"id": "a"}, {"id": "b", "item_tax": []},
                                       {"id": "c", "item_tax": [{"tax_amount": ""}]},
                                       {"id": "d", "item_tax": [{"tax_rate": "0.1"}]}]}
    assert [r["item_tax_amount"] for r in order_line_item_rows("shop", order)] == [
        None, None, None, None]
    assert sum_amounts([{"x": "0.1"}, {"x": "0.2"}], "x") == "0.3"
    assert sum_amounts([{"x": "NaN"}], "x") is None
    assert sum_amounts([{"x": None}], "x") is None


def test_return_line_rows_flatten_the_refund_amount() -> None:
    record = {"return_id": "r", "order_id": "o", "return_status": "AWAITING_BUYER_SHIP",
              "return_type": "RETURN_AND_REFUND", "update_time": 1700000000,
              "return_line_items": [
                  {"return_line_item_id": "rl1", "order_line_item_id": "l1", "sku_id": "s",
                   "product_image": {"url": "u"},
                   "refund_amount": {"currency": "GBP", "refund_total": "5.00",
                                     "refund_subtotal": "4.00", "refund_shipping_fee": "1.00",
                                     "refund_tax": "0.00"}},
                  {"return_line_item_id": "rl2", "order_line_item_id": "l2"}]}
    first, second = return_line_item_rows("shop", record)
    assert first == {
        "return_line_item_id": "rl1", "order_line_item_id": "l1", "sku_id": "s",
        "product_image": {"url": "u"}, "currency": "GBP", "refund_total": "5.00",
        "refund_subtotal": "4.00", "refund_shipping_fee": "1.00", "refund_tax": "0.00",
        "shop_id": "shop", "return_id": "r", "order_id": "o",
        "return_status": "AWAITING_BUYER_SHIP", "return_type": "RETURN_AND_REFUND",
        "return_update_time": 1700000000, "return_update_time_iso": "2023-11-14T22:13:20Z"}
    assert "refund_amount" not in second and second["return_line_item_id"] == "rl2"
    assert "refund_amount" in record["return_line_items"][0]  # the return keeps its lines


def test_package_order_rows_one_per_order() -> None:
    package = {"package_id": "p", "package_status": "FULFILLING", "update_time": 1700000000,
               "orders": [{"id": "o1", "skus": [{"id": "s", "quantity": 2}]}, {"id": "o2"}]}
    rows = package_order_rows("shop", package)
    assert [(r["package_id"], r["order_id"], r["skus"]) for r in rows] == [
        ("p", "o1", [{"id": "s", "quantity": 2}]), ("p", "o2", None)]
    assert all(r["package_status"] == "FULFILLING" and r["shop_id"] == "shop"
               and r["package_update_time_iso"] == "2023-11-14T22:13:20Z" for r in rows)
    assert package_order_rows("shop", {"package_id": "p"}) == []
