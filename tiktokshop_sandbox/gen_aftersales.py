"""Returns and cancellations, each referencing a real order of the same shop."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .gen_common import (
    DAY,
    END_EPOCH,
    Columns,
    cents,
    fmt_cents,
    make_id,
    money,
    rng_for,
    weighted,
)
from .gen_shops import SeededShop

RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING", "REFUND_OR_RETURN_REQUEST_REJECT", "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM", "REJECT_RECEIVE_PACKAGE", "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL", "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "REPLACEMENT_REQUEST_PENDING", "REPLACEMENT_REQUEST_REJECT",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS", "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE", "AWAITING_BUYER_RESPONSE",
)
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
ARBITRATION_STATUSES = ("IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED")
_RETURN_TYPE_WEIGHTS = (("REFUND", 35), ("RETURN_AND_REFUND", 55), ("REPLACEMENT", 10))
_RETURN_STATUS_WEIGHTS = {
    "REFUND": (
        ("RETURN_OR_REFUND_REQUEST_PENDING", 10), ("REFUND_OR_RETURN_REQUEST_REJECT", 8),
        ("RETURN_OR_REFUND_REQUEST_SUCCESS", 20), ("RETURN_OR_REFUND_REQUEST_CANCEL", 7),
        ("RETURN_OR_REFUND_REQUEST_COMPLETE", 55),
    ),
    "RETURN_AND_REFUND": (
        ("RETURN_OR_REFUND_REQUEST_PENDING", 8), ("AWAITING_BUYER_SHIP", 10),
        ("BUYER_SHIPPED_ITEM", 10), ("REJECT_RECEIVE_PACKAGE", 3),
        ("RETURN_OR_REFUND_REQUEST_SUCCESS", 14), ("RETURN_OR_REFUND_REQUEST_CANCEL", 5),
        ("RETURN_OR_REFUND_REQUEST_COMPLETE", 50),
    ),
    "REPLACEMENT": (
        ("REPLACEMENT_REQUEST_PENDING", 15), ("REPLACEMENT_REQUEST_REJECT", 10),
        ("REPLACEMENT_REQUEST_REFUND_SUCCESS", 10), ("REPLACEMENT_REQUEST_CANCEL", 10),
        ("REPLACEMENT_REQUEST_COMPLETE", 55),
    ),
}
_PENDING = {"RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING",
            "CANCELLATION_REQUEST_PENDING"}
CANCEL_STATUSES = (
    "CANCELLATION_REQUEST_PENDING", "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL", "CANCELLATION_REQUEST_COMPLETE",
)
CANCEL_TYPES = ("CANCEL", "BUYER_CANCEL")
RETURN_REASONS = (("ecom_order_delivered_refund_and_return_reason_damaged", "Item damaged"),
                  ("ecom_order_delivered_refund_and_return_reason_wrong_item", "Wrong item"),
                  ("ecom_order_delivered_refund_and_return_reason_not_as_described",
                   "Not as described"))
CANCEL_REASONS = (("ecom_order_cancel_reason_change_mind", "No longer needed"),
                  ("ecom_order_cancel_reason_out_of_stock", "Out of stock"),
                  ("ecom_order_cancel_reason_address", "Need to change address"))


def _pick(rng, orders: Columns, count: int, preferred: Callable[[str], bool]) -> list[int]:
    first = [i for i, s in enumerate(orders.status) if preferred(s)]
    rest = [i for i, s in enumerate(orders.status) if not preferred(s)]
    picked = rng.sample(first, min(count, len(first)))
    picked += rng.sample(rest, count - len(picked))
    return sorted(picked)


def _tie_and_append(rng, cols: Columns, shop: SeededShop, kind: str, rows: list[tuple]) -> None:
    """Append rows sorted by create time; ~10% share both timestamps with the previous row."""
    rows.sort(key=lambda r: (r[1], r[0]))
    counter = 0
    for order_idx, create, update, status, extra, order_create in rows:
        counter += rng.randint(1_000, 50_000)
        if cols.create and rng.random() < 0.1 and cols.create[-1] >= order_create:
            create, update = cols.create[-1], cols.update[-1]
        cols.append(make_id(kind, shop.idx, counter), create, update, status,
                    order=order_idx, **extra)


def build_return_columns(seed: int, shop: SeededShop, orders: Columns, count: int) -> Columns:
    rng = rng_for(seed, "return-core", shop.idx)
    picked = _pick(rng, orders, count, lambda s: s in ("DELIVERED", "COMPLETED", "IN_TRANSIT"))
    rows = []
    for oi in picked:
        rtype = weighted(rng, _RETURN_TYPE_WEIGHTS)
        status = weighted(rng, _RETURN_STATUS_WEIGHTS[rtype])
        o_create = orders.create[oi]
        create = min(max(orders.update[oi], o_create) + rng.randint(3_600, 20 * DAY),
                     END_EPOCH - 1)
        update = create if status in _PENDING else min(create + rng.randint(60, 10 * DAY),
                                                       END_EPOCH - 1)
        arbitration = ""
        if status in ("REFUND_OR_RETURN_REQUEST_REJECT", "REJECT_RECEIVE_PACKAGE") and (
                rng.random() < 0.5):
            arbitration = rng.choice(ARBITRATION_STATUSES)
        rows.append((oi, create, update, status, {"rtype": rtype, "arb": arbitration},
                     o_create))
    cols = Columns()
    _tie_and_append(rng, cols, shop, "return", rows)
    return cols


def build_cancel_columns(seed: int, shop: SeededShop, orders: Columns, count: int) -> Columns:
    rng = rng_for(seed, "cancel-core", shop.idx)
    picked = _pick(rng, orders, count, lambda s: s == "CANCELLED")
    rows = []
    for oi in picked:
        o_create, o_update = orders.create[oi], orders.update[oi]
        buyer = rng.random() < 0.7
        if orders.status[oi] == "CANCELLED":
            status = "CANCELLATION_REQUEST_COMPLETE" if rng.random() < 0.7 else (
                "CANCELLATION_REQUEST_SUCCESS")
            create = max(o_create, o_update - rng.randint(60, 3_600))
            update = o_update
        else:
            status = "CANCELLATION_REQUEST_CANCEL"
            if orders.status[oi] in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT") and buyer:
                status = "CANCELLATION_REQUEST_PENDING" if rng.random() < 0.4 else status
            create = min(o_create + rng.randint(600, DAY), END_EPOCH - 1)
            update = create if status in _PENDING else min(create + rng.randint(60, DAY),
                                                           END_EPOCH - 1)
        extra = {"ctype": "BUYER_CANCEL" if buyer else "CANCEL",
                 "role": "BUYER" if buyer else rng.choice(("SELLER", "SYSTEM"))}
        rows.append((oi, create, update, status, extra, o_create))
    cols = Columns()
    _tie_and_append(rng, cols, shop, "cancel", rows)
    return cols


def _refund(currency: str, subtotal: Decimal, shipping: Decimal = Decimal(0)) -> dict:
    return {
        "currency": currency,
        "refund_subtotal": money(subtotal),
        "refund_shipping_fee": money(shipping),
        "refund_tax": "0.00",
        "refund_total": money(subtotal + shipping),
        "buyer_service_fee": "0.00",
        "retail_delivery_fee": "0.00",
    }


def _chosen_lines(rng, order: dict) -> list[dict]:
    lines = order["line_items"]
    return lines[: rng.randint(1, len(lines))]


def build_return(seed: int, shop: SeededShop, cols: Columns, idx: int, order: dict) -> dict:
    rng = rng_for(seed, "return", shop.idx, idx)
    status, rtype = cols.status[idx], cols.extra["rtype"][idx]
    return_id = cols.id_ints[idx]
    lines = _chosen_lines(rng, order)
    items = []
    for n, line in enumerate(lines):
        items.append({
            "return_line_item_id": str(return_id + 100 + n),
            "order_line_item_id": line["id"],
            "sku_id": line["sku_id"],
            "seller_sku": line["seller_sku"],
            "sku_name": line["sku_name"],
            "product_name": line["product_name"],
            "product_image": {"url": line["sku_image"]},
            "refund_amount": _refund(shop.currency, Decimal(line["sale_price"])),
        })
    reason, reason_text = rng.choice(RETURN_REASONS)
    record = {
        "return_id": str(return_id),
        "order_id": order["id"],
        "return_type": rtype,
        "return_status": status,
        "role": "BUYER",
        "create_time": cols.create[idx],
        "update_time": cols.update[idx],
        "return_reason": reason,
        "return_reason_text": reason_text,
        "refund_amount": _refund(shop.currency,
                                 sum((Decimal(li["sale_price"]) for li in lines), Decimal(0))),
        "return_line_items": items,
        "is_combined_return": False,
        "can_buyer_keep_item": rtype == "REFUND",
    }
    if cols.extra["arb"][idx]:
        record["arbitration_status"] = cols.extra["arb"][idx]
    record["discount_amount"] = [{
        "currency": shop.currency,
        "product_seller_discount": fmt_cents(sum(cents(li["seller_discount"]) for li in lines)),
        "product_platform_discount": fmt_cents(
            sum(cents(li["platform_discount"]) for li in lines)),
        "shipping_fee_seller_discount": "0.00",
        "shipping_fee_platform_discount": "0.00",
    }]
    if rtype == "RETURN_AND_REFUND":
        record.update(return_method="PLATFORM_SHIPPED", shipment_type="PLATFORM",
                      handover_method="DROP_OFF", return_shipping_document_type="SHIPPING_LABEL",
                      return_warehouse_address={
                          "full_address": shop.warehouses[0]["address"]["full_address"]},
                      shipping_fee_amount=[{
                          "currency": shop.currency, "buyer_paid_return_shipping_fee": "0.00",
                          "platform_paid_return_shipping_fee": "0.00",
                          "seller_paid_return_shipping_fee": "2.99"}])
        if status in ("BUYER_SHIPPED_ITEM", "REJECT_RECEIVE_PACKAGE",
                      "RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"):
            record.update(return_tracking_number=f"RTN{return_id % 10**10:010d}",
                          return_provider_id="6617675021119438849",
                          return_provider_name="Royal Mail")
    if status in _PENDING:
        record["seller_next_action_response"] = [
            {"action": "SELLER_RESPOND_RETURN", "deadline": cols.create[idx] + 2 * DAY}]
    return record


def build_cancellation(seed: int, shop: SeededShop, cols: Columns, idx: int, order: dict) -> dict:
    rng = rng_for(seed, "cancel", shop.idx, idx)
    cancel_id = cols.id_ints[idx]
    lines = order["line_items"]
    items = [{
        "cancel_line_item_id": str(cancel_id + 100 + n),
        "order_line_item_id": line["id"],
        "sku_id": line["sku_id"],
        "seller_sku": line["seller_sku"],
        "sku_name": line["sku_name"],
        "product_name": line["product_name"],
        "product_image": {"url": line["sku_image"], "width": 800, "height": 800},
        "refund_amount": _refund(shop.currency, Decimal(line["sale_price"])),
    } for n, line in enumerate(lines)]
    reason, reason_text = rng.choice(CANCEL_REASONS)
    subtotal = sum((Decimal(li["sale_price"]) for li in lines), Decimal(0))
    record = {
        "cancel_id": str(cancel_id),
        "order_id": order["id"],
        "cancel_type": cols.extra["ctype"][idx],
        "cancel_status": cols.status[idx],
        "role": cols.extra["role"][idx],
        "cancel_reason": reason,
        "cancel_reason_text": reason_text,
        "create_time": cols.create[idx],
        "update_time": cols.update[idx],
        "refund_amount": _refund(shop.currency, subtotal,
                                 Decimal(order["payment"]["shipping_fee"])),
        "cancel_line_items": items,
    }
    if cols.status[idx] in _PENDING:
        record["seller_next_action_response"] = [
            {"action": "SELLER_RESPOND_CANCELLATION", "deadline": cols.create[idx] + DAY}]
    return record
