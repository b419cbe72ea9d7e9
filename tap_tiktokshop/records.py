"""Record shaping: ISO-8601 timestamp siblings and the flat child rows.

TikTok gives times as Unix seconds; every integer ``*_time`` field also gets a
``*_time_iso`` sibling (UTC, ``Z``) so warehouses get real timestamp columns.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# Integer ``*_time`` fields that are durations, not Unix times (handling_time: days).
DURATION_FIELDS = frozenset({"handling_time"})
_ISO_CACHE: dict[int, str] = {}
_ISO_CACHE_LIMIT = 200_000


def iso_utc(seconds: int) -> str:
    """Unix seconds → ``YYYY-MM-DDTHH:MM:SSZ`` (cached: many records share seconds)."""
    text = _ISO_CACHE.get(seconds)
    if text is None:
        text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if len(_ISO_CACHE) < _ISO_CACHE_LIMIT:
            _ISO_CACHE[seconds] = text
    return text


def add_iso_times(value: Any) -> Any:
    """Add ``<name>_iso`` next to every integer ``<name>`` ending in ``_time``, in place."""
    if isinstance(value, dict):
        extra = None
        for key, item in value.items():
            if isinstance(item, dict | list):
                add_iso_times(item)
            elif (key.endswith("_time") and type(item) is int and item > 0
                  and key not in DURATION_FIELDS):
                if extra is None:
                    extra = {}
                extra[key + "_iso"] = iso_utc(item)
        if extra:
            value.update(extra)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                add_iso_times(item)
    return value


def product_sku_rows(shop_id: str, product: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per SKU and warehouse (a SKU without inventory gives one row, warehouse '')."""
    rows = []
    update_time = product.get("update_time")
    for sku in product.get("skus") or []:
        price = sku.get("price") or {}
        base = {
            "shop_id": shop_id,
            "product_id": product.get("id"),
            "sku_id": sku.get("id"),
            "seller_sku": sku.get("seller_sku"),
            "price": price.get("sale_price"),
            "tax_exclusive_price": price.get("tax_exclusive_price"),
            "currency": price.get("currency"),
            "product_status": product.get("status"),
            "product_update_time": update_time,
        }
        inventory = sku.get("inventory") or [{}]
        for stock in inventory:
            row = dict(base)
            row["warehouse_id"] = stock.get("warehouse_id") or ""
            row["quantity"] = stock.get("quantity")
            rows.append(add_iso_times(row))
    return rows


LINE_ITEM_FIELDS = (
    "id", "product_id", "sku_id", "seller_sku", "sku_name", "product_name", "original_price",
    "sale_price", "seller_discount", "platform_discount", "currency", "display_status",
    "package_status", "is_gift",
)


def order_line_item_rows(shop_id: str, order: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per order line item, joinable to product_skus on (shop_id, sku_id)."""
    rows = []
    for item in order.get("line_items") or []:
        row = {name: item.get(name) for name in LINE_ITEM_FIELDS}
        row["shop_id"] = shop_id
        row["order_id"] = order.get("id")
        row["order_status"] = order.get("status")
        row["order_update_time"] = order.get("update_time")
        rows.append(add_iso_times(row))
    return rows
