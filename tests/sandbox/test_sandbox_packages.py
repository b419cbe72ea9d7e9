"""Packages: derived from the orders, served by Search Package and Get Package Detail,
moved by /sandbox/mutate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox
from tiktokshop_sandbox.dataset import Dataset
from tiktokshop_sandbox.gen_orders import PACKAGE_STATUS, SHIPPED
from tiktokshop_sandbox.options import SandboxOptions

from .conftest import Api, error_of

SEARCH = "/fulfillment/202309/packages/search"
DETAIL = "/fulfillment/202309/packages/{}"


@pytest.fixture(scope="module")
def dump() -> dict:
    return Dataset(SandboxOptions(seed=7, shops=3, products=60, orders=400)).dump()


def walk(api: Api, query: dict[str, str], body: Any = None) -> tuple[list[dict], int]:
    items: list[dict] = []
    page_query = dict(query)
    for _ in range(200):
        data = api.ok("POST", SEARCH, page_query, body)
        items += data["packages"]
        if not data["next_page_token"]:
            return items, data["total_count"]
        page_query = {**query, "page_token": data["next_page_token"]}
    raise AssertionError("too many pages")


def test_every_shipped_order_has_its_packages_and_only_those(dump: dict) -> None:
    packages = {(p["shop_id"], p["package_id"]): p for p in dump["packages"]}
    held: Counter = Counter()
    for order in dump["orders"]:
        lines = order["line_items"]
        named = {li.get("package_id") for li in lines}
        if order["status"] not in SHIPPED:
            assert named == {None} and order["packages"] == []
            continue
        assert None not in named
        assert [p["id"] for p in order["packages"]] == list(dict.fromkeys(
            li["package_id"] for li in lines))
        for package_id in named:
            package = packages[(order["shop_id"], package_id)]
            listed = [o for o in package["orders"] if o["id"] == order["id"]]
            assert len(listed) == 1
            mine = [li for li in lines if li["package_id"] == package_id]
            assert {li["id"] for li in mine} <= set(package["order_line_item_ids"])
            assert sum(s["quantity"] for s in listed[0]["skus"]) == len(mine)
            assert package["package_status"] == PACKAGE_STATUS[order["status"]]
            assert all(li["package_status"] == package["package_status"] for li in mine)
            assert all(li["tracking_number"] == package["tracking_number"] for li in mine)
            held[(order["shop_id"], package_id)] += len(mine)
    assert {key: len(p["order_line_item_ids"]) for key, p in packages.items()} == dict(held)


def test_split_and_combined_packages(dump: dict) -> None:
    orders = {(o["shop_id"], o["id"]): o for o in dump["orders"]}
    tags = Counter(p["split_and_combine_tag"] for p in dump["packages"])
    assert tags["SPLIT"] >= 4 and tags["COMBINE"] >= 4 and tags["DEFAULT"] > tags["SPLIT"]
    for package in dump["packages"]:
        members = [orders[(package["shop_id"], o["id"])] for o in package["orders"]]
        assert package["update_time"] == max(o["update_time"] for o in members)
        assert min(o["create_time"] for o in members) <= package["create_time"] <= \
            package["update_time"]
        if package["split_and_combine_tag"] == "COMBINE":
            assert len(members) == 2
            assert len({(o["user_id"], o["status"], o["warehouse_id"], o["shipping_type"])
                        for o in members}) == 1  # one buyer, one status, one shipment
        else:
            assert len(members) == 1
        if package["split_and_combine_tag"] == "SPLIT":
            assert len(members[0]["packages"]) == 2
        assert package["recipient_address"]["full_address"] == \
            members[0]["recipient_address"]["full_address"]


def test_search_walks_every_package_ascending_by_update_time(api: Api) -> None:
    query = {"page_size": "13", "sort_field": "update_time", "sort_order": "ASC"}
    items, total = walk(api, query)
    mine = {p["package_id"]: p for p in api.sandbox.dataset.dump(
        {"packages"}, api.shop.id)["packages"]}
    assert total == len(items) == len(mine)
    assert [i["id"] for i in items if i["id"] in mine] == [i["id"] for i in items]
    keys = [(i["update_time"], int(i["id"])) for i in items]
    assert keys == sorted(keys)
    for item in items:
        detail = mine[item["id"]]
        assert item["status"] == detail["package_status"]
        assert item["orders"] == detail["orders"]
        assert item["order_line_item_ids"] == detail["order_line_item_ids"]
        assert set(item) == {"id", "status", "create_time", "update_time", "orders",
                             "order_line_item_ids", "shipping_provider_id",
                             "shipping_provider_name", "tracking_number"}


@pytest.mark.parametrize("field", ["create_time", "order_pay_time"])
def test_search_sorts_descending_by_default_and_by_each_sort_field(api: Api, field: str) -> None:
    items, _ = walk(api, {"page_size": "50", "sort_field": field})
    ids = [i["id"] for i in items]
    if field == "create_time":
        default, _ = walk(api, {"page_size": "50"})  # create_time DESC is the default
        assert [i["id"] for i in default] == ids
        keys = [(i["create_time"], int(i["id"])) for i in items]
        assert keys == sorted(keys, reverse=True)
    assert len(ids) == len(set(ids))


def test_search_filters(api: Api) -> None:
    items, _ = walk(api, {"page_size": "50", "sort_field": "update_time", "sort_order": "ASC"})
    middle = items[len(items) // 2]["update_time"]
    late, _ = walk(api, {"page_size": "50"}, {"update_time_ge": middle})
    early, _ = walk(api, {"page_size": "50"}, {"update_time_lt": middle})
    assert {i["id"] for i in late} | {i["id"] for i in early} == {i["id"] for i in items}
    assert all(i["update_time"] >= middle for i in late)
    assert all(i["update_time"] < middle for i in early)
    created = items[0]["create_time"]
    assert all(i["create_time"] >= created for i in walk(
        api, {"page_size": "50"}, {"create_time_ge": created})[0])
    for status in ("PROCESSING", "FULFILLING", "COMPLETED"):
        found, total = walk(api, {"page_size": "50"}, {"package_status": status})
        assert total == sum(i["status"] == status for i in items)
        assert {i["status"] for i in found} <= {status}


@pytest.mark.parametrize(("query", "body"), [
    ({}, None),  # page_size is required
    ({"page_size": "51"}, None),
    ({"page_size": "0"}, None),
    ({"page_size": "10", "sort_field": "paid_time"}, None),
    ({"page_size": "10", "sort_order": "UP"}, None),
    ({"page_size": "10"}, {"package_status": "TO_FULFILL"}),
    ({"page_size": "10"}, {"order_status": "COMPLETED"}),
    ({"page_size": "10"}, {"update_time_ge": "yesterday"}),
])
def test_search_refuses_bad_parameters(api: Api, query: dict, body: Any) -> None:
    status, code, message = error_of(api.call("POST", SEARCH, query, body))
    assert (status, code) == (400, codes.INVALID_REQUEST), message


def test_detail_of_another_shops_package_fails(api: Api) -> None:
    dump = api.sandbox.dataset.dump({"packages"})
    mine = next(p for p in dump["packages"] if p["shop_id"] == api.shop.id)
    other = next(p for p in dump["packages"] if p["shop_id"] != api.shop.id)
    assert api.ok("GET", DETAIL.format(mine["package_id"])) == {
        k: v for k, v in mine.items() if k != "shop_id"}
    for package_id in (other["package_id"], "1152000000000000001", "abc"):
        status, code, message = error_of(api.call("GET", DETAIL.format(package_id)))
        assert (status, code) == (200, codes.ORDER_NOT_OWNED), message
        assert "does not belong to the current seller" in message


def test_packages_need_the_fulfillment_scope(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(seed=3, shops=1, orders=30))
    api.admin("POST", "scopes", {"remove": ["seller.fulfillment.basic"]})
    _, code, _ = error_of(api.call("POST", SEARCH, {"page_size": "10"}))
    assert code == codes.SCOPE_MISSING


def test_mutate_moves_packages_and_their_orders_together(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=13, shops=2, products=20, orders=200)
    api = Api(sb)
    before = {(p["shop_id"], p["package_id"]): p
              for p in api.admin("GET", "dataset?kinds=packages")["packages"]}
    changed = api.admin("POST", "mutate", {"packages": 5, "orders": 10})
    dump = api.admin("GET", "dataset?kinds=packages,orders")
    after = {(p["shop_id"], p["package_id"]): p for p in dump["packages"]}
    moved = {key[1] for key, p in after.items()
             if key not in before or before[key]["update_time"] != p["update_time"]}
    assert moved == set(changed["packages"])
    assert len(moved) >= 10  # five chosen per shop, and those of the changed orders
    assert any(before[key]["package_status"] != after[key]["package_status"]
               for key in after if key in before and key[1] in moved)
    assert set(after) >= set(before)
    orders = {(o["shop_id"], o["id"]): o for o in dump["orders"]}
    for key, package in after.items():  # statuses and times still follow the orders
        members = [orders[(key[0], o["id"])] for o in package["orders"]]
        assert package["package_status"] == PACKAGE_STATUS[members[0]["status"]]
        assert package["update_time"] == max(o["update_time"] for o in members)
    for order in dump["orders"]:
        assert (order["status"] in SHIPPED) == bool(order["packages"])
    for package_id in moved:
        assert package_id in {p["package_id"] for p in after.values()}


def test_packages_built_after_a_change_equal_packages_updated_by_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Packages are built on first use from the orders as they are then: building them
    after orders changed gives what updating them when the orders changed gives."""
    monkeypatch.setattr("tiktokshop_sandbox.dataset.now_s", lambda: 1_790_000_000)
    options = SandboxOptions(seed=17, shops=2, products=20, orders=300)
    early, late = Dataset(options), Dataset(options)
    for shop in early.shops:
        early.package_columns(shop)  # built before the change
    changed_early = early.mutate(orders=40, seed=5)
    changed_late = late.mutate(orders=40, seed=5)  # packages built after it
    assert changed_early == changed_late
    assert changed_early["packages"]
    key = lambda p: (p["shop_id"], p["package_id"])  # noqa: E731
    assert sorted(early.dump({"packages"})["packages"], key=key) == sorted(
        late.dump({"packages"})["packages"], key=key)
