"""The tap's streams. Every record carries ``shop_id``, part of every primary key."""

from __future__ import annotations

import typing as t
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from tap_tiktokshop.analytics_streams import ANALYTICS_STREAMS
from tap_tiktokshop.enrichment import (
    order_line_item_rows,
    product_sku_rows,
    return_line_item_rows,
)
from tap_tiktokshop.finance_streams import (
    PaymentsStream,
    StatementsStream,
    StatementTransactionsStream,
    UnsettledTransactionsStream,
    WithdrawalsStream,
)
from tap_tiktokshop.fulfilment_streams import PackageOrdersStream, PackagesStream
from tap_tiktokshop.incremental import AscendingSearchStream, IncrementalShopStream
from tap_tiktokshop.paging import (
    Page,
    WalkStats,
    WindowTooLarge,
    windows_under_cap,
)
from tap_tiktokshop.promotion_streams import PROMOTION_STREAMS
from tap_tiktokshop.stream_base import DerivedStream, ShopStream, TikTokShopStream, enrich, logger
from tiktokshop import codes
from tiktokshop.endpoints import (
    CANCELLATION_SEARCH,
    ORDER_SEARCH,
    PRODUCT_DETAIL,
    PRODUCT_SEARCH,
    RETURN_SEARCH,
    WAREHOUSES,
)
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop

PRODUCT_SEARCH_CAP = 10_000
NO_DETAIL_STATUSES = frozenset({"FREEZE", "DELETED"})  # Get Product refuses these
GONE_CODES = frozenset({codes.PRODUCT_NOT_FOUND, codes.PRODUCT_NOT_FOUND_ALT})

Context = t.Mapping[str, t.Any] | None


class ShopsStream(TikTokShopStream):
    """The authorized shops in this sync (the cipher is never emitted)."""

    name = "shops"
    primary_keys: t.ClassVar[list[str]] = ["shop_id"]
    replication_key = None

    def get_records(self, context: Context) -> Iterable[dict]:
        """One record per shop."""
        for shop in self.tiktok.shops:
            yield shop.record()


class WarehousesStream(ShopStream):
    """Warehouses per shop (full table: the API has no update filter)."""

    name = "warehouses"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    replication_key = None

    def get_records(self, context: Context) -> Iterable[dict]:
        """Every warehouse of the shop."""
        shop = self.shop(context)
        for warehouse in self.call(WAREHOUSES, shop).data.get("warehouses") or []:
            yield enrich(warehouse, shop.id)


class OrdersStream(AscendingSearchStream):
    """Orders (full order objects from order search), with their line items."""

    name = "orders"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    endpoint = ORDER_SEARCH
    list_key = "orders"

    def get_records(self, context: Context) -> Iterable[dict]:
        """Orders ascending by update_time; line items are written just before each order."""
        self.line_items.begin()
        yield from super().get_records(context)

    @property
    def line_items(self) -> DerivedStream:
        """The ``order_line_items`` stream object."""
        return t.cast("DerivedStream", self.tiktok.streams["order_line_items"])

    def transform(self, shop: Shop, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Emit the order's line items (built only when the stream is selected)."""
        line_items = self.line_items
        if line_items.selected:
            line_items.emit(order_line_item_rows(shop.id, record))
        return record

    def generate_child_contexts(self, record: dict, context: Context) -> Iterable[dict | None]:
        """No per-record child syncs: line items are written inline."""
        return iter(())


class ReturnsStream(AscendingSearchStream):
    """Returns and refunds, with their return lines."""

    name = "returns"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "return_id"]
    endpoint = RETURN_SEARCH
    list_key = "return_orders"
    id_key = "return_id"
    page_size = 50

    def get_records(self, context: Context) -> Iterable[dict]:
        """Returns ascending by update_time; return lines are written just before each."""
        self.return_lines.begin()
        yield from super().get_records(context)

    @property
    def return_lines(self) -> DerivedStream:
        """The ``return_line_items`` stream object."""
        return t.cast("DerivedStream", self.tiktok.streams["return_line_items"])

    def transform(self, shop: Shop, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Emit the return's lines (built only when the stream is selected)."""
        lines = self.return_lines
        if lines.selected:
            lines.emit(return_line_item_rows(shop.id, record))
        return record

    def generate_child_contexts(self, record: dict, context: Context) -> Iterable[dict | None]:
        """No per-record child syncs: return lines are written inline."""
        return iter(())


class CancellationsStream(AscendingSearchStream):
    """Order cancellations."""

    name = "cancellations"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "cancel_id"]
    endpoint = CANCELLATION_SEARCH
    list_key = "cancellations"
    id_key = "cancel_id"
    page_size = 50


