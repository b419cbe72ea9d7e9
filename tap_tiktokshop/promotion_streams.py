"""Promotion streams: the shop's product discount and flash sale activities, and its coupons.

``promotion_activities`` walks Search Activities (202309) and ``coupons`` Search Coupons
(202406) to the end, and each record is the item's detail (Get Activity: the products and
SKUs with their discounts; Get Coupon: the eligible products, usage figures), fetched
concurrently (``product_detail_concurrency`` calls in flight per shop, spaced by the
client's rate limiter) and emitted in the search's order, with the search fields the
detail lacks merged in (Search Activities calls Get Activity's ``activity_id`` ``id``).

**Full table.** Neither search filters or sorts by update time (the snapshot offers status,
type and title filters only), so both streams read every activity and coupon on every run
and have no bookmark. An activity or coupon that ends stays listed (EXPIRED, DEACTIVATED),
so nothing leaves TikTok's answer: the streams follow ``emit_activate_version_messages``
like the other full-table streams (never in a run limited by ``shop_ids``, see
``TikTokShopStream.emit_activate_version_messages``). The scope, ``seller.promotion.info``
(UNCONFIRMED), is handled like every scope (``scopes``): a shop without it skips the stream.
"""

from __future__ import annotations

import abc
import typing as t
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from tap_tiktokshop.finance_streams import all_pages
from tap_tiktokshop.incremental import Context
from tap_tiktokshop.ordered_fetch import fetch_in_order
from tap_tiktokshop.paging import Page
from tap_tiktokshop.progress import Progress
from tap_tiktokshop.stream_base import ShopStream, enrich, logger
from tiktokshop.endpoints import (
    ACTIVITY_DETAIL,
    ACTIVITY_SEARCH,
    COUPON_DETAIL,
    COUPON_SEARCH,
    Endpoint,
)
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop


class PromotionStream(ShopStream):
    """Search to the end, then each item's detail (concurrently, in the search's order)."""

    replication_key = None
    search_endpoint: t.ClassVar[Endpoint]
    detail_endpoint: t.ClassVar[Endpoint]
    list_key: t.ClassVar[str]
    page_size = 100  # the documented maximum of both searches

    @abc.abstractmethod
    def search_page(self, shop: Shop, token: str | None) -> dict[str, t.Any]:
        """One page of the search (``data``)."""

    @abc.abstractmethod
    def detail(self, shop: Shop, item_id: str) -> dict[str, t.Any]:
        """The item's detail object."""

    def record(self, summary: dict[str, t.Any], detail: dict[str, t.Any]) -> dict[str, t.Any]:
        """The detail, with the search fields it lacks."""
        record = dict(detail)
        for key, value in summary.items():
            record.setdefault(key, value)
        return record

    def get_records(self, context: Context) -> Iterable[dict]:
        """Every item of the shop, each its detail merged with its search result."""
        shop = self.shop(context)
        progress = self.progress(shop)
        progress.start()
        workers = self.tiktok.options.detail_concurrency
        self.client.reserve_connections(workers + 4)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix=f"{self.name}-detail-{shop.id}") as pool:
            for summary, detail in fetch_in_order(pool, workers * 2,
                                                  self._summaries(shop, progress),
                                                  lambda s: self.detail(shop, self._id(s))):
                progress.tick()
                yield enrich(self.record(summary, detail), shop.id)
        self.end_progress(shop)
        logger.info("%s shop %s: %d records", self.name, shop.id, progress.records,
                    extra={**progress.fields(), "log_event": "shop_done"})

    def _summaries(self, shop: Shop, progress: Progress) -> Iterator[dict[str, t.Any]]:
        def page(token: str | None) -> Page:
            data = self.search_page(shop, token)
            if token is None:
                progress.expect(data.get("total_count"))
            return Page(list(data.get(self.list_key) or []), data.get("next_page_token") or "",
                        data.get("total_count"))

        yield from all_pages(page, self.label(self.search_endpoint))

    def _id(self, summary: dict[str, t.Any]) -> str:
        item_id = summary.get("id")
        if not item_id:
            raise FatalAPIError(code=None, message=f"an item of the {self.list_key} search "
                                "answer has no id", endpoint=self.label(self.search_endpoint),
                                hint="report it with the shop")
        return str(item_id)

    def label(self, endpoint: Endpoint) -> str:
        return endpoint.label(self.tiktok.settings.api_version)


class PromotionActivitiesStream(PromotionStream):
    """Product discount, flash sale, shipping discount and buy-more-save-more activities."""

    name = "promotion_activities"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "activity_id"]
    search_endpoint = ACTIVITY_SEARCH
    detail_endpoint = ACTIVITY_DETAIL
    endpoints: t.ClassVar[tuple[Endpoint, ...]] = (ACTIVITY_SEARCH, ACTIVITY_DETAIL)
    list_key = "activities"

    def search_page(self, shop: Shop, token: str | None) -> dict[str, t.Any]:
        # Search Activities takes its paging in the body ("" for the first page).
        return self.call(self.search_endpoint, shop, body={
            "page_size": self.page_size, "page_token": token or ""}).data

    def detail(self, shop: Shop, item_id: str) -> dict[str, t.Any]:
        return self.call(self.detail_endpoint, shop,
                         path_params={"activity_id": item_id}).data

    def record(self, summary: dict[str, t.Any], detail: dict[str, t.Any]) -> dict[str, t.Any]:
        """Get Activity, plus the Search Activities fields it lacks (its ``id`` is the
        detail's ``activity_id``)."""
        found = {k: v for k, v in summary.items() if k != "id"}
        record = super().record(found, detail)
        record.setdefault("activity_id", summary.get("id"))
        return record


class CouponsStream(PromotionStream):
    """Coupons (created in Seller Center, the Seller App or TikTok Shop CRM)."""

    name = "coupons"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    search_endpoint = COUPON_SEARCH
    detail_endpoint = COUPON_DETAIL
    endpoints: t.ClassVar[tuple[Endpoint, ...]] = (COUPON_SEARCH, COUPON_DETAIL)
    list_key = "coupons"

    def search_page(self, shop: Shop, token: str | None) -> dict[str, t.Any]:
        return self.call(self.search_endpoint, shop, body={}, params={
            "page_size": self.page_size, "page_token": token}).data

    def detail(self, shop: Shop, item_id: str) -> dict[str, t.Any]:
        data = self.call(self.detail_endpoint, shop, path_params={"coupon_id": item_id}).data
        return dict(data.get("coupon") or {})


PROMOTION_STREAMS: tuple[type[PromotionStream], ...] = (PromotionActivitiesStream,
                                                        CouponsStream)
