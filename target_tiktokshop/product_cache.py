"""Per-shop cache of TikTok's current catalogue: ids, warehouses, quantities, prices.

Records name SKUs by ``sku_id`` or ``seller_sku``; updates need TikTok's ids, every
warehouse of each SKU (Update Inventory refuses a SKU with a warehouse left out), the
shop's currency and the current values (to skip unchanged ones). One set of lookups
answers all of that:

* ``seller_sku`` -> Search Products with the ``seller_skus`` filter, 10 per call
  (TikTok's documented limit);
* ``product_id`` -> Get Product, one call per product (also the only source of the
  description);
* when many lookups are pending, a paged scan of the whole catalogue (Search Products,
  100 per page) is cheaper. The first page tells the catalogue size; the scan goes on
  only while the pages left cost fewer calls than the targeted lookups left.

Snapshots are reused for ``MAX_AGE_SECONDS`` and updated by this run's own successful
writes, so quantities re-sent for warehouses a record does not mention are at most that
old (they can still race with orders placed in between; TikTok offers no conditional
update).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tiktokshop import codes
from tiktokshop.endpoints import PRODUCT_DETAIL, PRODUCT_SEARCH
from tiktokshop.errors import APIError, FatalAPIError
from tiktokshop.shops import Shop
from tiktokshop.transport import TikTokShopClient

logger = logging.getLogger("target_tiktokshop.product_cache")

SEARCH_PAGE_SIZE = 100
SELLER_SKUS_PER_SEARCH = 10
SCAN_PROBE_MIN_CALLS = 4  # targeted lookups from which a first scan page is worth a try
MAX_SCAN_PAGES = 100  # Search Products stops at 10,000 results
MAX_FILTERED_PAGES = 20  # pages of one seller_skus search (10 SKUs rarely fill one page)
MAX_AGE_SECONDS = 300.0
NOT_FOUND_CODES = frozenset({
    codes.PRODUCT_NOT_FOUND, codes.PRODUCT_NOT_FOUND_ALT, codes.PRODUCT_NOT_OWNED,
})


@dataclass
class SkuState:
    """TikTok's current view of one SKU.

    ``sale_price`` is the display price; ``tax_exclusive_price`` the pre-tax price of a
    cross-border (global) seller (Search Products gives local sellers their display
    price there). ``current_amount`` picks the one Update Price's ``amount`` sets.
    """

    id: str
    seller_sku: str | None
    currency: str | None
    sale_price: str | None
    list_price: str | None
    inventory: dict[str, int]  # warehouse_id -> quantity, in TikTok's order
    tax_exclusive_price: str | None = None

    def current_amount(self, cross_border: bool) -> str | None:
        """The current value of what ``price.amount`` sets: the pre-tax price for a
        cross-border seller, the display price for a local one."""
        if cross_border:
            return self.tax_exclusive_price
        return self.sale_price or self.tax_exclusive_price


@dataclass
class ProductState:
    """TikTok's current view of one product."""

    id: str
    status: str | None
    title: str | None
    description: str | None
    detailed: bool  # read with Get Product (has the description)
    skus: dict[str, SkuState]
    fetched_at: float


@dataclass(frozen=True)
class LookupFailure:
    """Why an id could not be resolved, with TikTok's answer when there was one."""

    reason: str
    code: int | None = None
    message: str | None = None
    request_id: str | None = None

    @classmethod
    def from_error(cls, reason: str, exc: APIError) -> LookupFailure:
        return cls(f"{reason}: {exc}", exc.code, exc.api_message, exc.request_id)


@dataclass
class _Negative:
    failure: LookupFailure
    at: float


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def parse_sku(raw: dict[str, Any]) -> SkuState:
    """A SKU from Search Products or Get Product."""
    price = raw.get("price") or {}
    list_price = raw.get("list_price") or {}
    inventory: dict[str, int] = {}
    for entry in raw.get("inventory") or []:
        warehouse = entry.get("warehouse_id")
        if warehouse:
            inventory[str(warehouse)] = int(entry.get("quantity") or 0)
    return SkuState(
        id=str(raw.get("id")),
        seller_sku=raw.get("seller_sku") or None,
        currency=price.get("currency") or None,
        sale_price=price.get("sale_price") or None,
        list_price=list_price.get("amount") or None,
        inventory=inventory,
        tax_exclusive_price=price.get("tax_exclusive_price") or None,
    )


def parse_product(raw: dict[str, Any], *, detailed: bool, at: float) -> ProductState:
    """A product from Search Products (``detailed=False``) or Get Product."""
    skus = [parse_sku(s) for s in raw.get("skus") or [] if s.get("id")]
    return ProductState(
        id=str(raw.get("id")),
        status=raw.get("status"),
        title=raw.get("title"),
        description=raw.get("description") if detailed else None,
        detailed=detailed,
        skus={s.id: s for s in skus},
        fetched_at=at,
    )