class ProductsStream(IncrementalShopStream):
    """Products with full details, and their SKU/warehouse rows.

    Product search returns results in no documented order and stops at 10,000 results,
    so each window is split until it fits, read whole, sorted by ``(update_time, id)``,
    and only then are details fetched (concurrently, within the rate limiter) and
    emitted in that order.
    """

    name = "products"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    search_page_size = 100
    # Details are the slow part (one call each, at the rate limit): shops are read at
    # once, to the end, and what waits for its shop's turn goes to disk past 500 products.
    PREFETCH_SHOPS = 8
    PREFETCH_MEMORY_ITEMS = 500
    PREFETCH_SPILL = True

    @property
    def skus(self) -> DerivedStream:
        """The ``product_skus`` stream object."""
        return t.cast("DerivedStream", self.tiktok.streams["product_skus"])

    def generate_child_contexts(self, record: dict, context: Context) -> Iterable[dict | None]:
        """No per-record child syncs: SKU rows are written inline."""
        return iter(())

    def search(self, shop: Shop, ge: int, le: int, token: str | None) -> Page:
        """One page of product search for ``[ge, le]`` (both inclusive)."""
        data = self.call(
            PRODUCT_SEARCH, shop,
            params={"page_size": self.search_page_size, "page_token": token},
            body={"update_time_ge": ge, "update_time_le": le},
        ).data
        return Page(list(data.get("products") or []), data.get("next_page_token") or "",
                    data.get("total_count"))

    def get_records(self, context: Context) -> Iterable[dict]:
        """Changed products of the shop, ascending by update_time.

        Every shop of the sync is read ahead in parallel (search, then details) into a
        feed that spills to disk; this shop's products are emitted from its feed.
        """
        self.skus.begin()
        shop = self.shop(context)
        start, end = self.window(context)
        skus = self.skus if self.skus.selected else None
        deferred = emitted = 0
        progress = self.progress(shop)
        progress.start()
        with self.read_ahead(context) as feed:
            for high, summary, detail in feed:
                product = detail if detail is not None else summary
                updated = product.get("update_time")
                if not isinstance(updated, int) or updated > high:
                    deferred += 1  # changed since the search: a later window or run has it
                    continue
                enrich(product, shop.id)
                if skus is not None:
                    skus.emit(product_sku_rows(shop.id, product))
                emitted += 1
                progress.tick()
                yield product
        stats: WalkStats = feed.result or WalkStats()
        stats.emitted += emitted
        stats.deferred += deferred
        self.log_walk(shop, start, end, stats)

    def produce(self, shop: Shop, window: tuple[int, int]
                ) -> Generator[list[t.Any], None, WalkStats]:
        """``[high, summary, detail]`` per product: each window searched whole, then its
        details fetched in order; returns the walk's stats."""
        start, end = window
        stats = WalkStats()
        if start >= end:
            return stats
        windows = windows_under_cap(
            lambda low, high: self._read_window(shop, low, high, stats), start, end - 1, logger)
        workers = self.tiktok.options.detail_concurrency
        self.client.reserve_connections(workers * (self.PREFETCH_SHOPS + 1) + 4)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix=f"product-detail-{shop.id}") as pool:
            for _, high, summaries in windows:
                for summary, detail in self._with_details(pool, workers, shop, summaries):
                    yield [high, summary, detail]
        return stats

    def _read_window(
        self, shop: Shop, low: int, high: int, stats: WalkStats
    ) -> list[dict[str, t.Any]]:
        """Every search result of ``[low, high]``, sorted by ``(update_time, id)``.

        Raises:
            WindowTooLarge: when the window holds more than TikTok will page through.
        """
        by_id: dict[str, dict[str, t.Any]] = {}
        tokens: set[str] = set()
        token: str | None = None
        while True:
            try:
                page = self.search(shop, low, high, token)
            except FatalAPIError as exc:
                if exc.code == codes.PRODUCT_SEARCH_TOO_MANY:
                    raise WindowTooLarge(None) from None
                raise
            stats.pages += 1
            if token is None and stats.pages == 1:  # the whole window's total_count
                self.progress(shop).expect(page.total)
            if token is None and (page.total or 0) > PRODUCT_SEARCH_CAP:
                raise WindowTooLarge(page.total)
            for item in page.items:
                updated = item.get("update_time")
                if isinstance(updated, int) and low <= updated <= high and item.get("id"):
                    by_id[str(item["id"])] = item
                else:
                    stats.deferred += 1
            if not page.next_token:
                break
            if page.next_token in tokens:
                raise FatalAPIError(code=None, message="the same page token came back twice",
                                    endpoint="product search", hint="report it with the shop")
            tokens.add(page.next_token)
            token = page.next_token
        return sorted(by_id.values(), key=lambda p: (p["update_time"], str(p["id"])))

    def _with_details(
        self, pool: ThreadPoolExecutor, workers: int, shop: Shop,
        summaries: list[dict[str, t.Any]],
    ) -> Iterator[tuple[dict[str, t.Any], dict[str, t.Any] | None]]:
        """Details in the summaries' order, at most ``2 * workers`` requested ahead
        (closing the generator cancels the ones not started)."""
        pending: deque[tuple[dict[str, t.Any], Future]] = deque()
        queue = iter(summaries)
        try:
            for summary in queue:
                pending.append((summary, pool.submit(self._detail, shop, summary)))
                if len(pending) >= workers * 2:
                    break
            while pending:
                summary, future = pending.popleft()
                detail = future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(self._detail, shop, nxt)))
                yield summary, detail
        finally:
            for _, future in pending:
                future.cancel()

    def _detail(self, shop: Shop, summary: dict[str, t.Any]) -> dict[str, t.Any] | None:
        if summary.get("status") in NO_DETAIL_STATUSES:
            return None
        try:
            return self.call(PRODUCT_DETAIL, shop, path_params={"product_id": str(summary["id"])}
                             ).data
        except FatalAPIError as exc:
            if exc.code not in GONE_CODES:
                raise
            logger.warning("Product %s of shop %s has no detail (%s); emitting the search "
                           "result instead", summary["id"], shop.id, exc.code)
            return None


