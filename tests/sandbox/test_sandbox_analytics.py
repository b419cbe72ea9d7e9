"""Analytics endpoints: figures that add up and reconcile with the orders, the analytics
calendar (latest_available_date, history, retention), revisions, paging and errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox

from .conftest import Api, error_of

SHOP = "/analytics/202509/shop/performance"
PRODUCTS = "/analytics/202509/shop_products/performance"
SKUS = "/analytics/202509/shop_skus/performance"
ANALYTICS_KINDS = "shop_performance_daily,product_performance_daily,sku_performance_daily"


def day(text: str, delta: int = 0) -> str:
    return (date.fromisoformat(text) + timedelta(days=delta)).isoformat()


def amount(money: dict) -> Decimal:
    return Decimal(money["amount"])


def walk(api: Api, path: str, items: str, query: dict[str, str]) -> list[dict]:
    """Every row of a paged analytics list."""
    rows: list[dict] = []
    token = None
    for _ in range(100):
        page = api.ok("GET", path, {**query, **({"page_token": token} if token else {})})
        rows += page[items]
        token = page["next_page_token"]
        if not token:
            return rows
    raise AssertionError("more than 100 pages")


@pytest.fixture
def sandbox_in_orders_year(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """Two shops whose analytics history (30 days to 2026-05-31) is inside the orders'
    year, so every day's figures come from the dataset's orders."""
    return make_sandbox(seed=5, shops=2, products=20, orders=3000, analytics_today="2026-06-01",
                        analytics_days=30, analytics_rate_limit_qps=0)


def test_products_add_up_to_the_shop_and_skus_to_their_product(
        sandbox_in_orders_year: Sandbox) -> None:
    dump = Api(sandbox_in_orders_year).admin("GET", f"dataset?kinds={ANALYTICS_KINDS}")
    shops = {(r["shop_id"], r["date"]): r["sales"] for r in dump["shop_performance_daily"]}
    assert len(shops) == 60  # 30 days, 2 shops
    products: dict[tuple, list[dict]] = defaultdict(list)
    for row in dump["product_performance_daily"]:
        products[(row["shop_id"], row["date"])].append(row["overall_performance"])
    skus: dict[tuple, list[dict]] = defaultdict(list)
    for row in dump["sku_performance_daily"]:
        skus[(row["shop_id"], row["date"], str(row["product_id"]))].append(row)
    for key, sales in shops.items():
        figures = products.get(key, [])
        assert sum(amount(p["gmv"]) for p in figures) == amount(sales["gmv"]["overall"])
        assert sum(p["items_sold"] for p in figures) == sales["items_sold"]
        assert sales["orders_count"] <= sum(p["orders"] for p in figures)
        by_channel = sum(amount(b["gmv"]) for b in sales["gmv"]["breakdowns"])
        assert by_channel == amount(sales["gmv"]["overall"])
    assert sum(len(v) for v in products.values()) > 60
    for row in dump["product_performance_daily"]:
        lines = skus[(row["shop_id"], row["date"], row["id"])]
        figures = row["overall_performance"]
        assert sum(amount(s["gmv"]) for s in lines) == amount(figures["gmv"])
        assert sum(s["units_sold"] for s in lines) == figures["items_sold"]
        assert figures["orders"] <= sum(s["sku_orders"] for s in lines)
    sku_orders = defaultdict(int)
    for row in dump["sku_performance_daily"]:
        sku_orders[(row["shop_id"], row["date"])] += row["sku_orders"]
    assert {k: s["sku_orders_count"] for k, s in shops.items() if s["sku_orders_count"]} == \
        dict(sku_orders)


def test_gmv_reconciles_with_the_orders_paid_that_day(sandbox_in_orders_year: Sandbox) -> None:
    """GMV: the line items' sale prices of the orders paid that day (UTC), cancelled ones
    included; units: their line items; orders: those orders."""
    api = Api(sandbox_in_orders_year)
    dump = api.admin("GET", "dataset?kinds=orders,shop_performance_daily")
    expected: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0, set()])
    for order in dump["orders"]:
        if "paid_time" not in order:
            continue
        paid = date(1970, 1, 1) + timedelta(seconds=order["paid_time"])
        totals = expected[(order["shop_id"], paid.isoformat())]
        totals[0] += sum(Decimal(li["sale_price"]) for li in order["line_items"])
        totals[1] += len(order["line_items"])
        totals[2].add(order["id"])
    checked = 0
    for row in dump["shop_performance_daily"]:
        gmv, units, orders = expected.get((row["shop_id"], row["date"]), (0, 0, set()))
        sales = row["sales"]
        assert (amount(sales["gmv"]["overall"]), sales["items_sold"], sales["orders_count"]) \
            == (gmv, units, len(orders)), row["date"]
        checked += bool(orders)
    assert checked >= 55  # nearly every day had orders
    cancelled_paid = [o for o in dump["orders"] if o["status"] == "CANCELLED" and "paid_time" in o]
    assert cancelled_paid  # and they were counted above


def test_the_api_answers_what_the_dataset_lists(sandbox_in_orders_year: Sandbox) -> None:
    api = Api(sandbox_in_orders_year)
    status = api.admin("GET", "analytics")
    latest = status["latest_available_date"]
    assert (latest, status["first_day"]) == ("2026-05-31", "2026-05-02")
    dump = api.admin("GET", f"dataset?kinds={ANALYTICS_KINDS}&shop_id={api.shop.id}")
    window = {"start_date_ge": "2026-05-02", "end_date_lt": "2026-06-01"}
    data = api.ok("GET", SHOP, {**window, "granularity": "1D"})
    assert data["latest_available_date"] == latest
    assert data["performance"]["intervals"] == [
        {k: v for k, v in r.items() if k not in ("shop_id", "date")}
        for r in dump["shop_performance_daily"]]
    one_day = {"start_date_ge": "2026-05-20", "end_date_lt": "2026-05-21"}
    rows = walk(api, PRODUCTS, "products", {**one_day, "page_size": "2"})
    listed = [{k: v for k, v in r.items() if k not in ("shop_id", "date")}
              for r in dump["product_performance_daily"] if r["date"] == "2026-05-20"]
    assert sorted(rows, key=lambda r: r["id"]) == sorted(listed, key=lambda r: r["id"])
    gmvs = [amount(r["overall_performance"]["gmv"]) for r in rows]
    assert gmvs == sorted(gmvs, reverse=True)  # default: gmv, descending
    ascending = walk(api, PRODUCTS, "products", {**one_day, "sort_field": "items_sold",
                                                 "sort_order": "ASC", "page_size": "3"})
    units = [r["overall_performance"]["items_sold"] for r in ascending]
    assert units == sorted(units) and len(ascending) == len(rows)
    whole = api.ok("GET", SHOP, window)["performance"]["intervals"]
    assert len(whole) == 1
    assert amount(whole[0]["sales"]["gmv"]["overall"]) == sum(
        amount(r["sales"]["gmv"]["overall"]) for r in dump["shop_performance_daily"])


def test_usd_amounts_add_up_too(sandbox_in_orders_year: Sandbox) -> None:
    api = Api(sandbox_in_orders_year)
    query = {"start_date_ge": "2026-05-10", "end_date_lt": "2026-05-11", "currency": "USD"}
    shop = api.ok("GET", SHOP, query)["performance"]["intervals"][0]["sales"]["gmv"]["overall"]
    products = walk(api, PRODUCTS, "products", {**query, "page_size": "100"})
    assert shop["currency"] == "USD"
    assert sum(amount(p["overall_performance"]["gmv"]) for p in products) == amount(shop)
    local = api.ok("GET", SHOP, {**query, "currency": "LOCAL"})
    assert local["performance"]["intervals"][0]["sales"]["gmv"]["overall"]["currency"] == \
        api.shop.currency != "USD"


def test_latest_available_date_history_and_retention(make_sandbox: Callable[..., Sandbox]
                                                     ) -> None:
    api = Api(make_sandbox(seed=6, shops=1, products=10, orders=50, analytics_days=400,
                           analytics_today="2026-11-10", analytics_rate_limit_qps=0))
    status = api.admin("GET", "analytics")
    assert status["latest_available_date"] == "2026-11-09"
    assert status["oldest_available_date"] == day("2026-11-09", -364)  # retention, 365 days
    everything = {"start_date_ge": "2024-01-01", "end_date_lt": "2027-01-01",
                  "granularity": "1D"}
    intervals = api.ok("GET", SHOP, everything)["performance"]["intervals"]
    assert len(intervals) == 365
    assert (intervals[0]["start_date"], intervals[-1]["start_date"]) == (
        status["oldest_available_date"], "2026-11-09")
    future = {"start_date_ge": "2026-11-10", "end_date_lt": "2026-11-20"}
    assert api.ok("GET", SHOP, future)["performance"]["intervals"] == []
    assert api.ok("GET", PRODUCTS, future)["products"] == []
    moved = api.admin("POST", "analytics/clock", {"advance_days": 2})
    assert moved["latest_available_date"] == "2026-11-11"
    data = api.ok("GET", SHOP, {**future, "granularity": "1D"})
    assert data["latest_available_date"] == "2026-11-11"
    assert [i["start_date"] for i in data["performance"]["intervals"]] == [
        "2026-11-10", "2026-11-11"]
    assert api.admin("POST", "analytics/clock", {"today": "2026-11-10"})[
        "latest_available_date"] == "2026-11-09"


def test_history_starts_analytics_days_before_the_start_date(
        make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(seed=6, shops=2, products=10, orders=50, analytics_days=5,
                           analytics_today="2026-11-10", analytics_rate_limit_qps=0))
    dump = api.admin("GET", "dataset?kinds=shop_performance_daily")
    assert sorted({r["date"] for r in dump["shop_performance_daily"]}) == [
        day("2026-11-05", n) for n in range(5)]
    assert len(dump["shop_performance_daily"]) == 10
    api.admin("POST", "analytics/clock", {"advance_days": 1})  # one more day
    assert len(api.admin("GET", "dataset?kinds=shop_performance_daily")[
        "shop_performance_daily"]) == 12


def test_revisions_change_recent_days_and_keep_the_sums(make_sandbox: Callable[..., Sandbox]
                                                       ) -> None:
    api = Api(make_sandbox(seed=7, shops=2, products=15, orders=100, analytics_days=20,
                           analytics_rate_limit_qps=0))
    before = api.admin("GET", f"dataset?kinds={ANALYTICS_KINDS}")
    revised = api.admin("POST", "analytics/revise", {"days": 2, "shop_id": api.shop.id})
    latest = api.admin("GET", "analytics")["latest_available_date"]
    assert revised == {"revised": {api.shop.id: [day(latest, -1), latest]}}
    after = api.admin("GET", f"dataset?kinds={ANALYTICS_KINDS}")

    def gmv(dump: dict) -> dict[tuple, Decimal]:
        return {(r["shop_id"], r["date"]): amount(r["sales"]["gmv"]["overall"])
                for r in dump["shop_performance_daily"]}

    old, new = gmv(before), gmv(after)
    changed = {key for key in old if old[key] != new[key]}
    assert changed == {(api.shop.id, day(latest, -1)), (api.shop.id, latest)}
    assert all(new[key] > old[key] for key in changed)  # late sales
    for key in changed:
        products = [amount(r["overall_performance"]["gmv"])
                    for r in after["product_performance_daily"]
                    if (r["shop_id"], r["date"]) == key]
        assert sum(products) == new[key]
    advanced = api.admin("POST", "analytics/clock", {"advance_days": 1})
    latest = advanced["latest_available_date"]  # moving on revises each shop's last 3 days
    assert advanced["revisions"] == {
        f"{shop.id}/{day(latest, -n)}": 1 + (shop.id == api.shop.id and n > 0)
        for shop in api.sandbox.dataset.shops for n in range(3)}


def test_query_errors(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(shops=1, products=5, orders=10, analytics_rate_limit_qps=0))
    good = {"start_date_ge": "2026-01-01", "end_date_lt": "2026-01-02"}
    for query, needle in (({"end_date_lt": "2026-01-02"}, "`start_date_ge`"),
                          ({**good, "start_date_ge": "2026-1-1"}, "YYYY-MM-DD"),
                          ({**good, "end_date_lt": "2026-01-01"}, "later than"),
                          ({**good, "currency": "EUR"}, "`currency`"),
                          ({**good, "granularity": "1H"}, "`granularity`")):
        status, code, message = error_of(api.call("GET", SHOP, query))
        assert (status, code) == (400, codes.INVALID_REQUEST) and needle in message, message
    status, code, message = error_of(api.call("GET", PRODUCTS, {**good, "sort_field": "views"}))
    assert (status, code) == (400, codes.INVALID_REQUEST) and "`sort_field`" in message
    status, code, _ = error_of(api.call("GET", PRODUCTS, {**good, "page_token": "nope"}))
    assert (status, code) == (400, codes.INVALID_REQUEST)


def test_sku_filters_and_page_tokens_bound_to_their_query(
        sandbox_in_orders_year: Sandbox) -> None:
    api = Api(sandbox_in_orders_year)
    window = {"start_date_ge": "2026-05-02", "end_date_lt": "2026-06-01"}
    skus = walk(api, SKUS, "skus", {**window, "page_size": "100"})
    product = str(skus[0]["product_id"])
    mine = walk(api, SKUS, "skus", {**window, "product_ids": product})
    assert mine and {str(s["product_id"]) for s in mine} == {product}
    old = walk(api, "/analytics/202406/shop_skus/performance", "skus",
               {**window, "product_id": product})
    assert sorted(s["id"] for s in old) == sorted(s["id"] for s in mine)
    first = api.ok("GET", SKUS, {**window, "page_size": "1"})
    other = {**window, "end_date_lt": "2026-05-31", "page_token": first["next_page_token"]}
    status, code, _ = error_of(api.call("GET", SKUS, other))
    assert (status, code) == (400, codes.INVALID_REQUEST)
