"""The analytics streams: daily performance of the shop, its products, SKUs and videos,
and the shop's LIVE sessions.

One row per shop (product, SKU, video) and day, the day (``date``, the shop's
``YYYY-MM-DD``) part of the key; one row per LIVE session, dated by the day it started.
The lists are asked one day at a time (``start_date_ge`` = the day, ``end_date_lt`` = the
next), every page of a day; the shop's figures come by day (``granularity=1D``) for up
to :data:`SHOP_DAYS_PER_CALL` days per call. Figures are flattened into columns
(``analytics_rows``) in the ``analytics_currency`` asked for.

Incremental by day (``day_windows`` says which days): the bookmark of each shop is the
last day whose rows were all emitted, so a killed run resumes without losing a day, and
each run re-reads ``analytics_lookback_days`` up to the bookmark (TikTok revises recent
days): a re-read day's rows replace the earlier ones by key in an upserting loader.
Shops are read at the same time (``IncrementalShopStream.read_ahead``), each at the
analytics rate limit (``rate_limit_qps_analytics``, per shop and endpoint).
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tap_tiktokshop.analytics_rows import analytics_row
from tap_tiktokshop.day_windows import (
    ONE_DAY,
    count_days,
    day_of,
    days,
    first_day,
    floor_day,
    last_day,
    oldest_served,
    parse_day,
)
from tap_tiktokshop.finance_streams import all_pages
from tap_tiktokshop.incremental import Context, IncrementalShopStream
from tap_tiktokshop.paging import Page
from tap_tiktokshop.settings import parse_utc
from tap_tiktokshop.stream_base import logger
from tiktokshop.endpoints import (
    LIVE_PERFORMANCE,
    PRODUCT_PERFORMANCE,
    SHOP_PERFORMANCE,
    SKU_PERFORMANCE,
    VIDEO_PERFORMANCE,
    Endpoint,
)
from tiktokshop.shops import Shop

#: Days of shop performance per call (``granularity=1D``: one interval per day). The
#: snapshot documents no maximum range; a month keeps each answer small.
SHOP_DAYS_PER_CALL = 30
#: Days the connection test (``--test``, one record per stream) reads: the latest ones,
#: not up to a year of empty days (a new shop) at the analytics rate.
DRY_RUN_DAYS = 3
#: A day's rows: ``[day, rows]`` (JSON, so a shop read ahead may wait on disk).
DayItem = list[t.Any]


@dataclass
class DayStats:
    """What one shop's read did (the summary line)."""

    first: str
    last: str | None = None
    pages: int = 0
    records: int = 0
    days: int = 0