class ProductSkusStream(DerivedStream):
    """One row per product SKU and warehouse: what warehouses join on and the target takes."""

    name = "product_skus"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "product_id", "sku_id", "warehouse_id"]
    replication_key = None
    parent_stream_type = ProductsStream


class OrderLineItemsStream(DerivedStream):
    """One row per order line item, joinable to product_skus on (shop_id, sku_id)."""

    name = "order_line_items"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "order_id", "id"]
    replication_key = None
    parent_stream_type = OrdersStream


class ReturnLineItemsStream(DerivedStream):
    """One row per return line with its refund amounts, joinable to order_line_items on
    (shop_id, order_line_item_id)."""

    name = "return_line_items"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "return_id", "return_line_item_id"]
    replication_key = None
    parent_stream_type = ReturnsStream


STREAM_TYPES: tuple[type[TikTokShopStream], ...] = (
    ShopsStream, WarehousesStream, ProductsStream, ProductSkusStream, OrdersStream,
    OrderLineItemsStream, ReturnsStream, CancellationsStream,
    ReturnLineItemsStream, PackagesStream, PackageOrdersStream,
    StatementsStream, StatementTransactionsStream, PaymentsStream, WithdrawalsStream,
    UnsettledTransactionsStream, *ANALYTICS_STREAMS, *PROMOTION_STREAMS,
)
