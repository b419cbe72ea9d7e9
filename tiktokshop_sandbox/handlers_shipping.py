"""Shipping writes (fulfillment 202309) and Get Shipping Providers (logistics 202309).

* Get Shipping Providers: the providers of a delivery option (``shipping_providers[{id,
  name}]``); an unknown option fails with ``DELIVERY_OPTION_NOT_FOUND``.
* Mark Package As Shipped (``POST /orders/{order_id}/packages``): packs the given
  ``order_line_item_ids`` (all the order's unshipped lines when absent) into a new
  package with the tracking number and provider; answers ``{order_id,
  order_line_item_ids, package_id}``. The order must be AWAITING_SHIPMENT or
  PARTIALLY_SHIPPING (``ORDER_NOT_SHIPPABLE``); a line of another order, cancelled or
  already in a package fails with ``LINE_NOT_SHIPPABLE``.
* Ship Package / Batch Ship Packages: a sandbox package exists only once shipped, so a
  package of this shop is ``ALREADY_SHIPPED`` (Ship Package: the whole call; Batch: one
  ``data.errors[]`` entry per package, ``detail.package_id``, inside ``code: 0``).
* Update Package Shipping Info: sets a PROCESSING or FULFILLING package's tracking
  number and provider (a delivered or cancelled one: ``PACKAGE_NOT_UPDATABLE``).

Every write checks the tracking number (``shipping_state.TRACKING_PATTERN``:
``INVALID_TRACKING_NUMBER``) and that the provider is one of the order's delivery
option (``UNKNOWN_SHIPPING_PROVIDER``); an order or package that is not this shop's
fails with 21008111 as in Get Order Detail. The live error codes of these endpoints are
not documented: the numbers below are the sandbox's choice. Orders, line items and
packages show the change at once, with a new ``update_time``.
"""

from __future__ import annotations

from typing import Any

from tiktokshop import codes

from .context import ApiError, Context, body_str_list, check_body_fields, invalid
from .gen_shops import SeededShop
from .shipping_state import (
    DELIVERY_OPTIONS,
    SHIPPABLE_ORDER,
    TRACKING_PATTERN,
    UPDATABLE_PACKAGE,
    Tracking,
    provider_name,
)
from .shipping_writes import mark_shipped, update_tracking

INVALID_TRACKING_NUMBER = 21011003
UNKNOWN_SHIPPING_PROVIDER = 21011004
ALREADY_SHIPPED = 21011010
ORDER_NOT_SHIPPABLE = 21011011
LINE_NOT_SHIPPABLE = 21011012
PACKAGE_NOT_UPDATABLE = 21011013
DELIVERY_OPTION_NOT_FOUND = 21011014
NOT_OWNED = "The order or package does not belong to the current seller."
SELF_SHIPMENT_FIELDS = frozenset({"tracking_number", "shipping_provider_id"})
SHIP_FIELDS = frozenset({"handover_method", "pickup_slot", "self_shipment"})


def get_shipping_providers(ctx: Context) -> dict:
    ctx.require_shop()
    check_body_fields(ctx.body, set())
    providers = DELIVERY_OPTIONS.get(ctx.params["delivery_option_id"])
    if providers is None:
        raise ApiError(DELIVERY_OPTION_NOT_FOUND, "The delivery option does not exist.")
    return {"shipping_providers": [{"id": pid, "name": name} for pid, name in providers]}


def _tracking(body: dict[str, Any], delivery_option_id: str) -> Tracking:
    """The body's tracking number and provider, checked (both required)."""
    number, provider = body.get("tracking_number"), body.get("shipping_provider_id")
    if not isinstance(number, str) or not number:
        raise invalid("Invalid param. `tracking_number` is required.")
    if not isinstance(provider, str) or not provider:
        raise invalid("Invalid param. `shipping_provider_id` is required.")
    if not TRACKING_PATTERN.fullmatch(number):
        raise ApiError(INVALID_TRACKING_NUMBER, "The tracking number format is invalid.")
    name = provider_name(delivery_option_id, provider)
    if name is None:
        raise ApiError(UNKNOWN_SHIPPING_PROVIDER,
                       "The shipping provider is not available for this order.")
    return Tracking(number, provider, name)


