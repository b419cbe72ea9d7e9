"""Every success response matches its OpenAPI response schema, unknown fields forbidden."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tiktokshop_sandbox import Sandbox

from .conftest import Api


def strict(schema: Any) -> Any:
    """Copy of ``schema`` with ``additionalProperties: false`` on every object."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if out.get("type") == "object" or "properties" in out:
            out["additionalProperties"] = False
            out.setdefault("properties", {})
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft7Validator]:
    text = (files("tools.openapi") / "endpoints.json").read_text(encoding="utf-8")
    document = json.loads(text)
    return {key: Draft7Validator(strict(spec["response"]))
            for key, spec in document.items() if not key.startswith("_")}


def check(validators: dict[str, Draft7Validator], key: str, payload: dict) -> None:
    assert payload["code"] == 0, payload
    errors = sorted(validators[key].iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, f"{key}: {errors[0].message} at {list(errors[0].path)}"


def test_all_endpoints_conform(validators: dict[str, Draft7Validator],
                               make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(seed=9, shops=2, products=40, orders=60, rate_limit_qps=0,
                           analytics_rate_limit_qps=0))
    seen: set[str] = set()

    def call(method: str, template: str, path: str, query: dict | None = None,
             body: Any = None, **kwargs: Any) -> dict:
        payload = api.call(method, path, query, body, **kwargs).json()
        check(validators, f"{method} {template}", payload)
        seen.add(f"{method} {template}")
        return payload["data"]

    call("GET", "/authorization/202309/shops", "/authorization/202309/shops", cipher=None)
    call("GET", "/logistics/202309/warehouses", "/logistics/202309/warehouses")
    products = []
    for version in ("202309", "202312", "202502"):
        path = f"/product/{version}/products/search"
        products = call("POST", path, path, {"page_size": "100"}, {})["products"]
    dump = api.admin("GET", "dataset")
    mine = [p for p in dump["products"] if p["shop_id"] == api.shop.id]
    active = [p for p in mine if p["status"] == "ACTIVATE"]
    assert products
    assert active
    detail_t = "/product/202309/products/{product_id}"
    for product in mine:
        if product["status"] not in ("FREEZE", "DELETED"):
            call("GET", detail_t, f"/product/202309/products/{product['id']}")
    target = active[0]
    sku = target["skus"][0]
    inv_t = "/product/202309/products/{product_id}/inventory/update"
    call("POST", inv_t, f"/product/202309/products/{target['id']}/inventory/update", body={
        "skus": [{"id": sku["id"], "inventory": [{"warehouse_id": "1", "quantity": 1}]},
                 {"id": "2", "inventory": []}]})
    call("POST", inv_t, f"/product/202309/products/{target['id']}/inventory/update", body={
        "skus": [{"id": sku["id"], "inventory": [
            {"warehouse_id": i["warehouse_id"], "quantity": 5} for i in sku["inventory"]]}]})
    price_t = "/product/202309/products/{product_id}/prices/update"
    call("POST", price_t, f"/product/202309/products/{target['id']}/prices/update", body={
        "skus": [{"id": sku["id"], "price": {"amount": "8.00", "currency": api.shop.currency}}]})
    call("POST", "/product/202309/inventory/search", "/product/202309/inventory/search",
         body={"product_ids": [p["id"] for p in mine[:5]]})
    for version in ("202309", "202509"):
        template = f"/product/{version}/products/{{product_id}}/partial_edit"
        call("POST", template, f"/product/{version}/products/{target['id']}/partial_edit",
             body={"title": "Conformance", "skus": [{"id": sku["id"]}, {
                 "price": {"amount": "1.00", "currency": api.shop.currency},
                 "inventory": [{"warehouse_id": api.shop.warehouse_ids[0], "quantity": 1}]}]})
    call("POST", "/product/202309/products/deactivate", "/product/202309/products/deactivate",
         body={"product_ids": [target["id"], "1"]})
    call("POST", "/product/202309/products/activate", "/product/202309/products/activate",
         body={"product_ids": [target["id"], "1"]})
    orders = call("POST", "/order/202309/orders/search", "/order/202309/orders/search",
                  {"page_size": "100"}, {})["orders"]
    ids = ",".join(o["id"] for o in orders[:50])
    for version in ("202309", "202507"):
        call("GET", f"/order/{version}/orders", f"/order/{version}/orders", {"ids": ids})
    for kind in ("returns", "cancellations"):
        path = f"/return_refund/202309/{kind}/search"
        call("POST", path, path, {"page_size": "50"}, {})
    search_t = "/fulfillment/202309/packages/search"
    packages = call("POST", search_t, search_t, {"page_size": "50", "sort_field": "update_time",
                                                  "sort_order": "ASC"}, {})["packages"]
    tags = set()
    for package in packages:
        detail = call("GET", "/fulfillment/202309/packages/{package_id}",
                      f"/fulfillment/202309/packages/{package['id']}")
        tags.add(detail["split_and_combine_tag"])
    assert {"DEFAULT", "SPLIT", "COMBINE"} <= tags  # every kind of package was validated
    shipping_conforms(call, orders)
    finance_conforms(call)
    analytics_conforms(call)
    promotions_conforms(call)
    assert seen == set(validators) - NO_SUCCESS_IN_SANDBOX


@pytest.mark.parametrize("strict_mode", [True, False], ids=["strict", "lenient"])
def test_analytics_and_promotions_conform(validators: dict[str, Draft7Validator],
                                          make_sandbox: Callable[..., Sandbox],
                                          strict_mode: bool) -> None:
    """The analytics and promotion answers, in both checking modes, on a shop whose
    history reaches into the dataset's orders (so real and generated days are both seen)."""
    api = Api(make_sandbox(seed=4, shops=1, products=30, orders=400, analytics_rate_limit_qps=0,
                           analytics_today="2026-06-20", analytics_days=40, strict=strict_mode))
    seen: set[str] = set()

    def call(method: str, template: str, path: str, query: dict | None = None,
             body: Any = None, **kwargs: Any) -> dict:
        payload = api.call(method, path, query, body, **kwargs).json()
        check(validators, f"{method} {template}", payload)
        seen.add(template)
        return payload["data"]

    analytics_conforms(call)
    promotions_conforms(call)
    assert {key.split(" ", 1)[1] for key in validators
            if "/analytics/" in key or "/promotion/" in key} == seen


#: Endpoints the sandbox only answers with an error: Ship Package ships a package that is
#: not shipped yet, and a sandbox package exists only once shipped (handlers_shipping).
NO_SUCCESS_IN_SANDBOX = frozenset({"POST /fulfillment/202309/packages/{package_id}/ship"})


def shipping_conforms(call: Callable[..., dict], orders: list[dict]) -> None:
    """Get Shipping Providers and the shipping writes (Ship Package and Batch Ship
    Packages answer a sandbox package with per-package errors or an error: every package
    is shipped already)."""
    option = orders[0]["delivery_option_id"]
    template = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
    providers = call("GET", template, template.replace("{delivery_option_id}", option))
    provider = providers["shipping_providers"][0]["id"]
    waiting = next(o for o in orders if o["status"] == "AWAITING_SHIPMENT")
    template = "/fulfillment/202309/orders/{order_id}/packages"
    shipped = call("POST", template, template.replace("{order_id}", waiting["id"]), body={
        "tracking_number": "CONF-0001", "shipping_provider_id": provider})
    template = "/fulfillment/202309/packages/{package_id}/shipping_info/update"
    call("POST", template, template.replace("{package_id}", shipped["package_id"]),
         body={"tracking_number": "CONF-0002", "shipping_provider_id": provider})
    errors = call("POST", "/fulfillment/202309/packages/ship", "/fulfillment/202309/packages/ship",
                  body={"packages": [{"id": shipped["package_id"], "self_shipment": {
                      "tracking_number": "CONF-0003", "shipping_provider_id": provider}}]})
    assert [e["detail"]["package_id"] for e in errors["errors"]] == [shipped["package_id"]]
    call("GET", "/fulfillment/202309/packages/{package_id}",
         f"/fulfillment/202309/packages/{shipped['package_id']}")


def finance_conforms(call: Callable[..., dict]) -> None:
    """Every finance endpoint, with paid and unpaid statements, order and adjustment
    transactions (both versions), payments, withdrawals and unsettled transactions."""
    path = "/finance/202309/statements"
    statements = call("GET", path, path, {"sort_field": "statement_time",
                                          "page_size": "100"})["statements"]
    assert {s["payment_status"] for s in statements} == {"PAID", "PROCESSING"}
    kinds: set[str] = set()
    for statement in statements:
        for version, items in (("202501", "transactions"), ("202309", "statement_transactions")):
            template = f"/finance/{version}/statements/{{statement_id}}/statement_transactions"
            data = call("GET", template, template.replace("{statement_id}", statement["id"]),
                        {"sort_field": "order_create_time", "page_size": "100"})
            kinds |= {t["type"] for t in data[items]}
    assert "ORDER" in kinds and len(kinds) > 1  # order and adjustment transactions
    path = "/finance/202309/payments"
    payments = call("GET", path, path, {"sort_field": "create_time",
                                        "page_size": "100"})["payments"]
    assert {p["status"] for p in payments} == {"PAID", "PROCESSING"}
    path = "/finance/202309/withdrawals"
    withdrawals = call("GET", path, path, {"types": "WITHDRAW,SETTLE,TRANSFER,REVERSE",
                                           "page_size": "100"})["withdrawals"]
    assert {"SETTLE", "WITHDRAW"} <= {w["type"] for w in withdrawals}
    path = "/finance/202507/orders/unsettled"
    unsettled = call("GET", path, path, {"sort_field": "order_create_time",
                                         "page_size": "100"})["transactions"]
    assert {"order_delivery_time" in t for t in unsettled} == {True, False}


ANALYTICS_VERSIONS = {"shop/performance": ("202405", "202509"),
                      "shop_products/performance": ("202405", "202509"),
                      "shop_skus/performance": ("202406", "202509"),
                      "shop_videos/performance": ("202409", "202509"),
                      "shop_lives/performance": ("202508", "202509")}


def analytics_conforms(call: Callable[..., dict]) -> None:
    """Every analytics endpoint version: shop performance daily and overall (202405 with
    its comparison), in both currencies; full pages of products, SKUs, videos and LIVE
    sessions (sessions with and without their interaction figures)."""
    probe = "/analytics/202509/shop/performance"
    latest = call("GET", probe, probe, {"start_date_ge": "2020-01-01",
                                        "end_date_lt": "2020-01-02"})["latest_available_date"]
    end = (date.fromisoformat(latest) + timedelta(days=1)).isoformat()
    start = (date.fromisoformat(latest) - timedelta(days=29)).isoformat()
    window = {"start_date_ge": start, "end_date_lt": end}
    lives: list[dict] = []
    for resource, versions in ANALYTICS_VERSIONS.items():
        for version in versions:
            path = f"/analytics/{version}/{resource}"
            for currency in ("LOCAL", "USD"):
                query = {**window, "currency": currency}
                if resource == "shop/performance":
                    for granularity in ("ALL", "1D"):
                        extra = {"with_comparison": "true"} if version == "202405" else {}
                        data = call("GET", path, path,
                                    {**query, "granularity": granularity, **extra})
                        assert data["performance"]["intervals"]
                    continue
                data = call("GET", path, path, {**query, "page_size": "100"})
                assert data["total_count"] > 0, path
                if resource == "shop_lives/performance":
                    lives += data["live_stream_sessions"]
    assert {"interaction_performance" in s for s in lives} == {True, False}


def promotions_conforms(call: Callable[..., dict]) -> None:
    """Search Activities and Get Activity for every activity (product and SKU level, with
    and without products); Search Coupons and Get Coupon for every coupon."""
    path = "/promotion/202309/activities/search"
    activities = call("POST", path, path, body={"page_size": 100})["activities"]
    template = "/promotion/202309/activities/{activity_id}"
    levels = set()
    for activity in activities:
        detail = call("GET", template, template.replace("{activity_id}", activity["id"]))
        levels.add((detail["product_level"], bool(detail["products"])))
    assert {("PRODUCT", True), ("VARIATION", True), ("SHOP", False)} <= levels
    path = "/promotion/202406/coupons/search"
    coupons = call("POST", path, path, {"page_size": "100"}, {})["coupons"]
    template = "/promotion/202406/coupons/{coupon_id}"
    for coupon in coupons:
        call("GET", template, template.replace("{coupon_id}", coupon["id"]))
    assert coupons