@dataclass
class ShopCatalog:
    """Cached catalogue of one shop. Not thread-safe: one shop is handled by one thread."""

    client: TikTokShopClient
    shop: Shop
    max_age: float = MAX_AGE_SECONDS
    clock: Callable[[], float] = time.monotonic
    lookup_calls: int = 0
    products: dict[str, ProductState] = field(default_factory=dict)
    _by_seller_sku: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    _missing_products: dict[str, _Negative] = field(default_factory=dict)
    _missing_skus: dict[str, _Negative] = field(default_factory=dict)

    # ------------------------------------------------------------------ freshness
    def _fresh(self, at: float) -> bool:
        return self.clock() - at <= self.max_age

    def _product_known(self, product_id: str, *, detailed: bool = False) -> bool:
        product = self.products.get(product_id)
        if product and self._fresh(product.fetched_at) and (product.detailed or not detailed):
            return True
        negative = self._missing_products.get(product_id)
        return bool(negative and self._fresh(negative.at))

    def _seller_sku_known(self, seller_sku: str) -> bool:
        matches = self._by_seller_sku.get(seller_sku)
        if matches:
            return all(self._product_known(pid) for pid, _ in matches)
        negative = self._missing_skus.get(seller_sku)
        return bool(negative and self._fresh(negative.at))

    # ------------------------------------------------------------------ lookups
    def prefetch(
        self,
        product_ids: Iterable[str] = (),
        seller_skus: Iterable[str] = (),
        detailed_ids: Iterable[str] = (),
    ) -> None:
        """Make sure everything the batch names is cached, with as few calls as possible."""
        detailed = {p for p in detailed_ids if not self._product_known(p, detailed=True)}
        products = {p for p in product_ids if not self._product_known(p)} - detailed
        skus = {s for s in seller_skus if not self._seller_sku_known(s)}
        if self._targeted_cost(products, skus) >= SCAN_PROBE_MIN_CALLS:
            self._scan(products, skus)
        self._search_seller_skus(skus)
        products = {p for p in products if not self._product_known(p)}
        for product_id in sorted(products | detailed):
            self._fetch_detail(product_id)

    @staticmethod
    def _targeted_cost(products: set[str], skus: set[str]) -> int:
        return len(products) + math.ceil(len(skus) / SELLER_SKUS_PER_SEARCH)

    def _search(self, body: dict[str, Any], page_token: str | None) -> dict[str, Any]:
        self.lookup_calls += 1
        params = {"page_size": SEARCH_PAGE_SIZE, "page_token": page_token}
        return self.client.call(
            PRODUCT_SEARCH, shop_cipher=self.shop.cipher, params=params, body=body or None
        ).data

    def _store_page(self, data: dict[str, Any]) -> int:
        now = self.clock()
        products = data.get("products") or []
        for raw in products:
            if raw.get("id"):
                self._store(parse_product(raw, detailed=False, at=now))
        return len(products)

    def _scan(self, products: set[str], skus: set[str]) -> None:
        """Read the whole catalogue page by page while that is the cheaper way."""
        token: str | None = None
        seen = 0
        for _page in range(MAX_SCAN_PAGES):
            try:
                data = self._search({}, token)
            except APIError as exc:
                # 10,000-result cap (12052180) or any other refusal: the targeted lookups
                # do the rest (and report their own errors per record).
                if exc.code != codes.PRODUCT_SEARCH_TOO_MANY:
                    logger.warning("Catalogue scan of shop %s stopped: %s", self.shop.id, exc)
                return
            seen += self._store_page(data)
            products.difference_update({p for p in products if self._product_known(p)})
            skus.difference_update({s for s in skus if self._seller_sku_known(s)})
            token = data.get("next_page_token") or None
            if not token:
                now = self.clock()
                for seller_sku in skus:  # a complete scan settles unknown seller SKUs
                    self._missing_skus[seller_sku] = _Negative(self._sku_not_found(seller_sku), now)
                skus.clear()
                return
            total = data.get("total_count")
            pages_left = (
                math.ceil(max(int(total) - seen, 0) / SEARCH_PAGE_SIZE)
                if isinstance(total, int) else MAX_SCAN_PAGES
            )
            if self._targeted_cost(products, skus) <= pages_left:
                return

    def _search_seller_skus(self, skus: set[str]) -> None:
        now = self.clock()
        for chunk in _chunks(sorted(skus), SELLER_SKUS_PER_SEARCH):
            token: str | None = None
            try:
                for _page in range(MAX_FILTERED_PAGES):
                    data = self._search({"seller_skus": chunk}, token)
                    self._store_page(data)
                    token = data.get("next_page_token") or None
                    if not token:
                        break
            except APIError as exc:
                failure = LookupFailure.from_error("could not look up seller_sku", exc)
                for seller_sku in chunk:
                    if not self._by_seller_sku.get(seller_sku):
                        self._missing_skus[seller_sku] = _Negative(failure, now - self.max_age)
                continue
            for seller_sku in chunk:
                if not self._by_seller_sku.get(seller_sku):
                    self._missing_skus[seller_sku] = _Negative(self._sku_not_found(seller_sku), now)

    def _fetch_detail(self, product_id: str) -> None:
        self.lookup_calls += 1
        now = self.clock()
        try:
            data = self.client.call(
                PRODUCT_DETAIL, shop_cipher=self.shop.cipher, path_params={"product_id": product_id}
            ).data
        except APIError as exc:
            if isinstance(exc, FatalAPIError) and exc.code in NOT_FOUND_CODES:
                reason = f"unknown product_id {product_id} in shop {self.shop.id}"
                failure = LookupFailure(reason, exc.code, exc.api_message, exc.request_id)
                self._missing_products[product_id] = _Negative(failure, now)
            else:  # not cached as missing: a later batch asks again
                failure = LookupFailure.from_error(f"could not read product {product_id}", exc)
                self._missing_products[product_id] = _Negative(failure, now - self.max_age)
            self._drop(product_id)
            return
        if str(data.get("id") or product_id) != product_id:
            reason = f"Get Product answered for product {data.get('id')} instead of {product_id}"
            self._missing_products[product_id] = _Negative(LookupFailure(reason), now)
            return
        self._store(parse_product({**data, "id": product_id}, detailed=True, at=now))

    def _sku_not_found(self, seller_sku: str) -> LookupFailure:
        return LookupFailure(f"unknown seller_sku {seller_sku!r} in shop {self.shop.id}")

    # ------------------------------------------------------------------ cache upkeep
    def _drop(self, product_id: str) -> None:
        old = self.products.pop(product_id, None)
        if old:
            for sku in old.skus.values():
                if sku.seller_sku:
                    self._by_seller_sku.get(sku.seller_sku, set()).discard((product_id, sku.id))

    def _store(self, product: ProductState) -> None:
        previous = self.products.get(product.id)
        if previous and previous.detailed and not product.detailed \
                and self._fresh(previous.fetched_at):
            product.description, product.detailed = previous.description, True
        self._drop(product.id)
        self.products[product.id] = product
        self._missing_products.pop(product.id, None)
        for sku in product.skus.values():
            if sku.seller_sku:
                self._by_seller_sku.setdefault(sku.seller_sku, set()).add((product.id, sku.id))
                self._missing_skus.pop(sku.seller_sku, None)

    # ------------------------------------------------------------------ answers
    def product(self, product_id: str) -> ProductState | LookupFailure:
        """A cached product, or why it is not available."""
        product = self.products.get(product_id)
        if product is not None:
            return product
        negative = self._missing_products.get(product_id)
        if negative:
            return negative.failure
        return LookupFailure(f"unknown product_id {product_id} in shop {self.shop.id}")

    def seller_sku(
        self, seller_sku: str, product_id: str | None = None
    ) -> tuple[ProductState, SkuState] | LookupFailure:
        """The SKU a seller_sku names (within ``product_id`` when given)."""
        negative = self._missing_skus.get(seller_sku)
        matches = sorted(self._by_seller_sku.get(seller_sku, set()))
        if product_id is not None:
            product = self.product(product_id)
            if isinstance(product, LookupFailure):
                return product
            found = [s for s in product.skus.values() if s.seller_sku == seller_sku]
            if not found:
                return LookupFailure(
                    f"unknown seller_sku {seller_sku!r} in product {product_id}")
            return product, found[0]
        if not matches:
            return negative.failure if negative else self._sku_not_found(seller_sku)
        candidates = [(self.products[p], self.products[p].skus[s]) for p, s in matches
                      if p in self.products and s in self.products[p].skus]
        live = [c for c in candidates if c[0].status != "DELETED"]
        if len(live) == 1 or (len(candidates) == 1 and not live):
            return (live or candidates)[0]
        where = ", ".join(f"product {p.id} SKU {s.id}" for p, s in candidates)
        return LookupFailure(
            f"seller_sku {seller_sku!r} matches {len(candidates)} SKUs ({where}); "
            "give product_id or sku_id"
        )

    # ------------------------------------------------------------------ own writes
    def set_inventory(self, product_id: str, sku_id: str, inventory: dict[str, int]) -> None:
        """Remember quantities this run wrote."""
        sku = self._sku(product_id, sku_id)
        if sku:
            sku.inventory.update(inventory)

    def set_price(self, product_id: str, sku_id: str, price: dict[str, Any],
                  list_price: str | None) -> None:
        """Remember prices this run wrote (``price``: the ``price`` object sent).

        For a cross-border shop ``amount`` is the pre-tax price and TikTok derives the
        display price unless ``sale_price`` was sent; for a local shop it is the display
        price and TikTok derives the pre-tax one. A derived value is not known here, so
        it is forgotten rather than kept stale.
        """
        sku = self._sku(product_id, sku_id)
        if sku:
            if self.shop.cross_border:
                sku.tax_exclusive_price = price["amount"]
                sku.sale_price = price.get("sale_price")
            else:
                sku.sale_price = price["amount"]
                sku.tax_exclusive_price = None
            if list_price is not None:
                sku.list_price = list_price

    def set_fields(self, product_id: str, fields: dict[str, str]) -> None:
        """Remember product properties (status, title, description) this run wrote."""
        product = self.products.get(product_id)
        if product:
            for name, value in fields.items():
                setattr(product, name, value)

    def _sku(self, product_id: str, sku_id: str) -> SkuState | None:
        product = self.products.get(product_id)
        return product.skus.get(sku_id) if product else None
