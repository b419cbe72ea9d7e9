"""Products: compact per-shop columns plus an on-demand builder of the full record.

The full record uses the Get Product (202309) field names; search responses are
projections of it (see ``shapes``).
"""

from __future__ import annotations

from .gen_common import (
    DAY,
    END_EPOCH,
    PRODUCT_ID_GAP_MIN,
    SKU_OFFSET,
    START_EPOCH,
    Columns,
    hex_token,
    image,
    make_id,
    money,
    rng_for,
    tax_exclusive,
    weighted,
)
from .gen_shops import SeededShop

PRODUCT_STATUSES = (
    "DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED", "FREEZE", "DELETED",
)
STATUS_WEIGHTS = (
    ("ACTIVATE", 75), ("SELLER_DEACTIVATED", 8), ("DRAFT", 5), ("PENDING", 4),
    ("FAILED", 3), ("PLATFORM_DEACTIVATED", 2), ("FREEZE", 1.5), ("DELETED", 1.5),
)
AUDIT_BY_STATUS = {"ACTIVATE": "APPROVED", "PENDING": "AUDITING", "FAILED": "FAILED"}
PRODUCT_STATUS_BY_STATUS = {"PENDING": "INITIAL", "FAILED": "INITIAL"}

CATEGORIES = (
    (("600001", "Womenswear & Underwear"), ("601152", "Women's Tops"), ("601226", "T-shirts"),
     ("T-Shirt", "Tee", "Top")),
    (("824328", "Menswear & Underwear"), ("842248", "Men's Tops"), ("601302", "Hoodies"),
     ("Hoodie", "Sweatshirt", "Pullover")),
    (("600024", "Home Supplies"), ("600942", "Home Organizers"), ("601739", "Storage Boxes"),
     ("Storage Box", "Basket", "Organizer")),
    (("601450", "Kitchenware"), ("601452", "Drinkware"), ("601468", "Mugs"),
     ("Mug", "Tumbler", "Travel Cup")),
    (("601352", "Phones & Electronics"), ("601371", "Phone Accessories"),
     ("601383", "Phone Cases"), ("Phone Case", "Charging Cable", "Phone Stand")),
)
ADJECTIVES = ("Classic", "Everyday", "Premium", "Soft", "Compact", "Vintage", "Eco", "Bold")
MATERIALS = ("Cotton", "Bamboo", "Ceramic", "Steel", "Linen", "Recycled", "Silicone", "Oak")
BRANDS = (("7082427311584347905", "Sandbox Basics"), ("7082427311584347906", "Northwind"),
          ("7082427311584347907", "Acme Living"))
COLORS = ("Black", "White", "Red", "Blue", "Green", "Grey", "Pink", "Yellow")
SIZES = ("S", "M", "L", "XL")
PRICE_POINTS = ("4.99", "7.50", "9.99", "12.00", "14.99", "19.99", "24.50", "29.99",
                "39.99", "49.00", "64.99", "89.99", "129.00")


