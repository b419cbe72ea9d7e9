"""Promotions: Search Activities and Get Activity (202309), Search Coupons and Get
Coupon (202406).

Request rules from the OpenAPI snapshot: Search Activities takes everything in its body
(``status``, ``activity_type``, ``activity_title``: key words, no fuzzy matching,
``page_size`` default 50, ``page_token``); Search Coupons takes ``page_size`` (1-100,
default 50) and ``page_token`` in the query and ``status`` / ``display_type`` (lists) and
``title_keyword`` in the body. Neither search offers an update-time filter or sort.

Sandbox choices where the snapshot is silent (UNCONFIRMED): results come newest
``update_time`` first, ties by id; a title filter matches a case-sensitive substring;
Search Activities' ``page_size`` must be 1-100 (the snapshot's range starts at 0, whose
meaning it does not give); an id that is not the shop's answers 36009004 (HTTP 400).
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
from .gen_promotions import (
    ACTIVITY_STATUSES,
    ACTIVITY_TYPES,
    COUPON_DISPLAY_TYPES,
    COUPON_STATUSES,
    activity_detail,
    activity_summary,
    coupon_summary,
)
from .keyset import page_rows

ACTIVITY_BODY = frozenset({"status", "activity_type", "activity_title", "page_size",
                           "page_token"})
COUPON_BODY = frozenset({"status", "display_type", "title_keyword"})


def _newest_first(rows: list[dict], id_key: str) -> list[tuple[int, str]]:
    return [(-row["update_time"], row[id_key]) for row in rows]


def search_activities(ctx: Context) -> dict:
    body = ctx.body
    check_body_fields(body, ACTIVITY_BODY)
    status = body_enum(body, "status", ACTIVITY_STATUSES)
    kind = body_enum(body, "activity_type", ACTIVITY_TYPES)
    title = body.get("activity_title")
    if title is not None and not isinstance(title, str):
        raise invalid("Invalid param. `activity_title` must be a string.")
    size = body.get("page_size", 50)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid("Invalid param. `page_size` must be an integer in [1, 100].")
    token = body.get("page_token") or None
    if token is not None and not isinstance(token, str):
        raise invalid("Invalid param. `page_token` must be a string.")
    records = [r for r in ctx.dataset.promotions(ctx.require_shop()).activities
               if (status is None or r["status"] == status)
               and (kind is None or r["activity_type"] == kind)
               and (not title or title in r["title"])]
    page, next_token = page_rows(ctx, records, _newest_first(records, "activity_id"),
                                 [status, kind, title], size, token)
    return {"activities": [activity_summary(r) for r in page], "next_page_token": next_token,
            "total_count": len(records)}


def get_activity(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    book = ctx.dataset.promotions(ctx.require_shop())
    record = book.activity(ctx.params["activity_id"])
    if record is None:
        raise ApiError(codes.INVALID_REQUEST, "Invalid param. The activity does not exist or "
                       "does not belong to this shop.", 400)
    return activity_detail(record)


def search_coupons(ctx: Context) -> dict:
    body = ctx.body
    check_body_fields(body, COUPON_BODY)
    statuses = body_str_list(body, "status", allowed=COUPON_STATUSES)
    displays = body_str_list(body, "display_type", allowed=COUPON_DISPLAY_TYPES)
    keyword = body.get("title_keyword")
    if keyword is not None and (not isinstance(keyword, str) or not 0 < len(keyword) <= 100):
        raise invalid("Invalid param. `title_keyword` must be 1-100 characters.")
    size = query_page_size(ctx.query, 1, 100, 50)
    records = [r for r in ctx.dataset.promotions(ctx.require_shop()).coupons
               if (statuses is None or r["status"] in statuses)
               and (displays is None or r["display_type"] in displays)
               and (not keyword or keyword in r["title"])]
    page, token = page_rows(ctx, records, _newest_first(records, "id"),
                            [sorted(statuses or []), sorted(displays or []), keyword], size,
                            ctx.query.get("page_token"))
    return {"coupons": [coupon_summary(r) for r in page], "next_page_token": token,
            "total_count": len(records)}


def get_coupon(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    record = ctx.dataset.promotions(ctx.require_shop()).coupon(ctx.params["coupon_id"])
    if record is None:
        raise ApiError(codes.INVALID_REQUEST, "Invalid param. The coupon does not exist or "
                       "does not belong to this shop.", 400)
    return {"coupon": record}
