"""Analytics source data: the sales lines of one shop and day, the shop's videos and LIVE
sessions, and the traffic figures (views, impressions) the lines do not give.

Definitions (the snapshot's: GMV is "the total amount paid for orders during the selected
period, including canceled and refunded orders"):

* a day is a UTC calendar day (the sandbox treats every shop's time zone as UTC);
* the sales of a day are the line items of the orders whose ``paid_time`` falls in that
  day, cancelled orders included; one 202309 line item is one unit, and its GMV is the
  line's ``sale_price``. So the figures reconcile with ``GET /sandbox/dataset``'s orders;
* the dataset's orders only cover the fixed year before ``END_EPOCH``: a day outside it
  gets generated sales of the same kind (seeded per shop and day), which no order search
  returns;
* a revision (``/sandbox/analytics/revise``, or the analytics clock moving on) adds a few
  late generated sales to a recent day, on top of what it had;
* each line is attributed to one channel: a VIDEO promoting its product and active that
  day, the day's LIVE session, or the PRODUCT_CARD (the rest), by a hash of the line.

Videos and LIVE sessions exist per calendar day (about one video every two days, each
active for ten days; a LIVE session on about one day in three), so any window of days has
them without storing anything. Amounts are integer cents, kept in the shop's currency and
in USD (converted per line at the fixed ``USD_RATES``, so USD sums add up too).
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .gen_common import DAY, END_EPOCH, START_EPOCH, Columns, cents, hex_token, rng_for
from .gen_orders import mix, user_id
from .gen_shops import SeededShop

#: Sandbox exchange rates to USD (fixed; the live API's rates are its own).
USD_RATES = {"USD": Decimal("1"), "GBP": Decimal("1.27"), "EUR": Decimal("1.08"),
             "MYR": Decimal("0.21"), "SGD": Decimal("0.74")}
CHANNELS = ("LIVE", "VIDEO", "PRODUCT_CARD")
VIDEO_ACTIVE_DAYS = 10
ACCOUNT_TYPES = ("OFFICIAL_ACCOUNTS", "MARKETING_ACCOUNTS", "AFFILIATE_ACCOUNTS")
_VIDEO_ID_BASE = 7_400_000_000_000_000_000
_LIVE_ID_BASE = 7_410_000_000_000_000_000
_ID_SHOP_STRIDE = 10**12
_HASH_TAGS = ("#tiktokshop", "#fyp", "#deal", "#newin", "#haul", "#review")


@dataclass(frozen=True)
class SaleLine:
    """One unit sold: a line item of a paid order."""

    order_key: str
    buyer: str
    product_id: str
    sku_id: str
    local_cents: int
    usd_cents: int
    net_local_cents: int  # without the VAT included in the price (gross revenue)
    net_usd_cents: int
    cancelled: bool
    channel: str
    source_id: str  # the video's or LIVE session's id; "" for PRODUCT_CARD


@dataclass(frozen=True)
class Video:
    id: str
    day: int  # the day it was posted (days since 1970-01-01)
    post_time: int
    duration: int
    account_type: str
    product_idxs: tuple[int, ...]

    def views_on(self, seed: int, day: int) -> int:
        """Views on ``day``: many on the posting day, fewer each day after, 0 once inactive."""
        age = day - self.day
        if not 0 <= age < VIDEO_ACTIVE_DAYS:
            return 0
        return 200 + mix(seed, int(self.id), day) % 4_000 // (age + 1)


@dataclass(frozen=True)
class LiveSession:
    id: str
    day: int
    start_time: int
    end_time: int
    account_type: str


def usd(local: int, currency: str) -> int:
    """``local`` cents in USD cents at the sandbox's fixed rate."""
    value = Decimal(local) * USD_RATES.get(currency, Decimal("1"))
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def net_of_vat(local: int, shop: SeededShop) -> int:
    value = Decimal(local) / (1 + shop.region.vat)
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def videos_on(seed: int, shop: SeededShop, day: int) -> list[Video]:
    """The shop's videos active on ``day`` (posted in the ten days up to it)."""
    return [v for d in range(day - VIDEO_ACTIVE_DAYS + 1, day + 1)
            if (v := video_of_day(seed, shop, d)) is not None]


def video_of_day(seed: int, shop: SeededShop, day: int) -> Video | None:
    h = mix(seed, shop.idx, day, 11)
    if h % 2:
        return None
    count = 1 + h % 3
    return Video(
        id=str(_VIDEO_ID_BASE + shop.idx * _ID_SHOP_STRIDE + day), day=day,
        post_time=day * DAY + 3_600 * (8 + (h >> 8) % 12) + (h >> 16) % 3_600,
        duration=15 + (h >> 24) % 165, account_type=ACCOUNT_TYPES[(h >> 32) % 3],
        product_idxs=tuple(sorted({(h >> (40 + 6 * k)) % 1_000_003 for k in range(count)})))