def build_product_columns(seed: int, shop: SeededShop, count: int) -> Columns:
    """IDs, times, statuses and SKU counts of a shop's products (create times ascending).

    About 10% of products share both timestamps with the previous one, so clients meet
    same-second ties on ``update_time``.
    """
    rng = rng_for(seed, "product-core", shop.idx)
    cols = Columns()
    span = END_EPOCH - START_EPOCH
    slot = max(1, span // max(count, 1))
    counter = 0
    for i in range(count):
        counter += rng.randint(PRODUCT_ID_GAP_MIN, 60_000)
        status = weighted(rng, STATUS_WEIGHTS)
        nsku = rng.choice((1, 1, 2, 2, 3))
        if i and rng.random() < 0.1:
            create, update = cols.create[-1], cols.update[-1]
        else:
            create = START_EPOCH + (i * span) // max(count, 1) + rng.randrange(slot)
            create = min(create, END_EPOCH - 1)
            room = END_EPOCH - 1 - create
            delay = 0 if rng.random() < 0.3 or room < 60 else rng.randint(60, min(60 * DAY, room))
            update = create + delay
        cols.append(make_id("product", shop.idx, counter), create, update, status, nsku=nsku)
    return cols


def sku_id_for(product_id_int: int, k: int) -> str:
    return str(product_id_int + SKU_OFFSET + k)


def seller_sku_for(shop: SeededShop, idx: int, k: int) -> str:
    return f"{shop.region.code}{shop.idx}-{idx:06d}-{k + 1}"


def build_product(seed: int, shop: SeededShop, cols: Columns, idx: int) -> dict:
    """Build the full record of product ``idx`` as generated (before any write)."""
    rng = rng_for(seed, "product", shop.idx, idx)
    status = cols.status[idx]
    top, mid, leaf, nouns = CATEGORIES[rng.randrange(len(CATEGORIES))]
    title = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns)}"
    brand_id, brand_name = rng.choice(BRANDS)
    n_wh = min(len(shop.warehouses), rng.choice((1, 1, 2)))
    warehouses = rng.sample(shop.warehouse_ids, n_wh)
    nsku = cols.extra["nsku"][idx]
    attr_name, values = ("Color", COLORS) if rng.random() < 0.6 else ("Size", SIZES)
    chosen = rng.sample(values, nsku)
    base_price = rng.choice(PRICE_POINTS)
    product_id = cols.id_ints[idx]
    skus = []
    for k in range(nsku):
        price = base_price if k == 0 or rng.random() < 0.5 else rng.choice(PRICE_POINTS)
        value_id = str(7_001_000 + values.index(chosen[k]) + (0 if attr_name == "Color" else 100))
        skus.append({
            "id": sku_id_for(product_id, k),
            "seller_sku": seller_sku_for(shop, idx, k),
            "price": {
                "currency": shop.currency,
                "sale_price": price,
                "tax_exclusive_price": tax_exclusive(price, shop.region),
            },
            "inventory": [
                {"warehouse_id": wid, "quantity": 0 if rng.random() < 0.1 else rng.randint(1, 500)}
                for wid in warehouses
            ],
            "sales_attributes": [{
                "id": "100000" if attr_name == "Color" else "100007",
                "name": attr_name,
                "value_id": value_id,
                "value_name": chosen[k],
            }],
            "identifier_code": {"code": f"5{rng.randrange(10**11, 10**12)}{k}", "type": "EAN"},
            "external_sku_id": "",
            "status_info": {"status": "NORMAL"},
        })
    extra: dict = {}
    if shop.region.code == "US":
        extra["listing_quality_tier"] = rng.choice(("POOR", "FAIR", "GOOD", "GOOD"))
    if status == "FAILED":
        extra["audit_failed_reasons"] = [{
            "position": "title", "listing_platform": "TIKTOK_SHOP",
            "reasons": ["The title does not describe the product."],
            "suggestions": ["Describe the product in the title."]}]
    return {
        **extra,
        "id": cols.ids[idx],
        "title": title,
        "description": f"<p>{title}. Sandbox product {idx + 1} of shop {shop.name}.</p>",
        "status": status,
        "product_status": PRODUCT_STATUS_BY_STATUS.get(status, status),
        "audit": {"status": AUDIT_BY_STATUS.get(status, "NONE")},
        "category_chains": [
            {"id": top[0], "parent_id": "0", "local_name": top[1], "is_leaf": False},
            {"id": mid[0], "parent_id": top[0], "local_name": mid[1], "is_leaf": False},
            {"id": leaf[0], "parent_id": mid[0], "local_name": leaf[1], "is_leaf": True},
        ],
        "brand": {"id": brand_id, "name": brand_name},
        "main_images": [image(f"{seed}/{shop.idx}/{idx}/{n}") for n in range(rng.randint(1, 3))],
        "package_dimensions": {
            "length": str(rng.randint(5, 60)), "width": str(rng.randint(5, 40)),
            "height": str(rng.randint(1, 30)), "unit": "CENTIMETER",
        },
        "package_weight": {"value": money(rng.uniform(0.05, 5)), "unit": "KILOGRAM"},
        "product_attributes": [{
            "id": "100392", "name": "Material",
            "values": [{"id": str(1_000_100 + MATERIALS.index(title.split()[1])),
                        "name": title.split()[1]}],
        }],
        "skus": skus,
        "is_cod_allowed": False,
        "has_draft": False,
        "is_not_for_sale": False,
        "external_product_id": "",
        "integrated_platform_statuses": [{"platform": "TIKTOK_SHOP", "status": status}],
        "recommended_categories": [{"id": leaf[0], "local_name": leaf[1]}],
        "create_time": cols.create[idx],
        "update_time": cols.update[idx],
    }


def new_sku_id(product: dict) -> str:
    """Next free SKU id of a product (SKU ids stay inside the product's id gap)."""
    base = int(product["id"]) + SKU_OFFSET
    used = [int(s["id"]) - base for s in product.get("skus", [])]
    k = max(used, default=-1) + 1
    return str(base + min(k, PRODUCT_ID_GAP_MIN - 1))


def image_for_uri(uri: str) -> dict:
    """Image object for a client-supplied image URI."""
    return {
        "uri": uri,
        "urls": [f"https://sandbox.invalid/img/{uri}~origin.jpeg"],
        "thumb_urls": [f"https://sandbox.invalid/img/{uri}~thumb.jpeg"],
        "width": 800,
        "height": 800,
    }


def value_id_for(name: str) -> str:
    return str(8_000_000_000 + int(hex_token("value", name, length=8), 16) % 10**9)
