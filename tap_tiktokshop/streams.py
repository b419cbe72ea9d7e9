"""The tap's streams. Every record carries ``shop_id``, part of every primary key."""

from __future__ import annotations

import contextlib
import typing as t
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from tap_tiktokshop.enrichment import order_line_item_rows, product_sku_rows
from tap_tiktokshop.paging import (
    Page,
    WalkStats,
    WindowTooLarge,
    iter_ascending,
    windows_under_cap,
)
from tap_tiktokshop.prefetch import ShopFeed, ShopPrefetcher
from tap_tiktokshop.stream_base import DerivedStream, ShopStream, TikTokShopStream, enrich, logger
from tiktokshop import codes
from tiktokshop.endpoints import (
    CANCELLATION_SEARCH,
    ORDER_SEARCH,
    PRODUCT_DETAIL,
    PRODUCT_SEARCH,
    RETURN_SEARCH,
    WAREHOUSES,
    Endpoint,
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


class IncrementalShopStream(ShopStream):
    """Incremental by ``update_time`` (Unix seconds), sorted ascending, resumable per shop.

    The window runs from the bookmark minus ``lookback_seconds`` (or ``start_date``) to
    the second the sync started, fixed for the whole run. Records are emitted in
    ascending ``update_time`` so the bookmark is always the last emitted value; the SDK's
    sort check stays off because the lookback legitimately re-reads older records.
    """

    replication_key = "update_time"
    is_sorted = True
    check_sorted = False

    #: Shops read at the same time (each with its own rate limits at TikTok).
    PREFETCH_SHOPS = 4
    #: Items a shop read ahead keeps in memory; past that, either the rest waits on disk
    #: (``PREFETCH_SPILL``) or the reader stops and the SDK's thread goes on with it when
    #: the shop's turn comes (see ``prefetch``).
    PREFETCH_MEMORY_ITEMS = 200
    PREFETCH_SPILL = False
    _prefetcher: ShopPrefetcher | None = None

    def window(self, context: Context) -> tuple[int, int]:
        """``(start, end)``: start inclusive, end exclusive (Unix seconds)."""
        return self._window_from(self.get_starting_replication_key_value(context))

    def _window_from(self, bookmark: t.Any) -> tuple[int, int]:
        if isinstance(bookmark, int | float) and not isinstance(bookmark, bool):
            start = max(0, int(bookmark) - self.tiktok.options.lookback_seconds)
        else:
            start = self.tiktok.options.start_epoch
        return start, self.tiktok.options.sync_end

    def _planned_window(self, context: dict[str, t.Any]) -> tuple[int, int]:
        """The window a shop not yet started will get (its state is only read).

        Mirrors how the SDK picks the starting value (the partition's bookmark when it
        is for this replication key and not empty, else ``start_date``); the window is
        checked again when the shop's turn comes, and the shop read again if it differs.
        """
        bookmark = None
        for partition in self.stream_state.get("partitions") or []:
            if partition.get("context") == context:
                if partition.get("replication_key") == self.replication_key:
                    bookmark = partition.get("replication_key_value") or None
                break
        return self._window_from(bookmark)

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[t.Any, None, t.Any]:
        """One shop's items for ``window``; returns its walk statistics."""
        raise NotImplementedError

    @contextlib.contextmanager
    def read_ahead(self, context: Context) -> Iterator[ShopFeed]:
        """This shop's feed, read ahead together with the shops synced after it.

        Leaving the block normally releases the shop; leaving it with an exception
        (including the SDK closing the generator early) stops every read-ahead thread.
        """
        shop = self.shop(context)
        window = self.window(context)
        if self._prefetcher is None:
            self._prefetcher = ShopPrefetcher(
                lambda key, win: self.produce(self.tiktok.shop_by_id(str(key)), win),
                max_running=self.PREFETCH_SHOPS, memory_items=self.PREFETCH_MEMORY_ITEMS,
                spill=self.PREFETCH_SPILL, hand_over=not self.PREFETCH_SPILL,
                name=f"{self.name} read-ahead")
            contexts = [dict(c) for c in self.partitions or []]
            ids = [str(c["shop_id"]) for c in contexts]
            later = contexts[ids.index(shop.id) + 1:] if shop.id in ids else []
            self._prefetcher.plan([(str(c["shop_id"]), self._planned_window(c))
                                   for c in later])
        prefetcher = self._prefetcher
        feed = prefetcher.take(shop.id, window)
        try:
            yield feed
        except BaseException:  # an error, or the SDK closed the generator: stop every shop
            prefetcher.close()
            self._prefetcher = None
            raise
        prefetcher.release(shop.id)
        if prefetcher.idle:
            prefetcher.close()
            self._prefetcher = None

    def log_walk(self, shop: Shop, start: int, end: int, stats: WalkStats) -> None:
        """One summary line per shop and stream."""
        logger.info(
            "%s shop %s: %d records from %d pages for update_time [%d, %d)%s",
            self.name, shop.id, stats.emitted, stats.pages, start, end,
            f"; {stats.deferred} changed during the sync and are left for the next run"
            if stats.deferred else "",
        )


class AscendingSearchStream(IncrementalShopStream):
    """A search that sorts by ``update_time`` ascending with ``_ge``/``_lt`` filters."""

    endpoint: t.ClassVar[Endpoint]
    list_key: t.ClassVar[str]
    id_key: t.ClassVar[str] = "id"
    page_size: t.ClassVar[int] = 100
    # The first 200 records (two pages of 100) of each later shop are read ahead; the
    # rest when the shop's turn comes, so memory does not grow with the number of records.

    def search(self, shop: Shop, ge: int, lt: int, token: str | None) -> Page:
        """One page of the search for ``[ge, lt)``."""
        data = self.call(
            self.endpoint, shop,
            params={"page_size": self.page_size, "page_token": token,
                    "sort_field": "update_time", "sort_order": "ASC"},
            body={"update_time_ge": ge, "update_time_lt": lt},
        ).data
        return Page(list(data.get(self.list_key) or []), data.get("next_page_token") or "",
                    data.get("total_count"))

    def get_records(self, context: Context) -> Iterable[dict]:
        """Every record updated in the window, ascending.

        The first pages of the shops synced after this one are read meanwhile (see
        ``read_ahead``); the rest of a shop is read when its turn comes.
        """
        shop = self.shop(context)
        start, end = self.window(context)
        with self.read_ahead(context) as feed:
            for record in feed:
                yield self.transform(shop, enrich(record, shop.id))
        self.log_walk(shop, start, end, feed.result or WalkStats())

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[dict, None, WalkStats]:
        """Every record of the window, ascending (seek paging); returns the walk's stats."""
        start, end = window
        stats = WalkStats()
        yield from iter_ascending(
            lambda ge, lt, token: self.search(shop, ge, lt, token), start, end,
            id_key=self.id_key, stats=stats,
            endpoint=self.endpoint.label(self.tiktok.settings.api_version))
        return stats

    def transform(self, shop: Shop, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Hook for streams that emit derived rows next to each record."""
        return record


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
    """Returns and refunds."""

    name = "returns"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "return_id"]
    endpoint = RETURN_SEARCH
    list_key = "return_orders"
    id_key = "return_id"
    page_size = 50


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


STREAM_TYPES: tuple[type[TikTokShopStream], ...] = (
    ShopsStream, WarehousesStream, ProductsStream, ProductSkusStream, OrdersStream,
    OrderLineItemsStream, ReturnsStream, CancellationsStream,
)