class DailyAnalyticsStream(IncrementalShopStream):
    """An analytics list read one day at a time, every page of each day."""

    replication_key = "date"
    endpoint: t.ClassVar[Endpoint]
    #: Where the answer lists the items (dotted: ``performance.intervals``).
    list_key: t.ClassVar[str]
    #: What the API's ``id`` is renamed to (None: no id).
    id_name: t.ClassVar[str | None] = None
    #: Whether the list pages (``page_size``/``page_token``); shop performance does not.
    paged: t.ClassVar[bool] = True
    page_size: t.ClassVar[int] = 100  # the documented maximum
    days_per_call: t.ClassVar[int] = 1
    # Every shop is read to its end in a thread of its own (the analytics rate is per
    # shop), its days waiting on disk past the first ones. The threads mostly wait on the
    # rate limiter, so more shops run at once than for the searches.
    PREFETCH_SHOPS = 8
    PREFETCH_SPILL = True
    PREFETCH_MEMORY_ITEMS = 30

    # ---------------------------------------------------------------- the window
    def window(self, context: Context) -> t.Any:
        """``(floor, first)`` (``YYYY-MM-DD``): the first day the settings and the shop's
        bookmark allow, and the first day to ask, by the tap's clock (``day_windows``)."""
        return self._window_from(self._bookmark(context))

    def _bookmark(self, context: Context) -> str | None:
        state = self.get_context_state(context)
        if state.get("replication_key") != self.replication_key:
            return None
        day = parse_day(state.get("replication_key_value"))
        return day.isoformat() if day else None

    def _window_from(self, bookmark: t.Any) -> t.Any:
        options = self.tiktok.options
        today = self._today()
        start = day_of(options.start_epoch if options.analytics_start_epoch is None
                       else options.analytics_start_epoch)
        floor = floor_day(start=start, bookmark=parse_day(bookmark),
                          lookback_days=options.analytics_lookback_days)
        first = first_day(start=start, today=today, bookmark=parse_day(bookmark),
                          lookback_days=options.analytics_lookback_days)
        if self._dry_run:  # ``--test``: the latest days only
            first = max(first, today - timedelta(days=DRY_RUN_DAYS))
        return (floor.isoformat(), first.isoformat())

    @property
    def _dry_run(self) -> bool:
        """The connection test (``--test``: the SDK's dry run, one record per stream)."""
        limit = self.ABORT_AT_RECORD_COUNT
        return limit is not None and limit <= 1

    @staticmethod
    def _today() -> date:
        return day_of(int(time.time()))

    def _end(self) -> date | None:
        """The day of ``end_date`` (exclusive) when the config sets one."""
        value = self.config.get("end_date")
        return day_of(parse_utc("end_date", value)) if value else None

    # ---------------------------------------------------------------- the calls
    def params(self, start: date, end: date) -> dict[str, t.Any]:
        """The query of one call for the days ``[start, end)``."""
        return {"start_date_ge": start.isoformat(), "end_date_lt": end.isoformat(),
                "currency": self.tiktok.options.analytics_currency}

    def items(self, data: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
        """The answer's items (at ``list_key``)."""
        node: t.Any = data
        for step in self.list_key.split("."):
            node = node.get(step) if isinstance(node, dict) else None
        return [item for item in node or [] if isinstance(item, dict)]

    def item_day(self, item: t.Mapping[str, t.Any], start: date) -> str:
        """The day an item belongs to (a one-day call: that day)."""
        return start.isoformat()

    def read_span(self, shop: Shop, start: date, end: date,
                  stats: DayStats) -> tuple[dict[str, list[dict[str, t.Any]]], date | None]:
        """Every row of ``[start, end)`` by day (all pages), and ``latest_available_date``."""
        latest: list[date | None] = [None]
        base = self.params(start, end)
        label = self.endpoint.label(self.tiktok.settings.api_version)

        def page(token: str | None) -> Page:
            params = {**base, "page_size": self.page_size, "page_token": token} \
                if self.paged else base
            data = self.call(self.endpoint, shop, params=params).data
            stats.pages += 1
            latest[0] = latest[0] or parse_day(data.get("latest_available_date"))
            return Page(self.items(data), str(data.get("next_page_token") or "") if self.paged
                        else "", data.get("total_count"))

        by_day: dict[str, dict[tuple[t.Any, ...], dict[str, t.Any]]] = {}
        for item in all_pages(page, label):
            day = self.item_day(item, start)
            row = analytics_row(item, shop_id=shop.id, day=day, id_name=self.id_name)
            key = tuple(row.get(k) for k in self.primary_keys)
            by_day.setdefault(day, {})[key] = row  # a key once per day (pages that shift)
        return {day: list(rows.values()) for day, rows in by_day.items()}, latest[0]

    def produce(self, shop: Shop, window: t.Any) -> Generator[DayItem, None, DayStats]:
        """``[day, rows]`` for every day of the window, ascending; returns the read's figures.

        The first call asks the window's first day by the tap's clock and learns
        ``latest_available_date``; the window is then fixed from TikTok's date (its oldest
        day served, never past its latest) and read from its first day, the day already
        asked taken from that first answer.
        """
        floor, asked = (date.fromisoformat(str(day)) for day in window)
        progress = self.progress(shop)
        today, end = self._today(), self._end()
        stats = DayStats(first=asked.isoformat())
        asked_rows, latest = self.read_span(shop, asked, asked + ONE_DAY, stats)
        last = last_day(latest, today, end)
        first = max(floor, oldest_served(latest or today - ONE_DAY))
        if self._dry_run:
            first = max(first, last - timedelta(days=DRY_RUN_DAYS - 1))
        stats.first, stats.last = first.isoformat(), last.isoformat()
        progress.expect_days(count_days(first, last))
        day = first
        while day <= last:
            if day == asked:
                by_day, span_end = asked_rows, day + ONE_DAY
            else:
                limit = asked if day < asked <= last else last + ONE_DAY  # up to the asked day
                span_end = min(day + timedelta(days=self.days_per_call), limit)
                by_day, _ = self.read_span(shop, day, span_end, stats)
            for each in days(day, span_end - ONE_DAY):
                rows = by_day.get(each.isoformat(), [])
                stats.records += len(rows)
                stats.days += 1
                yield [each.isoformat(), rows]
            day = span_end
        return stats

    # ---------------------------------------------------------------- records and state
    def get_records(self, context: Context) -> Iterable[dict]:
        """Every row of the shop's days, day by day; the bookmark moves to a day once its
        last row is emitted (and past empty days at the end)."""
        shop = self.shop(context)
        complete = self._completed()
        complete[shop.id] = self._bookmark(context)
        progress = self.progress(shop)
        progress.start()
        with self.read_ahead(context) as feed:
            for day, rows in feed:
                for row in rows[:-1]:
                    progress.tick()
                    yield row
                self._complete(shop.id, day)
                if rows:
                    progress.tick()
                    yield rows[-1]
                progress.day_done()
        self._store_bookmark(context, complete.get(shop.id))
        self.log_days(shop, feed.result)

    def _completed(self) -> dict[str, str | None]:
        return t.cast("dict[str, str | None]", self.__dict__.setdefault("_complete_days", {}))

    def _complete(self, shop_id: str, day: str) -> None:
        """``day`` is done once the row being yielded is written (ISO days sort as text)."""
        complete = self._completed()
        done = complete.get(shop_id)
        if done is None or day > done:
            complete[shop_id] = day

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _increment_stream_state(self, latest_record: dict, *, context: Context = None) -> None:
        """The bookmark is the last complete day, never the day of a row whose day still
        has rows to come (the SDK would take the record's ``date``)."""
        shop_id = str(context.get("shop_id")) if context else ""
        done = self._completed().get(shop_id)
        if done is not None:
            super()._increment_stream_state({self.replication_key: done}, context=context)

    def _store_bookmark(self, context: Context, done: str | None) -> None:
        """Move the bookmark past days read with no rows at the end of the window."""
        if done is None:
            return
        state = self.get_context_state(context)  # the SDK's writable partition state
        if state.get("replication_key") != self.replication_key or str(
                state.get("replication_key_value") or "") < done:
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = done

    def log_days(self, shop: Shop, stats: DayStats | None) -> None:
        """One summary line per shop and stream (its figures also as structured extras)."""
        tracker = self.end_progress(shop)
        stats = stats or DayStats(first="")
        fields = {**tracker.fields(), "log_event": "shop_done", "pages": stats.pages,
                  "days": stats.days, "window_start": stats.first, "window_end": stats.last}
        logger.info("%s shop %s: %d records from %d pages for %d days (%s to %s)", self.name,
                    shop.id, stats.records, stats.pages, stats.days, stats.first,
                    stats.last or "-", extra=fields)


class ShopPerformanceDailyStream(DailyAnalyticsStream):
    """The shop's figures per day (GMV, orders, items sold, visitors...)."""

    name = "shop_performance_daily"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "date"]
    endpoint = SHOP_PERFORMANCE
    list_key = "performance.intervals"
    paged = False
    days_per_call = SHOP_DAYS_PER_CALL

    def params(self, start: date, end: date) -> dict[str, t.Any]:
        """By day over the span."""
        return {**super().params(start, end), "granularity": "1D"}

    def item_day(self, item: t.Mapping[str, t.Any], start: date) -> str:
        """An interval's own start day."""
        day = parse_day(item.get("start_date"))
        return day.isoformat() if day else start.isoformat()


