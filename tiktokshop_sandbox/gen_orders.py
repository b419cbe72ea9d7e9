"""Orders: compact per-shop columns plus an on-demand builder of the 202309 order object.

An order's stage times (paid, ready-to-ship, collection, delivery, completion,
cancellation) derive from a cheap integer hash of (seed, shop, index), so the
column generator and the builder agree without storing them. ``update_time`` is
the time the order reached its status; stage times are clamped into
``[create_time, update_time]``. About 12% of orders share both timestamps with the
previous order (same-second ties).
"""

from __future__ import annotations

from collections.abc import Callable

from .gen_common import (
    DAY,
    END_EPOCH,
    FIRST_NAMES,
    LAST_NAMES,
    START_EPOCH,
    STREETS,
    Columns,
    cents,
    fmt_cents,
    hex_token,
    make_id,
    rng_for,
    weighted,
)
from .gen_shops import SeededShop

ORDER_STATUSES = (
    "UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION",
    "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED",
)
STATUS_WEIGHTS = (
    ("COMPLETED", 40), ("DELIVERED", 9), ("IN_TRANSIT", 8), ("AWAITING_COLLECTION", 5),
    ("PARTIALLY_SHIPPING", 2), ("AWAITING_SHIPMENT", 9), ("ON_HOLD", 3), ("UNPAID", 5),
    ("CANCELLED", 15),
)
# Lifecycle used by fallbacks and by /sandbox/mutate.
NEXT_STATUS = {
    "UNPAID": "AWAITING_SHIPMENT", "ON_HOLD": "AWAITING_SHIPMENT",
    "AWAITING_SHIPMENT": "AWAITING_COLLECTION", "PARTIALLY_SHIPPING": "IN_TRANSIT",
    "AWAITING_COLLECTION": "IN_TRANSIT", "IN_TRANSIT": "DELIVERED", "DELIVERED": "COMPLETED",
}
PREVIOUS_STATUS = {
    "COMPLETED": "DELIVERED", "DELIVERED": "IN_TRANSIT", "IN_TRANSIT": "AWAITING_COLLECTION",
    "AWAITING_COLLECTION": "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING": "AWAITING_SHIPMENT",
    "AWAITING_SHIPMENT": "UNPAID", "ON_HOLD": "UNPAID", "CANCELLED": "UNPAID",
}
SHIPPED = {"PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"}
DISPLAY_STATUS = {"ON_HOLD": "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING": "AWAITING_COLLECTION"}
PACKAGE_STATUS = {
    "UNPAID": "TO_FULFILL", "ON_HOLD": "TO_FULFILL", "AWAITING_SHIPMENT": "TO_FULFILL",
    "PARTIALLY_SHIPPING": "PROCESSING", "AWAITING_COLLECTION": "PROCESSING",
    "IN_TRANSIT": "FULFILLING", "DELIVERED": "COMPLETED", "COMPLETED": "COMPLETED",
    "CANCELLED": "CANCELLED",
}
PROVIDERS = (("6617675021119438849", "Royal Mail"), ("6617675021119438850", "Evri"),
             ("6617675021119438851", "DPD"))
BUYERS_PER_SHOP = 997
LINE_COUNTS = (1, 1, 1, 2, 2, 3, 4)  # lines per order (the order's first random draw)
#: Shipped orders whose lines go in two packages (SPLIT), when they have 2+ lines; and
#: adjacent shipped orders in the same status combined into one package (COMBINE, same
#: buyer, warehouse and shipping type).
SPLIT_PERCENT = 15
COMBINE_PERCENT = 15
US_SALES_TAX = "0.08"
_MASK = (1 << 64) - 1


