"""Singer stream schemas of tap-tiktokshop, built from the derived endpoint specs.

:func:`build_stream_schemas` takes the ``endpoints.json`` document (see
``tools/openapi/derive.py``, which writes the result to
``tap_tiktokshop/schemas/<stream>.json``). Rules:

* every property is nullable (``[type, "null"]``) except the primary-key fields;
* every stream has ``shop_id`` (string), part of every primary key;
* every Unix-seconds property (an int64 integer whose name ends in ``_time``) gets a
  sibling ``<name>_iso`` (``date-time`` string), at every nesting level;
* ``enum`` and ``required`` are dropped (the API adds values monthly), except the
  top-level ``required`` list of the primary keys; integer formats are dropped too;
* field names and types are the API's (money stays a decimal string).

``handling_time`` (int32, a number of days) is not a timestamp and gets no ``_iso``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PRIMARY_KEYS",
    "REPLICATION_KEYS",
    "STREAMS",
    "StreamDef",
    "build_stream_schemas",
    "is_unix_time",
    "singer_schema",
]

SHOPS = "GET /authorization/202309/shops"
WAREHOUSES = "GET /logistics/202309/warehouses"
GET_PRODUCT = "GET /product/202309/products/{product_id}"
SEARCH_PRODUCTS = (
    "POST /product/202309/products/search",
    "POST /product/202312/products/search",
    "POST /product/202502/products/search",
)
GET_ORDERS = "GET /order/202309/orders"
SEARCH_RETURNS = "POST /return_refund/202309/returns/search"
SEARCH_CANCELLATIONS = "POST /return_refund/202309/cancellations/search"

ISO_SUFFIX = "_iso"
ISO_PROPERTY: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
SHOP_ID: dict[str, Any] = {"type": "string"}
SINGER_FORMATS = frozenset({"date-time", "date", "time"})


@dataclass(frozen=True)
class StreamDef:
    """Keys of one stream: ``replication_key`` is the suggested integer cursor (its
    ``_iso`` sibling is the date-time form), ``None`` for full-table streams."""

    primary_keys: tuple[str, ...]
    replication_key: str | None


STREAMS: dict[str, StreamDef] = {
    "shops": StreamDef(("shop_id",), None),
    "products": StreamDef(("shop_id", "id"), "update_time"),
    "product_skus": StreamDef(
        ("shop_id", "product_id", "sku_id", "warehouse_id"), "product_update_time"
    ),
    "orders": StreamDef(("shop_id", "id"), "update_time"),
    "order_line_items": StreamDef(("shop_id", "order_id", "id"), "order_update_time"),
    "warehouses": StreamDef(("shop_id", "id"), None),
    "returns": StreamDef(("shop_id", "return_id"), "update_time"),
    "cancellations": StreamDef(("shop_id", "cancel_id"), "update_time"),
}
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {name: d.primary_keys for name, d in STREAMS.items()}
REPLICATION_KEYS: dict[str, str | None] = {name: d.replication_key for name, d in STREAMS.items()}

# Flat streams: output field -> (endpoint key, location in the response schema).
# A location is a dotted path; ``name[]`` steps into the items of array ``name``.
_PRODUCT = "data"
_SKU = "data.skus[]"
PRODUCT_SKU_FIELDS: dict[str, tuple[str, str]] = {
    "product_id": (GET_PRODUCT, f"{_PRODUCT}.id"),
    "sku_id": (GET_PRODUCT, f"{_SKU}.id"),
    "seller_sku": (GET_PRODUCT, f"{_SKU}.seller_sku"),
    "warehouse_id": (GET_PRODUCT, f"{_SKU}.inventory[].warehouse_id"),
    "quantity": (GET_PRODUCT, f"{_SKU}.inventory[].quantity"),
    "price": (GET_PRODUCT, f"{_SKU}.price.sale_price"),
    "tax_exclusive_price": (GET_PRODUCT, f"{_SKU}.price.tax_exclusive_price"),
    "currency": (GET_PRODUCT, f"{_SKU}.price.currency"),
    "product_status": (GET_PRODUCT, f"{_PRODUCT}.status"),
    "product_update_time": (GET_PRODUCT, f"{_PRODUCT}.update_time"),
}
_ORDER = "data.orders[]"
_LINE = "data.orders[].line_items[]"
ORDER_LINE_ITEM_FIELDS: dict[str, tuple[str, str]] = {
    "order_id": (GET_ORDERS, f"{_ORDER}.id"),
    **{
        name: (GET_ORDERS, f"{_LINE}.{name}")
        for name in (
            "id",
            "product_id",
            "sku_id",
            "seller_sku",
            "sku_name",
            "product_name",
            "original_price",
            "sale_price",
            "seller_discount",
            "platform_discount",
            "currency",
            "display_status",
            "package_status",
            "is_gift",
        )
    },
    "order_status": (GET_ORDERS, f"{_ORDER}.status"),
    "order_update_time": (GET_ORDERS, f"{_ORDER}.update_time"),
}


# -- reading the derived specs -------------------------------------------------------------


def _response(endpoints: Mapping[str, Any], key: str) -> dict[str, Any]:
    try:
        schema = endpoints[key]["response"]
    except KeyError as exc:
        raise KeyError(f"endpoint {key!r} is missing from the derived specs") from exc
    if schema is None:
        raise KeyError(f"endpoint {key!r} has no JSON response schema")
    return schema


def schema_at(schema: Mapping[str, Any], location: str) -> dict[str, Any]:
    """The subschema at a dotted ``location`` (``name[]`` = the items of array ``name``)."""
    node: Mapping[str, Any] = schema
    for step in location.split("."):
        name = step.removesuffix("[]")
        node = node["properties"][name]
        if step.endswith("[]"):
            node = node["items"]
    return dict(node)


def response_part(endpoints: Mapping[str, Any], key: str, location: str) -> dict[str, Any]:
    """The subschema at ``location`` in the 200 response of endpoint ``key``."""
    return schema_at(_response(endpoints, key), location)


def merge_objects(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Union of two object schemas' properties, recursively; ``base`` wins on conflicts."""
    merged = dict(base)
    properties = dict(base.get("properties", {}))
    for name, sub in extra.get("properties", {}).items():
        if name not in properties:
            properties[name] = sub
        elif properties[name].get("type") == sub.get("type") == "object":
            properties[name] = merge_objects(properties[name], sub)
        elif properties[name].get("type") == sub.get("type") == "array":
            items = merge_objects(properties[name].get("items", {}), sub.get("items", {}))
            properties[name] = {**properties[name], "items": items}
    if properties:
        merged["properties"] = properties
    return merged


