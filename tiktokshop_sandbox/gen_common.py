"""Shared building blocks of the deterministic data generator.

All generated timestamps fall in the fixed year before ``END_EPOCH``
(2026-06-01T00:00:00Z), so a dataset depends only on the seed and the sizes,
never on the clock. IDs are 19-digit numeric strings in per-kind ranges, like the
real API's; each kind uses a distinct leading range so IDs never collide.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

END_EPOCH = 1_780_272_000  # 2026-06-01T00:00:00Z
START_EPOCH = END_EPOCH - 365 * 86_400
DAY = 86_400

# Leading ranges of the 19-digit ids, one per kind (kind offset + shop * 10**14 + counter).
ID_BASE = {
    "shop": 7_494_000_000_000_000_000,
    "warehouse": 7_068_000_000_000_000_000,
    "product": 1_729_400_000_000_000_000,
    "sku": 1_779_400_000_000_000_000,  # = product id + SKU_OFFSET + k
    "order": 5_764_000_000_000_000_000,
    "line": 5_774_000_000_000_000_000,
    "package": 1_152_000_000_000_000_000,
    "return": 4_035_000_000_000_000_000,
    "cancel": 4_036_000_000_000_000_000,
    "user": 7_021_000_000_000_000_000,
    "entity": 7_100_000_000_000_000_000,
}
SHOP_STRIDE = 10**14
SKU_OFFSET = ID_BASE["sku"] - ID_BASE["product"]
PRODUCT_ID_GAP_MIN = 1_000  # SKU ids live in [product, product + gap) shifted by SKU_OFFSET


@dataclass(frozen=True)
class Region:
    code: str
    currency: str
    vat: Decimal  # tax rate included in the display price (0 for US sales tax)
    seller_type: str
    country: str
    cities: tuple[str, ...]
    phone_prefix: str


REGIONS: tuple[Region, ...] = (
    Region("GB", "GBP", Decimal("0.20"), "LOCAL", "United Kingdom",
           ("London", "Manchester", "Leeds", "Bristol"), "(+44)"),
    Region("US", "USD", Decimal("0"), "LOCAL", "United States",
           ("Austin", "Denver", "Columbus", "Seattle"), "(+1)"),
    Region("DE", "EUR", Decimal("0.19"), "CROSS_BORDER", "Germany",
           ("Berlin", "Hamburg", "Munich", "Cologne"), "(+49)"),
    Region("MY", "MYR", Decimal("0.10"), "LOCAL", "Malaysia",
           ("Kuala Lumpur", "Penang", "Johor Bahru"), "(+60)"),
    Region("SG", "SGD", Decimal("0.09"), "CROSS_BORDER", "Singapore",
           ("Singapore",), "(+65)"),
    Region("FR", "EUR", Decimal("0.20"), "CROSS_BORDER", "France",
           ("Paris", "Lyon", "Marseille"), "(+33)"),
)

FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Jamie", "Robin",
               "Avery", "Riley", "Quinn", "Charlie", "Drew", "Skyler", "Rowan", "Emery")
LAST_NAMES = ("Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore",
              "Taylor", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Hill")
STREETS = ("High Street", "Station Road", "Main Street", "Park Avenue", "Church Lane",
           "Mill Road", "Oak Drive", "Maple Way")
SHOP_WORDS = ("Urban", "Cosy", "Bright", "Nordic", "Lucky", "Golden", "Happy", "Pure",
              "Wild", "Fresh", "Modern", "Simple")
SHOP_NOUNS = ("Threads", "Home", "Gadgets", "Corner", "Market", "Studio", "Outlet", "Goods")


def rng_for(seed: int, kind: str, *parts: int) -> random.Random:
    """A private, reproducible RNG for one generated record (integer seeding is fast)."""
    key = zlib.crc32(kind.encode())
    for part in (seed, *parts):
        key = (key * 1_000_003) ^ (part & 0xFFFF_FFFF_FFFF)
    return random.Random(key & ((1 << 128) - 1))


def make_id(kind: str, shop_idx: int, counter: int) -> int:
    return ID_BASE[kind] + shop_idx * SHOP_STRIDE + counter


_CUMULATIVE: dict[int, tuple[list[float], float]] = {}


def weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    """Pick a value from ``[(value, weight), ...]`` (tables must be module constants)."""
    cached = _CUMULATIVE.get(id(table))
    if cached is None:
        cumulative, total = [], 0.0
        for _, weight in table:
            total += weight
            cumulative.append(total)
        cached = _CUMULATIVE[id(table)] = (cumulative, total)
    cumulative, total = cached
    index = bisect.bisect_right(cumulative, rng.random() * total)
    return table[min(index, len(table) - 1)][0]


def money(value: Decimal | float | str) -> str:
    """Decimal string with two places, the API's money format."""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def cents(amount: str) -> int:
    """Parse a non-negative decimal money string (at most 2 decimals) into cents."""
    whole, _, frac = amount.partition(".")
    return int(whole or "0") * 100 + int((frac + "00")[:2])


def fmt_cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def tax_exclusive(price: str, region: Region) -> str:
    return money(Decimal(price) / (1 + region.vat))


def hex_token(*parts: object, length: int = 16) -> str:
    """Stable pseudo-random hex string derived from ``parts``."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return digest[:length]


def alnum_token(*parts: object, length: int = 24) -> str:
    """Stable pseudo-random base62-looking string (for ciphers and codes)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    digest += hashlib.sha256(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def image(uri_seed: str, size: int = 800) -> dict:
    uri = f"tos-sandbox-i-{hex_token(uri_seed, length=10)}/{hex_token(uri_seed, 'img', length=32)}"
    return {
        "uri": uri,
        "urls": [f"https://sandbox.invalid/img/{uri}~origin.jpeg"],
        "thumb_urls": [f"https://sandbox.invalid/img/{uri}~thumb.jpeg"],
        "width": size,
        "height": size,
    }


@dataclass
class Columns:
    """Compact column store for the lightweight part ("core") of one record kind.

    Full records are built on demand from the core and the seed; only the columns
    used for filtering, sorting and keyset paging are kept in memory.
    """

    ids: list[str] = field(default_factory=list)
    id_ints: list[int] = field(default_factory=list)
    create: list[int] = field(default_factory=list)
    update: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    extra: dict[str, list] = field(default_factory=dict)
    pos: dict[str, int] = field(default_factory=dict)
    version: int = 0
    #: Sorted copies of the table for searches, per (sort column, descending), with the
    #: ``version`` they were built at (see ``query.sorted_index``).
    indexes: dict[tuple[int, bool], tuple[int, Any]] = field(
        default_factory=dict, repr=False, compare=False)

    def append(self, id_int: int, create: int, update: int, status: str, **extra: object) -> None:
        self.pos[str(id_int)] = len(self.ids)
        self.ids.append(str(id_int))
        self.id_ints.append(id_int)
        self.create.append(create)
        self.update.append(update)
        self.status.append(status)
        for key, value in extra.items():
            self.extra.setdefault(key, []).append(value)

    @classmethod
    def from_lists(
        cls, id_ints: list[int], create: list[int], update: list[int], status: list[str],
        **extra: list,
    ) -> Columns:
        ids = [str(i) for i in id_ints]
        return cls(ids=ids, id_ints=id_ints, create=create, update=update, status=status,
                   extra=dict(extra), pos={v: n for n, v in enumerate(ids)})

    def __len__(self) -> int:
        return len(self.ids)
