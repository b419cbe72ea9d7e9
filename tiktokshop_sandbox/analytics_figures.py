"""Analytics figures: sales lines added up per shop, product, SKU, video or LIVE session,
and the traffic figures (impressions, page views, visitors, video views) beside them.

Every sales figure is a sum over the same lines, which is why they add up: the GMV and
units of a shop's day equal the sums over its products, and a product's equal the sums
over its SKUs. Counts of distinct things do not add up and are not meant to: an order with
two products is one order for the shop and one for each product (``orders``), while
``sku_orders`` (distinct order and SKU pairs) does add up from SKUs to products to the shop.
Traffic figures are generated per shop and day (seeded), never below the buyers they
lead to.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from .gen_analytics import CHANNELS, SaleLine
from .gen_orders import mix

CURRENCIES = ("LOCAL", "USD")


def _zero() -> dict[str, int]:
    return {c: 0 for c in CURRENCIES}


@dataclass
class Tally:
    """Sums and distinct counts over a set of sales lines."""

    gmv: dict[str, int] = field(default_factory=_zero)
    net: dict[str, int] = field(default_factory=_zero)
    refunds: dict[str, int] = field(default_factory=_zero)
    units: int = 0
    cancelled_units: int = 0
    orders: set[str] = field(default_factory=set)
    sku_orders: set[tuple[str, str]] = field(default_factory=set)
    buyers: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)
    channel_gmv: dict[str, dict[str, int]] = field(
        default_factory=lambda: {ch: _zero() for ch in CHANNELS})
    channel_buyers: dict[str, set[str]] = field(
        default_factory=lambda: {ch: set() for ch in CHANNELS})

    def add(self, line: SaleLine) -> None:
        self.gmv["LOCAL"] += line.local_cents
        self.gmv["USD"] += line.usd_cents
        self.net["LOCAL"] += line.net_local_cents
        self.net["USD"] += line.net_usd_cents
        self.channel_gmv[line.channel]["LOCAL"] += line.local_cents
        self.channel_gmv[line.channel]["USD"] += line.usd_cents
        self.channel_buyers[line.channel].add(line.buyer)
        if line.cancelled:  # paid, then cancelled and refunded
            self.refunds["LOCAL"] += line.local_cents
            self.refunds["USD"] += line.usd_cents
            self.cancelled_units += 1
        self.units += 1
        self.orders.add(line.order_key)
        self.sku_orders.add((line.order_key, line.sku_id))
        self.buyers.add(line.buyer)
        self.products.add(line.product_id)


def tally(lines: Iterable[SaleLine]) -> Tally:
    total = Tally()
    for line in lines:
        total.add(line)
    return total


def tally_by(lines: Iterable[SaleLine], key: Callable[[SaleLine], Hashable | None]
             ) -> dict[Hashable, Tally]:
    """One tally per key (lines whose key is None are left out)."""
    out: dict[Hashable, Tally] = {}
    for line in lines:
        k = key(line)
        if k is not None:
            out.setdefault(k, Tally()).add(line)
    return out


@dataclass
class Traffic:
    """A shop's traffic on one day, per channel (LIVE, VIDEO, PRODUCT_CARD)."""

    impressions: dict[str, int]
    page_views: dict[str, int]
    visitors: dict[str, int]

    @staticmethod
    def total(values: dict[str, int]) -> int:
        return sum(values.values())


def shop_traffic(seed: int, shop_idx: int, day: int, sales: Tally) -> Traffic:
    impressions, page_views, visitors = {}, {}, {}
    for n, channel in enumerate(CHANNELS):
        h = mix(seed, shop_idx, day, 17 + n)
        buyers = len(sales.channel_buyers[channel])
        visitors[channel] = buyers + 20 + h % 400
        page_views[channel] = visitors[channel] + (h >> 12) % 600
        impressions[channel] = page_views[channel] * (4 + (h >> 24) % 8)
    return Traffic(impressions, page_views, visitors)


def rate(numerator: int, denominator: int, places: int = 4) -> str:
    """``numerator / denominator`` as a decimal string ("0.0000" when nothing to divide)."""
    if denominator <= 0:
        return f"{0:.{places}f}"
    scale = 10**places
    value = (numerator * scale * 2 + denominator) // (denominator * 2)
    return f"{value // scale}.{value % scale:0{places}d}"


def percent(numerator: int, denominator: int) -> str:
    """Like "13.99%" (the snapshot's LIVE rates)."""
    if denominator <= 0:
        return "0.00%"
    value = (numerator * 10_000 * 2 + denominator) // (denominator * 2)
    return f"{value // 100}.{value % 100:02d}%"


def product_clicks(seed: int, product_id: str, day: int, units: int) -> tuple[int, int]:
    """(impressions, clicks) of a product on a day: at least as many clicks as units."""
    h = mix(seed, int(product_id), day, 19)
    clicks = units + h % 40
    return clicks * (10 + (h >> 8) % 30), clicks


def fmt_amount(cents_value: int) -> str:
    sign = "-" if cents_value < 0 else ""
    value = abs(cents_value)
    return f"{sign}{value // 100}.{value % 100:02d}"
