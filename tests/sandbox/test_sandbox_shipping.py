"""Shipping writes: Mark Package As Shipped, Update Package Shipping Info, Ship Package,
Batch Ship Packages and Get Shipping Providers, and what orders and packages show after."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox
from tiktokshop_sandbox import handlers_shipping as hs
from tiktokshop_sandbox.gen_orders import PROVIDERS

from .conftest import Api, error_of

OPTION = "7091146663229654785"
ROYAL_MAIL, EVRI = PROVIDERS[0][0], PROVIDERS[1][0]


@pytest.fixture
def api(make_sandbox: Callable[..., Sandbox]) -> Api:
    return Api(make_sandbox(seed=5, shops=2, products=40, orders=300, rate_limit_qps=0))


def orders_of(api: Api, status: str, lines: int = 1) -> list[dict]:
    dump = api.admin("GET", f"dataset?kinds=orders&shop_id={api.shop.id}")
    return [o for o in dump["orders"] if o["status"] == status and len(o["line_items"]) >= lines]


def order(api: Api, order_id: str) -> dict:
    return api.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0]


def mark(api: Api, order_id: str, body: dict):
    return api.call("POST", f"/fulfillment/202309/orders/{order_id}/packages", body=body)


def test_shipping_providers_of_a_delivery_option(api: Api) -> None:
    data = api.ok("GET", f"/logistics/202309/delivery_options/{OPTION}/shipping_providers")
    assert data["shipping_providers"] == [{"id": i, "name": n} for i, n in PROVIDERS]
    resp = api.call("GET", "/logistics/202309/delivery_options/123/shipping_providers")
    assert error_of(resp)[1] == hs.DELIVERY_OPTION_NOT_FOUND


def test_mark_shipped_moves_the_order_its_lines_and_creates_the_package(api: Api) -> None:
    target = orders_of(api, "AWAITING_SHIPMENT")[0]
    before = order(api, target["id"])
    assert all(not li.get("package_id") for li in before["line_items"])
    data = api.ok("POST", f"/fulfillment/202309/orders/{target['id']}/packages",
                  body={"tracking_number": "TRK-000123", "shipping_provider_id": EVRI})
    assert data["order_id"] == target["id"]
    assert data["order_line_item_ids"] == [li["id"] for li in before["line_items"]]
    after = order(api, target["id"])
    assert after["status"] == "AWAITING_COLLECTION"
    assert after["update_time"] >= before["update_time"]
    assert after["packages"] == [{"id": data["package_id"]}]
    for line in after["line_items"]:
        assert (line["package_id"], line["package_status"], line["tracking_number"],
                line["shipping_provider_id"], line["shipping_provider_name"]) == (
            data["package_id"], "PROCESSING", "TRK-000123", EVRI, "Evri")
    package = api.ok("GET", f"/fulfillment/202309/packages/{data['package_id']}")
    assert package["tracking_number"] == "TRK-000123"
    assert package["package_status"] == "PROCESSING"
    assert set(package["order_line_item_ids"]) == set(data["order_line_item_ids"])
    found = api.ok("POST", "/fulfillment/202309/packages/search", {"page_size": "50"},
                   {"update_time_ge": after["update_time"]})["packages"]
    assert data["package_id"] in {p["id"] for p in found}
    again = mark(api, target["id"], {"tracking_number": "TRK-000124",
                                     "shipping_provider_id": EVRI})
    assert error_of(again)[1] == hs.ORDER_NOT_SHIPPABLE


def test_partial_shipment_then_the_rest(api: Api) -> None:
    target = orders_of(api, "AWAITING_SHIPMENT", lines=2)[0]
    lines = [li["id"] for li in target["line_items"]]
    first = api.ok("POST", f"/fulfillment/202309/orders/{target['id']}/packages", body={
        "order_line_item_ids": lines[:1], "tracking_number": "PART-0001",
        "shipping_provider_id": ROYAL_MAIL})
    middle = order(api, target["id"])
    assert middle["status"] == "PARTIALLY_SHIPPING"
    shipped = {li["id"]: li.get("package_id") for li in middle["line_items"]}
    assert shipped[lines[0]] == first["package_id"]
    assert all(shipped[lid] is None for lid in lines[1:])
    assert {li["package_status"] for li in middle["line_items"] if li["id"] != lines[0]} == {
        "TO_FULFILL"}
    repeat = mark(api, target["id"], {"order_line_item_ids": lines[:1],
                                      "tracking_number": "PART-0002",
                                      "shipping_provider_id": ROYAL_MAIL})
    assert error_of(repeat)[1] == hs.LINE_NOT_SHIPPABLE
    second = api.ok("POST", f"/fulfillment/202309/orders/{target['id']}/packages", body={
        "tracking_number": "PART-0002", "shipping_provider_id": ROYAL_MAIL})
    assert second["order_line_item_ids"] == lines[1:]
    assert second["package_id"] != first["package_id"]
    done = order(api, target["id"])
    assert done["status"] == "AWAITING_COLLECTION"
    assert [p["id"] for p in done["packages"]] == [first["package_id"], second["package_id"]]
    package = api.ok("GET", f"/fulfillment/202309/packages/{second['package_id']}")
    assert package["tracking_number"] == "PART-0002"
    assert package["split_and_combine_tag"] == "SPLIT"


@pytest.mark.parametrize(("body", "code"), [
    ({"tracking_number": "no spaces!", "shipping_provider_id": EVRI},
     hs.INVALID_TRACKING_NUMBER),
    ({"tracking_number": "TRK-000123", "shipping_provider_id": "42"},
     hs.UNKNOWN_SHIPPING_PROVIDER),
    ({"tracking_number": "TRK-000123", "shipping_provider_id": EVRI,
      "order_line_item_ids": ["1"]}, hs.LINE_NOT_SHIPPABLE),
])
def test_mark_shipped_errors_change_nothing(api: Api, body: dict, code: int) -> None:
    target = orders_of(api, "AWAITING_SHIPMENT")[0]
    before = order(api, target["id"])
    assert error_of(mark(api, target["id"], body))[1] == code
    assert order(api, target["id"]) == before


def test_mark_shipped_needs_an_order_of_this_shop(api: Api) -> None:
    other = api.sandbox.dataset.shops[1]
    dump = api.admin("GET", f"dataset?kinds=orders&shop_id={other.id}")
    resp = mark(api, dump["orders"][0]["id"], {"tracking_number": "TRK-000123",
                                               "shipping_provider_id": EVRI})
    assert error_of(resp)[1] == codes.ORDER_NOT_OWNED


def test_update_shipping_info_of_a_shipped_package(api: Api) -> None:
    target = orders_of(api, "AWAITING_COLLECTION")[0]
    package_id = target["line_items"][0]["package_id"]
    path = f"/fulfillment/202309/packages/{package_id}/shipping_info/update"
    assert api.ok("POST", path, body={"tracking_number": "NEW-777777",
                                      "shipping_provider_id": ROYAL_MAIL}) == {}
    after = order(api, target["id"])
    mine = [li for li in after["line_items"] if li["package_id"] == package_id]
    assert {(li["tracking_number"], li["shipping_provider_name"]) for li in mine} == {
        ("NEW-777777", "Royal Mail")}
    assert after["update_time"] >= target["update_time"]
    package = api.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    assert (package["tracking_number"], package["shipping_provider_id"]) == (
        "NEW-777777", ROYAL_MAIL)
    delivered = orders_of(api, "COMPLETED")[0]["line_items"][0]["package_id"]
    resp = api.call("POST", f"/fulfillment/202309/packages/{delivered}/shipping_info/update",
                    body={"tracking_number": "NEW-777777", "shipping_provider_id": ROYAL_MAIL})
    assert error_of(resp)[1] == hs.PACKAGE_NOT_UPDATABLE
    resp = api.call("POST", "/fulfillment/202309/packages/1/shipping_info/update",
                    body={"tracking_number": "NEW-777777", "shipping_provider_id": ROYAL_MAIL})
    assert error_of(resp)[1] == codes.ORDER_NOT_OWNED


def test_ship_package_and_batch_ship_report_shipped_and_unknown_packages(api: Api) -> None:
    shipped = orders_of(api, "IN_TRANSIT")[0]["line_items"][0]["package_id"]
    shipment = {"self_shipment": {"tracking_number": "TRK-000999",
                                  "shipping_provider_id": EVRI}}
    resp = api.call("POST", f"/fulfillment/202309/packages/{shipped}/ship", body=shipment)
    assert error_of(resp)[1] == hs.ALREADY_SHIPPED
    resp = api.call("POST", "/fulfillment/202309/packages/1/ship", body=shipment)
    assert error_of(resp)[1] == codes.ORDER_NOT_OWNED
    data = api.ok("POST", "/fulfillment/202309/packages/ship", body={"packages": [
        {"id": shipped, **shipment}, {"id": "1", **shipment}]})
    assert [(e["code"], e["detail"]) for e in data["errors"]] == [
        (hs.ALREADY_SHIPPED, {"package_id": shipped}),
        (codes.ORDER_NOT_OWNED, {"package_id": "1"})]
