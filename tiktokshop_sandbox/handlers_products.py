"""Product reads: Search Products (202309/202312/202502), Get Product, Search Inventory.

Search Products returns items in DESCENDING ``update_time`` order (ties: descending
id); ``update_time_ge/le`` and ``create_time_ge/le`` are both inclusive; status
``ALL`` (the default) matches every status, DELETED included. No result past the
cap (10,000 by default) is ever returned: a page that would cross it is cut at the
cap, and a request starting at or after it fails with 12052180 while
``total_count`` keeps reporting the true total.

Get Product answers 12052260 (HTTP 200) for unknown ids and for FREEZE/DELETED
products, which the endpoint does not serve.
"""

from __future__ import annotations

from tiktokshop import codes

from .context import (
    Context,
    body_enum,
    body_int,
    body_str_list,
    check_body_fields,
    invalid,
    query_page_size,
)
from .gen_products import AUDIT_BY_STATUS, PRODUCT_STATUSES
from .product_values import product_or_error
from .query import paged_search, time_range
from .shapes import PRODUCT_DETAIL, PRODUCT_SEARCH, project

SEARCH_BODY_FIELDS = {
    "202309": {"create_time_ge", "create_time_le", "seller_skus", "status",
               "update_time_ge", "update_time_le"},
}
SEARCH_BODY_FIELDS["202312"] = SEARCH_BODY_FIELDS["202309"] | {
    "audit_status", "category_version", "listing_platforms", "listing_quality_tier", "sku_ids"}
SEARCH_BODY_FIELDS["202502"] = SEARCH_BODY_FIELDS["202309"] | {
    "audit_status", "category_version", "listing_platforms", "listing_quality_tiers",
    "return_draft_version", "sns_filter", "sku_ids"}
AUDIT_STATUSES = ("NONE", "AUDITING", "FAILED", "PRE_APPROVED", "APPROVED")


def search_products(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, SEARCH_BODY_FIELDS[ctx.version])
    page_size = query_page_size(ctx.query, 1, 100, None, codes.PRODUCT_SEARCH_PAGE_SIZE)
    status = body_enum(body, "status", ("ALL", *PRODUCT_STATUSES)) or "ALL"
    times = {name: body_int(body, name, codes.PRODUCT_SEARCH_BAD_TIME) for name in (
        "create_time_ge", "create_time_le", "update_time_ge", "update_time_le")}
    seller_skus = body_str_list(body, "seller_skus", max_items=10,
                                too_many_code=codes.SELLER_SKUS_TOO_MANY)
    sku_ids = body_str_list(body, "sku_ids", max_items=10, too_many_code=codes.SKU_IDS_TOO_MANY)
    audit = body_str_list(body, "audit_status", allowed=AUDIT_STATUSES)
    cols = ctx.dataset.products[shop.id]
    predicates = [
        None if status == "ALL" else (lambda i: cols.status[i] == status),
        time_range(cols.create, times["create_time_ge"], times["create_time_le"],
                   high_inclusive=True),
        time_range(cols.update, times["update_time_ge"], times["update_time_le"],
                   high_inclusive=True),
    ]
    if seller_skus is not None:
        index = ctx.dataset.seller_sku_index(shop)
        wanted = {index[s] for s in seller_skus if s in index}
        predicates.append(lambda i: i in wanted)
    if sku_ids is not None:
        owners = {ctx.dataset.sku_owner(shop, s) for s in sku_ids} - {None}
        predicates.append(lambda i: i in owners)
    if audit is not None:
        predicates.append(lambda i: AUDIT_BY_STATUS.get(cols.status[i], "NONE") in audit)
    filters = {"status": status, **times, "seller_skus": seller_skus, "sku_ids": sku_ids,
               "audit_status": audit}
    page, next_token, total = paged_search(
        ctx, cols, filters, predicates, cols.update, True, page_size,
        cap=ctx.options.product_search_cap)
    shape = PRODUCT_SEARCH[ctx.version]
    region = [shop.region.code]
    products = [project({**ctx.dataset.product(shop, i), "sales_regions": region}, shape)
                for i in page]
    return {"products": products, "next_page_token": next_token, "total_count": total}


def get_product(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    for name in ("return_under_review_version", "return_draft_version"):
        if ctx.query.get(name, "false") not in ("true", "false"):
            raise invalid(f"Invalid param. `{name}` must be true or false.")
    _, record = product_or_error(ctx, readable=True)
    return project(record, PRODUCT_DETAIL)


def search_inventory(ctx: Context) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, {"product_ids", "sku_ids"})
    product_ids = body_str_list(ctx.body, "product_ids", max_items=100)
    sku_ids = body_str_list(ctx.body, "sku_ids", max_items=600)
    if not product_ids and not sku_ids:
        raise invalid("Invalid param. Either `product_ids` or `sku_ids` is required.")
    wanted: dict[int, set[str] | None] = {}
    if sku_ids:  # sku_ids take precedence over product_ids
        for sku_id in dict.fromkeys(sku_ids):
            owner = ctx.dataset.sku_owner(shop, sku_id)
            if owner is not None:
                skus = wanted.setdefault(owner, set())
                assert skus is not None
                skus.add(sku_id)
    else:
        for product_id in dict.fromkeys(product_ids or []):
            idx = ctx.dataset.product_index(shop, product_id)
            if idx is not None:
                wanted[idx] = None
    inventory = []
    for idx, only in wanted.items():
        record = ctx.dataset.product(shop, idx)
        skus = []
        for sku in record.get("skus", []):
            if only is not None and sku["id"] not in only:
                continue
            per_wh = [{"warehouse_id": inv["warehouse_id"],
                       "available_quantity": inv.get("quantity", 0), "committed_quantity": 0}
                      for inv in sku.get("inventory", [])]
            total = sum(w["available_quantity"] for w in per_wh)
            skus.append({
                "id": sku["id"], "seller_sku": sku["seller_sku"],
                "total_available_quantity": total, "total_committed_quantity": 0,
                "warehouse_inventory": per_wh,
                "total_available_inventory_distribution": {"in_shop_inventory": {
                    "quantity": total}},
            })
        inventory.append({"product_id": record["id"], "skus": skus})
    return {"inventory": inventory}
