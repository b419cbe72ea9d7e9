"""Reading back a write whose outcome is unknown.

Activate, Deactivate, Ship Package, Batch Ship Packages and Mark Package As Shipped are
not repeated after a failure that may come after TikTok applied them (a timeout, a
dropped connection, an internal error: ``OutcomeUnknownError``). Instead the target reads
back what the call was to change and sorts its items:

* **applied**: TikTok shows the change (the product's status; the package shipped with
  this tracking number; the line items in a package with it);
* **not applied**: TikTok shows the state before the change, so sending it again cannot
  apply it twice;
* **unknown**: anything else, or the read failed: the record fails with the original error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from target_tiktokshop.planner import PlannedCall
from target_tiktokshop.shipment_planner import BATCH_SHIP, MARK_SHIPPED, SHIP
from tiktokshop.endpoints import ORDER_DETAIL, PACKAGE_DETAIL, PRODUCT_DETAIL, Endpoint
from tiktokshop.errors import APIError
from tiktokshop.shops import Shop
from tiktokshop.transport import TikTokShopClient

#: Product statuses that show an Activate call went through: TikTok audits an activated
#: product (PENDING) before it is live again (ACTIVATE).
ACTIVATED = ("ACTIVATE", "PENDING")
DEACTIVATED = ("SELLER_DEACTIVATED",)
#: A package still waiting to be shipped.
NOT_SHIPPED = ("TO_FULFILL",)


@dataclass
class ReadBack:
    """The items (``Part.item_id``) of one call sorted by what TikTok shows now."""

    applied: dict[str, str | None] = field(default_factory=dict)  # item -> package created
    not_applied: set[str] = field(default_factory=set)
    reads: int = 0


def read_back(call: PlannedCall, client: TikTokShopClient, shop: Shop) -> ReadBack:
    """Which of ``call``'s items TikTok shows as changed, and which as untouched."""
    found = ReadBack()
    if call.kind in ("activate", "deactivate"):
        wanted = ACTIVATED if call.kind == "activate" else DEACTIVATED
        for product_id in call.body["product_ids"]:
            product = _get(found, client, PRODUCT_DETAIL, shop, {"product_id": product_id})
            status = (product or {}).get("status")
            if status in wanted:
                found.applied[product_id] = None
            elif status is not None:
                found.not_applied.add(product_id)
    elif call.kind in (SHIP, BATCH_SHIP):
        for package_id, shipment in _shipments(call):
            package = _get(found, client, PACKAGE_DETAIL, shop, {"package_id": package_id})
            if package is None:
                continue
            if package.get("package_status") in NOT_SHIPPED and not package.get(
                    "tracking_number"):
                found.not_applied.add(package_id)
            elif package.get("tracking_number") == shipment.get("tracking_number"):
                found.applied[package_id] = None
    elif call.kind == MARK_SHIPPED:
        order_id = (call.params or {}).get("order_id", "")
        answer = _get(found, client, ORDER_DETAIL, shop, None, {"ids": [order_id]})
        orders = [o for o in (answer or {}).get("orders") or []
                  if isinstance(o, dict) and str(o.get("id")) == order_id]
        if orders:
            _sort_lines(found, order_id, orders[0], call.body)
    return found


def _shipments(call: PlannedCall) -> list[tuple[str, dict[str, Any]]]:
    if call.kind == SHIP:
        return [((call.params or {}).get("package_id", ""), call.body["self_shipment"])]
    return [(str(p["id"]), p["self_shipment"]) for p in call.body["packages"]]


def _sort_lines(found: ReadBack, order_id: str, order: dict[str, Any],
                body: dict[str, Any]) -> None:
    """Mark Package As Shipped: applied when every line is in one package with this
    tracking number; not applied when none of them is in a package yet."""
    wanted = {str(i) for i in body["order_line_item_ids"]}
    lines = [line for line in order.get("line_items") or []
             if isinstance(line, dict) and str(line.get("id")) in wanted]
    if len(lines) != len(wanted):
        return
    packages = {line.get("package_id") or None for line in lines}
    if packages == {None}:
        found.not_applied.add(order_id)
    elif None not in packages and len(packages) == 1 and all(
            line.get("tracking_number") == body.get("tracking_number") for line in lines):
        found.applied[order_id] = str(packages.pop())


def _get(found: ReadBack, client: TikTokShopClient, endpoint: Endpoint, shop: Shop,
         path_params: dict[str, str] | None,
         params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The answer's data, or None when the read failed (the items stay unknown)."""
    found.reads += 1
    try:
        return client.call(endpoint, shop_cipher=shop.cipher, path_params=path_params,
                           params=params).data
    except APIError:
        return None


def narrowed(call: PlannedCall, items: set[str]) -> PlannedCall:
    """``call`` carrying only ``items`` (to send again the items not applied)."""
    parts = [part for part in call.parts if part.item_id in items]
    if call.kind in ("activate", "deactivate"):
        body = {**call.body, "product_ids": [i for i in call.body["product_ids"] if i in items]}
    elif call.kind == BATCH_SHIP:
        body = {**call.body, "packages": [p for p in call.body["packages"]
                                          if str(p["id"]) in items]}
    else:  # one item per call
        body = call.body
    return PlannedCall(call.kind, call.endpoint, body, parts, call.product_id, call.params)
