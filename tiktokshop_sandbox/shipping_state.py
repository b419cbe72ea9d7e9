"""Shipments written through the API: what they change in the orders and packages.

Two kinds of override, both small and keyed by ids, so the dataset stays lazy:

* ``tracking``: a package's tracking number and shipping provider set by Mark Package As
  Shipped or Update Package Shipping Info. Every line item naming the package (and the
  package detail, which reads its lines) shows them.
* ``layouts``: the line items of an order packed by Mark Package As Shipped, each with
  the number of its package (0, 1, ... in shipping order; package ``n`` of an order has
  id ``gen_orders.package_id(shop, order id, n)``). Such an order's lines come from the
  layout instead of the generator's split: packed lines name their package, the others
  have none (``TO_FULFILL``). ``packages_of`` tells ``gen_packages`` how many packages the
  order has.

Writes move the order's status (``AWAITING_COLLECTION`` when every line is packed, else
``PARTIALLY_SHIPPING``) and bump its ``update_time``; the package rows follow
(``gen_packages.sync_order_packages``), so Search Orders / Search Package by
``update_time`` find them again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .gen_orders import DISPLAY_STATUS, PACKAGE_STATUS, PROVIDERS, package_id

#: The delivery option every sandbox order has, and its shipping providers.
DELIVERY_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "7091146663229654785": PROVIDERS,
}
#: Tracking numbers the sandbox accepts (the live format rules are not documented;
#: this is the sandbox's choice): 6-32 letters, digits or '-'.
TRACKING_PATTERN = re.compile(r"[A-Za-z0-9-]{6,32}")
SHIPPABLE_ORDER = ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING")
#: Package statuses whose tracking can still be corrected (shipped, not delivered).
UPDATABLE_PACKAGE = ("PROCESSING", "FULFILLING")
PACKAGE_FIELDS = ("package_id", "tracking_number", "shipping_provider_id",
                  "shipping_provider_name", "rts_time")


@dataclass(frozen=True)
class Tracking:
    """A package's tracking number and provider, as last written."""

    number: str
    provider_id: str
    provider_name: str


def provider_name(delivery_option_id: str, provider_id: str) -> str | None:
    """The name of a provider of the delivery option (None when it is not one)."""
    return dict(DELIVERY_OPTIONS.get(delivery_option_id, ())).get(provider_id)


@dataclass
class ShippingBook:
    """The shipments written through the API, per shop."""

    tracking: dict[str, dict[str, Tracking]] = field(default_factory=dict)
    layouts: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)

    def packages_of(self, shop_id: str) -> Callable[[int], int | None]:
        """Number of API-made packages of an order index (None: the generator's)."""
        layouts = self.layouts.get(shop_id, {})

        def count(idx: int) -> int | None:
            layout = layouts.get(idx)
            return None if layout is None else max(layout.values()) + 1

        return count

    def set_tracking(self, shop_id: str, package: str, tracking: Tracking) -> None:
        self.tracking.setdefault(shop_id, {})[package] = tracking

    def pack(self, shop_id: str, idx: int, line_ids: list[str]) -> int:
        """Put ``line_ids`` of order ``idx`` in a new package; returns its number."""
        layout = self.layouts.setdefault(shop_id, {}).setdefault(idx, {})
        number = max(layout.values(), default=-1) + 1
        for line_id in line_ids:
            layout[line_id] = number
        return number

    def apply(self, shop, idx: int, order: dict) -> dict:
        """``order`` (as built) with the shipments written for it (a new dict if any)."""
        layout = self.layouts.get(shop.id, {}).get(idx)
        tracking = self.tracking.get(shop.id)
        if layout is None and not tracking:
            return order
        if layout is None and not any(line.get("package_id") in tracking
                                      for line in order["line_items"]):
            return order
        order = {**order, "line_items": [dict(line) for line in order["line_items"]]}
        status = order["status"]
        if layout is not None:
            for line in order["line_items"]:
                number = layout.get(line["id"])
                if number is None:
                    for name in PACKAGE_FIELDS:
                        line.pop(name, None)
                    line["package_status"] = PACKAGE_STATUS["AWAITING_SHIPMENT"]
                    line["display_status"] = "AWAITING_SHIPMENT"
                else:
                    line["package_id"] = package_id(shop, int(order["id"]), number)
                    line["package_status"] = PACKAGE_STATUS[status]
                    line["display_status"] = DISPLAY_STATUS.get(status, status)
        for line in order["line_items"]:
            found = (tracking or {}).get(line.get("package_id") or "")
            if found is not None:
                line.update(tracking_number=found.number, shipping_provider_id=found.provider_id,
                            shipping_provider_name=found.provider_name)
        shipped = [line for line in order["line_items"] if line.get("package_id")]
        order["packages"] = [{"id": p} for p in dict.fromkeys(li["package_id"] for li in shipped)]
        if shipped:
            first = shipped[0]
            order.update(tracking_number=first["tracking_number"],
                         shipping_provider=first["shipping_provider_name"],
                         shipping_provider_id=first["shipping_provider_id"])
        return order
