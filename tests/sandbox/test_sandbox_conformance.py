"""Every success response matches its OpenAPI response schema, unknown fields forbidden."""

from __future__ import annotations

import json
from collections.abc import Callable
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
    api = Api(make_sandbox(seed=9, shops=2, products=40, orders=60, rate_limit_qps=0))
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
    assert seen == set(validators)
