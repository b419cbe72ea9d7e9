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
* field names and types are the API's: money stays TikTok's decimal string;
* every top-level amount of money (see :func:`money_source`: a string property, or an
  object holding one amount string and its ``currency``, whose name denotes money) also
  gets ``<name>_value``, a JSON number the tap writes with exactly the string's digits;
* finance transactions have their nested breakdown objects flattened into top-level
  columns (:func:`flatten_objects`), so a warehouse can sum them.

``handling_time`` (int32, a number of days) is not a timestamp and gets no ``_iso``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.openapi.analytics_schemas import analytics_objects
from tools.openapi.promotion_schemas import promotion_objects

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
#: Get Order Detail versions whose line-item objects ``order_line_items`` takes every field of
GET_ORDERS_VERSIONS = (GET_ORDERS, "GET /order/202507/orders")
SEARCH_RETURNS = "POST /return_refund/202309/returns/search"
SEARCH_CANCELLATIONS = "POST /return_refund/202309/cancellations/search"
SEARCH_PACKAGES = "POST /fulfillment/202309/packages/search"
GET_PACKAGE = "GET /fulfillment/202309/packages/{package_id}"

GET_STATEMENTS = "GET /finance/202309/statements"
GET_PAYMENTS = "GET /finance/202309/payments"
GET_WITHDRAWALS = "GET /finance/202309/withdrawals"
#: Get Transactions by Statement, newest first: ``statement_transactions`` takes the union.
GET_STATEMENT_TRANSACTIONS = (
    "GET /finance/202501/statements/{statement_id}/statement_transactions",
    "GET /finance/202309/statements/{statement_id}/statement_transactions",
)
#: Where each version of Get Transactions by Statement lists its transactions.
STATEMENT_TRANSACTION_LISTS = {
    GET_STATEMENT_TRANSACTIONS[0]: "transactions",
    GET_STATEMENT_TRANSACTIONS[1]: "statement_transactions",
}
GET_UNSETTLED = "GET /finance/202507/orders/unsettled"

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
    "statements": StreamDef(("shop_id", "id"), "statement_time"),
    "statement_transactions": StreamDef(("shop_id", "statement_id", "id"), "statement_time"),
    "payments": StreamDef(("shop_id", "id"), "create_time"),
    "withdrawals": StreamDef(("shop_id", "id"), "create_time"),
    "unsettled_transactions": StreamDef(("shop_id", "id"), None),
    "return_line_items": StreamDef(
        ("shop_id", "return_id", "return_line_item_id"), "return_update_time"
    ),
    "packages": StreamDef(("shop_id", "package_id"), "update_time"),
    "package_orders": StreamDef(("shop_id", "package_id", "order_id"), "package_update_time"),
    # analytics (tools/openapi/analytics_schemas.py): the day is part of the key
    "shop_performance_daily": StreamDef(("shop_id", "date"), "date"),
    "product_performance_daily": StreamDef(("shop_id", "product_id", "date"), "date"),
    "sku_performance_daily": StreamDef(("shop_id", "sku_id", "date"), "date"),
    "video_performance_daily": StreamDef(("shop_id", "video_id", "date"), "date"),
    "live_performance": StreamDef(("shop_id", "live_id"), "date"),
    # promotions (tools/openapi/promotion_schemas.py): full table, no update-time search
    "promotion_activities": StreamDef(("shop_id", "activity_id"), None),
    "coupons": StreamDef(("shop_id", "id"), None),
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
#: ``order_line_items``: every property of the Get Order Detail line-item object (the union
#: of ``GET_ORDERS_VERSIONS``), plus these order-level keys and ``item_tax_amount``.
ORDER_LINE_ITEM_ORDER_FIELDS: dict[str, tuple[str, str]] = {
    "order_id": (GET_ORDERS, f"{_ORDER}.id"),
    "order_status": (GET_ORDERS, f"{_ORDER}.status"),
    "order_update_time": (GET_ORDERS, f"{_ORDER}.update_time"),
}
#: The sum of a line's ``item_tax[].tax_amount`` (computed by the tap, a decimal string).
ITEM_TAX_AMOUNT: dict[str, Any] = {"type": "string"}
_RETURN = "data.return_orders[]"
_RETURN_LINE = "data.return_orders[].return_line_items[]"
#: ``return_line_items``: every property of a return's line-item object, its
#: ``refund_amount`` object flattened into top-level columns, plus these return-level keys.
RETURN_LINE_ITEM_RETURN_FIELDS: dict[str, tuple[str, str]] = {
    "return_id": (SEARCH_RETURNS, f"{_RETURN}.return_id"),
    "order_id": (SEARCH_RETURNS, f"{_RETURN}.order_id"),
    "return_status": (SEARCH_RETURNS, f"{_RETURN}.return_status"),
    "return_type": (SEARCH_RETURNS, f"{_RETURN}.return_type"),
    "return_update_time": (SEARCH_RETURNS, f"{_RETURN}.update_time"),
}
#: Search Package names two of Get Package Detail's fields differently (search -> detail).
PACKAGE_SEARCH_RENAMES: dict[str, str] = {"id": "package_id", "status": "package_status"}
#: ``package_orders``: one row per order of a package (Get Package Detail ``orders[]``).
PACKAGE_ORDER_FIELDS: dict[str, tuple[str, str]] = {
    "package_id": (GET_PACKAGE, "data.package_id"),
    "order_id": (GET_PACKAGE, "data.orders[].id"),
    "skus": (GET_PACKAGE, "data.orders[].skus"),
    "package_status": (GET_PACKAGE, "data.package_status"),
    "package_update_time": (GET_PACKAGE, "data.update_time"),
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


# -- money ---------------------------------------------------------------------------------

#: Name parts that make a property an amount of money (checked against the snapshot:
#: ``python -m tools.openapi.derive --money`` lists what the rule picks per stream).
MONEY_WORDS = frozenset({
    "amount", "price", "fee", "tax", "discount", "total", "subtotal", "cost", "refund",
    "commission", "settlement", "revenue", "subsidy", "reimbursement", "incentive",
    "compensation", "rebate", "duty", "vat", "gst", "sst", "pit",
})
#: Name parts that make it something else: an id, a currency code, a rate, a label...
NOT_MONEY_WORDS = frozenset({
    "id", "ids", "currency", "rate", "type", "status", "reason", "name", "time", "method",
    "code", "unit", "count", "quantity", "percentage", "ratio", "mode", "tier", "text", "url",
})
#: Names the two lists above would misjudge: ``estimated_settlement`` is a settlement
#: *date* ("x days after delivery", or a Unix time as text).
NOT_MONEY_FIELDS = frozenset({"estimated_settlement"})
#: ``<amount>_value``: the exact JSON number next to TikTok's decimal string.
VALUE_SUFFIX = "_value"
NUMBER_PROPERTY: dict[str, Any] = {"type": ["number", "null"]}


def is_money_name(name: str) -> bool:
    """True for a property name that denotes an amount of money."""
    words = set(name.split("_"))
    return (name not in NOT_MONEY_FIELDS and bool(words & MONEY_WORDS)
            and not words & NOT_MONEY_WORDS)


def _has_type(schema: Mapping[str, Any], kind: str) -> bool:
    types = schema.get("type")
    return types == kind or (isinstance(types, list) and kind in types)


def money_source(name: str, schema: Mapping[str, Any]) -> str | None:
    """Where a top-level property's amount is: ``""`` for a decimal string, the key of
    the amount inside a money object (``{"currency", <one amount string>}``), or None
    when the property is not an amount of money."""
    if not is_money_name(name):
        return None
    if _has_type(schema, "string"):
        return ""
    inner = schema.get("properties")
    if _has_type(schema, "object") and isinstance(inner, Mapping) and "currency" in inner:
        amounts = [key for key, sub in inner.items()
                   if key != "currency" and _has_type(sub, "string")]
        if len(amounts) == 1 and len(inner) == 2:
            return amounts[0]
    return None


def money_fields(properties: Mapping[str, Any]) -> dict[str, str]:
    """Top-level amounts of money of a stream: property -> where its amount is."""
    found = {}
    for name, sub in properties.items():
        source = money_source(name, sub)
        if source is not None:
            found[name] = source
    return found


def add_money_values(singer: dict[str, Any]) -> dict[str, Any]:
    """Add ``<name>_value`` (a JSON number) next to every top-level amount of money."""
    for name in list(money_fields(singer)):
        sibling = name + VALUE_SUFFIX
        if sibling in singer:
            raise KeyError(f"{sibling!r} is already a property: the money rule needs a new "
                           "suffix")
        singer[sibling] = dict(NUMBER_PROPERTY)
    return singer


# -- flattened objects ---------------------------------------------------------------------

#: TikTok's objects of amounts "for reference" that do not add up to the settlement: their
#: leaves are prefixed ``supplementary_`` so they are never summed with the others.
SUPPLEMENTARY = "supplementary_component"
SUPPLEMENTARY_PREFIX = "supplementary_"


def flatten_objects(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Every nested object's leaves as top-level properties (arrays stay as they are).

    A leaf keeps its own name (under ``supplementary_component``: prefixed
    ``supplementary_``); two leaves with one name are an error, never silently merged.
    """
    out: dict[str, Any] = {}

    def walk(level: Mapping[str, Any], prefix: str) -> None:
        for name, sub in level.items():
            if _has_type(sub, "object") and isinstance(sub.get("properties"), Mapping):
                walk(sub["properties"],
                     prefix + (SUPPLEMENTARY_PREFIX if name == SUPPLEMENTARY else ""))
                continue
            column = prefix + name
            if column in out:
                raise KeyError(f"two fields flatten to {column!r}")
            out[column] = sub

    walk(properties, "")
    return out


def stream_schema(properties: Mapping[str, Any], primary_keys: tuple[str, ...]) -> dict[str, Any]:
    """Top-level stream schema: ``shop_id`` added, money values added, primary keys
    non-null and required."""
    singer = add_money_values(singer_properties(properties))
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


def _order_line_items(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """Every line-item property of Get Order Detail (all versions) plus the order keys."""
    line: dict[str, Any] = {}
    for key in GET_ORDERS_VERSIONS:
        if key in endpoints:
            line = merge_objects(line, response_part(endpoints, key, _LINE))
    properties = dict(line["properties"])
    clash = set(properties) & {*ORDER_LINE_ITEM_ORDER_FIELDS, "item_tax_amount"}
    if clash:
        raise KeyError(f"order line items already have {sorted(clash)}")
    properties.update(_flat_properties(endpoints, ORDER_LINE_ITEM_ORDER_FIELDS))
    properties["item_tax_amount"] = dict(ITEM_TAX_AMOUNT)
    return properties


def _return_line_items(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """Every property of a return line, ``refund_amount`` flattened, plus the return keys."""
    properties = dict(response_part(endpoints, SEARCH_RETURNS, _RETURN_LINE)["properties"])
    refund = properties.pop("refund_amount").get("properties", {})
    for name, sub in (*refund.items(),
                      *_flat_properties(endpoints, RETURN_LINE_ITEM_RETURN_FIELDS).items()):
        if name in properties:
            raise KeyError(f"return line items already have {name!r}")
        properties[name] = sub
    return properties


def _package(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """Get Package Detail, plus the Search Package fields it lacks (renamed ones excepted)."""
    detail = response_part(endpoints, GET_PACKAGE, "data")
    search = response_part(endpoints, SEARCH_PACKAGES, "data.packages[]")
    renamed = {k: v for k, v in search["properties"].items() if k not in PACKAGE_SEARCH_RENAMES}
    return merge_objects(detail, {**search, "properties": renamed})["properties"]


def _statement_transactions(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """A transaction of Get Transactions by Statement (every version, breakdowns
    flattened), with its statement's id and time (and currency, which 202501 gives per
    statement)."""
    merged: dict[str, Any] = {}
    for key in GET_STATEMENT_TRANSACTIONS:
        item = response_part(endpoints, key, f"data.{STATEMENT_TRANSACTION_LISTS[key]}[]")
        for name, sub in flatten_objects(item["properties"]).items():
            merged.setdefault(name, sub)
    statement = response_part(endpoints, GET_STATEMENTS, "data.statements[]")["properties"]
    for name, source in (("statement_id", "id"), ("statement_time", "statement_time"),
                         ("currency", "currency")):
        if name in merged and name != "currency":
            raise KeyError(f"statement transactions already have {name!r}")
        merged.setdefault(name, statement[source])
    return merged


def _finance_objects(endpoints: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The API objects behind the finance streams."""
    unsettled = response_part(endpoints, GET_UNSETTLED, "data.transactions[]")["properties"]
    return {
        "statements": _items(endpoints, GET_STATEMENTS, "statements"),
        "statement_transactions": _statement_transactions(endpoints),
        "payments": _items(endpoints, GET_PAYMENTS, "payments"),
        "withdrawals": _items(endpoints, GET_WITHDRAWALS, "withdrawals"),
        "unsettled_transactions": flatten_objects(unsettled),
    }


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
        "order_line_items": _order_line_items(endpoints),
        "warehouses": _items(endpoints, WAREHOUSES, "warehouses"),
        "returns": _items(endpoints, SEARCH_RETURNS, "return_orders"),
        "cancellations": _items(endpoints, SEARCH_CANCELLATIONS, "cancellations"),
        **_finance_objects(endpoints),
        "return_line_items": _return_line_items(endpoints),
        "packages": _package(endpoints),
        "package_orders": _flat_properties(endpoints, PACKAGE_ORDER_FIELDS),
        **analytics_objects(endpoints, response_part, merge_objects),
        **promotion_objects(endpoints, response_part, merge_objects),
    }


def money_report(endpoints: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per stream, the amounts of money the rule picks (``name`` or ``name.key``)."""
    return {
        name: [field + (f".{source}" if source else "")
               for field, source in money_fields(singer_properties(properties)).items()]
        for name, properties in _api_objects(endpoints).items()
    }


def build_stream_schemas(endpoints: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every stream's Singer schema (stream name -> schema), from ``endpoints.json``."""
    objects = _api_objects(endpoints)
    return {
        name: stream_schema(objects[name], definition.primary_keys)
        for name, definition in STREAMS.items()
    }
