"""Search Returns and Search Cancellations (202309).

Same paging and time-filter rules as Get Order List, but ``sort_order`` defaults
to ASC and ``page_size`` ranges are [10, 50] (returns) and [1, 50]
(cancellations), default 10. The cancellation status filter accepts
``CANCELLATION_REQUEST_CANCEL`` (request schema spelling) and its response-schema
variant ``CANCELLATION_REQUEST_CANCELLED``; records carry the former.
"""

from __future__ import annotations

from .context import Context, body_str_list, check_body_fields, invalid, query_page_size
from .gen_aftersales import (
    ARBITRATION_STATUSES,
    CANCEL_STATUSES,
    CANCEL_TYPES,
    RETURN_STATUSES,
    RETURN_TYPES,
)
from .query import Predicate, paged_search
from .search_filters import buyer_index, sort_spec, time_filters, time_predicates

RETURN_FIELDS = frozenset({
    "arbitration_status", "buyer_user_ids", "create_time_ge", "create_time_lt", "locale",
    "order_ids", "return_ids", "return_status", "return_types", "seller_proposed_return_type",
    "update_time_ge", "update_time_lt",
})
CANCEL_FIELDS = frozenset({
    "buyer_user_ids", "cancel_ids", "cancel_status", "cancel_types", "create_time_ge",
    "create_time_lt", "locale", "order_ids", "update_time_ge", "update_time_lt",
})


def _common(ctx: Context, cols, id_name: str) -> tuple[dict, list[Predicate | None]]:
    """Filters shared by both searches: own ids, order ids, buyer ids, times."""
    shop = ctx.require_shop()
    body = ctx.body
    locale = body.get("locale")
    if locale is not None and not isinstance(locale, str):
        raise invalid("Invalid param. `locale` must be a string.")
    times = time_filters(body)
    own_ids = body_str_list(body, id_name)
    order_ids = body_str_list(body, "order_ids")
    buyers = body_str_list(body, "buyer_user_ids")
    predicates = time_predicates(cols, times)
    orders = ctx.dataset.orders[shop.id]
    if own_ids is not None:
        wanted = {cols.pos[i] for i in own_ids if i in cols.pos}
        predicates.append(lambda i: i in wanted)
    if order_ids is not None:
        wanted_orders = {orders.pos[i] for i in order_ids if i in orders.pos}
        predicates.append(lambda i: cols.extra["order"][i] in wanted_orders)
    if buyers is not None:
        index = buyer_index(shop)
        wanted_buyers = {index[b] for b in buyers if b in index}
        predicates.append(
            lambda i: orders.extra["buyer"][cols.extra["order"][i]] in wanted_buyers)
    filters = {**times, id_name: own_ids, "order_ids": order_ids, "buyer_user_ids": buyers}
    return filters, predicates


def search_returns(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, RETURN_FIELDS)
    page_size = query_page_size(ctx.query, 10, 50, 10)
    field, desc = sort_spec(ctx, "ASC")
    cols = ctx.dataset.returns[shop.id]
    filters, predicates = _common(ctx, cols, "return_ids")
    statuses = body_str_list(body, "return_status", allowed=RETURN_STATUSES)
    types = body_str_list(body, "return_types", allowed=RETURN_TYPES)
    arbitration = body_str_list(body, "arbitration_status", allowed=ARBITRATION_STATUSES)
    proposed = body_str_list(body, "seller_proposed_return_type", allowed=("PARTIAL_REFUND",))
    if statuses is not None:
        predicates.append(lambda i: cols.status[i] in statuses)
    if types is not None:
        predicates.append(lambda i: cols.extra["rtype"][i] in types)
    if arbitration is not None:
        predicates.append(lambda i: cols.extra["arb"][i] in arbitration)
    if proposed:  # no generated return carries a seller-proposed return type
        predicates.append(lambda i: False)
    filters.update(return_status=statuses, return_types=types, arbitration_status=arbitration,
                   seller_proposed_return_type=proposed, sort=field)
    values = cols.create if field == "create_time" else cols.update
    page, next_token, total = paged_search(ctx, cols, filters, predicates, values, desc,
                                           page_size)
    return {"return_orders": [ctx.dataset.return_record(shop, i) for i in page],
            "next_page_token": next_token, "total_count": total}


def search_cancellations(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, CANCEL_FIELDS)
    page_size = query_page_size(ctx.query, 1, 50, 10)
    field, desc = sort_spec(ctx, "ASC")
    cols = ctx.dataset.cancellations[shop.id]
    filters, predicates = _common(ctx, cols, "cancel_ids")
    statuses = body_str_list(body, "cancel_status",
                             allowed=(*CANCEL_STATUSES, "CANCELLATION_REQUEST_CANCELLED"))
    types = body_str_list(body, "cancel_types", allowed=CANCEL_TYPES)
    if statuses is not None:
        wanted = {s.replace("_CANCELLED", "_CANCEL") for s in statuses}
        predicates.append(lambda i: cols.status[i] in wanted)
    if types is not None:
        predicates.append(lambda i: cols.extra["ctype"][i] in types)
    filters.update(cancel_status=statuses, cancel_types=types, sort=field)
    values = cols.create if field == "create_time" else cols.update
    page, next_token, total = paged_search(ctx, cols, filters, predicates, values, desc,
                                           page_size)
    return {"cancellations": [ctx.dataset.cancellation(shop, i) for i in page],
            "next_page_token": next_token, "total_count": total}