def mark_package_as_shipped(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, {"order_line_item_ids", "tracking_number", "shipping_provider_id"})
    wanted = body_str_list(body, "order_line_item_ids")
    dataset = ctx.dataset
    with dataset.lock:
        idx = dataset.order_index(shop, ctx.params["order_id"])
        if idx is None:
            raise ApiError(codes.ORDER_NOT_OWNED, NOT_OWNED)
        order = dataset.order(shop, idx)
        tracking = _tracking(body, order["delivery_option_id"])
        if order["status"] not in SHIPPABLE_ORDER:
            raise ApiError(ORDER_NOT_SHIPPABLE,
                           f"The order cannot be shipped in status {order['status']}.")
        lines = {line["id"]: line for line in order["line_items"]}
        open_lines = [lid for lid, line in lines.items()
                      if not line.get("package_id") and not line.get("cancel_reason")]
        chosen = list(dict.fromkeys(wanted)) if wanted else open_lines
        for line_id in chosen:
            if line_id not in open_lines:
                problem = ("is not a line item of this order" if line_id not in lines
                           else "is already shipped or cancelled")
                raise ApiError(LINE_NOT_SHIPPABLE, f"Order line item {line_id} {problem}.")
        if not chosen:
            raise ApiError(ALREADY_SHIPPED, "Every line item of the order is already shipped.")
        shippable = [lid for lid, line in lines.items() if not line.get("cancel_reason")]
        package = mark_shipped(dataset, shop, idx, chosen, shippable, tracking)
    return {"order_id": order["id"], "order_line_item_ids": chosen, "package_id": package}


def _check_ship_item(item: Any, fields: frozenset[str]) -> dict[str, Any]:
    """One Ship Package request (or batch entry), its shape checked."""
    if not isinstance(item, dict):
        raise invalid("Invalid param. Each package must be an object.")
    check_body_fields(item, fields)
    shipment = item.get("self_shipment")
    if shipment is not None:
        if not isinstance(shipment, dict):
            raise invalid("Invalid param. `self_shipment` must be an object.")
        check_body_fields(shipment, SELF_SHIPMENT_FIELDS)
    method = item.get("handover_method")
    if method is not None and method not in ("PICKUP", "DROP_OFF"):
        raise invalid("Invalid param. Unsupported value for `handover_method`.")
    return item


def _ship_error(ctx: Context, shop: SeededShop, package_id: str,
                item: dict[str, Any]) -> tuple[int, str]:
    """Why the package cannot be shipped now (every sandbox package is shipped already)."""
    dataset = ctx.dataset
    idx = dataset.package_index(shop, package_id)
    if idx is None:
        return codes.ORDER_NOT_OWNED, NOT_OWNED
    shipment = item.get("self_shipment")
    if shipment is not None:
        try:
            _tracking(shipment, dataset.package(shop, idx)["delivery_option_id"])
        except ApiError as exc:
            return exc.code, exc.message
    return ALREADY_SHIPPED, "The package has already been shipped."


def ship_package(ctx: Context) -> dict:
    shop = ctx.require_shop()
    item = _check_ship_item(ctx.body, SHIP_FIELDS)
    code, message = _ship_error(ctx, shop, ctx.params["package_id"], item)
    raise ApiError(code, message)


def batch_ship_packages(ctx: Context) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, {"packages"})
    packages = ctx.body.get("packages")
    if not isinstance(packages, list) or not packages:
        raise invalid("Invalid param. `packages` is required.")
    items = [_check_ship_item(item, SHIP_FIELDS | {"id"}) for item in packages]
    errors = []
    for item in items:
        package_id = item.get("id")
        if not isinstance(package_id, str) or not package_id:
            raise invalid("Invalid param. Each package needs an `id`.")
        code, message = _ship_error(ctx, shop, package_id, item)
        errors.append({"code": code, "message": message, "detail": {"package_id": package_id}})
    return {"errors": errors}


def update_package_shipping_info(ctx: Context) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, SELF_SHIPMENT_FIELDS)
    dataset = ctx.dataset
    with dataset.lock:
        idx = dataset.package_index(shop, ctx.params["package_id"])
        if idx is None:
            raise ApiError(codes.ORDER_NOT_OWNED, NOT_OWNED)
        package = dataset.package(shop, idx)
        tracking = _tracking(ctx.body, package["delivery_option_id"])
        if package["package_status"] not in UPDATABLE_PACKAGE:
            raise ApiError(PACKAGE_NOT_UPDATABLE, "The shipping info of a package in status "
                                                  f"{package['package_status']} cannot change.")
        update_tracking(dataset, shop, idx, tracking)
    return {}
