"""Get Authorized Shops and Get Warehouses."""

from __future__ import annotations

from .context import Context, check_body_fields


def get_authorized_shops(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    allowed = ctx.extra.get("token_shop_ids")
    return {"shops": [s.api() for s in ctx.dataset.shops
                      if allowed is None or s.id in allowed]}


def get_warehouses(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    return {"warehouses": [dict(w) for w in ctx.require_shop().warehouses]}
