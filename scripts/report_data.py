"""What the demo's summary and HTML report show, read from the dbt marts in DuckDB.

Every figure comes from a mart (transform/models/marts, README: "Models"); amounts stay
per shop because shops sell in different currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

#: The schema the dbt plugins build the models in (meltano.yml: dbt-duckdb `schema`).
MARTS_SCHEMA = "analytics"


@dataclass(frozen=True)
class Shop:
    shop_id: str
    name: str
    currency: str


@dataclass(frozen=True)
class SkuRevenue:
    shop_id: str
    seller_sku: str
    units: int
    net_sales: Decimal


@dataclass(frozen=True)
class FeeShare:
    shop_id: str
    revenue: Decimal  # settled revenue (statements)
    fees: Decimal  # fees and taxes on them, as a positive amount

    @property
    def share(self) -> Decimal | None:
        return self.fees / self.revenue if self.revenue else None


@dataclass(frozen=True)
class Fulfilment:
    shop_id: str
    provider: str
    shipped: int
    late: int
    overdue: int


@dataclass(frozen=True)
class StockCover:
    shop_id: str
    seller_sku: str
    warehouse: str
    stock: int
    days_of_cover: Decimal


@dataclass
class ReportData:
    """Everything one report shows."""

    shops: dict[str, Shop]
    daily_net: dict[str, list[tuple[date, Decimal]]]  # shop -> (day, net sales)
    fees_by_type: dict[str, list[tuple[str, Decimal]]]  # shop -> (type, positive amount)
    fee_shares: list[FeeShare]
    top_skus: list[SkuRevenue]
    fulfilment: list[Fulfilment]
    stock_cover: list[StockCover]  # lowest cover first
    pending_payouts: dict[str, Decimal] = field(default_factory=dict)  # shop -> amount
    as_of: date | None = None

    def currency(self, shop_id: str) -> str:
        shop = self.shops.get(shop_id)
        return shop.currency if shop else ""

    def shop_name(self, shop_id: str) -> str:
        shop = self.shops.get(shop_id)
        return shop.name if shop else shop_id


def with_empty_days(points: list[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """Every day from the first to the last, 0 where the mart has no row (no sale)."""
    if not points:
        return []
    known = dict(points)
    first, last = points[0][0], points[-1][0]
    return [(day, known.get(day, Decimal(0))) for day in
            (first + timedelta(days=n) for n in range((last - first).days + 1))]


def load(duckdb_path: Path, top: int = 5, cover_rows: int = 15) -> ReportData:
    """Read the marts of a DuckDB file built by `dbt-duckdb:build`."""
    import duckdb

    s = MARTS_SCHEMA
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        currencies = dict(rows(f"select shop_id, max(currency) from {s}.mart_daily_sales "
                               "group by shop_id"))
        shops = {sid: Shop(sid, name or sid, currencies.get(sid) or "")
                 for sid, name in rows(f"select shop_id, shop_name from "
                                       f"{s}.stg_tiktokshop__shops order by shop_id")}
        daily: dict[str, list[tuple[date, Decimal]]] = {}
        for sid, day, net in rows(f"select shop_id, sales_date, sum(net_sales) from "
                                  f"{s}.mart_daily_sales group by 1, 2 order by 1, 2"):
            daily.setdefault(sid, []).append((day, net))
        daily = {sid: with_empty_days(points) for sid, points in daily.items()}
        fees: dict[str, list[tuple[str, Decimal]]] = {}
        for sid, kind, amount in rows(f"select shop_id, fee_type, -sum(amount) from "
                                      f"{s}.mart_fees_by_type group by 1, 2 "
                                      "order by 1, 3 desc"):
            fees.setdefault(sid, []).append((kind, amount))
        shares = [FeeShare(sid, revenue or Decimal(0), -(fee or Decimal(0)))
                  for sid, revenue, fee in rows(
                      f"select shop_id, sum(revenue_amount), sum(total_fees_amount) "
                      f"from {s}.mart_order_profitability where is_settled "
                      "group by shop_id order by shop_id")]
        top_skus = [SkuRevenue(*row) for row in rows(
            f"select shop_id, max(seller_sku), sum(units_sold), sum(net_sales) "
            f"from {s}.mart_daily_sales group by shop_id, sku_id "
            f"order by 4 desc, 2 limit {int(top)}")]
        fulfilment = [Fulfilment(*row) for row in rows(
            f"select shop_id, shipping_provider_name, shipped, shipped_late, overdue "
            f"from {s}.mart_fulfilment order by shop_id, shipping_provider_name")]
        cover = [StockCover(*row) for row in rows(
            f"select shop_id, seller_sku, coalesce(warehouse_name, warehouse_id), "
            f"stock_on_hand, days_of_cover "
            f"from {s}.mart_stock_cover where days_of_cover is not null "
            f"order by days_of_cover, seller_sku limit {int(cover_rows)}")]
        pending = dict(rows(f"select shop_id, sum(pending_amount) from {s}.mart_payouts "
                            "group by shop_id"))
        (as_of,), = rows(f"select as_of_date from {s}.int_as_of")
    return ReportData(shops, daily, fees, shares, top_skus, fulfilment, cover, pending, as_of)
