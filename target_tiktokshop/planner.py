"""Turn one shop's valid changes into API calls, using TikTok's current catalogue.

Rules (the README's target section documents them for users):

* ids are resolved against the catalogue; what cannot be resolved fails with a reason;
* several records for the same SKU+warehouse (inventory), SKU (prices) or product
  property (products) in one batch: the last one wins, earlier ones are "superseded";
* with ``skip_unchanged`` a value equal to TikTok's current one makes no call
  ("unchanged");
* a value that breaks a guardrail limit (``guardrails.Limits``) makes no call
  ("refused"); the plan also counts what the run-level breakers look at;
* prices: ``amount`` is compared with the field it sets, the display price
  (``sale_price``) of a local seller or the pre-tax price (``tax_exclusive_price``) of a
  cross-border one;
* inventory: one Update Inventory call per product with all its changed SKUs, each SKU
  with every warehouse it is stocked in (current quantities re-sent for the others);
* prices: one Update Price call per product with all its changed SKUs;
* products: one Partial Edit per product sending only the changed properties, then
  Activate / Deactivate calls with at most 20 product ids each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from target_tiktokshop.changes import (
    ACTIVATE,
    INVENTORY,
    PRICES,
    PRODUCTS,
    Change,
    InventoryChange,
    Keys,
    PriceChange,
    ProductChange,
)
from target_tiktokshop.guardrails import MAX_PRICE_CHANGE, NO_LIMITS, Limits, Refusal
from target_tiktokshop.product_cache import LookupFailure, ProductState, ShopCatalog, SkuState
from target_tiktokshop.results import FAILED, REFUSED, SUPERSEDED, UNCHANGED, Outcome
from tiktokshop.endpoints import (
    ACTIVATE as ACTIVATE_ENDPOINT,
)
from tiktokshop.endpoints import (
    DEACTIVATE,
    INVENTORY_UPDATE,
    PARTIAL_EDIT,
    PRICE_UPDATE,
    Endpoint,
)

STATUS_IDS_PER_CALL = 20  # Activate / Deactivate accept at most 20 product ids
#: Currencies TikTok prices in whole units: amounts are sent without decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "IDR", "CLP"})


@dataclass(frozen=True)
class Part:
    """One record's share of one call; ``item_id`` is how TikTok names it in errors."""

    seq: int
    item_id: str
    warehouse_id: str | None = None


@dataclass
class PlannedCall:
    """One write call: endpoint, body and the records it carries."""

    kind: str  # "inventory" | "price" | "edit" | "activate" | "deactivate" | SHIP_KINDS
    endpoint: Endpoint
    body: dict[str, Any]
    parts: list[Part]
    product_id: str | None = None
    #: Path parameters other than ``product_id`` (shipments: ``package_id``, ``order_id``).
    params: dict[str, str] | None = None

    @property
    def path_params(self) -> dict[str, str] | None:
        if self.params:
            return dict(self.params)
        return {"product_id": self.product_id} if self.product_id else None


@dataclass
class Detail:
    """What the results line of a record that goes into a call shows."""

    keys: Keys
    value: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None


@dataclass
class Plan:
    """Calls to make, and the outcomes already decided without one.

    ``breaker_records`` counts the records a run-level breaker looks at (the last record
    per SKU and warehouse or SKU that names a known SKU) and ``breaker_hits`` lists
    those that count against it: stock taken from above 0 to 0 (inventory), refused by
    ``max_price_change_percent`` (prices).
    """

    stream: str
    calls: list[PlannedCall] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    details: dict[int, Detail] = field(default_factory=dict)
    breaker_records: int = 0
    breaker_hits: set[int] = field(default_factory=set)

    def refuse(self, seq: int, refusal: Refusal) -> None:
        detail = self.details[seq]
        self.outcomes.append(Outcome(
            seq, self.stream, REFUSED, detail.keys, reason=refusal.reason,
            value=detail.value, previous=detail.previous, guardrail=refusal.record(),
        ))

    def fail(self, change: Change, failure: LookupFailure | str, keys: Keys | None = None) -> None:
        if isinstance(failure, str):
            failure = LookupFailure(failure)
        self.outcomes.append(Outcome(
            change.seq, self.stream, FAILED, keys or change.keys, reason=failure.reason,
            code=failure.code, message=failure.message, request_id=failure.request_id,
        ))

    def settle(self, seq: int, outcome: str, detail: Detail, superseded_by: int | None = None):
        self.outcomes.append(Outcome(
            seq, self.stream, outcome, detail.keys, value=detail.value,
            previous=detail.previous, superseded_by=superseded_by,
        ))


