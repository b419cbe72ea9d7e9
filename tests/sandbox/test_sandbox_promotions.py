"""Promotion endpoints: Search Activities / Get Activity and Search Coupons / Get Coupon."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox

from .conftest import Api, error_of

SEARCH_ACTIVITIES = "/promotion/202309/activities/search"
SEARCH_COUPONS = "/promotion/202406/coupons/search"


@pytest.fixture
def api(make_sandbox: Callable[..., Sandbox]) -> Api:
    return Api(make_sandbox(seed=8, shops=2, products=20, orders=20, promotion_activities=30,
                            coupons=25))


def walk_activities(api: Api, body: dict) -> list[dict]:
    found, token = [], ""
    for _ in range(50):
        page = api.ok("POST", SEARCH_ACTIVITIES, body={**body, "page_token": token})
        found += page["activities"]
        token = page["next_page_token"]
        if not token:
            return found
    raise AssertionError("too many pages")


def walk_coupons(api: Api, body: dict, page_size: str) -> list[dict]:
    found: list[dict] = []
    token = None
    for _ in range(50):
        query = {"page_size": page_size, **({"page_token": token} if token else {})}
        page = api.ok("POST", SEARCH_COUPONS, query, body)
        found += page["coupons"]
        token = page["next_page_token"]
        if not token:
            return found
    raise AssertionError("too many pages")


def test_activities_search_pages_filters_and_details_match_the_dataset(api: Api) -> None:
    dump = api.admin("GET", f"dataset?kinds=promotion_activities&shop_id={api.shop.id}")
    expected = {a["activity_id"]: a for a in dump["promotion_activities"]}
    assert len(expected) == 30
    found = walk_activities(api, {"page_size": 7})
    assert [a["id"] for a in found] == sorted(
        expected, key=lambda i: (-expected[i]["update_time"], i))  # newest update first
    first = api.ok("POST", SEARCH_ACTIVITIES, body={"page_size": 7})
    assert first["total_count"] == 30
    for activity in found:
        detail = api.ok("GET", f"/promotion/202309/activities/{activity['id']}")
        assert {**detail, "shop_id": api.shop.id} == expected[activity["id"]]
        assert {k: v for k, v in activity.items() if k != "id"}.items() <= detail.items()
    status = found[0]["status"]
    only = walk_activities(api, {"status": status})
    assert only and {a["status"] for a in only} == {status}
    assert len(only) == sum(a["status"] == status for a in expected.values())
    flash = walk_activities(api, {"activity_type": "FLASHSALE", "activity_title": "Flashsale 00"})
    assert flash and all(a["activity_type"] == "FLASHSALE" and "Flashsale 00" in a["title"]
                         for a in flash)


def test_coupons_search_pages_filters_and_details_match_the_dataset(api: Api) -> None:
    dump = api.admin("GET", f"dataset?kinds=coupons&shop_id={api.shop.id}")
    expected = {c["id"]: c for c in dump["coupons"]}
    found = walk_coupons(api, {}, "4")
    assert sorted(c["id"] for c in found) == sorted(expected)
    for coupon in found:
        detail = api.ok("GET", f"/promotion/202406/coupons/{coupon['id']}")["coupon"]
        assert {**detail, "shop_id": api.shop.id} == expected[coupon["id"]]
        assert coupon.items() <= detail.items()
    live = walk_coupons(api, {"display_type": ["LIVE"], "status": ["EXPIRED", "ONGOING"]},
                        "100")
    assert live and all(c["display_type"] == "LIVE" and c["status"] in ("EXPIRED", "ONGOING")
                        for c in live)
    assert walk_coupons(api, {"title_keyword": "Coupon 003"}, "10") == [
        c for c in found if c["title"] == "Coupon 003"]


def test_ids_of_another_shop_and_bad_filters(api: Api) -> None:
    other = api.admin("GET", "dataset?kinds=promotion_activities,coupons&shop_id="
                      + api.sandbox.dataset.shops[1].id)
    for path in (f"/promotion/202309/activities/{other['promotion_activities'][0]['activity_id']}",
                 f"/promotion/202406/coupons/{other['coupons'][0]['id']}"):
        status, code, message = error_of(api.call("GET", path))
        assert (status, code) == (400, codes.INVALID_REQUEST) and "this shop" in message
    for body in ({"status": "LIVE"}, {"page_size": 101}, {"activity_type": "COUPON"}):
        status, code, _ = error_of(api.call("POST", SEARCH_ACTIVITIES, body=body))
        assert (status, code) == (400, codes.INVALID_REQUEST), body
    status, code, _ = error_of(api.call("POST", SEARCH_COUPONS, {"page_size": "0"}, {}))
    assert (status, code) == (400, codes.INVALID_REQUEST)
    status, code, _ = error_of(api.call("POST", SEARCH_COUPONS, body={"status": ["DRAFT"]}))
    assert (status, code) == (400, codes.INVALID_REQUEST)
