"""Turn one shop's ``shipments`` records into fulfilment calls (the README documents it).

Each record names an order and, optionally, one of its packages or some of its line
items. Against the order as TikTok shows it now (``order_cache``):

* the lines are not in a package yet: **Mark Package As Shipped** with those line items
  (all the order's open lines when the record names none);
* the package is waiting to ship (``TO_FULFILL``): **Ship Package** with
  ``self_shipment``, or **Batch Ship Packages** for several packages of the batch
  (``SHIP_BATCH_SIZE`` per call; per-package errors come back inside ``code: 0``);
* the package is shipped (``PROCESSING``/``FULFILLING``) with another tracking number or
  provider: **Update Package Shipping Info**; with the same: ``unchanged``;
* delivered or cancelled packages, orders that cannot ship (unpaid, on hold, cancelled),
  unknown packages or line items and an unknown ``shipping_provider_name`` fail with a
  reason.

Several records for the same package (or the same line items) in a batch: the last wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from target_tiktokshop.changes import SHIPMENTS, ShipmentChange
from target_tiktokshop.order_cache import LineState, OrderState, ShopOrders
from target_tiktokshop.planner import Detail, Part, Plan, PlannedCall, _last_wins
from target_tiktokshop.product_cache import LookupFailure
from target_tiktokshop.results import UNCHANGED
from tiktokshop.endpoints import (
    BATCH_SHIP_PACKAGES,
    MARK_PACKAGE_SHIPPED,
    SHIP_PACKAGE,
    UPDATE_PACKAGE_SHIPPING_INFO,
)

SHIP, BATCH_SHIP, MARK_SHIPPED, UPDATE_INFO = "ship", "batch_ship", "mark_shipped", "update_info"
SHIP_KINDS = (SHIP, BATCH_SHIP, MARK_SHIPPED, UPDATE_INFO)
#: Packages per Batch Ship Packages call. The snapshot gives no limit; 50 is Get Order
#: Detail's and Search Package's page limit, a size TikTok's fulfilment APIs accept.
SHIP_BATCH_SIZE = 50
NOT_SHIPPABLE_ORDER = ("UNPAID", "ON_HOLD", "CANCELLED")
SHIPPED = ("PROCESSING", "FULFILLING")
FINISHED = ("COMPLETED", "CANCELLED")


@dataclass(frozen=True)
class Target:
    """What one record ships: a package (``package``) or line items without one."""

    action: str  # SHIP | MARK_SHIPPED | UPDATE_INFO | UNCHANGED
    package: str | None
    line_ids: tuple[str, ...]
    provider_id: str


def order_ids(changes: Sequence[ShipmentChange]) -> list[str]:
    """The orders a batch's records name (what to look up)."""
    return [change.keys.order_id or "" for change in changes]


def plan_shipments(changes: Sequence[ShipmentChange], orders: ShopOrders, *,
                   skip_unchanged: bool) -> Plan:
    """The calls for one shop's shipment records."""
    plan = Plan(SHIPMENTS)
    targets: dict[int, Target] = {}
    entries = []
    for change in sorted(changes, key=lambda c: c.seq):
        order = orders.order(change.keys.order_id or "")
        if isinstance(order, LookupFailure):
            plan.fail(change, order)
            continue
        provider = _provider(change, order, orders)
        if isinstance(provider, LookupFailure):
            plan.fail(change, provider)
            continue
        target = _target(change, order, provider, skip_unchanged=skip_unchanged)
        if isinstance(target, LookupFailure):
            plan.fail(change, target)
            continue
        keys = change.keys.resolved(package_id=target.package)
        value: dict[str, Any] = {"tracking_number": change.tracking_number,
                                 "shipping_provider_id": provider}
        if change.provider_name:
            value["shipping_provider_name"] = change.provider_name
        if target.line_ids:
            value["order_line_item_ids"] = list(target.line_ids)
        plan.details[change.seq] = Detail(keys, value, _previous(order, target))
        targets[change.seq] = target
        key = target.package or ("lines", tuple(sorted(target.line_ids)))
        entries.append(((order.id, key), change.seq, plan.details[change.seq]))
    ships: list[tuple[ShipmentChange, Target]] = []
    by_seq = {change.seq: change for change in changes}
    for seq in sorted(_last_wins(plan, entries).values()):
        change, target = by_seq[seq], targets[seq]
        shipment = {"tracking_number": change.tracking_number,
                    "shipping_provider_id": target.provider_id}
        part = Part(seq, target.package or change.keys.order_id or "")
        if target.action == UNCHANGED:
            plan.settle(seq, UNCHANGED, plan.details[seq])
        elif target.action == SHIP:
            ships.append((change, target))
        elif target.action == MARK_SHIPPED:
            body = {"order_line_item_ids": list(target.line_ids), **shipment}
            plan.calls.append(PlannedCall(MARK_SHIPPED, MARK_PACKAGE_SHIPPED, body, [part],
                                          params={"order_id": change.keys.order_id or ""}))
        else:
            plan.calls.append(PlannedCall(UPDATE_INFO, UPDATE_PACKAGE_SHIPPING_INFO, shipment,
                                          [part], params={"package_id": target.package or ""}))
    plan.calls[:0] = _ship_calls(ships)
    return plan


