"""Schemas of packages, package_orders, return_line_items and the full order_line_items,
derived from the OpenAPI snapshot's objects by code."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from tools.openapi import stream_schemas
from tools.openapi.stream_schemas import response_part


@pytest.fixture(scope="module")
def endpoints() -> dict[str, Any]:
    return json.loads((files("tools.openapi") / "endpoints.json").read_text(encoding="utf-8"))


def schema(name: str) -> dict[str, Any]:
    text = (files("tap_tiktokshop.schemas") / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)["properties"]


def test_order_line_items_have_every_line_item_field_of_every_version(
        endpoints: dict[str, Any]) -> None:
    properties = schema("order_line_items")
    for key in stream_schemas.GET_ORDERS_VERSIONS:
        line = response_part(endpoints, key, "data.orders[].line_items[]")["properties"]
        assert set(line) <= set(properties), key
    for name in ("item_tax", "tracking_number", "package_id", "cancel_reason", "cancel_user",
                 "rts_time", "shipping_provider_id", "shipping_provider_name", "sku_image",
                 "sku_type", "is_dangerous_good", "retail_delivery_fee", "buyer_service_fee",
                 "small_order_fee", "handling_duration_days"):
        assert name in properties, name
    assert properties["item_tax"]["items"]["properties"]["tax_amount"]["type"] == [
        "string", "null"]
    assert properties["item_tax_amount"] == {"type": ["string", "null"]}
    assert properties["rts_time_iso"]["format"] == "date-time"
    assert {"order_id", "order_status", "order_update_time"} <= set(properties)


def test_return_line_items_flatten_the_refund_amount(endpoints: dict[str, Any]) -> None:
    properties = schema("return_line_items")
    line = response_part(endpoints, stream_schemas.SEARCH_RETURNS,
                         "data.return_orders[].return_line_items[]")["properties"]
    refund = line["refund_amount"]["properties"]
    assert {"refund_total", "refund_subtotal", "refund_shipping_fee", "refund_tax",
            "currency"} <= set(refund)
    assert "refund_amount" not in properties
    assert set(line) - {"refund_amount"} | set(refund) <= set(properties)
    assert all(properties[name]["type"] == ["string", "null"] for name in refund)
    assert {"return_id", "order_id", "return_status", "return_type", "return_update_time",
            "return_update_time_iso"} <= set(properties)


def test_packages_are_the_detail_plus_the_search_fields_it_lacks(
        endpoints: dict[str, Any]) -> None:
    properties = schema("packages")
    detail = response_part(endpoints, stream_schemas.GET_PACKAGE, "data")["properties"]
    search = response_part(endpoints, stream_schemas.SEARCH_PACKAGES,
                           "data.packages[]")["properties"]
    for search_name, detail_name in stream_schemas.PACKAGE_SEARCH_RENAMES.items():
        assert search_name in search and detail_name in detail
        assert search_name not in properties
    assert set(detail) | (set(search) - set(stream_schemas.PACKAGE_SEARCH_RENAMES)) <= set(
        properties)
    assert properties["package_id"] == {"type": "string"}  # primary key: not nullable
    assert properties["pickup_slot"]["properties"]["start_time_iso"]["format"] == "date-time"


def test_package_orders_are_one_row_per_package_and_order() -> None:
    properties = schema("package_orders")
    assert set(properties) == {"shop_id", "package_id", "order_id", "skus", "package_status",
                               "package_update_time", "package_update_time_iso"}
    assert properties["skus"]["items"]["properties"]["quantity"]["type"] == ["integer", "null"]
