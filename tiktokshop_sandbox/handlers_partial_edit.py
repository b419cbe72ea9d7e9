"""Partial Edit Product (202309 and 202509).

Only the top-level properties present in the body change, and each one sent
replaces the whole property (sending ``skus`` deletes the SKUs left out; SKUs
without ``id`` are created). Body properties outside the OpenAPI request schema
are refused (36009004). ``listing_platforms``, ``subscribe_info_edit`` and
``replicated_products`` are accepted and ignored. ``save_mode=AS_DRAFT`` leaves
the live product unchanged and only sets ``has_draft``. Audit passes instantly, so
the product keeps its status.
"""

from __future__ import annotations

from tiktokshop import codes

from .context import ApiError, Context, check_body_fields, invalid
from .gen_common import tax_exclusive
from .gen_products import BRANDS, image_for_uri, new_sku_id, value_id_for
from .product_values import MAX_QUANTITY, parse_price, product_or_error
from .shapes import PARTIAL_EDIT_SKU, project

TOP_LEVEL = frozenset({
    "title", "description", "brand_id", "main_images", "video", "package_dimensions",
    "package_weight", "product_attributes", "certifications", "size_chart", "skus",
    "external_product_id", "is_cod_allowed", "listing_platforms", "save_mode",
    "manufacturer_ids", "responsible_person_ids", "subscribe_info_edit", "replicated_products",
})
SKU_FIELDS = frozenset({
    "id", "seller_sku", "price", "inventory", "sales_attributes", "identifier_code",
    "external_sku_id", "list_price", "external_list_prices", "fees", "pre_sale",
    "sku_unit_count", "extra_identifier_codes", "external_urls",
})
_PASS_THROUGH = ("identifier_code", "external_sku_id", "list_price", "external_list_prices",
                 "fees", "pre_sale", "sku_unit_count", "extra_identifier_codes", "external_urls")


def _expect(value: object, kind: type | tuple[type, ...], name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise invalid(f"Invalid param. `{name}` has the wrong type.")


def _uri_image(value: object, name: str) -> dict:
    _expect(value, dict, name)
    assert isinstance(value, dict)
    uri = value.get("uri")
    _expect(uri, str, f"{name}.uri")
    return image_for_uri(str(uri))


def _sales_attributes(value: object) -> list[dict]:
    _expect(value, list, "skus.sales_attributes")
    assert isinstance(value, list)
    out = []
    for attr in value:
        _expect(attr, dict, "skus.sales_attributes")
        name, value_name = attr.get("name", ""), attr.get("value_name", "")
        out.append({
            "id": str(attr.get("id") or value_id_for(f"attr/{name}")),
            "name": str(name),
            "value_id": str(attr.get("value_id") or value_id_for(f"{name}/{value_name}")),
            "value_name": str(value_name),
        })
    return out


def _inventory(value: object, shop_warehouses: set[str]) -> list[dict]:
    _expect(value, list, "skus.inventory")
    assert isinstance(value, list)
    out = []
    for entry in value:
        _expect(entry, dict, "skus.inventory")
        wid, quantity = entry.get("warehouse_id"), entry.get("quantity")
        if wid not in shop_warehouses:
            raise ApiError(codes.WAREHOUSE_NOT_FOUND, f"The warehouse {wid} does not exist.")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
                0 <= quantity <= MAX_QUANTITY):
            raise ApiError(codes.INVENTORY_OUT_OF_RANGE,
                           f"The quantity must be in [0, {MAX_QUANTITY}].")
        out.append({"warehouse_id": wid, "quantity": quantity})
    return out


def _skus(ctx: Context, record: dict, value: object) -> list[dict]:
    shop = ctx.require_shop()
    _expect(value, list, "skus")
    assert isinstance(value, list)
    if not value or len(value) > 300:
        raise invalid("Invalid param. `skus` must hold 1 to 300 SKUs.")
    existing = {s["id"]: s for s in record.get("skus", [])}
    warehouses = set(shop.warehouse_ids)
    result: list[dict] = []
    for item in value:
        _expect(item, dict, "skus")
        check_body_fields(item, SKU_FIELDS)
        sku_id = item.get("id")
        if sku_id is not None and sku_id not in existing:
            raise ApiError(codes.PRODUCT_NOT_OWNED,
                           f"The SKU {sku_id} does not belong to this product.")
        sku = dict(existing[sku_id]) if sku_id else {
            "id": new_sku_id({"id": record["id"], "skus": [*record.get("skus", []), *result]}),
            "seller_sku": "", "status_info": {"status": "NORMAL"}, "sales_attributes": []}
        if "price" in item:
            amount = parse_price(item["price"], "price", shop.currency)
            sku["price"] = {"currency": shop.currency, "sale_price": amount,
                            "tax_exclusive_price": tax_exclusive(amount, shop.region)}
        elif not sku_id:
            raise invalid("Invalid param. New SKUs need a `price`.")
        if "inventory" in item:
            sku["inventory"] = _inventory(item["inventory"], warehouses)
        elif not sku_id:
            raise invalid("Invalid param. New SKUs need an `inventory`.")
        if "seller_sku" in item:
            _expect(item["seller_sku"], str, "skus.seller_sku")
            sku["seller_sku"] = item["seller_sku"]
        if "sales_attributes" in item:
            sku["sales_attributes"] = _sales_attributes(item["sales_attributes"])
        for name in _PASS_THROUGH:
            if name in item:
                sku[name] = item[name]
        result.append(sku)
    return result