def live_of_day(seed: int, shop: SeededShop, day: int) -> LiveSession | None:
    h = mix(seed, shop.idx, day, 13)
    if h % 3:
        return None
    start = day * DAY + 3_600 * (17 + (h >> 8) % 5) + (h >> 16) % 1_800
    return LiveSession(id=str(_LIVE_ID_BASE + shop.idx * _ID_SHOP_STRIDE + day), day=day,
                       start_time=start, end_time=start + 3_600 + (h >> 24) % 7_200,
                       account_type=ACCOUNT_TYPES[(h >> 32) % 3])


def video_title(video: Video) -> str:
    return f"Video {hex_token('video', video.id, length=6)}"


def video_username(shop: SeededShop, account_type: str) -> str:
    return f"{shop.name.lower().replace(' ', '_')}_{account_type.split('_')[0].lower()}"


def video_hash_tags(video: Video) -> list[str]:
    h = int(video.id)
    return [_HASH_TAGS[h % len(_HASH_TAGS)], _HASH_TAGS[(h // 7) % len(_HASH_TAGS)]]


class DaySales:
    """Builds the sales lines of one shop and day from the dataset (see module docstring)."""

    def __init__(self, seed: int, shop: SeededShop, orders: Columns, products: Columns,
                 order: Callable[[int], dict], base_product: Callable[[int], dict],
                 orders_per_shop: int) -> None:
        self.seed, self.shop, self.orders, self.products = seed, shop, orders, products
        self._order, self._base_product = order, base_product
        self._per_day = max(3, round(2 * orders_per_shop / 365))

    def lines(self, day: int, revisions: int) -> list[SaleLine]:
        """The day's lines: its orders' (or generated ones), then ``revisions`` late batches."""
        if START_EPOCH <= day * DAY < END_EPOCH:
            raw = self._order_lines(day)
        else:
            raw = self._generated(day, "analytics-day", 0, self._per_day)
        for n in range(1, revisions + 1):
            raw += self._generated(day, "analytics-late", n, 2)
        videos = videos_on(self.seed, self.shop, day)
        live = live_of_day(self.seed, self.shop, day)
        return [self._attribute(day, item, videos, live) for item in raw]

    def _order_lines(self, day: int) -> list[tuple]:
        """Line items of the orders paid on ``day`` (paid 30-630 s after creation)."""
        lo = day * DAY
        first = bisect.bisect_left(self.orders.create, lo - 700)
        raw: list[tuple] = []
        for idx in range(first, len(self.orders)):
            if self.orders.create[idx] >= lo + DAY:
                break
            order = self._order(idx)
            paid = order.get("paid_time")
            if paid is None or not lo <= paid < lo + DAY:
                continue
            cancelled = order["status"] == "CANCELLED"
            for line in order["line_items"]:
                raw.append((order["id"], order["user_id"], line["product_id"], line["sku_id"],
                            cents(line["sale_price"]), cancelled))
        return raw

    def _generated(self, day: int, kind: str, batch: int, most: int) -> list[tuple]:
        """Generated paid orders (1-3 units each) of active products at their listed price."""
        rng = rng_for(self.seed, kind, self.shop.idx, day, batch)
        raw: list[tuple] = []
        for n in range(rng.randint(1, most)):
            key = f"{kind}-{day}-{batch}-{n}"
            buyer = user_id(self.shop, rng.randrange(997))
            cancelled = rng.random() < 0.08
            for _ in range(rng.choice((1, 1, 2, 3))):
                product = self._active_product(rng.randrange(len(self.products)))
                sku = product["skus"][rng.randrange(len(product["skus"]))]
                raw.append((key, buyer, product["id"], sku["id"],
                            cents(sku["price"]["sale_price"]), cancelled))
        return raw

    def _active_product(self, idx: int) -> dict:
        for step in range(len(self.products)):
            product = self._base_product((idx + step) % len(self.products))
            if product["status"] == "ACTIVATE" and product.get("skus"):
                return product
        return self._base_product(idx)

    def _attribute(self, day: int, item: tuple, videos: list[Video],
                   live: LiveSession | None) -> SaleLine:
        order_key, buyer, product_id, sku_id, local, cancelled = item
        h = mix(self.seed, zlib.crc32(f"{order_key}/{sku_id}".encode()), day)
        channel, source = "PRODUCT_CARD", ""
        idx = self.products.pos.get(product_id, -1)
        promoting = [v for v in videos if idx in _resolve(v, len(self.products))]
        if promoting and h % 3 == 0:
            channel, source = "VIDEO", promoting[(h >> 8) % len(promoting)].id
        elif live is not None and h % 3 == 1:
            channel, source = "LIVE", live.id
        currency = self.shop.currency
        net = net_of_vat(local, self.shop)
        return SaleLine(order_key, buyer, product_id, sku_id, local, usd(local, currency),
                        net, usd(net, currency), cancelled, channel, source)


def video_products(video: Video, product_count: int) -> list[int]:
    """Indexes of the products a video promotes."""
    return sorted(_resolve(video, product_count))


def _resolve(video: Video, product_count: int) -> set[int]:
    return {p % product_count for p in video.product_idxs}

