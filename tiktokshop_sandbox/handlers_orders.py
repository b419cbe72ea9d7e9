"""Get Order List (search) and Get Order Detail.

Search: ``sort_field`` create_time (default) | update_time, ``sort_order`` DESC
(default) | ASC, ties broken by id in the same direction; ``*_ge`` inclusive,
``*_lt`` exclusive; a missing bound is open. List items are full order objects.
Detail: ``ids`` comma-joined, at most 50; any id not of this shop fails the whole
call with 21008111 (HTTP 200).
"""

from __future__ import annotations

from tiktokshop import codes

from .context import (
    ApiError,
    Context,
    body_enum,
    body_str_list,
    check_body_fields,
    invalid,
    query_page_size,
)
from .gen_orders import ORDER_STATUSES
from .query import paged_search
from .search_filters import buyer_index, sort_spec, time_filters, time_predicates

ORDER_SEARCH_FIELDS = frozenset({
    "buyer_user_id", "create_time_ge", "create_time_lt", "is_buyer_request_cancel",
    "order_status", "shipping_type", "update_time_ge", "update_time_lt", "warehouse_ids",
})
def search_orders(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, ORDER_SEARCH_FIELDS)
    page_size = query_page_size(ctx.query, 1, 100, 20)
    field, desc = sort_spec(ctx, "DESC")
    times = time_filters(body)
    status = body_enum(body, "order_status", ORDER_STATUSES)
    shipping = body_enum(body, "shipping_type", ("TIKTOK", "SELLER"))
    warehouses = body_str_list(body, "warehouse_ids", max_items=100)
    buyer = body.get("buyer_user_id")
    if buyer is not None and not isinstance(buyer, str):
        raise invalid("Invalid param. `buyer_user_id` must be a string.")
    cancel_req = body.get("is_buyer_request_cancel")
    if cancel_req is not None and not isinstance(cancel_req, bool):
        raise invalid("Invalid param. `is_buyer_request_cancel` must be a boolean.")
    cols = ctx.dataset.orders[shop.id]
    predicates = [
        None if status is None else (lambda i: cols.status[i] == status),
        *time_predicates(cols, times),
    ]
    if shipping is not None:
        ship = ("TIKTOK", "SELLER").index(shipping)
        predicates.append(lambda i: cols.extra["ship"][i] == ship)
    if warehouses is not None:
        wh = {n for n, w in enumerate(shop.warehouse_ids) if w in warehouses}
        predicates.append(lambda i: cols.extra["wh"][i] in wh)
    if buyer is not None:
        b = buyer_index(shop).get(buyer, -1)
        predicates.append(lambda i: cols.extra["buyer"][i] == b)
    if cancel_req:  # no generated order carries a pending buyer cancellation request
        predicates.append(lambda i: False)
    filters = {**times, "order_status": status, "shipping_type": shipping,
               "warehouse_ids": warehouses, "buyer_user_id": buyer,
               "is_buyer_request_cancel": cancel_req, "sort": field}
    values = cols.create if field == "create_time" else cols.update
    page, next_token, total = paged_search(ctx, cols, filters, predicates, values, desc,
                                           page_size)
    orders = [ctx.dataset.order(shop, i) for i in page]
    return {"orders": orders, "next_page_token": next_token, "total_count": total}


def get_orders(ctx: Context) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, set())
    raw = ctx.query.get("ids")
    if raw is None:
        raise invalid("Invalid param. The `ids` query parameter is required.")
    ids = list(dict.fromkeys(part.strip() for part in raw.split(",")))
    if not ids or any(not part.isdigit() for part in ids):
        raise invalid("Invalid param. `ids` must be comma-separated order IDs.")
    if len(ids) > 50:
        raise invalid("Invalid param. `ids` accepts at most 50 order IDs.")
    orders = []
    for order_id in ids:
        idx = ctx.dataset.order_index(shop, order_id)
        if idx is None:
            raise ApiError(codes.ORDER_NOT_OWNED,
                           "The order or package does not belong to the current seller.")
        orders.append(ctx.dataset.order(shop, idx))
    return {"orders": orders}