def mix(*parts: int) -> int:
    """splitmix64-style integer hash: fast, stable, good enough for offsets."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        x = (x ^ (x >> 31)) * 0x94D049BB133111EB & _MASK
        x ^= x >> 29
    return x


def stage_times(seed: int, shop_idx: int, idx: int, create: int) -> dict[str, int]:
    a = mix(seed, shop_idx, idx, 1)
    b = mix(seed, shop_idx, idx, 2)
    paid = create + 30 + (a & 0x3FF) % 600
    rts = paid + 3_600 + (a >> 10 & 0x3FFFF) % (3 * DAY)
    collection = rts + 1_800 + (a >> 28 & 0x1FFFF) % DAY
    delivery = collection + DAY + (a >> 45 & 0x7FFFF) % (5 * DAY)
    complete = delivery + 7 * DAY + (b & 0xFFFFF) % (8 * DAY)
    cancel = create + 600 + (b >> 20 & 0x3FFFF) % (2 * DAY)
    return {"paid": paid, "rts": rts, "collection": collection, "delivery": delivery,
            "complete": complete, "cancel": cancel}


_STAGE_OF_STATUS = {
    "UNPAID": None, "ON_HOLD": "paid", "AWAITING_SHIPMENT": "paid",
    "PARTIALLY_SHIPPING": "rts", "AWAITING_COLLECTION": "rts", "IN_TRANSIT": "collection",
    "DELIVERED": "delivery", "COMPLETED": "complete", "CANCELLED": "cancel",
}


def reached_at(status: str, stages: dict[str, int], create: int) -> int:
    """When an order reached ``status`` (its ``update_time`` before any clamping)."""
    key = _STAGE_OF_STATUS[status]
    return create if key is None else stages[key]


def build_order_columns(seed: int, shop: SeededShop, count: int) -> Columns:
    rng = rng_for(seed, "order-core", shop.idx)
    rand = rng.random
    span = END_EPOCH - START_EPOCH
    slot = max(1, span // max(count, 1))
    counter = make_id("order", shop.idx, 0)
    n_wh = len(shop.warehouses)
    ids, creates, updates, statuses, buyers, ships, whs = [], [], [], [], [], [], []
    create = update = 0
    status = "UNPAID"
    for i in range(count):
        counter += 1_000 + int(rand() * 89_000)
        new_status = weighted(rng, STATUS_WEIGHTS)
        buyers.append(int(rand() * BUYERS_PER_SHOP))
        ships.append(0 if rand() < 0.8 else 1)
        whs.append(int(rand() * n_wh))
        if not (i and rand() < 0.12):  # else: same-second tie with the previous order
            status = new_status
            create = min(START_EPOCH + (i * span) // count + int(rand() * slot), END_EPOCH - 1)
            stages = stage_times(seed, shop.idx, i, create)
            while reached_at(status, stages, create) >= END_EPOCH and status != "UNPAID":
                status = PREVIOUS_STATUS[status]
            update = max(create, min(reached_at(status, stages, create), END_EPOCH - 1))
        ids.append(counter)
        creates.append(create)
        updates.append(update)
        statuses.append(status)
    mates = _combine(seed, shop, statuses, buyers, ships, whs)
    return Columns.from_lists(ids, creates, updates, statuses, buyer=buyers, ship=ships, wh=whs,
                              mate=mates)


def _combine(seed: int, shop: SeededShop, statuses: list[str], buyers: list[int],
             ships: list[int], whs: list[int]) -> list[int]:
    """Pair some adjacent shipped orders of the same status into one package: both get the
    first one's buyer, shipping type and warehouse. Returns each order's mate (or -1)."""
    mates = [-1] * len(statuses)
    for i in range(1, len(statuses)):
        status = statuses[i]
        if (status in SHIPPED and statuses[i - 1] == status and mates[i - 1] < 0
                and mix(seed, shop.idx, i, 5) % 100 < COMBINE_PERCENT):
            mates[i - 1], mates[i] = i, i - 1
            buyers[i], ships[i], whs[i] = buyers[i - 1], ships[i - 1], whs[i - 1]
    return mates


def package_id(shop: SeededShop, order_id: int, part: int = 0) -> str:
    """Id of an order's package (``part`` 1: the second package of a split order)."""
    return str(make_id("package", shop.idx, order_id % 10**13 + part))


def split_candidate(seed: int, order_id: int) -> bool:
    """Whether the order ships in two packages when it has two lines or more."""
    return mix(seed, order_id, 13) % 100 < SPLIT_PERCENT


def first_package_lines(seed: int, order_id: int, lines: int, mate: int) -> int:
    """How many of an order's lines go in its first package (all unless it is split)."""
    if mate < 0 and lines > 1 and split_candidate(seed, order_id):
        return lines // 2
    return lines


def package_owner(cols: Columns, idx: int) -> int:
    """The order whose id a package of order ``idx`` is named after (the first of a pair)."""
    mate = cols.extra["mate"][idx]
    return mate if 0 <= mate < idx else idx


def user_id(shop: SeededShop, buyer: int) -> str:
    return str(make_id("user", shop.idx, 10_000 + buyer * 7_919))


_ADDRESSES: dict[tuple[int, int, str, int], dict] = {}


def _address(seed: int, shop: SeededShop, buyer: int) -> dict:
    """A buyer's address (cached: at most BUYERS_PER_SHOP per shop; copy before changing)."""
    key = (seed, shop.idx, shop.region.code, buyer)
    cached = _ADDRESSES.get(key)
    if cached is None:
        if len(_ADDRESSES) > 50_000:
            _ADDRESSES.clear()
        cached = _ADDRESSES[key] = _make_address(seed, shop, buyer)
    return cached


