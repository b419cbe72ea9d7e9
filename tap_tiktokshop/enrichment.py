"""Record shaping: ISO-8601 timestamp siblings and the flat child rows.

TikTok gives times as Unix seconds; every integer ``*_time`` field also gets a
``*_time_iso`` sibling (UTC, ``Z``) so warehouses get real timestamp columns.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# Integer ``*_time`` fields that are durations, not Unix times (handling_time: days).
DURATION_FIELDS = frozenset({"handling_time"})
SECONDS_PER_DAY = 86_400
_DAY_PREFIX: dict[int, str] = {}  # day number -> "YYYY-MM-DDT"
_DAY_PREFIX_LIMIT = 100_000
_HOUR = [f"{h:02d}:" for h in range(24)]
_MINUTE_SECOND = [f"{m:02d}:{s:02d}Z" for m in range(60) for s in range(60)]
_ISO_NAME: dict[str, str | None] = {}  # field name -> "<name>_iso", or None if not a time
_ISO_NAME_LIMIT = 10_000
# Per object shape (its keys and the types of its values): which keys hold a Unix time
# and which hold nested objects or lists. Records of one stream come in a few shapes, so
# the walk below visits only those keys instead of testing every value of every object.
_PLANS: dict[tuple[tuple, tuple], tuple[tuple, tuple, tuple]] = {}
_PLANS_LIMIT = 4_096
_PLAN_FROM = 8  # objects with fewer keys are walked key by key


def iso_utc(seconds: int) -> str:
    """Unix seconds → ``YYYY-MM-DDTHH:MM:SSZ`` (the date part is cached per day)."""
    day, rest = divmod(seconds, SECONDS_PER_DAY)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = datetime.fromtimestamp(day * SECONDS_PER_DAY, tz=timezone.utc).strftime(
            "%Y-%m-%dT")
        if len(_DAY_PREFIX) < _DAY_PREFIX_LIMIT:
            _DAY_PREFIX[day] = prefix
    hour, rest = divmod(rest, 3600)
    return prefix + _HOUR[hour] + _MINUTE_SECOND[rest]


def _iso_name(key: str) -> str | None:
    """``<key>_iso`` for a ``*_time`` field that is not a duration, else None (cached)."""
    name = _ISO_NAME.get(key, False)
    if name is False:
        name = key + "_iso" if key.endswith("_time") and key not in DURATION_FIELDS else None
        if len(_ISO_NAME) < _ISO_NAME_LIMIT:
            _ISO_NAME[key] = name
    return name  # type: ignore[return-value]


def add_iso_times(value: Any) -> Any:
    """Add ``<name>_iso`` next to every integer ``<name>`` ending in ``_time``, in place."""
    if isinstance(value, dict):
        _add_to_dict(value)
    elif isinstance(value, list):
        _add_to_list(value)
    return value


def _plan(keys: tuple, kinds: tuple) -> tuple[tuple, tuple, tuple]:
    """(time keys with their ``_iso`` names, object keys, list keys) of one shape."""
    times, dicts, lists = [], [], []
    for key, kind in zip(keys, kinds, strict=True):
        if kind is int:
            name = _iso_name(key)
            if name is not None:
                times.append((key, name))
        elif issubclass(kind, dict):
            dicts.append(key)
        elif issubclass(kind, list):
            lists.append(key)
    return tuple(times), tuple(dicts), tuple(lists)


def _add_to_dict(value: dict[str, Any]) -> None:
    extra = None
    if len(value) >= _PLAN_FROM:
        shape = (tuple(value), tuple(map(type, value.values())))
        plan = _PLANS.get(shape)
        if plan is None:
            plan = _plan(*shape)
            if len(_PLANS) >= _PLANS_LIMIT:
                _PLANS.clear()
            _PLANS[shape] = plan
        times, dicts, lists = plan
        for key, name in times:
            item = value[key]
            if item > 0:
                if extra is None:
                    extra = []
                extra.append((name, iso_utc(item)))
        for key in dicts:
            _add_to_dict(value[key])
        for key in lists:
            _add_to_list(value[key])
    else:
        for key, item in value.items():
            kind = type(item)
            if kind is str or item is None:
                continue
            if kind is int:
                if item > 0:
                    name = _iso_name(key)
                    if name is not None:
                        if extra is None:
                            extra = []
                        extra.append((name, iso_utc(item)))
            elif isinstance(item, dict):
                _add_to_dict(item)
            elif isinstance(item, list):
                _add_to_list(item)
    if extra:
        value.update(extra)


def _add_to_list(value: list[Any]) -> None:
    for item in value:
        kind = type(item)
        if kind is str:
            continue
        if kind is dict or isinstance(item, dict):
            _add_to_dict(item)
        elif kind is list or isinstance(item, list):
            _add_to_list(item)


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
