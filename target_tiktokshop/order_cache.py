"""What the ``shipments`` stream needs to know about a shop's orders, read once per batch.

* Orders: Get Order Detail, up to ``ORDER_IDS_PER_CALL`` ids per call. TikTok fails the
  whole call when one id is not the shop's (21008111), so a failed chunk is read again
  id by id: only the unknown orders fail. A successful answer that lacks some of the
  requested ids is not trusted to mean they are unknown (a server may parse the
  comma-joined ``ids`` differently): those ids are read again one by one too, and only a
  one-id answer decides that an order was not found.
* Shipping providers: Get Shipping Providers of an order's delivery option, once per
  delivery option and run.

An order is dropped from the cache after a shipping write touched it, so a later batch
reads its new packages and tracking numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from target_tiktokshop.product_cache import LookupFailure
from tiktokshop import codes
from tiktokshop.endpoints import ORDER_DETAIL, SHIPPING_PROVIDERS
from tiktokshop.errors import APIError
from tiktokshop.shops import Shop
from tiktokshop.transport import TikTokShopClient

ORDER_IDS_PER_CALL = 50  # Get Order Detail's limit on ``ids``


@dataclass(frozen=True)
class LineState:
    """One order line item as TikTok shows it now."""

    id: str
    package_id: str | None
    package_status: str | None
    tracking_number: str | None
    shipping_provider_id: str | None
    cancelled: bool


@dataclass
class OrderState:
    """An order's status, delivery option and line items."""

    id: str
    status: str | None
    delivery_option_id: str | None
    lines: dict[str, LineState] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> OrderState:
        lines = {}
        for line in raw.get("line_items") or []:
            if not isinstance(line, dict) or line.get("id") is None:
                continue
            line_id = str(line["id"])
            lines[line_id] = LineState(
                line_id, _text(line.get("package_id")), _text(line.get("package_status")),
                _text(line.get("tracking_number")), _text(line.get("shipping_provider_id")),
                cancelled=line.get("package_status") == "CANCELLED"
                or bool(line.get("cancel_user") or line.get("cancel_reason")))
        return cls(str(raw.get("id")), _text(raw.get("status")),
                   _text(raw.get("delivery_option_id")), lines)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


class ShopOrders:
    """The cached orders and shipping providers of one shop."""

    def __init__(self, client: TikTokShopClient, shop: Shop) -> None:
        self.client = client
        self.shop = shop
        self.lookup_calls = 0
        self._orders: dict[str, OrderState | LookupFailure] = {}
        self._providers: dict[str, list[tuple[str, str]] | LookupFailure] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ orders
    def prefetch(self, order_ids: Iterable[str]) -> None:
        """Read the orders not cached yet (raises AuthorizationError)."""
        wanted = [oid for oid in dict.fromkeys(order_ids) if oid not in self._orders]
        for start in range(0, len(wanted), ORDER_IDS_PER_CALL):
            chunk = wanted[start:start + ORDER_IDS_PER_CALL]
            failure = self._read(chunk)
            if failure is not None and len(chunk) == 1:
                self._orders[chunk[0]] = failure
                continue
            # The call failed (one of the ids is not the shop's: find which), or it answered
            # without some of the ids: read those alone, which no list convention can garble.
            for order_id in chunk:
                if order_id not in self._orders:
                    single = self._read([order_id])
                    if single is not None:
                        self._orders[order_id] = single

    def _read(self, ids: list[str]) -> LookupFailure | None:
        """Get Order Detail of ``ids`` into the cache; the failure when the call failed.

        An id the answer lacks is cached as not found only when it was the one id asked
        for; the ids a multi-id answer lacks are left uncached for :meth:`prefetch` to read
        again alone.
        """
        self.lookup_calls += 1
        try:
            response = self.client.call(ORDER_DETAIL, shop_cipher=self.shop.cipher,
                                        params={"ids": ids})
        except APIError as exc:
            reason = (f"order {ids[0]} was not found in shop {self.shop.id}"
                      if len(ids) == 1 and exc.code == codes.ORDER_NOT_OWNED
                      else f"order lookup failed: {exc}")
            return LookupFailure(reason, exc.code, exc.api_message or str(exc), exc.request_id)
        found = {}
        for raw in (response.data or {}).get("orders") or []:
            if isinstance(raw, dict) and raw.get("id") is not None:
                found[str(raw["id"])] = OrderState.parse(raw)
        for order_id in ids:
            if order_id in found:
                self._orders[order_id] = found[order_id]
            elif len(ids) == 1:
                self._orders[order_id] = LookupFailure(
                    f"order {order_id} was not found in shop {self.shop.id}")
        return None

    def order(self, order_id: str) -> OrderState | LookupFailure:
        """The order (prefetch first; an order not prefetched is read now)."""
        if order_id not in self._orders:
            self.prefetch([order_id])
        return self._orders[order_id]

    def forget(self, order_id: str) -> None:
        """Drop an order a write changed (it is read again when next needed)."""
        with self._lock:
            self._orders.pop(order_id, None)

    # --------------------------------------------------------------- providers
    def providers(self, delivery_option_id: str) -> list[tuple[str, str]] | LookupFailure:
        """``[(id, name)]`` of the delivery option's shipping providers (cached)."""
        if delivery_option_id not in self._providers:
            self.lookup_calls += 1
            try:
                response = self.client.call(
                    SHIPPING_PROVIDERS, shop_cipher=self.shop.cipher,
                    path_params={"delivery_option_id": delivery_option_id})
            except APIError as exc:
                self._providers[delivery_option_id] = LookupFailure(
                    f"shipping provider lookup failed: {exc}", exc.code,
                    exc.api_message or str(exc), exc.request_id)
            else:
                self._providers[delivery_option_id] = [
                    (str(p.get("id")), str(p.get("name") or ""))
                    for p in (response.data or {}).get("shipping_providers") or []
                    if isinstance(p, dict) and p.get("id") is not None]
        return self._providers[delivery_option_id]
