"""Filters and sorting shared by the order and after-sales searches."""

from __future__ import annotations

from .context import Context, body_int, query_enum
from .gen_orders import BUYERS_PER_SHOP, user_id
from .gen_shops import SeededShop
from .query import Predicate, time_range

SORT_FIELDS = ("create_time", "update_time")


def buyer_index(shop: SeededShop) -> dict[str, int]:
    return {user_id(shop, b): b for b in range(BUYERS_PER_SHOP)}


def time_filters(body: dict) -> dict[str, int | None]:
    return {name: body_int(body, name) for name in (
        "create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")}


def time_predicates(cols, times: dict[str, int | None]) -> list[Predicate | None]:
    return [
        time_range(cols.create, times["create_time_ge"], times["create_time_lt"],
                   high_inclusive=False),
        time_range(cols.update, times["update_time_ge"], times["update_time_lt"],
                   high_inclusive=False),
    ]


def sort_spec(ctx: Context, default_order: str) -> tuple[str, bool]:
    field = query_enum(ctx.query, "sort_field", SORT_FIELDS, "create_time")
    order = query_enum(ctx.query, "sort_order", ("ASC", "DESC"), default_order)
    return field, order == "DESC"
