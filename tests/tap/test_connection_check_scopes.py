"""The scopes the selected streams need (``tap_tiktokshop.connection_check``): derived from
the endpoints each stream calls, for every stream, with no list kept by hand."""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

import pytest

from tap_tiktokshop import connection_check
from tap_tiktokshop.connection_check import EVERY_RUN, needed_scopes, stream_endpoints
from tap_tiktokshop.stream_base import DerivedStream, ShopStream
from tap_tiktokshop.streams import STREAM_TYPES
from tap_tiktokshop.tap import TapTikTokShop
from tiktokshop.endpoints import PAYMENTS, WAREHOUSES, Endpoint

CONFIG = {"app_key": "k", "app_secret": "SCOPES-SECRET-1", "refresh_token": "SCOPES-R-1",
          "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}
#: What each stream's calls need (the API contract, section 7: the endpoints' scopes).
EXPECTED = {
    "shops": set(),  # the shop list itself, which every run reads
    "warehouses": {"seller.logistics"},
    "products": {"seller.product.basic"},
    "product_skus": {"seller.product.basic"},
    "orders": {"seller.order.info"},
    "order_line_items": {"seller.order.info"},
    "returns": {"seller.return_refund.basic"},
    "return_line_items": {"seller.return_refund.basic"},
    "cancellations": {"seller.return_refund.basic"},
    "packages": {"seller.fulfillment.basic"},
    "package_orders": {"seller.fulfillment.basic"},
    "statements": {"seller.finance.info"},
    "statement_transactions": {"seller.finance.info"},
    "payments": {"seller.finance.info"},
    "withdrawals": {"seller.finance.info"},
    "unsettled_transactions": {"seller.finance.info"},
    **{name: {"data.shop_analytics.public.read"} for name in (
        "shop_performance_daily", "product_performance_daily", "sku_performance_daily",
        "video_performance_daily", "live_performance")},
    "promotion_activities": {"seller.promotion.info"},
    "coupons": {"seller.promotion.info"},
}


def scopes_of(stream_type: type) -> set[str]:
    return {endpoint.scope for endpoint in stream_endpoints(stream_type)}


@pytest.mark.parametrize("stream_type", STREAM_TYPES, ids=lambda s: s.name)
def test_every_stream_needs_the_scopes_of_what_it_calls(stream_type: type) -> None:
    if stream_type.name in EXPECTED:
        assert scopes_of(stream_type) == EXPECTED[stream_type.name]
    else:  # a stream added since: it must call something (or derive from a parent that does)
        assert stream_endpoints(stream_type), f"{stream_type.name}: no endpoint found"


def test_endpoints_named_in_the_calls_are_found() -> None:
    names = {s.name: {e.name for e in stream_endpoints(s)} for s in STREAM_TYPES}
    assert names["warehouses"] == {"warehouses"}  # named in get_records only
    assert names["products"] == {"product_search", "product_detail"}
    assert names["packages"] == {"package_search", "package_detail"}
    assert names["product_skus"] == names["products"]  # rows cut from products


def test_a_new_stream_is_covered_once_it_calls_its_endpoint() -> None:
    class ThingsStream(ShopStream):
        name = "things"

        def get_records(self, context: t.Any) -> t.Iterator[dict]:
            def page() -> t.Any:
                return self.call(WAREHOUSES, self.shop(context))  # named in a nested function
            yield from page().data.get("things") or []

    class ThingRowsStream(DerivedStream):
        name = "thing_rows"
        parent_stream_type = ThingsStream
        endpoints: t.ClassVar[tuple[Endpoint, ...]] = (PAYMENTS,)

    assert stream_endpoints(ThingsStream) == (WAREHOUSES,)
    assert stream_endpoints(ThingRowsStream) == (PAYMENTS, WAREHOUSES)


def test_the_base_stream_classes_name_no_endpoint() -> None:
    """An endpoint named in a base class would count for every stream built on it."""
    from tap_tiktokshop.incremental import AscendingSearchStream, IncrementalShopStream
    from tap_tiktokshop.stream_base import TikTokShopStream

    for base in (TikTokShopStream, ShopStream, DerivedStream, IncrementalShopStream,
                 AscendingSearchStream):
        assert connection_check.class_endpoints(base) == (), base.__name__


def selected_tap(tmp_path: Path, streams: set[str] | None) -> TapTikTokShop:
    config = {**CONFIG, "token_store_path": str(tmp_path / "tokens.json")}
    if streams is None:
        return TapTikTokShop(config=config)
    catalog = copy.deepcopy(TapTikTokShop(config=config).catalog_dict)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return TapTikTokShop(config=config, catalog=catalog)


def test_without_a_catalog_every_stream_counts(tmp_path: Path) -> None:
    needed = needed_scopes(selected_tap(tmp_path, None))
    assert set(needed) == {"seller.authorization.info", *set().union(*EXPECTED.values())}
    assert needed["seller.authorization.info"] == [EVERY_RUN]
    assert sorted(needed["seller.finance.info"]) == [
        "payments", "statement_transactions", "statements", "unsettled_transactions",
        "withdrawals"]


def test_with_a_catalog_only_the_selected_streams_count(tmp_path: Path) -> None:
    needed = needed_scopes(selected_tap(tmp_path, {"orders", "package_orders"}))
    assert needed == {"seller.authorization.info": [EVERY_RUN],
                      "seller.order.info": ["orders"],
                      "seller.fulfillment.basic": ["package_orders"]}
    assert needed_scopes(selected_tap(tmp_path, set())) == {}
