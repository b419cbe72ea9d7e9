"""Base classes of the incremental shop streams: an ``update_time`` window per shop, read
ahead across shops, and the ascending seek-paged search most of them use.

Kept apart from ``streams.py`` so that stream modules (``streams.py``,
``fulfilment_streams.py``, ...) can all subclass them while ``streams.py`` lists every
stream in ``STREAM_TYPES``.
"""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Generator, Iterable, Iterator

from tap_tiktokshop.paging import FetchAscending, Page, WalkStats, iter_ascending
from tap_tiktokshop.prefetch import ShopFeed, ShopPrefetcher
from tap_tiktokshop.progress import summary_fields
from tap_tiktokshop.stream_base import ShopStream, enrich, logger
from tiktokshop.endpoints import Endpoint
from tiktokshop.shops import Shop

Context = t.Mapping[str, t.Any] | None


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

    def _increment_stream_state(self, latest_record: dict, *,
                                context: Context = None) -> None:
        """The SDK's bookmark update, except that the bookmark never moves backwards.

        The walk (``paging.iter_ascending``) yields a record older than its cursor when a
        page broke the server's sort: the record must be written, but the SDK (sorted
        stream, sort check off) would set the bookmark back to it. Private SDK use: see
        ARCHITECTURE.md.
        """
        value = latest_record.get(self.replication_key or "")
        key = context.get("shop_id") if context else None
        marks = self.__dict__.setdefault("_bookmarks_seen", {})
        if key in marks:  # the partition's bookmark, kept here: no state lookup per record
            mark = marks[key]
        else:
            mark = self.get_context_state(context).get("replication_key_value")
        if isinstance(value, int) and isinstance(mark, int) and value < mark:
            return
        super()._increment_stream_state(latest_record, context=context)
        marks[key] = value if isinstance(value, int) else mark

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
        """One summary line per shop and stream (its figures also as structured extras)."""
        logger.info(
            "%s shop %s: %d records from %d pages for update_time [%d, %d)%s",
            self.name, shop.id, stats.emitted, stats.pages, start, end,
            f"; {stats.deferred} changed during the sync and are left for the next run"
            if stats.deferred else "",
            extra=summary_fields(self.end_progress(shop), stats, "update_time", start, end),
        )

    def counting(self, shop: Shop, start: int, fetch: FetchAscending) -> FetchAscending:
        """``fetch`` that gives the shop's progress tracker the ``total_count`` of the
        walk's first query (the whole window: later queries seek, counting only the rest)."""
        tracker = self.progress(shop)

        def fetch_counted(ge: int, lt: int, token: str | None) -> Page:
            page = fetch(ge, lt, token)
            if ge == start and token is None:
                tracker.expect(page.total)
            return page

        return fetch_counted


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
        progress = self.progress(shop)
        progress.start()
        with self.read_ahead(context) as feed:
            for record in feed:
                progress.tick()
                yield self.transform(shop, enrich(record, shop.id))
        self.log_walk(shop, start, end, feed.result or WalkStats())

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[dict, None, WalkStats]:
        """Every record of the window, ascending (seek paging); returns the walk's stats."""
        start, end = window
        stats = WalkStats()
        yield from iter_ascending(
            self.counting(shop, start, lambda ge, lt, token: self.search(shop, ge, lt, token)),
            start, end, id_key=self.id_key, stats=stats,
            endpoint=self.endpoint.label(self.tiktok.settings.api_version))
        return stats

    def transform(self, shop: Shop, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Hook for streams that emit derived rows next to each record."""
        return record
