"""Product writes, per-item errors, SKU locks and /sandbox/mutate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox
from tiktokshop_sandbox.gen_common import END_EPOCH

from .conftest import Api, error_of


@pytest.fixture
def wapi(make_sandbox: Callable[..., Sandbox]) -> Api:
    """A private sandbox (writes!) with 2 warehouses per shop."""
    return Api(make_sandbox(seed=5, shops=2, products=60, orders=20, warehouses=2))


def product_in_dump(api: Api, product_id: str) -> dict:
    return next(p for p in api.admin("GET", "dataset")["products"] if p["id"] == product_id)


def pick(api: Api, *, status: str = "ACTIVATE", min_skus: int = 1,
         warehouses: int | None = None) -> dict:
    for product in api.admin("GET", "dataset")["products"]:
        if product["shop_id"] != api.shop.id or product["status"] != status:
            continue
        if len(product["skus"]) < min_skus:
            continue
        if warehouses is not None and len(product["skus"][0]["inventory"]) != warehouses:
            continue
        return product
    raise AssertionError("no product fits")


def inv_path(product_id: str) -> str:
    return f"/product/202309/products/{product_id}/inventory/update"


def price_path(product_id: str) -> str:
    return f"/product/202309/products/{product_id}/prices/update"


def full_inventory(sku: dict, quantity: int) -> dict:
    return {"id": sku["id"], "inventory": [
        {"warehouse_id": i["warehouse_id"], "quantity": quantity} for i in sku["inventory"]]}


def test_inventory_update_changes_dataset_and_bumps_update_time(wapi: Api) -> None:
    product = pick(wapi)
    sku = product["skus"][0]
    data = wapi.ok("POST", inv_path(product["id"]), body={"skus": [full_inventory(sku, 0)]})
    assert "errors" not in data  # quantity 0 is accepted
    after = product_in_dump(wapi, product["id"])
    assert all(i["quantity"] == 0 for i in after["skus"][0]["inventory"])
    assert after["update_time"] > product["update_time"]
    assert after["update_time"] > END_EPOCH  # the current second
    detail = wapi.ok("GET", f"/product/202309/products/{product['id']}")
    assert detail["update_time"] == after["update_time"]
    newest = wapi.ok("POST", "/product/202309/products/search", {"page_size": "1"}, {})
    assert newest["products"][0]["id"] == product["id"]  # DESC update_time


def test_inventory_per_sku_errors_inside_code_0(wapi: Api) -> None:
    product = pick(wapi, min_skus=2, warehouses=2)
    good, bad = product["skus"][0], product["skus"][1]
    other_wh = bad["inventory"][0]["warehouse_id"]
    body = {"skus": [
        full_inventory(good, 42),
        {"id": bad["id"], "inventory": [{"warehouse_id": other_wh, "quantity": 5}]},
    ]}
    data = wapi.ok("POST", inv_path(product["id"]), body=body)
    (error,) = data["errors"]
    assert error["code"] == codes.INVENTORY_WAREHOUSES_INCOMPLETE
    assert error["detail"]["sku_id"] == bad["id"]
    missing = {e["warehouse_id"] for e in error["detail"]["extra_errors"]}
    assert missing == {bad["inventory"][1]["warehouse_id"]}
    after = product_in_dump(wapi, product["id"])
    assert [i["quantity"] for i in after["skus"][0]["inventory"]] == [42, 42]
    assert after["skus"][1]["inventory"] == bad["inventory"]  # failed SKU untouched

    body = {"skus": [full_inventory(good, 100_000), {
        "id": bad["id"], "inventory": [{"warehouse_id": "7068999999999999999", "quantity": 1},
                                       {"warehouse_id": other_wh, "quantity": 1}]},
        {"id": "1779999999999999999", "inventory": []}]}
    errors = wapi.ok("POST", inv_path(product["id"]), body=body)["errors"]
    assert [e["code"] for e in errors] == [codes.INVENTORY_OUT_OF_RANGE,
                                           codes.WAREHOUSE_NOT_FOUND, codes.PRODUCT_NOT_OWNED]
    assert errors[1]["detail"]["extra_errors"][0]["warehouse_id"] == "7068999999999999999"


def test_inventory_locked_sku_and_frozen_product(wapi: Api) -> None:
    product = pick(wapi)
    sku = product["skus"][0]
    locked = wapi.admin("POST", "skus/lock", {"sku_ids": [sku["id"]]})
    assert sku["id"] in locked["locked_sku_ids"]
    errors = wapi.ok("POST", inv_path(product["id"]), body={"skus": [full_inventory(sku, 3)]})
    assert errors["errors"][0]["code"] == codes.INVENTORY_LOCKED
    status, code, _ = error_of(wapi.call("POST", price_path(product["id"]), body={"skus": [
        {"id": sku["id"], "price": {"amount": "9.99", "currency": wapi.shop.currency}}]}))
    assert (status, code) == (200, codes.PRICE_LOCKED_BY_PROMOTION)
    wapi.admin("POST", "skus/lock", {"sku_ids": [sku["id"]], "locked": False})
    wapi.ok("POST", inv_path(product["id"]), body={"skus": [full_inventory(sku, 3)]})
    try:
        frozen = pick(wapi, status="FREEZE")
    except AssertionError:
        return
    resp = wapi.call("POST", inv_path(frozen["id"]),
                     body={"skus": [full_inventory(frozen["skus"][0], 1)]})
    assert error_of(resp)[:2] == (200, codes.PRODUCT_STATUS_INVALID)


def test_price_update_rules(wapi: Api) -> None:
    product = pick(wapi)
    sku = product["skus"][0]
    currency = wapi.shop.currency

    def price(amount: str, cur: str = currency, pid: str = product["id"]) -> tuple:
        resp = wapi.call("POST", price_path(pid), body={"skus": [
            {"id": sku["id"], "price": {"amount": amount, "currency": cur}}]})
        payload = resp.json()
        return resp.status_code, payload["code"], payload["data"]

    assert price("12.34") == (200, 0, {})
    after = product_in_dump(wapi, product["id"])
    assert after["skus"][0]["price"]["sale_price"] == "12.34"
    assert after["update_time"] > product["update_time"]
    for bad in ("0", "1.234", "-1", "abc", "0.00"):
        assert price(bad)[1] == codes.PRICE_FORMAT, bad
    wrong = "USD" if currency != "USD" else "GBP"
    assert price("5.00", wrong)[1] == codes.PRICE_WRONG_CURRENCY
    inactive = pick(wapi, status="SELLER_DEACTIVATED")
    resp = wapi.call("POST", price_path(inactive["id"]), body={"skus": [
        {"id": inactive["skus"][0]["id"], "price": {"amount": "5.00", "currency": currency}}]})
    assert error_of(resp)[1] == codes.PRODUCT_STATUS_INVALID
    resp = wapi.call("POST", price_path("1729000000000000001"), body={"skus": [
        {"id": sku["id"], "price": {"amount": "5.00", "currency": currency}}]})
    assert error_of(resp)[1] == codes.PRODUCT_NOT_FOUND


def test_activate_and_deactivate(wapi: Api) -> None:
    active = pick(wapi)
    ids = [active["id"], "1729000000000000001"]
    data = wapi.ok("POST", "/product/202309/products/deactivate", body={"product_ids": ids})
    assert [(e["code"], e["detail"]["product_id"]) for e in data["errors"]] == [
        (codes.PRODUCT_NOT_OWNED, "1729000000000000001")]
    assert product_in_dump(wapi, active["id"])["status"] == "SELLER_DEACTIVATED"
    again = wapi.ok("POST", "/product/202309/products/deactivate",
                    body={"product_ids": [active["id"]]})
    assert again["errors"][0]["code"] == codes.PRODUCT_WRONG_STATUS
    data = wapi.ok("POST", "/product/202309/products/activate",
                   body={"product_ids": [active["id"]]})
    assert "errors" not in data
    assert product_in_dump(wapi, active["id"])["status"] == "ACTIVATE"
    resp = wapi.call("POST", "/product/202309/products/activate",
                     body={"product_ids": [str(n) for n in range(21)]})
    assert error_of(resp)[:2] == (200, codes.TOO_MANY_IDS)


@pytest.mark.parametrize("version", ["202309", "202509"])
def test_partial_edit_changes_only_sent_properties(wapi: Api, version: str) -> None:
    product = pick(wapi, min_skus=2)
    keep, drop = product["skus"][0], product["skus"][1]
    body = {"title": f"Edited {version}", "skus": [
        {"id": keep["id"], "seller_sku": f"EDIT-{version}"},
        {"seller_sku": f"NEW-{version}", "price": {"amount": "3.50",
                                                   "currency": wapi.shop.currency},
         "inventory": [{"warehouse_id": wapi.shop.warehouse_ids[0], "quantity": 7}],
         "sales_attributes": [{"name": "Color", "value_name": "Teal"}]},
    ]}
    data = wapi.ok("POST", f"/product/{version}/products/{product['id']}/partial_edit",
                   body=body)
    assert data["product_id"] == product["id"]
    assert [s["seller_sku"] for s in data["skus"]] == [f"EDIT-{version}", f"NEW-{version}"]
    after = product_in_dump(wapi, product["id"])
    assert after["title"] == f"Edited {version}"
    assert after["description"] == product["description"]
    assert drop["id"] not in {s["id"] for s in after["skus"]}
    assert after["skus"][0]["price"] == keep["price"]
    assert after["skus"][1]["inventory"] == [
        {"warehouse_id": wapi.shop.warehouse_ids[0], "quantity": 7}]
    assert after["update_time"] > product["update_time"]
    resp = wapi.call("POST", f"/product/{version}/products/{product['id']}/partial_edit",
                     body={"name": "typo"})
    assert error_of(resp)[1] == codes.INVALID_REQUEST


def test_inventory_search(wapi: Api) -> None:
    product = pick(wapi, min_skus=2)
    data = wapi.ok("POST", "/product/202309/inventory/search",
                   body={"product_ids": [product["id"]]})
    (entry,) = data["inventory"]
    assert [s["id"] for s in entry["skus"]] == [s["id"] for s in product["skus"]]
    sku = product["skus"][1]
    data = wapi.ok("POST", "/product/202309/inventory/search", body={"sku_ids": [sku["id"]]})
    (entry,) = data["inventory"]
    assert [s["id"] for s in entry["skus"]] == [sku["id"]]
    assert entry["skus"][0]["total_available_quantity"] == sum(
        i["quantity"] for i in sku["inventory"])


def test_mutate_route_and_helper(wapi: Api) -> None:
    before = wapi.admin("GET", "dataset")
    changed = wapi.admin("POST", "mutate", {"products": 3, "orders": 4})
    assert len(changed["products"]) == 3 * 2
    assert len(changed["orders"]) == 4 * 2
    after = wapi.admin("GET", "dataset")
    old = {p["id"]: p for p in before["products"]}
    for product in after["products"]:
        if product["id"] in changed["products"]:
            assert product["update_time"] >= old[product["id"]]["update_time"]
            assert product != old[product["id"]]
        else:
            assert product == old[product["id"]]
    old_orders = {o["id"]: o for o in before["orders"]}
    for order in after["orders"]:
        if order["id"] in changed["orders"]:
            assert order["update_time"] > old_orders[order["id"]]["update_time"]
    more = wapi.sandbox.mutate(products=1, orders=0)
    assert len(more["products"]) == 2
    assert more["orders"] == []
