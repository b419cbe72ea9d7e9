"""Promotions: product discount and flash sale activities (Search Activities / Get
Activity, 202309) and coupons (Search Coupons / Get Coupon, 202406) of each shop.

Seeded per shop: the same seed gives the same activities and coupons, all created in the
fixed year before ``END_EPOCH`` like the rest of the dataset, and seen from its end: the
statuses (NOT_START, ONGOING, EXPIRED ...) and the snapshot's rule that a FIXED_PRICE,
DIRECT_DISCOUNT or FLASHSALE activity that ended more than 180 days ago answers Get
Activity with no products are both taken at ``END_EPOCH``, not at the clock, so the
records never change by themselves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .gen_common import DAY, END_EPOCH, START_EPOCH, cents, fmt_cents, rng_for
from .gen_shops import SeededShop

ACTIVITY_TYPES = ("FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE", "SHIPPING_DISCOUNT",
                  "BUY_MORE_SAVE_MORE")
ACTIVITY_STATUSES = ("DRAFT", "NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED",
                     "NOT_EFFECTIVE")
COUPON_STATUSES = ("NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED")
COUPON_DISPLAY_TYPES = ("REGULAR", "LIVE", "CREATOR_EXCLUSIVE", "CHAT", "PRIVATE")
PRODUCTS_HIDDEN_AFTER = 180 * DAY
_PRICED = ("FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE")
_ACTIVITY_ID_BASE = 7_420_000_000_000_000_000
_COUPON_ID_BASE = 7_430_000_000_000_000_000
_SHOP_STRIDE = 10**12
_SEGMENTS = ("ALL", "NEW", "REPEAT_CUSTOMERS", "RECENT_CUSTOMERS")
_SOURCES = ("SELLER_CENTER", "SELLER_APP", "TTS_CRM")


@dataclass(frozen=True)
class ProductPick:
    """A product of the shop (its id and SKU ids with their sale price in cents)."""

    id: str
    skus: tuple[tuple[str, int], ...]


def _times(rng: random.Random) -> tuple[int, int, int, int, str]:
    """(create, update, begin, end, status) inside the dataset's year."""
    create = START_EPOCH + rng.randrange(350 * DAY)
    begin = create + DAY + rng.randrange(20 * DAY)
    end = begin + DAY * rng.randint(1, 60)
    update = min(create + rng.randrange(10 * DAY), END_EPOCH - 1)
    if rng.random() < 0.12:
        status = "DEACTIVATED"
    elif rng.random() < 0.05:
        status = "DRAFT"
    elif begin >= END_EPOCH:
        status = "NOT_START"
    elif end >= END_EPOCH:
        status = "ONGOING"
    else:
        status = "EXPIRED"
    return create, update, begin, end, status


def build_activities(seed: int, shop: SeededShop, count: int,
                     products: list[ProductPick]) -> list[dict]:
    """The shop's activities as Get Activity returns them (products included)."""
    out = []
    for n in range(count):
        rng = rng_for(seed, "activity", shop.idx, n)
        kind = ACTIVITY_TYPES[n % len(ACTIVITY_TYPES)]
        create, update, begin, end, status = _times(rng)
        level = "SHOP" if kind == "SHIPPING_DISCOUNT" else rng.choice(("PRODUCT", "VARIATION"))
        record = {
            "activity_id": str(_ACTIVITY_ID_BASE + shop.idx * _SHOP_STRIDE + n),
            "title": f"{kind.replace('_', ' ').title()} {n + 1:03d}",
            "activity_type": kind, "status": status, "product_level": level,
            "begin_time": begin, "end_time": end, "create_time": create,
            "update_time": update, "duration_type": "NORMAL",
            "activity_commands": ["IMMUTABLE"] if status in ("EXPIRED", "NOT_EFFECTIVE") else [],
            "participation_limit": [{"type": rng.choice(("BUYER_NO_LIMIT",
                                                         "BUYER_LIMIT_ONLY_ONE"))}],
            "target_user_info": {"user_type": rng.choice(("ALL_USER", "SHOP_NEW_CUSTOMER"))},
            "discount": _activity_discount(rng, kind),
            "products": [] if level == "SHOP" else _activity_products(
                rng, kind, level, shop, products),
        }
        out.append(record)
    return out


