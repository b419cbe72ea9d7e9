"""The API objects behind the promotion streams, for :mod:`tools.openapi.stream_schemas`.

``promotion_activities``: Get Activity's answer (products and their SKUs with the
discounts nested as the API gives them) plus the Search Activities fields it lacks (the
search's ``id`` is Get Activity's ``activity_id``). ``coupons``: Get Coupon's ``coupon``
plus the Search Coupons fields it lacks. Neither search filters or sorts by update time,
so both streams are full table.

The snapshot types a coupon's claim and redemption ``start_time``/``end_time`` int32 while
describing them as UNIX timestamps (int32 Unix seconds end in 2038): they are read as the
Unix times they are (int64), so they get their ``_iso`` siblings like every other time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SEARCH_ACTIVITIES = "POST /promotion/202309/activities/search"
GET_ACTIVITY = "GET /promotion/202309/activities/{activity_id}"
SEARCH_COUPONS = "POST /promotion/202406/coupons/search"
GET_COUPON = "GET /promotion/202406/coupons/{coupon_id}"
#: Every promotion endpoint key the stream schemas read (for ``derive.ENDPOINTS``).
PROMOTION_ENDPOINTS: tuple[str, ...] = (SEARCH_ACTIVITIES, GET_ACTIVITY, SEARCH_COUPONS,
                                        GET_COUPON)

Part = Callable[[Mapping[str, Any], str, str], dict[str, Any]]
Merge = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


def promotion_objects(endpoints: Mapping[str, Any], response_part: Part,
                      merge_objects: Merge) -> dict[str, dict[str, Any]]:
    """Stream name -> the properties of its API object."""
    activity = response_part(endpoints, GET_ACTIVITY, "data")
    found = response_part(endpoints, SEARCH_ACTIVITIES, "data.activities[]")
    found = {**found, "properties": {k: v for k, v in found["properties"].items()
                                     if k != "id"}}
    coupon = response_part(endpoints, GET_COUPON, "data.coupon")
    listed = response_part(endpoints, SEARCH_COUPONS, "data.coupons[]")
    coupons = merge_objects(coupon, listed)["properties"]
    return {
        "promotion_activities": merge_objects(activity, found)["properties"],
        "coupons": {name: _unix_times(sub) if name in UNIX_TIME_OBJECTS else sub
                    for name, sub in coupons.items()},
    }


#: Coupon objects whose ``start_time``/``end_time`` the snapshot types int32.
UNIX_TIME_OBJECTS = frozenset({"claim_duration", "redemption_duration"})


def _unix_times(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``*_time`` integer properties typed int64 (Unix seconds)."""
    properties = {
        name: {**sub, "format": "int64"} if name.endswith("_time") and sub.get("type") ==
        "integer" else sub
        for name, sub in schema.get("properties", {}).items()}
    return {**schema, "properties": properties}
