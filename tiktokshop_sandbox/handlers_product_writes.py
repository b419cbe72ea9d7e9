"""Product writes: Update Inventory, Update Price, Activate, Deactivate.

Every successful write bumps the product's ``update_time`` to the current second.

Update Inventory (per-SKU errors inside a ``code: 0`` envelope, valid SKUs of the
same call are applied): the sent warehouses must be exactly the SKU's assigned
warehouses (missing or unassigned ones: 12019028), unknown warehouse: 12052097,
quantity outside 0..99,999: 12052055 (0 is accepted - setting stock to zero is a
normal operation; the doc's lower bound of 1 is UNCONFIRMED), SKU of another
product: 12052048, SKU locked for a promotion (admin route): 12052393. A FREEZE or
DELETED product fails as a whole with 12019113. ``data`` has no ``errors`` key when
every SKU was applied.

Update Price is all-or-nothing (``data`` is always ``{}``): amount must be a
decimal string > 0 with at most 2 decimals (12052012), currency the shop's
(12052084), product ACTIVATE (12019113), SKU not locked (12052038). ``amount`` is the
display price of a LOCAL shop and the pre-tax price of a CROSS_BORDER one
(``product_values.priced``); ``price.sale_price``, "applicable only for global
sellers", is refused for a local shop with 12052012 (the live answer is UNCONFIRMED).

Activate/Deactivate: at most 20 ids (12019120); per-product errors 12052048
(unknown id) and 12052901 (wrong status). Audit passes instantly, so activation
goes straight to ACTIVATE.
"""

from __future__ import annotations

from decimal import Decimal

from tiktokshop import codes

from .context import ApiError, Context, body_str_list, check_body_fields, invalid
from .product_values import MAX_QUANTITY, parse_price, priced, product_or_error


def _sku_items(ctx: Context, allowed: set[str]) -> list[dict]:
    check_body_fields(ctx.body, {"skus"})
    skus = ctx.body.get("skus")
    if not isinstance(skus, list) or not skus:
        raise ApiError(codes.INVENTORY_SKU_REQUIRED, "The SKU ID is necessary.")
    for item in skus:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ApiError(codes.INVENTORY_SKU_REQUIRED, "The SKU ID is necessary.")
        check_body_fields(item, allowed)
    return skus


def _extra(code: int, message: str, warehouse_id: str | None = None) -> dict:
    extra = {"code": code, "message": message}
    if warehouse_id is not None:
        extra["warehouse_id"] = warehouse_id
    return extra