def _make_address(seed: int, shop: SeededShop, buyer: int) -> dict:
    rng = rng_for(seed, "buyer", shop.idx, buyer)
    region = shop.region
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city = rng.choice(region.cities)
    line1 = f"{rng.randint(1, 300)} {rng.choice(STREETS)}"
    postal = str(rng.randint(10000, 99999))
    return {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "phone_number": f"{region.phone_prefix}{rng.randint(100, 999)}*****{rng.randint(10, 99)}",
        "full_address": f"{line1}, {city}, {postal}, {region.country}",
        "address_detail": line1,
        "address_line1": line1,
        "address_line2": "",
        "postal_code": postal,
        "region_code": region.code,
        "district_info": [
            {"address_level_name": "Country", "address_name": region.country,
             "address_level": "L0"},
            {"address_level_name": "City", "address_name": city, "address_level": "L1"},
        ],
    }


def build_order(
    seed: int, shop: SeededShop, cols: Columns, idx: int,
    product_count: int, base_product: Callable[[int], dict],
    product_status: Callable[[int], str],
) -> dict:
    """Build order ``idx`` from its columns (status and update_time may have been mutated)."""
    rng = rng_for(seed, "order", shop.idx, idx)
    status, create, update = cols.status[idx], cols.create[idx], cols.update[idx]
    buyer = cols.extra["buyer"][idx]
    order_id = cols.id_ints[idx]
    stages = stage_times(seed, shop.idx, idx, create)
    at = {k: max(create, min(v, update)) for k, v in stages.items()}
    paid = status != "UNPAID" and not (status == "CANCELLED" and mix(seed, order_id) % 2)
    shipped = status in SHIPPED  # packages exist once the seller arranged shipment
    owner_id = cols.id_ints[package_owner(cols, idx)]
    provider_id, provider_name = PROVIDERS[mix(seed, owner_id, 7) % len(PROVIDERS)]
    display = DISPLAY_STATUS.get(status, status)
    count = rng.choice(LINE_COUNTS)
    in_first = first_package_lines(seed, order_id, count, cols.extra["mate"][idx])
    lines = []
    for n in range(count):
        pidx = rng.randrange(product_count)
        for _ in range(3):
            if product_status(pidx) not in ("DRAFT", "PENDING", "FAILED"):
                break
            pidx = rng.randrange(product_count)
        product = base_product(pidx)
        sku = product["skus"][rng.randrange(len(product["skus"]))]
        original = cents(sku["price"]["sale_price"])
        seller_disc = round(original * 0.10) if rng.random() < 0.2 else 0
        platform_disc = round(original * 0.05) if rng.random() < 0.1 else 0
        line = {
            "id": str(make_id("line", shop.idx, (order_id % 10**12) * 10 + n)),
            "product_id": product["id"],
            "product_name": product["title"],
            "sku_id": sku["id"],
            "sku_name": ", ".join(a["value_name"] for a in sku["sales_attributes"]),
            "sku_image": product["main_images"][0]["urls"][0],
            "seller_sku": sku["seller_sku"],
            "original_price": fmt_cents(original),
            "sale_price": fmt_cents(original - seller_disc - platform_disc),
            "seller_discount": fmt_cents(seller_disc),
            "platform_discount": fmt_cents(platform_disc),
            "currency": shop.currency,
            "display_status": display,
            "package_status": PACKAGE_STATUS[status],
            "is_gift": False,
            "sku_type": "NORMAL",
            "is_dangerous_good": False,
            "handling_duration_days": "3",
            "small_order_fee": "0.00",
            "buyer_service_fee": "0.00",
        }
        if shipped:
            package = package_id(shop, owner_id, 0 if n < in_first else 1)
            line.update(package_id=package, tracking_number=tracking_number(package),
                        shipping_provider_id=provider_id, shipping_provider_name=provider_name,
                        rts_time=at["rts"])
        if status == "CANCELLED":
            line.update(cancel_reason="Buyer changed mind", cancel_user="BUYER")
        lines.append(line)
    order = {
        "id": str(order_id),
        "status": status,
        "create_time": create,
        "update_time": update,
        "buyer_email": f"v{hex_token(seed, shop.idx, buyer, length=20)}@scs.sandbox.invalid",
        "buyer_message": "" if rng.random() < 0.8 else "Please leave at the door.",
        "buyer_nickname": f"buyer{buyer:04d}",
        "buyer_avatar": f"https://sandbox.invalid/avatar/{hex_token(seed, shop.idx, buyer)}.jpeg",
        "user_id": user_id(shop, buyer),
        "seller_note": "",
        "shipping_type": ("TIKTOK", "SELLER")[cols.extra["ship"][idx]],
        "delivery_option_id": "7091146663229654785",
        "delivery_option_name": "Standard shipping",
        "delivery_type": "HOME_DELIVERY",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "warehouse_id": shop.warehouses[cols.extra["wh"][idx]]["id"],
        "order_type": "NORMAL",
        "commerce_platform": "TIKTOK_SHOP",
        "payment_method_name": ("Card", "PayPal", "Apple Pay")[mix(seed, order_id, 3) % 3],
        "is_cod": False,
        "is_sample_order": False,
        "is_replacement_order": False,
        "is_exchange_order": False,
        "is_on_hold_order": status == "ON_HOLD",
        "is_buyer_request_cancel": False,
        "has_updated_recipient_address": False,
        "packages": [{"id": p} for p in dict.fromkeys(li["package_id"] for li in lines)]
        if shipped else [],
        "payment": _payment(shop, lines, rng.choice(("0.00", "2.99", "3.99"))),
        "line_items": lines,
    }
    if paid:
        deadline = at["paid"]
        order.update(
            paid_time=deadline,
            rts_sla_time=min(deadline + 2 * DAY, END_EPOCH - 1),
            tts_sla_time=min(deadline + 5 * DAY, END_EPOCH - 1),
            shipping_due_time=min(deadline + 3 * DAY, END_EPOCH - 1),
            collection_due_time=min(deadline + 4 * DAY, END_EPOCH - 1),
            delivery_due_time=min(deadline + 10 * DAY, END_EPOCH - 1),
            delivery_sla_time=min(deadline + 7 * DAY, END_EPOCH - 1),
        )
    elif status == "UNPAID":
        order["cancel_order_sla_time"] = min(create + DAY, END_EPOCH - 1)
    if status not in ("UNPAID", "ON_HOLD"):
        order["recipient_address"] = _address(seed, shop, buyer)
    if shipped:
        order.update(rts_time=at["rts"], tracking_number=lines[0]["tracking_number"],
                     shipping_provider=provider_name, shipping_provider_id=provider_id)
    if status in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
        order["collection_time"] = at["collection"]
    if status in ("DELIVERED", "COMPLETED"):
        order["delivery_time"] = at["delivery"]
    if status == "CANCELLED":
        order.update(cancel_time=at["cancel"], cancel_reason="Buyer changed mind",
                     cancellation_initiator="BUYER",
                     request_cancel_time=max(create, at["cancel"] - 300))
    return order


