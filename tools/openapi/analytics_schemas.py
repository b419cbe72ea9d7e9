"""The API objects behind the analytics streams (one row per shop, product, SKU or video
and day; one per LIVE session), for :mod:`tools.openapi.stream_schemas`.

Each stream takes the union of every version the tap calls (each flattened on its own,
then merged newest first: its fields win), with the figures flattened into top-level
columns a warehouse can sum (:func:`flatten_figures`, the rule that
``tap_tiktokshop/analytics_rows.py`` applies to records): a money object
``{amount, currency}`` named ``gmv`` becomes ``gmv_amount`` and ``gmv_currency``
(``gmv_amount`` then gets its exact ``gmv_amount_value`` by the money rule); the
wrapper objects in :data:`WRAPPERS` add nothing to the names; arrays (the breakdowns by
type, a video's products) stay as they are. The API's ``id`` is renamed after its object
(``product_id``, ``sku_id``, ``video_id``, ``live_id``), ids are strings (the
202405/202406 versions send integers; products and SKUs join on strings), and ``date``
(YYYY-MM-DD, the shop's day) is added: part of the key of the daily streams, the LIVE
session's start day for ``live_performance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Objects whose children keep their own names (``sales.gmv.overall.amount`` ->
#: ``gmv_amount``). Keep equal to ``tap_tiktokshop.analytics_rows.WRAPPERS``.
WRAPPERS = frozenset({
    "sales", "traffic", "overall", "overall_performance", "sales_performance",
    "interaction_performance",
})
DATE: dict[str, Any] = {"type": "string", "format": "date"}
ID: dict[str, Any] = {"type": "string"}


def _versions(stem: str, versions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"GET /analytics/{version}/{stem}" for version in sorted(versions, reverse=True))


#: Stream -> (the endpoint's versions, newest first; the list in the answer; the id it
#: renames, or None).
ANALYTICS_SOURCES: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "shop_performance_daily": (
        _versions("shop/performance", ("202405", "202509")), "performance.intervals", None),
    "product_performance_daily": (
        _versions("shop_products/performance", ("202405", "202509")), "products",
        "product_id"),
    "sku_performance_daily": (
        _versions("shop_skus/performance", ("202406", "202509")), "skus", "sku_id"),
    "video_performance_daily": (
        _versions("shop_videos/performance", ("202409", "202509")), "videos", "video_id"),
    "live_performance": (
        _versions("shop_lives/performance", ("202508", "202509")), "live_stream_sessions",
        "live_id"),
}
#: Every analytics endpoint key the stream schemas read (for ``derive.ENDPOINTS``).
ANALYTICS_ENDPOINTS: tuple[str, ...] = tuple(
    key for versions, _, _ in ANALYTICS_SOURCES.values() for key in versions)
#: Ids kept as strings whatever the version sends.
STRING_IDS = ("product_id", "sku_id", "video_id", "live_id")


def _is_object(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return (kind == "object" or (isinstance(kind, list) and "object" in kind)) and isinstance(
        schema.get("properties"), Mapping)


def flatten_figures(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Nested objects as top-level columns named by their path (joined with ``_``, the
    :data:`WRAPPERS` left out); arrays stay. Two fields with one column name are an error."""
    out: dict[str, Any] = {}

    def walk(level: Mapping[str, Any], prefix: str) -> None:
        for name, sub in level.items():
            if _is_object(sub):
                walk(sub["properties"], prefix if name in WRAPPERS else f"{prefix}{name}_")
                continue
            column = prefix + name
            if column in out:
                raise KeyError(f"two analytics fields flatten to {column!r}")
            out[column] = sub

    walk(properties, "")
    return out


def analytics_objects(
    endpoints: Mapping[str, Any],
    response_part: Any,
    merge_objects: Any,
) -> dict[str, dict[str, Any]]:
    """The properties of each analytics stream (``response_part``/``merge_objects`` are
    :mod:`tools.openapi.stream_schemas`'s readers, passed in to keep the import one-way)."""
    objects: dict[str, dict[str, Any]] = {}
    for stream, (versions, location, id_name) in ANALYTICS_SOURCES.items():
        properties: dict[str, Any] = {}
        for key in versions:  # each version flattened alone: one column, one meaning
            if key in endpoints:
                item = response_part(endpoints, key, f"data.{location}[]")
                properties = merge_objects({"properties": properties}, {
                    "properties": flatten_figures(item["properties"])})["properties"]
        if id_name is not None:
            properties[id_name] = properties.pop("id")
        for name in STRING_IDS:
            if name in properties:
                properties[name] = dict(ID)
        if "date" in properties:
            raise KeyError(f"{stream} already has a 'date' field")
        properties["date"] = dict(DATE)
        objects[stream] = properties
    return objects