def _ship_calls(ships: list[tuple[ShipmentChange, Target]]) -> list[PlannedCall]:
    """Ship Package for a single package, else Batch Ship Packages calls."""
    def shipment(change: ShipmentChange, target: Target) -> dict[str, str]:
        return {"tracking_number": change.tracking_number,
                "shipping_provider_id": target.provider_id}

    if len(ships) == 1:
        change, target = ships[0]
        return [PlannedCall(SHIP, SHIP_PACKAGE, {"self_shipment": shipment(change, target)},
                            [Part(change.seq, target.package or "")],
                            params={"package_id": target.package or ""})]
    calls = []
    for start in range(0, len(ships), SHIP_BATCH_SIZE):
        chunk = ships[start:start + SHIP_BATCH_SIZE]
        body = {"packages": [{"id": target.package, "self_shipment": shipment(change, target)}
                             for change, target in chunk]}
        calls.append(PlannedCall(BATCH_SHIP, BATCH_SHIP_PACKAGES, body,
                                 [Part(change.seq, target.package or "")
                                  for change, target in chunk]))
    return calls


def _provider(change: ShipmentChange, order: OrderState,
              orders: ShopOrders) -> str | LookupFailure:
    """The shipping provider id: given, or the name resolved for the order's delivery
    option."""
    if change.provider_id is not None:
        return change.provider_id
    if order.delivery_option_id is None:
        return LookupFailure(f"order {order.id} has no delivery option, so "
                             "shipping_provider_name cannot be resolved; give "
                             "shipping_provider_id")
    providers = orders.providers(order.delivery_option_id)
    if isinstance(providers, LookupFailure):
        return providers
    wanted = (change.provider_name or "").casefold()
    for provider_id, name in providers:
        if name.strip().casefold() == wanted:
            return provider_id
    names = ", ".join(name for _, name in providers) or "none"
    return LookupFailure(f"unknown shipping_provider_name {change.provider_name!r} for order "
                         f"{order.id}'s delivery option {order.delivery_option_id} "
                         f"(its providers: {names})")


def _target(change: ShipmentChange, order: OrderState, provider: str, *,
            skip_unchanged: bool) -> Target | LookupFailure:
    """Which package or line items the record ships, and how."""
    if order.status in NOT_SHIPPABLE_ORDER:
        return LookupFailure(f"order {order.id} is {order.status}: it cannot be shipped")
    lines = order.lines
    for line_id in change.line_item_ids:
        if line_id not in lines:
            return LookupFailure(f"order_line_item_id {line_id} is not a line item of order "
                                 f"{order.id}")
    package = change.keys.package_id
    if package is not None:
        in_package = [line for line in lines.values() if line.package_id == package]
        if not in_package:
            return LookupFailure(f"package_id {package} is not a package of order {order.id}")
        outside = [lid for lid in change.line_item_ids if lines[lid].package_id != package]
        if outside:
            return LookupFailure(f"order_line_item_id {outside[0]} is not in package {package}")
        return _package_target(change, package, in_package, provider, skip_unchanged)
    chosen = ([lines[lid] for lid in change.line_item_ids] if change.line_item_ids
              else [line for line in lines.values() if not line.cancelled])
    if not chosen:
        return LookupFailure(f"order {order.id} has no line item left to ship")
    cancelled = [line.id for line in chosen if line.cancelled]
    if cancelled:
        return LookupFailure(f"order_line_item_id {cancelled[0]} is cancelled")
    packages = list(dict.fromkeys(line.package_id for line in chosen if line.package_id))
    open_lines = tuple(line.id for line in chosen if not line.package_id)
    if not packages:
        return Target(MARK_SHIPPED, None, open_lines, provider)
    if len(packages) == 1 and not open_lines:
        in_package = [line for line in lines.values() if line.package_id == packages[0]]
        return _package_target(change, packages[0], in_package, provider, skip_unchanged)
    if not open_lines and all(_same(line, change.tracking_number, provider)
                              for line in chosen):
        return Target(UNCHANGED, None, (), provider)
    listed = ", ".join(packages)
    what = "its line items are in" if change.line_item_ids else f"order {order.id} has"
    extra = f" and {len(open_lines)} line item(s) not shipped yet" if open_lines else ""
    return LookupFailure(f"{what} {len(packages)} package(s) ({listed}){extra}: give "
                         "package_id (one record per package) or order_line_item_ids")


def _package_target(change: ShipmentChange, package: str, lines: list[LineState],
                    provider: str, skip_unchanged: bool) -> Target | LookupFailure:
    status = lines[0].package_status
    if status == "TO_FULFILL" or status is None:
        return Target(SHIP, package, (), provider)
    same = all(_same(line, change.tracking_number, provider) for line in lines)
    if same and (skip_unchanged or status in FINISHED):
        return Target(UNCHANGED, package, (), provider)
    if status in FINISHED:
        return LookupFailure(f"package {package} is {status}: its tracking number can no "
                             f"longer change (it is {lines[0].tracking_number})")
    return Target(UPDATE_INFO, package, (), provider)


def _same(line: LineState, tracking: str, provider: str) -> bool:
    return line.tracking_number == tracking and line.shipping_provider_id in (None, provider)


def _previous(order: OrderState, target: Target) -> dict[str, Any]:
    """TikTok's values before: the package's (or the first line's) tracking and status."""
    lines = [line for line in order.lines.values()
             if (target.package and line.package_id == target.package)
             or line.id in target.line_ids] or list(order.lines.values())
    first = lines[0] if lines else None
    return {"tracking_number": first.tracking_number if first else None,
            "shipping_provider_id": first.shipping_provider_id if first else None,
            "package_status": first.package_status if first else None,
            "order_status": order.status}
