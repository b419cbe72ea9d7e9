"""The rows of the analytics answers over a window of days, for the handlers and for
``GET /sandbox/dataset`` alike (so both always agree)."""

from __future__ import annotations

from collections.abc import Callable

from .analytics_book import AnalyticsBook, day_str
from .analytics_figures import Tally, shop_traffic, tally, tally_by
from .analytics_views import (
    Money,
    live_row,
    product_row,
    shop_interval,
    sku_row,
    video_row,
)
from .gen_analytics import live_of_day, video_products, videos_on
from .gen_shops import SeededShop


def shop_day_interval(version: str, money: Money, seed: int, shop: SeededShop,
                      book: AnalyticsBook, days: list[int], start: str, end: str) -> dict:
    """One Get Shop Performance interval over ``days`` (dated ``start`` to ``end``)."""
    per_day = [tally(book.lines(shop.id, d)) for d in days]
    traffic = [shop_traffic(seed, shop.idx, d, t) for d, t in zip(days, per_day, strict=True)]
    return shop_interval(version, money, seed, start, end,
                         tally(book.window_lines(shop.id, days)), traffic)


def product_rows(version: str, money: Money, seed: int, shop: SeededShop,
                 book: AnalyticsBook, days: list[int]) -> list[dict]:
    """Products that sold in ``days``."""
    sales = tally_by(book.window_lines(shop.id, days), lambda line: line.product_id)
    return [product_row(version, money, seed, str(pid), days, t) for pid, t in sales.items()]


def sku_rows(money: Money, shop: SeededShop, book: AnalyticsBook, days: list[int]
             ) -> list[dict]:
    """SKUs that sold in ``days``."""
    sales = tally_by(book.window_lines(shop.id, days),
                     lambda line: (line.sku_id, line.product_id))
    return [sku_row(money, sku, pid, t) for (sku, pid), t in sales.items()]  # type: ignore[misc]


def video_rows(version: str, money: Money, seed: int, shop: SeededShop, book: AnalyticsBook,
               days: list[int], product: Callable[[int], dict], product_count: int,
               accounts: tuple[str, ...] | None = None) -> list[dict]:
    """Videos watched in ``days`` (of the account types given; None: all)."""
    views: dict[str, int] = {}
    videos = {}
    for day in days:
        for video in videos_on(seed, shop, day):
            if accounts is None or video.account_type in accounts:
                videos[video.id] = video
                views[video.id] = views.get(video.id, 0) + video.views_on(seed, day)
    sales = tally_by(book.window_lines(shop.id, days),
                     lambda line: line.source_id if line.channel == "VIDEO" else None)
    rows = []
    for vid, video in videos.items():
        products = [product(i) for i in video_products(video, product_count)]
        rows.append(video_row(version, money, shop, video, views[vid], len(days), products,
                              sales.get(vid) or Tally()))
    return rows


def live_rows(version: str, money: Money, seed: int, shop: SeededShop, book: AnalyticsBook,
              days: list[int], accounts: tuple[str, ...] | None = None) -> list[dict]:
    """One row per LIVE session started on one of ``days`` (of the account types given)."""
    rows = []
    for day in days:
        live = live_of_day(seed, shop, day)
        if live is None or (accounts is not None and live.account_type not in accounts):
            continue
        sales = tally(line for line in book.lines(shop.id, day) if line.source_id == live.id)
        added = len(sales.products) + int(live.id) % 5
        rows.append(live_row(version, money, shop, seed, live, added, sales))
    return rows


ANALYTICS_KINDS = ("shop_performance_daily", "product_performance_daily",
                   "sku_performance_daily", "video_performance_daily", "live_performance")
#: The version whose shapes ``GET /sandbox/dataset`` uses (with ``shop_id`` and ``date``).
DUMP_VERSION = "202509"


def dump_analytics(seed: int, shop: SeededShop, book: AnalyticsBook, want: set[str],
                   product: Callable[[int], dict], product_count: int) -> dict[str, list]:
    """Every served day's rows of ``shop`` in the local currency, one list per kind."""
    money = Money(shop, "LOCAL")
    out: dict[str, list] = {kind: [] for kind in ANALYTICS_KINDS}
    for day in book.served(book.oldest(), book.latest() + 1):
        tag = {"shop_id": shop.id, "date": day_str(day)}
        if "shop_performance_daily" in want:
            out["shop_performance_daily"].append({**shop_day_interval(
                DUMP_VERSION, money, seed, shop, book, [day], day_str(day),
                day_str(day + 1)), **tag})
        if "product_performance_daily" in want:
            out["product_performance_daily"] += [
                {**row, **tag} for row in product_rows(DUMP_VERSION, money, seed, shop, book,
                                                       [day])]
        if "sku_performance_daily" in want:
            out["sku_performance_daily"] += [{**row, **tag}
                                             for row in sku_rows(money, shop, book, [day])]
        if "video_performance_daily" in want:
            out["video_performance_daily"] += [
                {**row, **tag} for row in video_rows(DUMP_VERSION, money, seed, shop, book,
                                                     [day], product, product_count)]
        if "live_performance" in want:
            out["live_performance"] += [
                {**row, **tag} for row in live_rows(DUMP_VERSION, money, seed, shop, book,
                                                    [day])]
    return out
