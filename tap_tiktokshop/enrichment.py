"""Record shaping: ISO-8601 timestamp siblings and the flat child rows.

TikTok gives times as Unix seconds; every integer ``*_time`` field also gets a
``*_time_iso`` sibling (UTC, ``Z``) so warehouses get real timestamp columns.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
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


def order_line_item_rows(shop_id: str, order: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per order line item, joinable to product_skus on (shop_id, sku_id).

    The row is the line item with every field TikTok sent (a shallow copy, the fastest way
    to take them all: fields the schema does not know yet are reported and dropped like any
    top-level drift), plus the order keys and ``item_tax_amount``, the sum of its
    ``item_tax`` entries (the array stays as it is).
    """
    rows = []
    order_id, status, updated = order.get("id"), order.get("status"), order.get("update_time")
    # An order that has its ``*_iso`` siblings has them on its line items too (``enrich``
    # walks the whole record): only the order's own update time is left to add.
    updated_iso = order.get("update_time_iso")
    for item in order.get("line_items") or []:
        row = dict(item)
        row["shop_id"] = shop_id
        row["order_id"] = order_id
        row["order_status"] = status
        row["order_update_time"] = updated
        taxes = row.get("item_tax")
        row["item_tax_amount"] = sum_amounts(taxes, "tax_amount") if taxes else None
        if updated_iso is None:
            add_iso_times(row)
        else:
            row["order_update_time_iso"] = updated_iso
        rows.append(row)
    return rows


def sum_amounts(entries: Any, key: str) -> str | None:
    """The exact sum of the decimal strings ``entries[i][key]``; None when one is not a
    decimal (a warehouse gets no number rather than a wrong one)."""
    total = Decimal(0)
    try:
        for entry in entries:
            total += Decimal(entry[key])
    except (ArithmeticError, TypeError, KeyError, ValueError):
        return None
    return str(total) if total.is_finite() else None


def return_line_item_rows(shop_id: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per line of a return, joinable to order_line_items on (shop_id,
    order_line_item_id): the line's fields, its ``refund_amount`` object's fields as
    columns of their own (``refund_total``, ``refund_subtotal``, ``currency``, ...), and the
    return's keys."""
    rows = []
    keys = {"shop_id": shop_id, "return_id": record.get("return_id"),
            "order_id": record.get("order_id"), "return_status": record.get("return_status"),
            "return_type": record.get("return_type"),
            "return_update_time": record.get("update_time")}
    for line in record.get("return_line_items") or []:
        row = dict(line)
        refund = row.pop("refund_amount", None)
        if isinstance(refund, dict):
            for name, value in refund.items():
                row.setdefault(name, value)
        row.update(keys)
        rows.append(add_iso_times(row))
    return rows


def package_order_rows(shop_id: str, package: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per order of a package (a package can hold several orders and an order be
    shipped in several packages): the order's SKUs as the package lists them, and the
    package's status and update time."""
    rows = []
    for order in package.get("orders") or []:
        rows.append(add_iso_times({
            "shop_id": shop_id, "package_id": package.get("package_id"),
            "order_id": order.get("id"), "skus": order.get("skus"),
            "package_status": package.get("package_status"),
            "package_update_time": package.get("update_time")}))
    return rows


#: TikTok's objects of amounts "for reference" that do not add up to a settlement: their
#: leaves are prefixed so they are never summed with the others (the same rule as the
#: schemas' ``tools/openapi/stream_schemas.flatten_objects``).
SUPPLEMENTARY = "supplementary_component"
SUPPLEMENTARY_PREFIX = "supplementary_"


def flatten_objects(record: dict[str, Any]) -> dict[str, Any]:
    """Replace every nested object of ``record`` with its leaves as top-level fields, in
    place (finance transactions: their fee, tax, revenue and shipping breakdowns become
    columns a warehouse can sum). Arrays stay as they are; a leaf never overwrites a field
    already there (it is kept as ``<object>_<leaf>``, which the drift check reports)."""
    nested = [key for key, value in record.items() if value.__class__ is dict]
    for key in nested:
        prefix = SUPPLEMENTARY_PREFIX if key == SUPPLEMENTARY else ""
        _flatten_into(record, key, record.pop(key), prefix)
    return record


def _flatten_into(record: dict[str, Any], parent: str, value: dict[str, Any],
                  prefix: str) -> None:
    for name, item in value.items():
        if item.__class__ is dict:
            inner = prefix + (SUPPLEMENTARY_PREFIX if name == SUPPLEMENTARY else "")
            _flatten_into(record, name, item, inner)
            continue
        column = prefix + name
        if column in record:
            column = f"{parent}_{name}"
        record[column] = item
