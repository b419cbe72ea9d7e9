"""Analytics answers in each endpoint version's response shape (field names and types as
the OpenAPI snapshot has them: a 202405 product id is an integer, a 202509 one a string;
SKU ids are integers in both SKU versions).

Each builder takes the tallies of ``analytics_figures`` over a window of days and the
currency asked for (``LOCAL``: the shop's; ``USD``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .analytics_figures import (
    Tally,
    Traffic,
    fmt_amount,
    percent,
    product_clicks,
    rate,
)
from .gen_analytics import (
    CHANNELS,
    LiveSession,
    Video,
    video_hash_tags,
    video_title,
    video_username,
)
from .gen_orders import mix
from .gen_shops import SeededShop

#: Gross revenue breakdown types per market (the snapshot: none for the US and JP).
_REVENUE_TYPES = {"GB": ("ADS", "ORGANIC"), "DE": ("ADS", "ORGANIC"), "FR": ("ADS", "ORGANIC"),
                  "MY": ("NON_GMV_MAX", "GMV_MAX"), "SG": ("NON_GMV_MAX", "GMV_MAX")}


@dataclass(frozen=True)
class Money:
    """Formats amounts in the currency asked for."""

    shop: SeededShop
    currency: str  # LOCAL | USD

    def __call__(self, amounts: dict[str, int]) -> dict:
        code = self.shop.currency if self.currency == "LOCAL" else "USD"
        return {"amount": fmt_amount(amounts[self.currency]), "currency": code}

    def scalar(self, value: int) -> dict:
        return self({self.currency: value})


def _avg(amounts: dict[str, int], count: int) -> dict[str, int]:
    return {k: (v // count if count else 0) for k, v in amounts.items()}


def _split(total: int, seed: int, *parts: int) -> dict[str, int]:
    """``total`` spread over the channels (integers that add up to it)."""
    h = mix(seed, *parts)
    live = total * (10 + h % 20) // 100
    video = total * (20 + (h >> 8) % 30) // 100
    return {"LIVE": live, "VIDEO": video, "PRODUCT_CARD": total - live - video}


# --------------------------------------------------------------------------- shop
def shop_interval(version: str, money: Money, seed: int, start: str, end: str,
                  sales: Tally, traffic: list[Traffic]) -> dict:
    """One interval of Get Shop Performance: ``traffic`` holds one entry per day in it."""
    days = max(len(traffic), 1)
    impressions = {ch: sum(t.impressions[ch] for t in traffic) for ch in CHANNELS}
    page_views = {ch: sum(t.page_views[ch] for t in traffic) for ch in CHANNELS}
    visitors = {ch: sum(t.visitors[ch] for t in traffic) for ch in CHANNELS}
    orders = len(sales.orders)
    if version >= "202509":
        types = _REVENUE_TYPES.get(money.shop.region.code, ())
        net_total = sales.net[money.currency]
        first = net_total * (40 + seed % 20) // 100
        breakdowns = [{"type": types[0], "percentage": rate(first, net_total)},
                      {"type": types[1], "percentage": rate(net_total - first, net_total)}
                      ] if types and net_total else []
        total_visitors = sum(visitors.values())
        return {
            "start_date": start, "end_date": end,
            "sales": {
                "avg_customers_count": len(sales.buyers) // days,
                "gmv": {"overall": money(sales.gmv),
                        "breakdowns": [{"type": ch, "gmv": money(sales.channel_gmv[ch])}
                                       for ch in ("VIDEO", "LIVE", "PRODUCT_CARD")]},
                "gross_revenue": {"overall": money(sales.net), "breakdowns": breakdowns},
                "items_sold": sales.units,
                "orders_count": orders,
                "refunds": money(sales.refunds),
                "sku_orders_count": len(sales.sku_orders),
            },
            "traffic": {
                "avg_conversation_rate": rate(len(sales.buyers), total_visitors),
                "avg_page_views": sum(page_views.values()) // days,
                "avg_visitors": total_visitors // days,
            },
        }
    return {
        "start_date": start, "end_date": end,
        "gmv": money(sales.gmv),
        "gmv_breakdowns": [{"type": ch, **money(sales.channel_gmv[ch])} for ch in CHANNELS],
        "orders": orders,
        "sku_orders": len(sales.sku_orders),
        "units_sold": sales.units,
        "buyers": len(sales.buyers),
        "buyer_breakdowns": [{"type": ch, "amount": len(sales.channel_buyers[ch])}
                             for ch in CHANNELS],
        "product_impressions": sum(impressions.values()),
        "product_impression_breakdowns": [{"type": ch, "amount": impressions[ch]}
                                          for ch in CHANNELS],
        "product_page_views": sum(page_views.values()),
        "product_page_view_breakdowns": [{"type": ch, "amount": page_views[ch]}
                                         for ch in CHANNELS],
        "avg_product_page_visitors": sum(visitors.values()) // days,
        "avg_product_page_visitor_breakdowns": [{"type": ch, "amount": visitors[ch] // days}
                                                for ch in CHANNELS],
        "avg_order_value": money(_avg(sales.gmv, orders)),
        "refunds": money(sales.refunds),
        "cancellations_and_returns": sales.cancelled_units,
    }


# ----------------------------------------------------------------------- products
def product_row(version: str, money: Money, seed: int, product_id: str, days: list[int],
                sales: Tally) -> dict:
    if version >= "202509":
        return {"id": product_id, "overall_performance": {
            "gmv": money(sales.gmv), "items_sold": sales.units, "orders": len(sales.orders)}}
    impressions = clicks = 0
    for day in days:
        shown, clicked = product_clicks(seed, product_id, day, sales.units)
        impressions, clicks = impressions + shown, clicks + clicked
    return {"id": int(product_id), "gmv": money(sales.gmv), "orders": len(sales.orders),
            "units_sold": sales.units, "click_through_rate": rate(clicks, impressions)}


def sku_row(money: Money, sku_id: str, product_id: str, sales: Tally) -> dict:
    return {"id": int(sku_id), "product_id": int(product_id), "gmv": money(sales.gmv),
            "sku_orders": len(sales.sku_orders), "units_sold": sales.units}


# ------------------------------------------------------------------------- videos
def video_row(version: str, money: Money, shop: SeededShop, video: Video, views: int,
              days: int, products: list[dict], sales: Tally) -> dict:
    clicks = sales.units + views * (1 + int(video.id) % 5) // 100
    row = {
        "id": video.id, "title": video_title(video),
        "username": video_username(shop, video.account_type),
        "video_post_time": _iso(video.post_time),
        "views": views, "gmv": money(sales.gmv), "sku_orders": len(sales.sku_orders),
        "click_through_rate": rate(clicks, views),
        "products": [{"id": p["id"], "name": p["title"]} for p in products],
    }
    if version >= "202509":
        row.update(items_sold=sales.units, avg_customers=len(sales.buyers) // max(days, 1),
                   duration=video.duration, hash_tags=video_hash_tags(video),
                   gpm=money.scalar(sales.gmv[money.currency] * 1000 // views if views else 0))
    else:
        row["units_sold"] = sales.units
    return row


def _iso(ts: int) -> str:
    """The snapshot's example format ``2025-01-01 00:00:00`` (UTC)."""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# -------------------------------------------------------------------------- lives
