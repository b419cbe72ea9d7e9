"""Search Package and Get Package Detail (fulfillment 202309).

Search: ``page_size`` required, 1-50; ``sort_field`` create_time (default) | update_time |
order_pay_time, ``sort_order`` DESC (default) | ASC, ties broken by package id in the same
direction; body filters ``create_time_ge/lt`` and ``update_time_ge/lt`` (``_ge``
inclusive, ``_lt`` exclusive, a missing bound open) and ``package_status`` (one value).
List items are the search summary (``id``, ``status``, times, orders, line item ids,
provider, tracking number). Detail: a package id that is not one of this shop's packages
(another shop's, or none) fails with 21008111 "The order or package does not belong to
the current seller" (HTTP 200), as Get Order Detail does for orders.
"""

from __future__ import annotations

from tiktokshop import codes

from .context import (
    ApiError,
    Context,
    body_enum,
    check_body_fields,
    query_enum,
    query_page_size,
)
from .gen_packages import PACKAGE_STATUSES, search_item
from .query import paged_search
from .search_filters import time_filters, time_predicates

SEARCH_FIELDS = frozenset({"create_time_ge", "create_time_lt", "package_status",
                           "update_time_ge", "update_time_lt"})
SORT_FIELDS = ("create_time", "update_time", "order_pay_time")


def search_packages(ctx: Context) -> dict:
    shop = ctx.require_shop()
    body = ctx.body
    check_body_fields(body, SEARCH_FIELDS)
    page_size = query_page_size(ctx.query, 1, 50, None)
    field = query_enum(ctx.query, "sort_field", SORT_FIELDS, "create_time")
    desc = query_enum(ctx.query, "sort_order", ("ASC", "DESC"), "DESC") == "DESC"
    times = time_filters(body)
    status = body_enum(body, "package_status", PACKAGE_STATUSES)
    dataset = ctx.dataset
    cols = dataset.package_columns(shop)
    predicates = [None if status is None else (lambda i: cols.status[i] == status),
                  *time_predicates(cols, times)]
    values = {"create_time": cols.create, "update_time": cols.update,
              "order_pay_time": cols.extra["paid"]}[field]
    filters = {**times, "package_status": status, "sort": field}
    page, next_token, total = paged_search(ctx, cols, filters, predicates, values, desc,
                                           page_size)
    packages = [search_item(dataset.package(shop, i)) for i in page]
    return {"packages": packages, "next_page_token": next_token, "total_count": total}


def get_package(ctx: Context) -> dict:
    shop = ctx.require_shop()
    check_body_fields(ctx.body, set())
    idx = ctx.dataset.package_index(shop, ctx.params["package_id"])
    if idx is None:
        raise ApiError(codes.ORDER_NOT_OWNED,
                       "The order or package does not belong to the current seller.")
    return ctx.dataset.package(shop, idx)