# -- OpenAPI schema -> Singer schema -------------------------------------------------------


def is_unix_time(name: str, schema: Mapping[str, Any]) -> bool:
    """True for an integer property ending in ``_time`` that holds Unix seconds (int64,
    or no format); int32 ``_time`` fields (``handling_time``: days) are durations."""
    return (
        name.endswith("_time")
        and schema.get("type") == "integer"
        and schema.get("format", "int64") == "int64"
    )


def _with_null(kind: Any) -> Any:
    if kind is None:
        return None
    kinds = kind if isinstance(kind, list) else [kind]
    return kinds if "null" in kinds else [*kinds, "null"]


def _without_null(kind: Any) -> Any:
    if not isinstance(kind, list):
        return kind
    kinds = [k for k in kind if k != "null"]
    return kinds[0] if len(kinds) == 1 else kinds


def singer_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Singer form of a ``properties`` map, with the ``_iso`` siblings added."""
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        out[name] = singer_schema(sub, nullable=True)
        iso_name = name + ISO_SUFFIX
        if is_unix_time(name, sub) and iso_name not in properties:
            out[iso_name] = dict(ISO_PROPERTY)
    return out


def singer_schema(schema: Mapping[str, Any], *, nullable: bool) -> dict[str, Any]:
    """Singer form of one OpenAPI schema: types kept, nullability added, enums, formats
    other than dates, ``required`` and ``nullable`` dropped."""
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if kind is not None:
        out["type"] = _with_null(kind) if nullable else kind
    if schema.get("format") in SINGER_FORMATS:
        out["format"] = schema["format"]
    if "properties" in schema:
        out["properties"] = singer_properties(schema["properties"])
    if "items" in schema:
        out["items"] = singer_schema(schema["items"], nullable=False)
    return out


def stream_schema(properties: Mapping[str, Any], primary_keys: tuple[str, ...]) -> dict[str, Any]:
    """Top-level stream schema: ``shop_id`` added, primary keys non-null and required."""
    singer = singer_properties(properties)
    singer["shop_id"] = dict(SHOP_ID)
    for key in primary_keys:
        if key not in singer:
            raise KeyError(f"primary key {key!r} is not a property of the stream")
        singer[key]["type"] = _without_null(singer[key]["type"])
    return {"type": "object", "properties": singer, "required": list(primary_keys)}


def _flat_properties(
    endpoints: Mapping[str, Any], fields: Mapping[str, tuple[str, str]]
) -> dict[str, Any]:
    return {name: response_part(endpoints, key, where) for name, (key, where) in fields.items()}


def _items(endpoints: Mapping[str, Any], key: str, array: str) -> dict[str, Any]:
    """Properties of the items of the ``data.<array>`` list of an endpoint's response."""
    return response_part(endpoints, key, f"data.{array}[]")["properties"]


def _api_objects(endpoints: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The API object (properties) behind each stream."""
    shop = response_part(endpoints, SHOPS, "data.shops[]")
    product = response_part(endpoints, GET_PRODUCT, "data")
    for key in SEARCH_PRODUCTS:
        if key in endpoints:
            product = merge_objects(product, response_part(endpoints, key, "data.products[]"))
    return {
        "shops": {k: v for k, v in shop["properties"].items() if k != "cipher"},
        "products": product["properties"],
        "product_skus": _flat_properties(endpoints, PRODUCT_SKU_FIELDS),
        "orders": _items(endpoints, GET_ORDERS, "orders"),
        "order_line_items": _flat_properties(endpoints, ORDER_LINE_ITEM_FIELDS),
        "warehouses": _items(endpoints, WAREHOUSES, "warehouses"),
        "returns": _items(endpoints, SEARCH_RETURNS, "return_orders"),
        "cancellations": _items(endpoints, SEARCH_CANCELLATIONS, "cancellations"),
    }


def build_stream_schemas(endpoints: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every stream's Singer schema (stream name -> schema), from ``endpoints.json``."""
    objects = _api_objects(endpoints)
    return {
        name: stream_schema(objects[name], definition.primary_keys)
        for name, definition in STREAMS.items()
    }
