"""Record shaping and the client-side rate limiter."""

from __future__ import annotations

import threading

from tap_tiktokshop.records import add_iso_times, order_line_item_rows, product_sku_rows
from tiktokshop.ratelimit import RateLimiter
from tiktokshop.redact import Redactor


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


def test_rate_limiter_spaces_calls_per_key() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire("a")
    limiter.acquire("b")
    assert [round(w, 3) for w in waits] == [0.1, 0.2, 0.3, 0.4]
    assert RateLimiter(0).acquire("x") == 0.0


def test_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(1000)
    threads = [threading.Thread(target=limiter.acquire, args=("k",)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert max(limiter._next_slot.values()) > 0


def test_redactor_masks_every_secret() -> None:
    redactor = Redactor(["secret-one", "abc", None])
    assert redactor.scrub("x secret-one y abc") == "x *** y abc"