def _activity_discount(rng: random.Random, kind: str) -> dict:
    """The activity-level discount (product discounts are set per product instead)."""
    if kind == "SHIPPING_DISCOUNT":
        free = rng.random() < 0.5
        discount = {"type": "FREE_SHIPPING" if free else "DISCOUNT_SHIPPING_FEE",
                    "threshold_type": "NO_THRESHOLD", "threshold_value": "0",
                    "area_scope": {"type": "WHOLE", "specific_areas": []},
                    "inventory_type": "SELF_FULFILLED", "shipping_method": "STANDARD_SHIPPING"}
        if not free:
            discount["value"] = "2.00"
        return {"shipping_discount": discount}
    if kind == "BUY_MORE_SAVE_MORE":
        return {"bmsm_discount": {"details": [
            {"tier": tier, "threshold_type": "MINIMAL_ITEM_QUANTITY",
             "threshold_value": str(tier + 1), "type": "PERCENTAGE_OFF",
             "value": str(5 * tier)} for tier in (1, 2)]}}
    return {}


def _activity_products(rng: random.Random, kind: str, level: str, shop: SeededShop,
                       products: list[ProductPick]) -> list[dict]:
    out = []
    for product in rng.sample(products, min(len(products), rng.randint(1, 4))):
        percent = rng.choice((5, 10, 15, 20, 30))
        limit = rng.choice((-1, 10, 50))
        row: dict = {"id": product.id, "quantity_limit": limit,
                     "quantity_per_user": rng.choice((-1, 1, 2, 5))}
        if level == "VARIATION":
            skus = []
            for sku_id, price in product.skus:
                sku: dict = {"id": sku_id, "quantity_limit": limit,
                             "quantity_per_user": row["quantity_per_user"]}
                if kind == "DIRECT_DISCOUNT":
                    sku["discount"] = str(percent)
                elif kind in ("FIXED_PRICE", "FLASHSALE"):
                    sku["activity_price"] = _price(price, percent, shop)
                skus.append(sku)
            row["skus"] = skus
        elif kind == "DIRECT_DISCOUNT":
            row["discount"] = str(percent)
        elif kind in ("FIXED_PRICE", "FLASHSALE"):
            row["activity_price"] = _price(product.skus[0][1], percent, shop)
        out.append(row)
    return out