def lookup_needs(
    stream: str, changes: Sequence[Change], *, skip_unchanged: bool
) -> tuple[set[str], set[str], set[str]]:
    """(product ids, seller SKUs, product ids needing Get Product) for a batch."""
    product_ids, seller_skus, detailed = set(), set(), set()
    for change in changes:
        keys = change.keys
        if keys.product_id:
            product_ids.add(keys.product_id)
        elif keys.seller_sku:
            seller_skus.add(keys.seller_sku)
        if (stream == PRODUCTS and skip_unchanged and isinstance(change, ProductChange)
                and change.description is not None and keys.product_id):
            detailed.add(keys.product_id)
    return product_ids, seller_skus, detailed


def resolve_sku(keys: Keys, catalog: ShopCatalog) -> tuple[ProductState, SkuState] | LookupFailure:
    """The product and SKU a record names, checked for consistency."""
    if keys.sku_id is None:
        assert keys.seller_sku is not None
        return catalog.seller_sku(keys.seller_sku, keys.product_id)
    if keys.product_id is not None:
        product = catalog.product(keys.product_id)
        if isinstance(product, LookupFailure):
            return product
        sku = product.skus.get(keys.sku_id)
        if sku is None:
            return LookupFailure(f"unknown sku_id {keys.sku_id} in product {product.id}")
    else:
        assert keys.seller_sku is not None
        found = catalog.seller_sku(keys.seller_sku)
        if isinstance(found, LookupFailure):
            return found
        product, sku = found
        if sku.id != keys.sku_id:
            return LookupFailure(
                f"seller_sku {keys.seller_sku!r} is SKU {sku.id}, not sku_id {keys.sku_id}")
    if keys.seller_sku is not None and sku.seller_sku != keys.seller_sku:
        return LookupFailure(
            f"sku_id {sku.id} has seller_sku {sku.seller_sku!r}, not {keys.seller_sku!r}")
    return product, sku


SkuChange = TypeVar("SkuChange", InventoryChange, PriceChange)


def _found_skus(
    plan: Plan, changes: Sequence[SkuChange], catalog: ShopCatalog
) -> Iterator[tuple[SkuChange, ProductState, SkuState, Keys]]:
    """Changes in input order with their product, SKU and keys (product and SKU ids filled
    in); a change whose SKU is not found fails in the plan and is not yielded."""
    for change in sorted(changes, key=lambda c: c.seq):
        found = resolve_sku(change.keys, catalog)
        if isinstance(found, LookupFailure):
            plan.fail(change, found)
            continue
        product, sku = found
        yield change, product, sku, change.keys.resolved(product_id=product.id, sku_id=sku.id)


def _last_wins(plan: Plan, entries: Iterable[tuple[Any, int, Detail]]) -> dict[Any, int]:
    """Winner seq per key; earlier records of the same key are settled as superseded."""
    by_key: dict[Any, list[tuple[int, Detail]]] = defaultdict(list)
    for key, seq, detail in entries:
        by_key[key].append((seq, detail))
    winners = {}
    for key, items in by_key.items():
        items.sort(key=lambda item: item[0])
        winner = items[-1][0]
        winners[key] = winner
        for seq, detail in items[:-1]:
            plan.settle(seq, SUPERSEDED, detail, superseded_by=winner)
    return winners