class ProductPerformanceDailyStream(DailyAnalyticsStream):
    """Each product's figures per day (GMV, items sold, orders)."""

    name = "product_performance_daily"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "product_id", "date"]
    endpoint = PRODUCT_PERFORMANCE
    list_key = "products"
    id_name = "product_id"


class SkuPerformanceDailyStream(DailyAnalyticsStream):
    """Each SKU's figures per day (with its ``product_id``)."""

    name = "sku_performance_daily"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "sku_id", "date"]
    endpoint = SKU_PERFORMANCE
    list_key = "skus"
    id_name = "sku_id"


class VideoPerformanceDailyStream(DailyAnalyticsStream):
    """Each video's figures per day it had activity (views, GMV, items sold...)."""

    name = "video_performance_daily"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "video_id", "date"]
    endpoint = VIDEO_PERFORMANCE
    list_key = "videos"
    id_name = "video_id"


class LivePerformanceStream(DailyAnalyticsStream):
    """Each LIVE session, read with the day it started (``date``)."""

    name = "live_performance"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "live_id"]
    endpoint = LIVE_PERFORMANCE
    list_key = "live_stream_sessions"
    id_name = "live_id"


ANALYTICS_STREAMS = (ShopPerformanceDailyStream, ProductPerformanceDailyStream,
                     SkuPerformanceDailyStream, VideoPerformanceDailyStream,
                     LivePerformanceStream)