def live_row(version: str, money: Money, shop: SeededShop, seed: int, live: LiveSession,
             products_added: int, sales: Tally) -> dict:
    h = mix(seed, int(live.id), 23)
    viewers = len(sales.buyers) + 50 + h % 900
    views = viewers + (h >> 10) % 600
    product_clicks_n = len(sales.buyers) + (h >> 20) % 200
    sold = "items_sold" if version >= "202509" else "unit_sold"
    row = {
        "id": live.id, "title": f"LIVE {live.id[-6:]}",
        "username": video_username(shop, live.account_type),
        "start_time": str(live.start_time), "end_time": str(live.end_time),
        "sales_performance": {
            "gmv": money(sales.gmv),
            "24h_live_gmv": money(sales.gmv),
            "avg_price": money(_avg(sales.gmv, sales.units)),
            "click_to_order_rate": percent(len(sales.buyers), product_clicks_n),
            "created_sku_orders": len(sales.sku_orders),
            "customers": len(sales.buyers),
            "different_products_sold": len(sales.products),
            "products_added": products_added,
            "sku_orders": len(sales.sku_orders),
            sold: sales.units,
        },
    }
    if live.account_type != "AFFILIATE_ACCOUNTS":
        row["interaction_performance"] = {
            "acu": viewers // 10, "pcu": viewers // 4,
            "avg_viewing_duration": str(30 + h % 120),
            "click_through_rate": percent(product_clicks_n, views),
            "comments": (h >> 30) % 500, "likes": (h >> 36) % 5_000,
            "new_followers": (h >> 44) % 200, "product_clicks": product_clicks_n,
            "product_impressions": product_clicks_n * 6, "shares": (h >> 50) % 100,
            "viewers": viewers, "views": views,
        }
    return row
