"""Fulfilment streams: shipping packages, and the orders each package holds.

``packages`` walks Search Package exactly like orders: ascending ``sort_field=update_time``
over ``[bookmark - lookback_seconds, sync start)``, seeking after each page (see
``paging.iter_ascending``), one state partition per shop, shops read ahead in parallel.
Search Package returns a summary; each package's record is its Get Package Detail, fetched
concurrently (``product_detail_concurrency`` calls in flight per shop, spaced by the
client's rate limiter) and emitted in the search's order. Search fields the detail lacks
are merged in (Search Package calls ``package_id`` and ``package_status`` ``id`` and
``status``). Like product details, what a shop reads ahead past a few hundred packages
waits on disk until its turn.

A package whose detail carries an ``update_time`` at or after the sync's end changed after
the sync started: it is left for the next run (its new update time is inside the next
run's window), which keeps every emitted ``update_time`` inside the window. (A change
happens at the time it is made, after the sync started; a detail newer than its search
result yet older than the sync's end would mean TikTok's search lags its details, which
``lookback_seconds`` covers: such a package is emitted as the detail has it.)

``package_orders`` is a child row stream (one row per package and order) rather than only
the ``orders`` array of the package record (which stays on it): TikTok combines several
orders into one package and splits one order into several packages, so the link is many
to many; warehouses join rows, not JSON arrays, and order-to-package lookups should not need
each warehouse's JSON unnesting. Rows are written inline just before their package, like
``order_line_items`` (see ``stream_base.DerivedStream``), so they never lag the state.
"""

from __future__ import annotations

import typing as t
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor

from tap_tiktokshop.enrichment import package_order_rows
from tap_tiktokshop.incremental import AscendingSearchStream, Context
from tap_tiktokshop.ordered_fetch import fetch_in_order
from tap_tiktokshop.paging import WalkStats, iter_ascending
from tap_tiktokshop.stream_base import DerivedStream, enrich, logger
from tiktokshop import codes
from tiktokshop.endpoints import PACKAGE_DETAIL, PACKAGE_SEARCH
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop

#: Search Package field -> the Get Package Detail field with the same meaning.
SEARCH_NAMES: dict[str, str] = {"id": "package_id", "status": "package_status"}
#: Get Package Detail answers for a package the shop's search listed that is gone (TikTok:
#: "The order or package does not belong to the current seller"): the search result is
#: emitted instead, with a warning.
GONE_CODES = frozenset({codes.ORDER_NOT_OWNED})



def package_record(summary: dict[str, t.Any], detail: dict[str, t.Any] | None
                   ) -> dict[str, t.Any]:
    """The package's detail, with the search fields it lacks (under the detail's names)."""
    record = dict(detail) if detail is not None else {}
    for key, value in summary.items():
        record.setdefault(SEARCH_NAMES.get(key, key), value)
    return record


class PackagesStream(AscendingSearchStream):
    """Shipping packages (Get Package Detail for each package Search Package returns)."""

    name = "packages"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "package_id"]
    endpoint = PACKAGE_SEARCH
    list_key = "packages"
    id_key = "id"
    page_size = 50  # Search Package: page_size 1-50
    # One detail call per package, as for products: every shop is read at once, to the
    # end, and what waits for its shop's turn goes to disk past 500 packages.
    PREFETCH_SHOPS = 8
    PREFETCH_MEMORY_ITEMS = 500
    PREFETCH_SPILL = True

    @property
    def package_orders(self) -> DerivedStream:
        """The ``package_orders`` stream object."""
        return t.cast("DerivedStream", self.tiktok.streams["package_orders"])

    def generate_child_contexts(self, record: dict, context: Context) -> Iterable[dict | None]:
        """No per-record child syncs: package orders are written inline."""
        return iter(())

    def get_records(self, context: Context) -> Iterable[dict]:
        """Packages of the shop ascending by update_time, each after its package_orders rows."""
        rows = self.package_orders
        rows.begin()
        shop = self.shop(context)
        start, end = self.window(context)
        late = 0
        progress = self.progress(shop)
        progress.start()
        with self.read_ahead(context) as feed:
            for record in feed:
                updated = record.get("update_time")
                if not isinstance(updated, int) or updated >= end:
                    late += 1  # changed since the sync started: the next run has it
                    continue
                enrich(record, shop.id)
                if rows.selected:
                    rows.emit(package_order_rows(shop.id, record))
                progress.tick()
                yield record
        stats: WalkStats = feed.result or WalkStats()
        stats.emitted -= late
        stats.deferred += late
        self.log_walk(shop, start, end, stats)

    def produce(self, shop: Shop, window: tuple[int, int]
                ) -> Generator[dict[str, t.Any], None, WalkStats]:
        """Every package of the window, ascending, each its detail merged with its search
        result; returns the walk's stats."""
        start, end = window
        stats = WalkStats()
        summaries = iter_ascending(
            self.counting(shop, start, lambda ge, lt, token: self.search(shop, ge, lt, token)),
            start, end, id_key=self.id_key, stats=stats,
            endpoint=self.endpoint.label(self.tiktok.settings.api_version))
        workers = self.tiktok.options.detail_concurrency
        self.client.reserve_connections(workers * (self.PREFETCH_SHOPS + 1) + 4)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix=f"package-detail-{shop.id}") as pool:
            for summary, detail in fetch_in_order(pool, workers * 2, summaries,
                                                  lambda s: self._detail(shop, s)):
                yield package_record(summary, detail)
        return stats

    def _detail(self, shop: Shop, summary: dict[str, t.Any]) -> dict[str, t.Any] | None:
        package_id = summary.get("id")
        if not package_id:
            raise FatalAPIError(code=None, message="a package in the search answer has no id",
                                endpoint=self.endpoint.label(self.tiktok.settings.api_version),
                                hint="report it with the shop and time range")
        try:
            return self.call(PACKAGE_DETAIL, shop, path_params={"package_id": str(package_id)}
                             ).data
        except FatalAPIError as exc:
            if exc.code not in GONE_CODES:
                raise
            logger.warning("Package %s of shop %s has no detail (%s); emitting the search "
                           "result instead", package_id, shop.id, exc.code)
            return None


class PackageOrdersStream(DerivedStream):
    """One row per package and order it holds: joins packages to orders and line items."""

    name = "package_orders"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "package_id", "order_id"]
    replication_key = None
    parent_stream_type = PackagesStream
