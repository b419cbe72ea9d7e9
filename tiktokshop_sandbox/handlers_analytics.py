"""Analytics: Get Shop Performance (202405, 202509), Get Shop Product Performance List
(202405, 202509), Get Shop SKU Performance List (202406, 202509), Get Shop Video
Performance List (202409, 202509) and Get Shop LIVE Performance List (202508, 202509).

Query rules from the OpenAPI snapshot: ``start_date_ge`` (inclusive) and ``end_date_lt``
(exclusive) are required ``YYYY-MM-DD`` dates in the shop's time zone (UTC in the
sandbox); ``currency`` LOCAL (default) or USD; ``granularity`` ALL (default) or 1D;
``page_size`` 1-100 (default 10); ``sort_order`` DESC (default) or ASC over the version's
``sort_field`` values (default ``gmv``), ties broken by id ascending (the sandbox's
choice). Every answer carries ``latest_available_date``; days after it, days before the
first day with data and days past the retention answer no rows (``analytics_book``).
Lists hold only what had activity in the window: products and SKUs that sold, videos
that were watched, LIVE sessions that started in it. A list-valued query parameter
(``product_ids``, ``category_filter``) is comma-separated. What the figures mean:
``gen_analytics`` and ``analytics_figures``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .analytics_book import AnalyticsBook, day_str, parse_day
from .analytics_lists import live_rows, product_rows, shop_day_interval, sku_rows, video_rows
from .analytics_views import Money
from .context import Context, check_body_fields, invalid, query_enum, query_page_size
from .keyset import page_rows

CURRENCIES = ("LOCAL", "USD")
PRODUCT_STATUS_FILTERS = ("ALL", "LIVE", "INACTIVE")
#: Sort fields per endpoint resource and version: the path of the value in a row.
SORTS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("shop_products", "202405"): {"gmv": ("gmv",), "order_count": ("orders",),
                                  "unit_sold_count": ("units_sold",),
                                  "click_through_rate": ("click_through_rate",)},
    ("shop_products", "202509"): {"gmv": ("overall_performance", "gmv"),
                                  "items_sold": ("overall_performance", "items_sold"),
                                  "orders": ("overall_performance", "orders")},
    ("shop_skus", "202406"): {"gmv": ("gmv",), "sku_orders": ("sku_orders",),
                              "units_sold": ("units_sold",)},
    ("shop_videos", "202409"): {"gmv": ("gmv",), "sku_orders": ("sku_orders",),
                                "units_sold": ("units_sold",), "views": ("views",),
                                "click_through_rate": ("click_through_rate",)},
    ("shop_videos", "202509"): {"gmv": ("gmv",), "gpm": ("gpm",),
                                "avg_customers": ("avg_customers",),
                                "sku_orders": ("sku_orders",), "items_sold": ("items_sold",),
                                "views": ("views",),
                                "click_through_rate": ("click_through_rate",)},
    ("shop_lives", "202508"): {name: ("sales_performance", name) for name in (
        "gmv", "products_added", "different_products_sold", "sku_orders", "unit_sold",
        "customers", "24h_live_gmv")},
    ("shop_lives", "202509"): {name: ("sales_performance", name) for name in (
        "gmv", "products_added", "different_products_sold", "sku_orders", "items_sold",
        "customers", "24h_live_gmv")},
}
SORTS[("shop_skus", "202509")] = SORTS[("shop_skus", "202406")]
VIDEO_ACCOUNTS = {
    "202409": {"ALL": None, "LINKED_ACCOUNTS": ("OFFICIAL_ACCOUNTS", "MARKETING_ACCOUNTS"),
               "AFFILIATES": ("AFFILIATE_ACCOUNTS",)},
    "202509": {"ALL": None, "OFFICIAL_ACCOUNTS": ("OFFICIAL_ACCOUNTS",),
               "MARKETING_ACCOUNTS": ("MARKETING_ACCOUNTS",),
               "AFFILIATE_ACCOUNTS": ("AFFILIATE_ACCOUNTS",)},
}


def _book(ctx: Context) -> AnalyticsBook:
    return ctx.dataset.analytics


def _window(ctx: Context) -> tuple[int, int]:
    bounds = []
    for name in ("start_date_ge", "end_date_lt"):
        raw = ctx.query.get(name)
        if raw is None:
            raise invalid(f"Invalid param. The `{name}` query parameter is required.")
        day = parse_day(raw)
        if day is None:
            raise invalid(f"Invalid param. `{name}` must be a date in YYYY-MM-DD format.")
        bounds.append(day)
    if bounds[1] <= bounds[0]:
        raise invalid("Invalid param. `end_date_lt` must be later than `start_date_ge`.")
    return bounds[0], bounds[1]


def _money(ctx: Context) -> Money:
    return Money(ctx.require_shop(), query_enum(ctx.query, "currency", CURRENCIES, "LOCAL"))


def _csv(ctx: Context, name: str) -> set[str] | None:
    raw = ctx.query.get(name)
    if raw is None:
        return None
    values = {v.strip() for v in raw.split(",")}
    if "" in values:
        raise invalid(f"Invalid param. `{name}` must be comma-separated values.")
    return values


# --------------------------------------------------------------------------- shop
def get_shop_performance(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    start, end = _window(ctx)
    money = _money(ctx)
    granularity = query_enum(ctx.query, "granularity", ("ALL", "1D"), "ALL")
    book = _book(ctx)
    performance = {"intervals": _intervals(ctx, money, book, start, end, granularity)}
    if ctx.version < "202509":
        compare = query_enum(ctx.query, "with_comparison", ("true", "false"), "false")
        if compare == "true":
            performance["comparison_intervals"] = _intervals(
                ctx, money, book, 2 * start - end, start, granularity)
    return {"latest_available_date": day_str(book.latest()), "performance": performance}


def _intervals(ctx: Context, money: Money, book: AnalyticsBook, start: int, end: int,
               granularity: str) -> list[dict]:
    shop = ctx.require_shop()
    days = book.served(start, end)
    if not days:
        return []
    spans = [[d] for d in days] if granularity == "1D" else [days]
    out = []
    for span in spans:
        lo, hi = (span[0], span[0] + 1) if granularity == "1D" else (start, end)
        out.append(shop_day_interval(ctx.version, money, ctx.dataset.seed, shop, book, span,
                                     day_str(lo), day_str(hi)))
    return out


# ------------------------------------------------------------------ product lists
def get_product_performance(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    start, end = _window(ctx)
    money, shop, book = _money(ctx), ctx.require_shop(), _book(ctx)
    days = book.served(start, end)
    keep = _product_filter(ctx)
    rows = [row for row in product_rows(ctx.version, money, ctx.dataset.seed, shop, book, days)
            if keep(str(row["id"]))]
    page, token = _page(ctx, rows, "shop_products", start, end, money)
    return {"latest_available_date": day_str(book.latest()), "products": page,
            "next_page_token": token, "total_count": len(rows)}


def get_sku_performance(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    start, end = _window(ctx)
    money, shop, book = _money(ctx), ctx.require_shop(), _book(ctx)
    days = book.served(start, end)
    keep = _product_filter(ctx)
    wanted = _csv(ctx, "product_ids") if ctx.version >= "202509" else (
        {ctx.query["product_id"]} if "product_id" in ctx.query else None)
    rows = [row for row in sku_rows(money, shop, book, days)
            if keep(str(row["product_id"]))
            and (wanted is None or str(row["product_id"]) in wanted)]
    page, token = _page(ctx, rows, "shop_skus", start, end, money)
    return {"latest_available_date": day_str(book.latest()), "skus": page,
            "next_page_token": token, "total_count": len(rows)}


def _product_filter(ctx: Context) -> Callable[[str], bool]:
    """``product_status_filter`` and ``category_filter`` (202509) as a test on product ids."""
    if ctx.version < "202509":
        return lambda pid: True
    status = query_enum(ctx.query, "product_status_filter", PRODUCT_STATUS_FILTERS, "ALL")
    categories = _csv(ctx, "category_filter")
    shop = ctx.require_shop()

    def keep(pid: str) -> bool:
        idx = ctx.dataset.product_index(shop, pid)
        if idx is None:
            return False
        product = ctx.dataset.product(shop, idx)
        live = product["status"] == "ACTIVATE"
        if (status == "LIVE" and not live) or (status == "INACTIVE" and live):
            return False
        chain = {c["id"] for c in product.get("category_chains", [])}
        return categories is None or bool(chain & categories)

    return keep


# ---------------------------------------------------------------- videos and LIVE
def get_video_performance(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    start, end = _window(ctx)
    money, shop, book = _money(ctx), ctx.require_shop(), _book(ctx)
    accounts = _accounts(ctx)
    rows = video_rows(ctx.version, money, ctx.dataset.seed, shop, book,
                      book.served(start, end), lambda i: ctx.dataset.base_product(shop, i),
                      len(ctx.dataset.products[shop.id]), accounts)
    page, token = _page(ctx, rows, "shop_videos", start, end, money)
    return {"latest_available_date": day_str(book.latest()), "videos": page,
            "next_page_token": token, "total_count": len(rows)}


def _accounts(ctx: Context) -> tuple[str, ...] | None:
    table = VIDEO_ACCOUNTS["202409" if ctx.version < "202509" else "202509"]
    return table[query_enum(ctx.query, "account_type", tuple(table), "ALL")]


def get_live_performance(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    start, end = _window(ctx)
    money, shop, book = _money(ctx), ctx.require_shop(), _book(ctx)
    accounts = VIDEO_ACCOUNTS["202509"][query_enum(
        ctx.query, "account_type", tuple(VIDEO_ACCOUNTS["202509"]), "ALL")]
    rows = live_rows(ctx.version, money, ctx.dataset.seed, shop, book,
                     book.served(start, end), accounts)
    page, token = _page(ctx, rows, "shop_lives", start, end, money)
    return {"latest_available_date": day_str(book.latest()), "live_stream_sessions": page,
            "next_page_token": token, "total_count": len(rows)}


# ------------------------------------------------------------------------ paging
def _sort_value(row: dict, path: tuple[str, ...]) -> int:
    value: object = row
    for key in path:
        value = value[key]  # type: ignore[index]
    if isinstance(value, dict):
        value = value["amount"]
    if isinstance(value, str):
        return int(Decimal(value.rstrip("%")) * 10_000)
    return int(value)  # type: ignore[arg-type]


def _page(ctx: Context, rows: list[dict], resource: str, start: int, end: int,
          money: Money) -> tuple[list[dict], str]:
    """Sort ``rows`` by the asked field and cut the page the token points at."""
    sorts = SORTS[(resource, ctx.version)]
    field = query_enum(ctx.query, "sort_field", tuple(sorts), "gmv")
    desc = query_enum(ctx.query, "sort_order", ("ASC", "DESC"), "DESC") == "DESC"
    page_size = query_page_size(ctx.query, 1, 100, 10)
    keys = []
    for row in rows:
        value = _sort_value(row, sorts[field])
        keys.append((-value if desc else value, str(row["id"])))
    filters = {k: v for k, v in ctx.query.items()
               if k not in ("page_token", "page_size", "sign", "timestamp", "access_token")}
    return page_rows(ctx, rows, keys, [filters, start, end, money.currency], page_size,
                     ctx.query.get("page_token"))