def _check_inventory(sku: dict, entries: object, shop_warehouses: set[str]
                     ) -> tuple[list[dict], list[dict]]:
    """Validate one SKU's inventory list; return (new inventory, extra errors)."""
    if not isinstance(entries, list) or not entries:
        return [], [_extra(codes.INVENTORY_INVALID, "The inventory list is required.")]
    assigned = [inv["warehouse_id"] for inv in sku.get("inventory", [])]
    errors: list[dict] = []
    new: dict[str, dict] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            errors.append(_extra(codes.INVENTORY_INVALID, "Invalid inventory entry."))
            continue
        unknown = set(entry) - {"warehouse_id", "quantity", "backorder_quantity",
                                "handling_time"}
        if unknown:
            raise invalid(f"Invalid param. Unknown request body field `{sorted(unknown)[0]}`.")
        wid = entry.get("warehouse_id")
        if wid is None and len(assigned) == 1 and len(entries) == 1:
            wid = assigned[0]
        if not isinstance(wid, str) or not wid:
            errors.append(_extra(codes.INVENTORY_WAREHOUSES_INCOMPLETE,
                                 "The warehouse ID is required when the SKU has several "
                                 "warehouses."))
            continue
        if wid not in shop_warehouses:
            errors.append(_extra(codes.WAREHOUSE_NOT_FOUND, "The warehouse does not exist.", wid))
            continue
        if wid in new:
            errors.append(_extra(codes.INVENTORY_INVALID, "Duplicate warehouse.", wid))
            continue
        quantity = entry.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
                0 <= quantity <= MAX_QUANTITY):
            errors.append(_extra(codes.INVENTORY_OUT_OF_RANGE,
                                 f"The quantity must be in [0, {MAX_QUANTITY}].", wid))
            continue
        item = {"warehouse_id": wid, "quantity": quantity}
        for extra_name in ("backorder_quantity", "handling_time"):
            value = entry.get(extra_name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append(_extra(codes.INVENTORY_INVALID, f"Invalid {extra_name}.", wid))
            else:
                item[extra_name] = value
        new[wid] = item
    for wid in new:
        if wid not in assigned:
            errors.append(_extra(codes.INVENTORY_WAREHOUSES_INCOMPLETE,
                                 "The warehouse is not assigned to this SKU.", wid))
    for wid in assigned:
        if wid not in new and not any(e.get("warehouse_id") == wid for e in errors):
            errors.append(_extra(codes.INVENTORY_WAREHOUSES_INCOMPLETE,
                                 "The inventory of every warehouse assigned to the SKU is "
                                 "required.", wid))
    return [new[w] for w in assigned if w in new], errors


def update_inventory(ctx: Context) -> dict:
    shop = ctx.require_shop()
    items = _sku_items(ctx, {"id", "inventory"})
    data = ctx.dataset
    with data.lock:
        idx, record = product_or_error(ctx)
        if record["status"] in ("FREEZE", "DELETED"):
            raise ApiError(codes.PRODUCT_STATUS_INVALID,
                           f"The product status {record['status']} does not allow inventory "
                           "updates.")
        by_id = {s["id"]: s for s in record.get("skus", [])}
        shop_warehouses = set(shop.warehouse_ids)
        errors: list[dict] = []
        updates: dict[str, list[dict]] = {}
        for item in items:
            sku_id = item["id"]
            sku = by_id.get(sku_id)
            if sku is None:
                errors.append(_sku_error(sku_id, codes.PRODUCT_NOT_OWNED,
                                         "The SKU does not belong to this product."))
                continue
            if sku_id in data.locked_skus:
                errors.append(_sku_error(sku_id, codes.INVENTORY_LOCKED,
                                         "The SKU is locked by an ongoing promotion."))
                continue
            if sku_id in updates:
                errors.append(_sku_error(sku_id, codes.INVENTORY_INVALID, "Duplicate SKU."))
                continue
            inventory, extra = _check_inventory(sku, item.get("inventory"), shop_warehouses)
            if extra:
                errors.append(_sku_error(sku_id, extra[0]["code"], extra[0]["message"], extra))
            else:
                updates[sku_id] = inventory
        if updates:
            new = data.product_for_write(shop, idx)
            for sku in new["skus"]:
                if sku["id"] in updates:
                    sku["inventory"] = updates[sku["id"]]
            data.write_product(shop, idx, new)
    return {"errors": errors} if errors else {}


def _sku_error(sku_id: str, code: int, message: str, extra: list[dict] | None = None) -> dict:
    detail: dict = {"sku_id": sku_id}
    if extra:
        detail["extra_errors"] = extra
    return {"code": code, "message": message, "detail": detail}


def update_price(ctx: Context) -> dict:
    shop = ctx.require_shop()
    items = _sku_items(ctx, {"id", "price", "list_price", "external_list_prices"})
    data = ctx.dataset
    with data.lock:
        idx, record = product_or_error(ctx)
        if record["status"] != "ACTIVATE":
            raise ApiError(codes.PRODUCT_STATUS_INVALID,
                           "The product status is invalid: only ACTIVATE products can be "
                           "repriced.")
        sku_ids = {s["id"] for s in record.get("skus", [])}
        cross_border = shop.seller_type == "CROSS_BORDER"
        prices: dict[str, tuple[dict, str | None]] = {}
        for item in items:
            if item["id"] not in sku_ids:
                raise ApiError(codes.PRODUCT_NOT_OWNED,
                               f"The SKU {item['id']} does not belong to this product.")
            if item["id"] in data.locked_skus:
                raise ApiError(codes.PRICE_LOCKED_BY_PROMOTION,
                               f"The price of SKU {item['id']} is locked by a promotion.")
            if isinstance(item.get("price"), dict):
                check_body_fields(item["price"], {"amount", "currency", "sale_price"})
            amount = parse_price(item.get("price"), "price", shop.currency)
            sale_price = item["price"].get("sale_price")
            if sale_price is not None and not cross_border:
                raise ApiError(codes.PRICE_FORMAT,
                               "Incorrect price format: `price.sale_price` is applicable only "
                               "for global sellers.")
            list_amount = None
            if item.get("list_price") is not None:
                list_amount = parse_price(item["list_price"], "list_price", shop.currency)
            prices[item["id"]] = (priced(shop.region, amount, cross_border=cross_border,
                                         sale_price=sale_price), list_amount)
        new = data.product_for_write(shop, idx)
        for sku in new["skus"]:
            if sku["id"] in prices:
                price, list_amount = prices[sku["id"]]
                sku["price"] = price
                if list_amount is not None and \
                        Decimal(list_amount) >= Decimal(price["sale_price"]):
                    sku["list_price"] = {"amount": list_amount, "currency": shop.currency}
        data.write_product(shop, idx, new)
    return {}


def _set_status(ctx: Context, *, activate: bool) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, {"product_ids", "listing_platforms"})
    ids = body_str_list(ctx.body, "product_ids", max_items=20,
                        too_many_code=codes.TOO_MANY_IDS)
    if not ids:
        raise invalid("Invalid param. `product_ids` is required.")
    body_str_list(ctx.body, "listing_platforms")
    wanted = ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED") if activate else ("ACTIVATE",)
    target = "ACTIVATE" if activate else "SELLER_DEACTIVATED"
    errors = []
    data = ctx.dataset
    with data.lock:
        for product_id in dict.fromkeys(ids):
            idx = data.product_index(shop, product_id)
            if idx is None:
                errors.append({"code": codes.PRODUCT_NOT_OWNED,
                               "message": "You can't edit other sellers' products.",
                               "detail": {"product_id": product_id}})
                continue
            if data.products[shop.id].status[idx] not in wanted:
                errors.append({"code": codes.PRODUCT_WRONG_STATUS,
                               "message": "The product status does not allow this operation.",
                               "detail": {"product_id": product_id}})
                continue
            new = data.product_for_write(shop, idx)
            new["status"] = new["product_status"] = target
            new["audit"] = {"status": "APPROVED" if activate else "NONE"}
            new["integrated_platform_statuses"] = [{"platform": "TIKTOK_SHOP",
                                                    "status": target}]
            data.write_product(shop, idx, new)
    return {"errors": errors} if errors else {}


def activate_products(ctx: Context) -> dict:
    return _set_status(ctx, activate=True)


def deactivate_products(ctx: Context) -> dict:
    return _set_status(ctx, activate=False)