def tracking_number(package: str) -> str:
    """A package's tracking number (an unsplit order's is its order id's last 12 digits)."""
    return f"SBX{int(package) % 10**12:012d}"


def _payment(shop: SeededShop, lines: list[dict], shipping: str) -> dict:
    def total(key: str) -> int:
        return sum(cents(line[key]) for line in lines)

    sub_total = total("sale_price")
    tax = round(sub_total * 0.08) if shop.region.code == "US" else 0
    if tax:
        _line_taxes(lines, tax)
    return {
        "currency": shop.currency,
        "sub_total": fmt_cents(sub_total),
        "shipping_fee": shipping,
        "seller_discount": fmt_cents(total("seller_discount")),
        "platform_discount": fmt_cents(total("platform_discount")),
        "total_amount": fmt_cents(sub_total + cents(shipping) + tax),
        "original_total_product_price": fmt_cents(total("original_price")),
        "original_shipping_fee": shipping,
        "shipping_fee_seller_discount": "0.00",
        "shipping_fee_platform_discount": "0.00",
        "shipping_fee_cofunded_discount": "0.00",
        "tax": fmt_cents(tax),
        "product_tax": fmt_cents(tax),
        "shipping_fee_tax": "0.00",
        "retail_delivery_fee": "0.00",
    }


def _line_taxes(lines: list[dict], tax: int) -> None:
    """US sales tax per line (``item_tax``), summing exactly to the order's ``tax``."""
    left = tax
    for n, line in enumerate(lines):
        amount = left if n == len(lines) - 1 else min(left, round(cents(line["sale_price"]) * 0.08))
        left -= amount
        line["item_tax"] = [{"tax_type": "SALES_TAX", "tax_amount": fmt_cents(amount),
                             "tax_rate": US_SALES_TAX}]
