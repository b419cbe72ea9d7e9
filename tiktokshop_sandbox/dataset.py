"""The live in-memory dataset: shops, warehouses, products, orders, packages, returns,
cancellations, finance, analytics (``analytics_book``) and promotions.

Layout: per shop and kind a :class:`Columns` store keeps ids, times and statuses;
full records are built on demand from the seed (so 100,000 orders start in about
a second and cost little memory); packages are derived from the orders on first use
(``gen_packages``). Products that were written to are kept as full records
("overrides"). Writers take ``lock`` and replace records copy-on-write, so
readers never see a half-written record. ``Columns.version`` changes on every
write and invalidates cached search results.

Determinism: the same seed and sizes give the same dataset; only writes
(API writes, /sandbox/mutate) change it, and they set ``update_time`` to the current
second (never earlier than the previous value).
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
import time
from decimal import Decimal

from .analytics_book import AnalyticsBook
from .analytics_lists import ANALYTICS_KINDS, dump_analytics
from .gen_aftersales import (
    build_cancel_columns,
    build_cancellation,
    build_return,
    build_return_columns,
)
from .gen_analytics import DaySales
from .gen_common import PRODUCT_ID_GAP_MIN, SKU_OFFSET, Columns, money, tax_exclusive
from .gen_finance import (
    FINANCE_KINDS,
    FinanceBook,
    OrderSnapshot,
    dump_finance,
    layout_shortfall,
)
from .gen_orders import NEXT_STATUS, build_order, build_order_columns
from .gen_packages import build_package, build_package_columns, sync_order_packages
from .gen_products import build_product, build_product_columns, seller_sku_for
from .gen_promotions import PromotionBook, activity_detail
from .gen_shops import SeededShop, build_shops
from .options import SandboxOptions
from .shapes import PRODUCT_DETAIL, project
from .shipping_state import ShippingBook

_BASE_CACHE_MAX = 20_000
PROMOTION_KINDS = ("promotion_activities", "coupons")


def now_s() -> int:
    return int(time.time())


class Dataset:
    def __init__(self, options: SandboxOptions) -> None:
        self.seed = options.seed
        self.lock = threading.RLock()
        self.shops: list[SeededShop] = build_shops(options.seed, options.shops, options.warehouses)
        self.shop_by_id = {s.id: s for s in self.shops}
        self.shop_by_cipher = {s.cipher: s for s in self.shops}
        self.products: dict[str, Columns] = {}
        self.orders: dict[str, Columns] = {}
        self.returns: dict[str, Columns] = {}
        self.cancellations: dict[str, Columns] = {}
        for shop in self.shops:
            self.products[shop.id] = build_product_columns(self.seed, shop, options.products)
            orders = build_order_columns(self.seed, shop, options.orders)
            self.orders[shop.id] = orders
            self.returns[shop.id] = build_return_columns(
                self.seed, shop, orders, options.returns_per_shop)
            self.cancellations[shop.id] = build_cancel_columns(
                self.seed, shop, orders, options.cancellations_per_shop)
        self._packages: dict[str, Columns] = {}  # built on first use (package_columns)
        self.shipping = ShippingBook()  # shipments written through the API
        self._overrides: dict[str, dict[int, dict]] = {s.id: {} for s in self.shops}
        self._base_cache: dict[tuple[int, int], dict] = {}
        self._seller_sku_index: dict[str, dict[str, int]] = {}
        self.locked_skus: set[str] = set()
        self._mutations = 0
        # Finance is built on first use from the orders as generated (see gen_finance).
        self._finance_orders = {s.id: OrderSnapshot.of(self.orders[s.id]) for s in self.shops}
        layout = options.finance_layout
        for shop in self.shops if layout else ():
            missing = layout_shortfall(self._finance_orders[shop.id], *layout)
            if missing:
                raise ValueError(f"statements: {layout[0]} statements of {layout[1]} "
                                 f"transactions need {missing} more completed orders in shop "
                                 f"{shop.id} (raise orders)")
        self._finance: dict[str, FinanceBook] = {}
        self._finance_options = options
        self.analytics = AnalyticsBook(options.now, {s.id: self._day_sales(s, options)
                                                     for s in self.shops},
                                       options.analytics_days, options.analytics_today)
        self._promotions: dict[str, PromotionBook] = {}
        self.started = now_s()

    # ----------------------------------------------------------------- products
    def base_product(self, shop: SeededShop, idx: int) -> dict:
        """The product as generated (cached; never mutate the result)."""
        key = (shop.idx, idx)
        record = self._base_cache.get(key)
        if record is None:
            if len(self._base_cache) >= _BASE_CACHE_MAX:
                self._base_cache.clear()
            record = build_product(self.seed, shop, self.products[shop.id], idx)
            self._base_cache[key] = record
        return record

    def product(self, shop: SeededShop, idx: int) -> dict:
        """Current product record (treat as read-only; use :meth:`write_product`)."""
        record = self._overrides[shop.id].get(idx)
        return record if record is not None else self.base_product(shop, idx)

    def product_for_write(self, shop: SeededShop, idx: int) -> dict:
        """A private deep copy to modify and pass to :meth:`write_product`."""
        return copy.deepcopy(self.product(shop, idx))

    def product_index(self, shop: SeededShop, product_id: str) -> int | None:
        return self.products[shop.id].pos.get(product_id)

    def write_product(self, shop: SeededShop, idx: int, record: dict) -> None:
        """Store a modified product: bumps ``update_time`` and syncs columns (hold ``lock``)."""
        cols = self.products[shop.id]
        record["update_time"] = bump(cols.update[idx])
        index = self._seller_sku_index.get(shop.id)
        if index is not None:
            for sku in self.product(shop, idx).get("skus", []):
                if index.get(sku["seller_sku"]) == idx:
                    del index[sku["seller_sku"]]
            for sku in record.get("skus", []):
                index[sku["seller_sku"]] = idx
        self._overrides[shop.id][idx] = record
        cols.update[idx] = record["update_time"]
        cols.status[idx] = record["status"]
        cols.version += 1

    def seller_sku_index(self, shop: SeededShop) -> dict[str, int]:
        with self.lock:
            index = self._seller_sku_index.get(shop.id)
            if index is None:
                index = {}
                cols = self.products[shop.id]
                overrides = self._overrides[shop.id]
                for idx in range(len(cols)):
                    if idx in overrides:
                        for sku in overrides[idx].get("skus", []):
                            index[sku["seller_sku"]] = idx
                    else:
                        for k in range(cols.extra["nsku"][idx]):
                            index[seller_sku_for(shop, idx, k)] = idx
                self._seller_sku_index[shop.id] = index
            return index

    def sku_owner(self, shop: SeededShop, sku_id: str) -> int | None:
        """Index of the product holding ``sku_id`` (SKU ids live in their product's id gap)."""
        if not sku_id.isdigit():
            return None
        base = int(sku_id) - SKU_OFFSET
        cols = self.products[shop.id]
        pos = bisect.bisect_right(cols.id_ints, base) - 1
        if pos < 0 or base - cols.id_ints[pos] >= PRODUCT_ID_GAP_MIN:
            return None
        skus = self.product(shop, pos).get("skus", [])
        return pos if any(s["id"] == sku_id for s in skus) else None

    # ------------------------------------------------------------------- orders
    def order(self, shop: SeededShop, idx: int) -> dict:
        cols = self.products[shop.id]
        return self.shipping.apply(shop, idx, build_order(
            self.seed, shop, self.orders[shop.id], idx, len(cols),
            lambda p: self.base_product(shop, p), lambda p: cols.status[p]))

    def order_index(self, shop: SeededShop, order_id: str) -> int | None:
        return self.orders[shop.id].pos.get(order_id)

    def return_record(self, shop: SeededShop, idx: int) -> dict:
        cols = self.returns[shop.id]
        return build_return(self.seed, shop, cols, idx,
                            self.order(shop, cols.extra["order"][idx]))

    def cancellation(self, shop: SeededShop, idx: int) -> dict:
        cols = self.cancellations[shop.id]
        return build_cancellation(self.seed, shop, cols, idx,
                                  self.order(shop, cols.extra["order"][idx]))

    # ----------------------------------------------------------------- packages
    def package_columns(self, shop: SeededShop) -> Columns:
        """The shop's packages (built from its orders the first time they are needed)."""
        cols = self._packages.get(shop.id)
        if cols is None:
            with self.lock:
                cols = self._packages.get(shop.id)
                if cols is None:
                    cols = build_package_columns(self.seed, shop, self.orders[shop.id],
                                                 self.shipping.packages_of(shop.id))
                    self._packages[shop.id] = cols
        return cols

    def package_index(self, shop: SeededShop, package_id: str) -> int | None:
        return self.package_columns(shop).pos.get(package_id)

    def package(self, shop: SeededShop, idx: int) -> dict:
        """Get Package Detail of the shop's package ``idx``."""
        return build_package(self.seed, shop, self.package_columns(shop), idx,
                             lambda i: self.order(shop, i))

    # ------------------------------------------------------------------ finance
    def finance(self, shop: SeededShop) -> FinanceBook:
        """The shop's statements, payments, withdrawals and unsettled transactions."""
        book = self._finance.get(shop.id)
        if book is None:
            with self.lock:
                book = self._finance.get(shop.id)
                if book is None:
                    options = self._finance_options
                    book = FinanceBook.build(
                        self.seed, shop, self._finance_orders[shop.id],
                        lambda i: self.order(shop, i), started=self.started,
                        settle_seconds=options.statement_settle_seconds,
                        processing=options.processing_statements,
                        layout=options.finance_layout)
                    self._finance[shop.id] = book
        return book

    def settle_statements(self, count: int, shop_id: str | None = None) -> dict:
        """Pay the ``count`` oldest unpaid statements of each shop (or of ``shop_id``) now;
        return the ids of the statements and of their payments."""
        paid: dict[str, list[str]] = {"statements": [], "payments": []}
        with self.lock:
            for shop in self.shops:
                if shop_id is not None and shop.id != shop_id:
                    continue
                book = self.finance(shop)
                book.advance(now_s())
                for n in book.settle(count, now_s()):
                    paid["statements"].append(book.statements.ids[n])
                    paid["payments"].append(book.payments.ids[n])
        return paid

    # ---------------------------------------------------- analytics, promotions
    def _day_sales(self, shop: SeededShop, options: SandboxOptions) -> DaySales:
        return DaySales(self.seed, shop, self.orders[shop.id], self.products[shop.id],
                        lambda i: self.order(shop, i), lambda i: self.base_product(shop, i),
                        options.orders)

    def promotions(self, shop: SeededShop) -> PromotionBook:
        """The shop's activities and coupons (built the first time they are needed)."""
        book = self._promotions.get(shop.id)
        if book is None:
            with self.lock:
                book = self._promotions.get(shop.id)
                if book is None:
                    options = self._finance_options
                    products = [self.base_product(shop, i)
                                for i in range(len(self.products[shop.id]))]
                    book = PromotionBook.build(self.seed, shop, products,
                                               options.promotion_activities, options.coupons)
                    self._promotions[shop.id] = book
        return book

    # ------------------------------------------------------------------- dump
    def dump(self, kinds: set[str] | None = None, shop_id: str | None = None) -> dict:
        """The dataset in the API's own shapes, each record with its ``shop_id``.

        ``kinds`` limits the lists built (the others stay empty); ``shop_id`` limits the shops.
        """
        names = ("shops", "warehouses", "products", "orders", "returns", "cancellations",
                 "packages")
        names += FINANCE_KINDS + ANALYTICS_KINDS + PROMOTION_KINDS
        out: dict[str, list] = {k: [] for k in names}
        want = set(names) if kinds is None else set(kinds)
        for shop in self.shops:
            if shop_id is not None and shop.id != shop_id:
                continue
            if "shops" in want:
                out["shops"].append({**shop.api(), "currency": shop.currency})
            if "warehouses" in want:
                out["warehouses"] += [{**w, "shop_id": shop.id} for w in shop.warehouses]
            if "products" in want:
                out["products"] += [
                    {**project(self.product(shop, i), PRODUCT_DETAIL), "shop_id": shop.id}
                    for i in range(len(self.products[shop.id]))]
            if "orders" in want:
                out["orders"] += [{**self.order(shop, i), "shop_id": shop.id}
                                  for i in range(len(self.orders[shop.id]))]
            if "returns" in want:
                out["returns"] += [{**self.return_record(shop, i), "shop_id": shop.id}
                                   for i in range(len(self.returns[shop.id]))]
            if "cancellations" in want:
                out["cancellations"] += [{**self.cancellation(shop, i), "shop_id": shop.id}
                                         for i in range(len(self.cancellations[shop.id]))]
            if "packages" in want:
                out["packages"] += [{**self.package(shop, i), "shop_id": shop.id}
                                    for i in range(len(self.package_columns(shop)))]
            if want & set(ANALYTICS_KINDS):
                for kind, rows in dump_analytics(
                        self.seed, shop, self.analytics, want,
                        lambda i, s=shop: self.base_product(s, i),
                        len(self.products[shop.id])).items():
                    out[kind] += rows
            if want & set(PROMOTION_KINDS):
                promotions = self.promotions(shop)
                if "promotion_activities" in want:
                    out["promotion_activities"] += [
                        {**activity_detail(r), "shop_id": shop.id}
                        for r in promotions.activities]
                if "coupons" in want:
                    out["coupons"] += [{**r, "shop_id": shop.id} for r in promotions.coupons]
            if want & set(FINANCE_KINDS):
                book = self.finance(shop)
                with self.lock:
                    book.advance(now_s())
                    for kind, rows in dump_finance(book, want).items():
                        out[kind] += rows
        return out

    # ----------------------------------------------------------------- mutate
    def mutate(self, products: int = 0, orders: int = 0, seed: int | None = None,
               packages: int = 0) -> dict:
        """Change ``products`` products, ``orders`` orders and ``packages`` packages per
        shop; return the ids of what changed.

        Products get a price, stock or title change; orders move one step along the
        lifecycle (finished orders only get a new ``update_time``), together with the order
        sharing their package, and their packages follow (an order that ships gets its
        packages); a package moves by moving its orders (unfinished packages are picked
        first).
        """
        with self.lock:
            self._mutations += 1
            token = seed if seed is not None else f"{self.seed}/{self._mutations}"
            rng = random.Random(f"mutate/{token}")
            changed: dict[str, list[str]] = {"products": [], "orders": [], "packages": []}
            for shop in self.shops:
                cols = self.products[shop.id]
                eligible = [i for i, s in enumerate(cols.status) if s != "DELETED"]
                for idx in rng.sample(eligible, min(products, len(eligible))):
                    self._mutate_product(rng, shop, idx)
                    changed["products"].append(cols.ids[idx])
                ocols = self.orders[shop.id]
                for idx in sorted(rng.sample(range(len(ocols)), min(orders, len(ocols)))):
                    self._advance_order(shop, idx, changed)
                if packages:
                    pcols = self.package_columns(shop)
                    open_first = sorted(range(len(pcols)),
                                        key=lambda i: pcols.status[i] == "COMPLETED")
                    for pidx in sorted(rng.sample(open_first[:max(packages, 2 * packages)],
                                                  min(packages, len(pcols)))):
                        self._advance_order(shop, pcols.extra["order"][pidx], changed)
            return changed

    def _advance_order(self, shop: SeededShop, idx: int, changed: dict[str, list[str]]) -> None:
        """Move an order (and the order sharing its package) one step; update packages."""
        ocols = self.orders[shop.id]
        mate = ocols.extra["mate"][idx]
        for member in (idx,) if mate < 0 else sorted((idx, mate)):
            ocols.status[member] = NEXT_STATUS.get(ocols.status[member], ocols.status[member])
            ocols.update[member] = bump(ocols.update[member])
            changed["orders"].append(ocols.ids[member])
        ocols.version += 1
        changed["packages"] += sync_order_packages(self.seed, shop, ocols,
                                                   self._packages.get(shop.id), idx,
                                                   self.shipping.packages_of(shop.id))

    def _mutate_product(self, rng: random.Random, shop: SeededShop, idx: int) -> None:
        record = self.product_for_write(shop, idx)
        sku = record["skus"][0] if record.get("skus") else None
        kind = rng.choice(("price", "stock", "title")) if sku else "title"
        if kind == "price" and sku is not None:
            price = money(Decimal(sku["price"].get("sale_price", "1.00")) * Decimal("1.05"))
            sku["price"]["sale_price"] = price
            sku["price"]["tax_exclusive_price"] = tax_exclusive(price, shop.region)
        elif kind == "stock" and sku is not None and sku.get("inventory"):
            sku["inventory"][0]["quantity"] = rng.randint(0, 500)
        else:
            record["title"] = f"{record['title'].split(' | ')[0]} | Rev {self._mutations}"
        self.write_product(shop, idx, record)


def bump(previous: int) -> int:
    """New ``update_time``: the current second, never earlier than ``previous``."""
    return max(now_s(), previous)
