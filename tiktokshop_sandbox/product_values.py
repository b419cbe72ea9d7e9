"""Product lookups and value rules shared by the product read and write handlers."""

from __future__ import annotations

import re
from decimal import Decimal

from tiktokshop import codes

from .context import ApiError, Context

MAX_QUANTITY = 99_999
_PRICE_RE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def product_or_error(ctx: Context, *, readable: bool = False) -> tuple[int, dict]:
    shop = ctx.require_shop()
    product_id = ctx.params["product_id"]
    idx = ctx.dataset.product_index(shop, product_id)
    if idx is None:
        raise ApiError(codes.PRODUCT_NOT_FOUND, "The product ID does not exist.")
    record = ctx.dataset.product(shop, idx)
    if readable and record["status"] in ("FREEZE", "DELETED"):
        raise ApiError(codes.PRODUCT_NOT_FOUND,
                       f"The product ID does not exist (status {record['status']}).")
    return idx, record


def parse_price(value: object, name: str, currency: str) -> str:
    """The ``amount`` of a price object sent by a client, or the error TikTok answers."""
    if not isinstance(value, dict):
        raise ApiError(codes.PRICE_FORMAT, f"Incorrect price format: `{name}` is required.")
    amount = value.get("amount")
    if not isinstance(amount, str) or not _PRICE_RE.match(amount) or Decimal(amount) <= 0:
        raise ApiError(codes.PRICE_FORMAT,
                       f"Incorrect price format: `{name}.amount` must be a decimal string "
                       "greater than 0 with at most 2 decimals.")
    sale = value.get("sale_price")
    if sale is not None and (not isinstance(sale, str) or not _PRICE_RE.match(sale)):
        raise ApiError(codes.PRICE_FORMAT, f"Incorrect price format: `{name}.sale_price`.")
    if value.get("currency") != currency:
        raise ApiError(codes.PRICE_WRONG_CURRENCY,
                       f"The currency must be the shop's currency ({currency}).")
    return amount