def _apply(ctx: Context, record: dict, body: dict) -> None:
    for name in ("title", "description", "external_product_id"):
        if name in body:
            _expect(body[name], str, name)
    if "title" in body:
        if not 1 <= len(body["title"]) <= 255:
            raise invalid("Invalid param. `title` must have 1 to 255 characters.")
        record["title"] = body["title"]
    for name in ("description", "external_product_id"):
        if name in body:
            record[name] = body[name]
    if "brand_id" in body:
        _expect(body["brand_id"], str, "brand_id")
        names = dict(BRANDS)
        record["brand"] = {"id": body["brand_id"], "name": names.get(body["brand_id"], "")}
    if "main_images" in body:
        _expect(body["main_images"], list, "main_images")
        if not 1 <= len(body["main_images"]) <= 9:
            raise invalid("Invalid param. `main_images` must hold 1 to 9 images.")
        record["main_images"] = [_uri_image(i, "main_images") for i in body["main_images"]]
    if "video" in body:
        _expect(body["video"], dict, "video")
        record["video"] = {"id": str(body["video"].get("id", ""))}
    for name in ("package_dimensions", "package_weight"):
        if name in body:
            _expect(body[name], dict, name)
            record[name] = {k: str(v) for k, v in body[name].items()}
    if "product_attributes" in body:
        _expect(body["product_attributes"], list, "product_attributes")
        known = {a["id"]: a.get("name", "") for a in record.get("product_attributes", [])}
        attrs = []
        for attr in body["product_attributes"]:
            _expect(attr, dict, "product_attributes")
            values = [{"id": str(v.get("id") or value_id_for(str(v.get("name", "")))),
                       "name": str(v.get("name", ""))} for v in attr.get("values", [])
                      if isinstance(v, dict)]
            attrs.append({"id": str(attr.get("id", "")),
                          "name": known.get(str(attr.get("id", "")), ""), "values": values})
        record["product_attributes"] = attrs
    if "certifications" in body:
        _expect(body["certifications"], list, "certifications")
        record["certifications"] = [
            {**c, "images": [_uri_image(i, "certifications.images") for i in c.get("images", [])]}
            for c in body["certifications"] if isinstance(c, dict)]
    if "size_chart" in body:
        _expect(body["size_chart"], dict, "size_chart")
        chart = body["size_chart"]
        record["size_chart"] = {"image": _uri_image(chart["image"], "size_chart.image")} if (
            "image" in chart) else {"template": {"id": str(chart.get("template", {}).get("id"))}}
    if "is_cod_allowed" in body:
        _expect(body["is_cod_allowed"], bool, "is_cod_allowed")
        record["is_cod_allowed"] = body["is_cod_allowed"]
    for name in ("manufacturer_ids", "responsible_person_ids"):
        if name in body:
            _expect(body[name], list, name)
            record[name] = [str(v) for v in body[name]]
    if "skus" in body:
        record["skus"] = _skus(ctx, record, body["skus"])


def partial_edit(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, TOP_LEVEL)
    if not body:
        raise invalid("Invalid param. The request body must hold at least one property.")
    save_mode = body.get("save_mode", "LISTING")
    if save_mode not in ("AS_DRAFT", "LISTING"):
        raise invalid("Invalid param. Unsupported value for `save_mode`.")
    data = ctx.dataset
    with data.lock:
        idx, record = product_or_error(ctx)
        if record["status"] in ("FREEZE", "DELETED"):
            raise ApiError(codes.PRODUCT_STATUS_INVALID,
                           f"The product status {record['status']} does not allow edits.")
        new = data.product_for_write(shop, idx)
        if save_mode == "AS_DRAFT":
            _apply(ctx, data.product_for_write(shop, idx), body)  # validate only
            new["has_draft"] = True
        else:
            _apply(ctx, new, body)
        data.write_product(shop, idx, new)
    return {
        "product_id": new["id"],
        "skus": [project(s, PARTIAL_EDIT_SKU) for s in new.get("skus", [])],
        "audit": {"status": new.get("audit", {}).get("status", "NONE")},
    }
