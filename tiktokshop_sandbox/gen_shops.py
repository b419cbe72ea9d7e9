"""Shops and their warehouses (small, generated eagerly)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .gen_common import (
    FIRST_NAMES,
    LAST_NAMES,
    REGIONS,
    SHOP_NOUNS,
    SHOP_WORDS,
    STREETS,
    Region,
    alnum_token,
    make_id,
    rng_for,
)


@dataclass
class SeededShop:
    idx: int
    id: str
    name: str
    region: Region
    code: str
    cipher: str
    warehouses: list[dict] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.region.currency

    @property
    def seller_type(self) -> str:
        return self.region.seller_type

    @property
    def warehouse_ids(self) -> list[str]:
        return [w["id"] for w in self.warehouses]

    def api(self) -> dict:
        """The Get Authorized Shops item."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region.code,
            "seller_type": self.seller_type,
            "cipher": self.cipher,
            "code": self.code,
        }


def build_shops(seed: int, count: int, warehouses: int) -> list[SeededShop]:
    shops = []
    for idx in range(count):
        rng = rng_for(seed, "shop", idx)
        region = REGIONS[idx % len(REGIONS)]
        shop_id = str(make_id("shop", idx, rng.randrange(10**9, 10**10)))
        name = f"{rng.choice(SHOP_WORDS)} {rng.choice(SHOP_NOUNS)} {region.code}"
        if idx >= len(REGIONS):
            name += f" {idx + 1}"
        code = region.code + alnum_token(seed, "code", idx, length=10).upper()
        cipher = "ROW_" + alnum_token(seed, "cipher", idx, length=32)
        shop = SeededShop(idx, shop_id, name, region, code, cipher)
        shop.warehouses = [_warehouse(seed, shop, n) for n in range(warehouses)]
        shops.append(shop)
    return shops


def _warehouse(seed: int, shop: SeededShop, n: int) -> dict:
    rng = rng_for(seed, "warehouse", shop.idx, n)
    region = shop.region
    city = rng.choice(region.cities)
    line1 = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
    postal = f"{rng.randint(10000, 99999)}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    sub_type = "DOMESTIC_WAREHOUSE" if shop.seller_type == "LOCAL" else "CB_OVERSEA_WAREHOUSE"
    return {
        "id": str(make_id("warehouse", shop.idx, 1_000_000 + n * 7_919)),
        "name": f"{city} Warehouse {n + 1}",
        "effect_status": "ENABLED",
        "type": "SALES_WAREHOUSE",
        "sub_type": sub_type,
        "is_default": n == 0,
        "entity_id": str(make_id("entity", shop.idx, 500 + n)),
        "address": {
            "region": region.country,
            "region_code": region.code,
            "state": city,
            "city": city,
            "distict": city,
            "town": city,
            "full_address": f"{line1}, {city}, {postal}, {region.country}",
            "address_line1": line1,
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "postal_code": postal,
            "phone_number": f"{region.phone_prefix}{rng.randint(10**8, 10**9 - 1)}",
            "contact_person": f"{first} {last}",
            "first_name": first,
            "last_name": last,
        },
    }