# ---------------------------------------------------------------------- inventory
def plan_inventory(
    changes: Sequence[InventoryChange], catalog: ShopCatalog, *, skip_unchanged: bool,
    limits: Limits = NO_LIMITS,
) -> Plan:
    """Update Inventory calls, one per product."""
    plan = Plan(INVENTORY)
    resolved: dict[int, tuple[InventoryChange, ProductState, SkuState, str]] = {}
    entries = []
    for change, product, sku, keys in _found_skus(plan, changes, catalog):
        warehouse = _warehouse(change.keys.warehouse_id, sku)
        if isinstance(warehouse, LookupFailure):
            plan.fail(change, warehouse, keys)
            continue
        keys = keys.resolved(warehouse_id=warehouse)
        detail = Detail(keys, {"quantity": change.quantity},
                        {"quantity": sku.inventory[warehouse]})
        plan.details[change.seq] = detail
        resolved[change.seq] = (change, product, sku, warehouse)
        entries.append(((product.id, sku.id, warehouse), change.seq, detail))
    per_product: dict[str, dict[str, dict[str, InventoryChange]]] = {}
    for seq in sorted(_last_wins(plan, entries).values()):
        change, product, sku, warehouse = resolved[seq]
        current = sku.inventory[warehouse]
        plan.breaker_records += 1
        if change.quantity == 0 and current > 0:
            plan.breaker_hits.add(seq)
        if skip_unchanged and current == change.quantity:
            plan.settle(seq, UNCHANGED, plan.details[seq])
            continue
        refusal = limits.check_stock(current, change.quantity)
        if refusal is not None:
            plan.refuse(seq, refusal)
            continue
        per_product.setdefault(product.id, {}).setdefault(sku.id, {})[warehouse] = change
    for product_id, skus in per_product.items():
        product = catalog.products[product_id]
        body_skus, parts = [], []
        for sku_id, by_warehouse in skus.items():
            current = product.skus[sku_id].inventory
            body_skus.append({"id": sku_id, "inventory": [
                {"warehouse_id": wh, "quantity": by_warehouse[wh].quantity if wh in by_warehouse
                 else qty}
                for wh, qty in current.items()
            ]})
            parts.extend(Part(c.seq, sku_id, wh) for wh, c in by_warehouse.items())
        plan.calls.append(PlannedCall("inventory", INVENTORY_UPDATE, {"skus": body_skus}, parts,
                                      product_id))
    return plan


def _warehouse(given: str | None, sku: SkuState) -> str | LookupFailure:
    warehouses = list(sku.inventory)
    if given is not None:
        if given in sku.inventory:
            return given
        listed = ", ".join(warehouses) or "none"
        return LookupFailure(
            f"warehouse_id {given} is not a warehouse of SKU {sku.id} (its warehouses: {listed})")
    if len(warehouses) == 1:
        return warehouses[0]
    if not warehouses:
        return LookupFailure(f"TikTok lists no warehouse for SKU {sku.id}; give warehouse_id")
    return LookupFailure(
        f"SKU {sku.id} is stocked in {len(warehouses)} warehouses ({', '.join(warehouses)}); "
        "give warehouse_id")


