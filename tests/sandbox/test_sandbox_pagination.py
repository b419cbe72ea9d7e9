"""Keyset page tokens, filters, sort orders and page-size rules of the search endpoints."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tiktokshop import codes
from tiktokshop.auth.signing import compute_sign
from tiktokshop_sandbox import Sandbox, SandboxOptions

from .conftest import Api, error_of

ORDERS = "/order/202309/orders/search"
PRODUCTS = "/product/202309/products/search"
RETURNS = "/return_refund/202309/returns/search"
CANCELS = "/return_refund/202309/cancellations/search"


def walk(api: Api, path: str, query: dict[str, str], body: Any, key: str,
         max_pages: int = 500) -> tuple[list[dict], list[str], int]:
    items: list[dict] = []
    tokens: list[str] = []
    total = -1
    page_query = dict(query)
    for _ in range(max_pages):
        data = api.ok("POST", path, page_query, body)
        items += data[key]
        total = data["total_count"]
        if not data["next_page_token"]:
            return items, tokens, total
        tokens.append(data["next_page_token"])
        page_query = {**query, "page_token": data["next_page_token"]}
    raise AssertionError("too many pages")


def shop_rows(api: Api, kind: str) -> list[dict]:
    dump = api.sandbox.dataset.dump()
    return [r for r in dump[kind] if r["shop_id"] == api.shop.id]


def test_order_walk_is_complete_stable_and_tokens_hold_plus_slash_equals(api: Api) -> None:
    items, tokens, total = walk(api, ORDERS, {"page_size": "7"}, None, "orders")
    assert tokens
    assert all("+" in t and "/" in t and "=" in t for t in tokens)
    ids = [o["id"] for o in items]
    assert len(ids) == len(set(ids)) == total
    assert set(ids) == {o["id"] for o in shop_rows(api, "orders")}
    keys = [(o["create_time"], int(o["id"])) for o in items]
    assert keys == sorted(keys, reverse=True)  # default create_time DESC, ties by id


def test_unencoded_token_and_tampered_token_fail(api: Api) -> None:
    data = api.ok("POST", ORDERS, {"page_size": "3"})
    token = data["next_page_token"]
    opts = api.sandbox.options
    params = {"app_key": opts.app_key, "timestamp": str(int(time.time())),
              "shop_cipher": api.cipher, "page_size": "3", "page_token": token}
    sign = compute_sign(opts.app_secret, ORDERS, params)
    raw_query = "&".join(f"{k}={v}" for k, v in params.items())  # "+" not encoded
    resp = api.session.post(f"{api.sandbox.base_url}{ORDERS}?{raw_query}&sign={sign}",
                            headers={"content-type": "application/json",
                                     "x-tts-access-token": api.token}, timeout=10)
    assert resp.json()["code"] != 0
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    status, code, message = error_of(api.call("POST", ORDERS, {"page_size": "3",
                                                               "page_token": tampered}))
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert "page_token" in message
    # correctly percent-encoded, the same token works
    encoded = quote(token, safe="")
    assert "%2B" in encoded
    assert "%2F" in encoded
    assert "%3D" in encoded
    assert api.ok("POST", ORDERS, {"page_size": "3", "page_token": token})["orders"]


def test_token_is_bound_to_the_query(api: Api) -> None:
    token = api.ok("POST", ORDERS, {"page_size": "3"}, {})["next_page_token"]
    for query, body in [
        ({"page_size": "3", "sort_order": "ASC"}, {}),
        ({"page_size": "3", "sort_field": "update_time"}, {}),
        ({"page_size": "3"}, {"order_status": "COMPLETED"}),
    ]:
        resp = api.call("POST", ORDERS, {**query, "page_token": token}, body)
        assert error_of(resp)[:2] == (400, codes.INVALID_REQUEST)
    other = Api(api.sandbox, token=api.token)
    other.cipher = api.sandbox.dataset.shops[1].cipher
    assert error_of(other.call("POST", ORDERS, {"page_size": "3", "page_token": token}))[1] == (
        codes.INVALID_REQUEST)
    # a different page size is fine
    assert api.ok("POST", ORDERS, {"page_size": "5", "page_token": token})["orders"]


def test_order_time_filters_on_same_second_ties(api: Api) -> None:
    rows = shop_rows(api, "orders")
    counts = Counter(o["update_time"] for o in rows)
    tie, n = counts.most_common(1)[0]
    assert n >= 2, "the dataset must hold same-second update_time ties"
    expected = {o["id"] for o in rows if o["update_time"] == tie}
    query = {"page_size": "1", "sort_field": "update_time", "sort_order": "ASC"}
    items, _, total = walk(api, ORDERS, query, {"update_time_ge": tie, "update_time_lt": tie + 1},
                           "orders")
    assert {o["id"] for o in items} == expected
    assert total == n
    assert [int(o["id"]) for o in items] == sorted(int(i) for i in expected)
    below, _, _ = walk(api, ORDERS, {"page_size": "50"}, {"update_time_lt": tie}, "orders")
    assert all(o["update_time"] < tie for o in below)
    assert len(below) == sum(1 for o in rows if o["update_time"] < tie)
    ctie = Counter(o["create_time"] for o in rows).most_common(1)[0][0]
    created, _, _ = walk(api, ORDERS, {"page_size": "50"},
                         {"create_time_ge": ctie, "create_time_lt": ctie + 1}, "orders")
    assert {o["id"] for o in created} == {o["id"] for o in rows if o["create_time"] == ctie}


def test_order_update_time_asc_walk(api: Api) -> None:
    items, _, total = walk(api, ORDERS, {"page_size": "9", "sort_field": "update_time",
                                         "sort_order": "ASC"}, {}, "orders")
    keys = [(o["update_time"], int(o["id"])) for o in items]
    assert keys == sorted(keys)
    assert len(keys) == total


def test_product_search_desc_and_inclusive_bounds(api: Api) -> None:
    items, _, total = walk(api, PRODUCTS, {"page_size": "13"}, {}, "products")
    keys = [(p["update_time"], int(p["id"])) for p in items]
    assert keys == sorted(keys, reverse=True)
    assert total == len(shop_rows(api, "products"))
    target = items[len(items) // 2]
    t = target["update_time"]
    data = api.ok("POST", PRODUCTS, {"page_size": "100"},
                  {"update_time_ge": t, "update_time_le": t})
    assert target["id"] in {p["id"] for p in data["products"]}
    assert all(p["update_time"] == t for p in data["products"])
    sku = target["skus"][0]["seller_sku"]
    data = api.ok("POST", PRODUCTS, {"page_size": "10"}, {"seller_skus": [sku]})
    assert [p["id"] for p in data["products"]] == [target["id"]]
    data = api.ok("POST", PRODUCTS, {"page_size": "100"}, {"status": "ACTIVATE"})
    assert data["products"]
    assert all(p["status"] == "ACTIVATE" for p in data["products"])


def test_product_search_shapes_per_version(api: Api) -> None:
    for version in ("202309", "202312", "202502"):
        data = api.ok("POST", f"/product/{version}/products/search", {"page_size": "5"}, {})
        product = data["products"][0]
        assert "description" not in product
        assert "category_chains" not in product
        assert product["sales_regions"] == [api.shop.region.code]
        assert ("audit" in product) == (version != "202309")


def test_page_size_rules(api: Api) -> None:
    for size in ("0", "101", "x"):
        assert error_of(api.call("POST", ORDERS, {"page_size": size}))[1] == (
            codes.INVALID_REQUEST)
    assert len(api.ok("POST", ORDERS)["orders"]) == 20  # default page size
    assert error_of(api.call("POST", PRODUCTS, {}, {}))[:2] == (
        200, codes.PRODUCT_SEARCH_PAGE_SIZE)
    assert error_of(api.call("POST", PRODUCTS, {"page_size": "101"}, {}))[1] == (
        codes.PRODUCT_SEARCH_PAGE_SIZE)
    assert error_of(api.call("POST", RETURNS, {"page_size": "9"}, {}))[1] == (
        codes.INVALID_REQUEST)
    assert len(api.ok("POST", RETURNS, {"page_size": "10"}, {})["return_orders"]) == 10
    assert error_of(api.call("POST", CANCELS, {"page_size": "51"}, {}))[1] == (
        codes.INVALID_REQUEST)
    assert len(api.ok("POST", CANCELS, {"page_size": "1"}, {})["cancellations"]) == 1


def test_returns_and_cancellations_walks(api: Api) -> None:
    items, _, total = walk(api, RETURNS, {"page_size": "10"}, {}, "return_orders")
    keys = [(r["create_time"], int(r["return_id"])) for r in items]
    assert keys == sorted(keys)
    assert total == len(shop_rows(api, "returns"))
    items, _, total = walk(api, CANCELS, {"page_size": "7", "sort_field": "update_time",
                                          "sort_order": "DESC"}, {}, "cancellations")
    keys = [(c["update_time"], int(c["cancel_id"])) for c in items]
    assert keys == sorted(keys, reverse=True)
    assert total == len(shop_rows(api, "cancellations"))
    some = items[0]
    data = api.ok("POST", CANCELS, {"page_size": "50"}, {"order_ids": [some["order_id"]]})
    assert {c["order_id"] for c in data["cancellations"]} == {some["order_id"]}
    data = api.ok("POST", RETURNS, {"page_size": "50"},
                  {"return_status": ["RETURN_OR_REFUND_REQUEST_COMPLETE"]})
    assert all(r["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
               for r in data["return_orders"])
    arbitrated = {r["return_id"] for r in shop_rows(api, "returns") if "arbitration_status" in r}
    data = api.ok("POST", RETURNS, {"page_size": "50"}, {"arbitration_status": [
        "IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED"]})
    assert {r["return_id"] for r in data["return_orders"]} == arbitrated


def test_order_detail(api: Api) -> None:
    rows = shop_rows(api, "orders")
    ids = [o["id"] for o in rows[:3]]
    for version in ("202309", "202507"):
        data = api.ok("GET", f"/order/{version}/orders", {"ids": ",".join(ids)})
        assert [o["id"] for o in data["orders"]] == ids
    too_many = ",".join(o["id"] for o in rows[:51])
    assert error_of(api.call("GET", "/order/202309/orders", {"ids": too_many}))[1] == (
        codes.INVALID_REQUEST)
    resp = api.call("GET", "/order/202309/orders", {"ids": "5764999999999999999"})
    assert error_of(resp)[:2] == (200, codes.ORDER_NOT_OWNED)


def test_product_search_cap_default_is_10000() -> None:
    assert SandboxOptions().product_search_cap == 10_000


def test_product_search_cap_with_a_small_cap(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(shops=1, products=50, orders=0, product_search_cap=30))
    first = api.ok("POST", PRODUCTS, {"page_size": "20"}, {})
    assert first["total_count"] == 50
    assert len(first["products"]) == 20
    second = api.ok("POST", PRODUCTS, {"page_size": "20", "page_token": first["next_page_token"]},
                    {})
    assert len(second["products"]) == 10
    assert second["next_page_token"]
    status, code, message = error_of(api.call(
        "POST", PRODUCTS, {"page_size": "20", "page_token": second["next_page_token"]}, {}))
    assert (status, code) == (200, codes.PRODUCT_SEARCH_TOO_MANY)
    assert "can not exceed 30" in message
    # a narrower window stays under the cap and can be walked to the end
    cut = second["products"][-1]["update_time"]
    newer, _, total = walk(api, PRODUCTS, {"page_size": "20"}, {"update_time_ge": cut + 1},
                           "products")
    older, _, total2 = walk(api, PRODUCTS, {"page_size": "20"}, {"update_time_le": cut},
                            "products")
    assert total + total2 == 50
    assert len(newer) + len(older) == 50


def test_product_search_cap_at_10000_for_real(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(shops=1, products=10_050, orders=0, rate_limit_qps=0))
    query = {"page_size": "100"}
    token = ""
    seen = 0
    for _ in range(100):
        data = api.ok("POST", PRODUCTS, {**query, **({"page_token": token} if token else {})},
                      {})
        assert data["total_count"] == 10_050
        seen += len(data["products"])
        token = data["next_page_token"]
    assert seen == 10_000
    assert token
    status, code, message = error_of(api.call("POST", PRODUCTS, {**query, "page_token": token},
                                              {}))
    assert (status, code) == (200, codes.PRODUCT_SEARCH_TOO_MANY)
    assert message == "The total number of search results can not exceed 10000."