def _price(cents_value: int, percent: int, shop: SeededShop) -> dict:
    return {"amount": fmt_cents(max(1, cents_value * (100 - percent) // 100)),
            "currency": shop.currency}


def activity_detail(record: dict) -> dict:
    """Get Activity's answer: products hidden once a priced activity ended 180+ days ago."""
    if record["activity_type"] in _PRICED and \
            record["end_time"] < END_EPOCH - PRODUCTS_HIDDEN_AFTER:
        return {**record, "products": []}
    return record


def activity_summary(record: dict) -> dict:
    """Search Activities' item for an activity."""
    keep = ("title", "activity_type", "status", "product_level", "begin_time", "end_time",
            "create_time", "update_time", "duration_type", "activity_commands",
            "participation_limit", "discount")
    return {"id": record["activity_id"], **{k: record[k] for k in keep}}


def build_coupons(seed: int, shop: SeededShop, count: int,
                  products: list[ProductPick]) -> list[dict]:
    """The shop's coupons as Get Coupon returns them."""
    out = []
    for n in range(count):
        rng = rng_for(seed, "coupon", shop.idx, n)
        create, update, begin, end, status = _times(rng)
        if status == "DRAFT":  # coupons have no draft status
            status = "NOT_START"
        percent_off = rng.random() < 0.5
        discount: dict = {"type": "PERCENT_OFF" if percent_off else "AMOUNT_OFF"}
        if percent_off:
            discount["percentage"] = str(rng.choice((5, 10, 15)))
            discount["max_discount"] = {"amount": "20.00", "currency": shop.currency}
        else:
            discount["reduction_amount"] = {"amount": f"{rng.choice((2, 5, 10))}.00",
                                            "currency": shop.currency}
        specific = rng.random() < 0.4
        display = COUPON_DISPLAY_TYPES[n % len(COUPON_DISPLAY_TYPES)]
        record = {
            "id": str(_COUPON_ID_BASE + shop.idx * _SHOP_STRIDE + n),
            "title": f"Coupon {n + 1:03d}", "status": status, "display_type": display,
            "creation_source": _SOURCES[n % len(_SOURCES)],
            "create_time": create, "update_time": update,
            "claim_duration": {"start_time": begin, "end_time": end},
            "redemption_duration": {"type": "ABSOLUTE", "start_time": begin,
                                    "end_time": end + 7 * DAY},
            "discount": discount,
            "threshold": {"type": "MIN_SPEND", "min_spend": {
                "amount": "30.00", "currency": shop.currency}} if rng.random() < 0.5
            else {"type": "NONE"},
            "product_scope": "SPECIFIC_PRODUCTS" if specific else "FULL_SHOP",
            "product_ids": [p.id for p in rng.sample(products, min(3, len(products)))]
            if specific else [],
            "target_buyer_segment": rng.choice(_SEGMENTS),
            "usage_limits": {"total_claim_limit": rng.choice((100, 500, 1000)),
                             "single_buyer_claim_limit": 1},
            "usage_stats": {"claimed_count": rng.randrange(100),
                            "redeemed_count": rng.randrange(50)},
            "display_channels": ["PRIVATE"] if display == "PRIVATE" else ["ALL"],
            "seller_tnc": "",
        }
        if display == "PRIVATE":
            record["promo_code"] = f"SBX{n:03d}{shop.idx:03d}"
        if display == "LIVE" and shop.region.code in ("US", "GB"):
            record["live_tasks"] = [{"type": "WATCH_FOR_MIN_TIME", "min_watch_time": "60"}]
        out.append(record)
    return out


def coupon_summary(record: dict) -> dict:
    """Search Coupons' item for a coupon."""
    detail_only = ("product_ids", "usage_stats", "display_channels", "seller_tnc",
                   "live_tasks")
    return {k: v for k, v in record.items() if k not in detail_only}


@dataclass
class PromotionBook:
    """One shop's activities and coupons, with lookups by id."""

    activities: list[dict]
    coupons: list[dict]

    def __post_init__(self) -> None:
        self._activities = {r["activity_id"]: r for r in self.activities}
        self._coupons = {r["id"]: r for r in self.coupons}

    @classmethod
    def build(cls, seed: int, shop: SeededShop, products: list[dict], activities: int,
              coupons: int) -> PromotionBook:
        """From the shop's products as generated (active ones with SKUs)."""
        picks = [ProductPick(p["id"], tuple((s["id"], _sale_cents(s)) for s in p["skus"]))
                 for p in products if p["status"] == "ACTIVATE" and p.get("skus")]
        picks = picks or [ProductPick(p["id"], tuple((s["id"], _sale_cents(s))
                                                      for s in p["skus"]))
                          for p in products if p.get("skus")]
        return cls(build_activities(seed, shop, activities, picks),
                   build_coupons(seed, shop, coupons, picks))

    def activity(self, activity_id: str) -> dict | None:
        return self._activities.get(activity_id)

    def coupon(self, coupon_id: str) -> dict | None:
        return self._coupons.get(coupon_id)


def _sale_cents(sku: dict) -> int:
    return cents(sku["price"]["sale_price"])