# ---------------------------------------------------------------------- prices
def format_amount(amount: Decimal, currency: str) -> str | None:
    """The amount as TikTok expects it, or None when the currency has no decimals and
    the amount has some."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        if amount != amount.to_integral_value():
            return None
        return str(amount.quantize(Decimal(1)))
    return str(amount.quantize(Decimal("0.01")))


def _same_amount(text: str | None, amount: Decimal) -> bool:
    if text is None:
        return False
    try:
        return Decimal(text) == amount
    except InvalidOperation:
        return False


def plan_prices(
    changes: Sequence[PriceChange], catalog: ShopCatalog, *, skip_unchanged: bool,
    limits: Limits = NO_LIMITS,
) -> Plan:
    """Update Price calls, one per product.

    ``price.amount`` is the display price for a local seller and the pre-tax price for a
    cross-border (global) seller (Update Price in the OpenAPI snapshot); a cross-border
    record may also give the display price as ``sale_price`` (required by TikTok for JP
    and US shops using China warehouses), which a local shop does not take.
    """
    plan = Plan(PRICES)
    shop = catalog.shop
    cross_border = shop.cross_border
    resolved: dict[int, tuple[PriceChange, ProductState, SkuState, dict[str, Any]]] = {}
    entries = []
    for change, product, sku, keys in _found_skus(plan, changes, catalog):
        if sku.currency is None:
            plan.fail(change, f"TikTok shows no current price for SKU {sku.id}, so the "
                              "shop's currency cannot be checked", keys)
            continue
        if change.currency != sku.currency:
            plan.fail(change, f"currency {change.currency} does not match the shop's currency "
                              f"{sku.currency} (SKU {sku.id}'s current price)", keys)
            continue
        if change.sale_price is not None and not cross_border:
            plan.fail(change, f"sale_price is for cross-border (global) sellers only; shop "
                              f"{shop.id} is a local seller: amount is its display price", keys)
            continue
        amount = format_amount(change.amount, change.currency)
        list_price = (format_amount(change.list_price, change.currency)
                      if change.list_price is not None else None)
        sale_price = (format_amount(change.sale_price, change.currency)
                      if change.sale_price is not None else None)
        if amount is None or (change.list_price is not None and list_price is None) \
                or (change.sale_price is not None and sale_price is None):
            plan.fail(change, f"{change.currency} prices have no decimals", keys)
            continue
        price: dict[str, Any] = {"amount": amount, "currency": change.currency}
        value: dict[str, Any] = {"amount": amount, "currency": change.currency}
        previous: dict[str, Any] = {"amount": sku.current_amount(cross_border),
                                    "currency": sku.currency}
        if sale_price is not None:
            price["sale_price"] = value["sale_price"] = sale_price
            previous["sale_price"] = sku.sale_price
        sku_body: dict[str, Any] = {"id": sku.id, "price": price}
        if list_price is not None:
            sku_body["list_price"] = {"amount": list_price, "currency": change.currency}
            value["list_price_amount"] = list_price
            previous["list_price_amount"] = sku.list_price
        detail = Detail(keys, value, previous)
        plan.details[change.seq] = detail
        resolved[change.seq] = (change, product, sku, sku_body)
        entries.append(((product.id, sku.id), change.seq, detail))
    per_product: dict[str, list[tuple[PriceChange, dict[str, Any]]]] = {}
    for seq in sorted(_last_wins(plan, entries).values()):
        change, product, sku, sku_body = resolved[seq]
        current = sku.current_amount(cross_border)
        plan.breaker_records += 1
        unchanged = _same_amount(current, change.amount) and (
            change.list_price is None or _same_amount(sku.list_price, change.list_price)) and (
            change.sale_price is None or _same_amount(sku.sale_price, change.sale_price))
        if skip_unchanged and unchanged:
            plan.settle(seq, UNCHANGED, plan.details[seq])
            continue
        sent = sku_body["price"]  # amounts as sent: "12.50", not 12.5
        refusal = limits.check_price("amount", current, Decimal(sent["amount"]),
                                     change.currency)
        if refusal is None and "sale_price" in sent:
            refusal = limits.check_price("sale_price", sku.sale_price,
                                         Decimal(sent["sale_price"]), change.currency)
        if refusal is not None:
            plan.refuse(seq, refusal)
            if refusal.limit == MAX_PRICE_CHANGE:
                plan.breaker_hits.add(seq)
            continue
        per_product.setdefault(product.id, []).append((change, sku_body))
    for product_id, items in per_product.items():
        body = {"skus": [sku_body for _, sku_body in items]}
        parts = [Part(change.seq, sku_body["id"]) for change, sku_body in items]
        plan.calls.append(PlannedCall("price", PRICE_UPDATE, body, parts, product_id))
    return plan


# ---------------------------------------------------------------------- products
def plan_products(
    changes: Sequence[ProductChange], catalog: ShopCatalog, *, skip_unchanged: bool
) -> Plan:
    """Partial Edit calls (changed properties only), then Activate / Deactivate calls."""
    plan = Plan(PRODUCTS)
    valid: dict[int, tuple[ProductChange, ProductState]] = {}
    entries = []
    for change in sorted(changes, key=lambda c: c.seq):
        product = catalog.product(change.keys.product_id or "")
        if isinstance(product, LookupFailure):
            plan.fail(change, product)
            continue
        current = {"status": product.status, "title": product.title,
                   "description": product.description if product.detailed else None}
        detail = Detail(change.keys, dict(change.fields),
                        {name: current[name] for name in change.fields})
        plan.details[change.seq] = detail
        valid[change.seq] = (change, product)
        entries.extend(((product.id, name), change.seq, detail) for name in change.fields)
    winners = _field_winners(entries)
    owned: dict[int, list[str]] = defaultdict(list)  # seq -> fields it still sets
    for (_product_id, name), seq in winners.items():
        owned[seq].append(name)
    for seq, (change, _product) in valid.items():
        if seq not in owned:
            later = max(winners[(change.keys.product_id, name)] for name in change.fields)
            plan.settle(seq, SUPERSEDED, plan.details[seq], superseded_by=later)
    edits: dict[str, dict[str, str]] = {}
    edit_parts: dict[str, list[Part]] = defaultdict(list)
    statuses: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for seq in sorted(owned):
        change, product = valid[seq]
        pending = False
        for name in owned[seq]:
            value = change.fields[name]
            if skip_unchanged and _same_field(product, name, value):
                continue
            pending = True
            if name == "status":
                statuses[value].append((product.id, seq))
            else:
                edits.setdefault(product.id, {})[name] = value
                if Part(seq, product.id) not in edit_parts[product.id]:
                    edit_parts[product.id].append(Part(seq, product.id))
        if not pending:
            plan.settle(seq, UNCHANGED, plan.details[seq])
    for product_id, body in edits.items():
        plan.calls.append(PlannedCall("edit", PARTIAL_EDIT, dict(body), edit_parts[product_id],
                                      product_id))
    for status in sorted(statuses):
        endpoint, kind = ((ACTIVATE_ENDPOINT, "activate") if status == ACTIVATE
                          else (DEACTIVATE, "deactivate"))
        items = statuses[status]
        for start in range(0, len(items), STATUS_IDS_PER_CALL):
            chunk = items[start:start + STATUS_IDS_PER_CALL]
            body = {"product_ids": [product_id for product_id, _ in chunk]}
            parts = [Part(seq, product_id) for product_id, seq in chunk]
            plan.calls.append(PlannedCall(kind, endpoint, body, parts))
    return plan


def _field_winners(entries: list[tuple[tuple[str, str], int, Detail]]) -> dict[Any, int]:
    winners: dict[Any, int] = {}
    for key, seq, _detail in entries:
        winners[key] = max(seq, winners.get(key, seq))
    return winners


def _same_field(product: ProductState, name: str, value: str) -> bool:
    if name == "description" and not product.detailed:
        return False
    return getattr(product, name) == value


PLANNERS = {INVENTORY: plan_inventory, PRICES: plan_prices, PRODUCTS: plan_products}


def plan_changes(
    stream: str, changes: Sequence[Change], catalog: ShopCatalog, *, skip_unchanged: bool,
    limits: Limits = NO_LIMITS,
) -> Plan:
    """The plan for one shop's changes of one stream (``limits``: the guardrails)."""
    if stream == PRODUCTS:
        return plan_products(changes, catalog, skip_unchanged=skip_unchanged)  # type: ignore[arg-type]
    return PLANNERS[stream](changes, catalog, skip_unchanged=skip_unchanged,  # type: ignore[operator]
                            limits=limits)
