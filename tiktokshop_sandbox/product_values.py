"""Product lookups and value rules shared by the product read and write handlers."""

from __future__ import annotations

import re
from decimal import Decimal

from tiktokshop import codes

from .context import ApiError, Context
from .gen_common import Region, money, tax_exclusive

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


def priced(region: Region, amount: str, *, cross_border: bool,
           sale_price: str | None = None) -> dict:
    """The SKU ``price`` object after Update Price set ``price.amount`` (and
    ``price.sale_price``), following the OpenAPI snapshot's field meanings:

    * local seller: ``amount`` is the display price (``sale_price``); the pre-tax price
      is derived from it;
    * cross-border (global) seller: ``amount`` is the pre-tax price
      (``tax_exclusive_price``); the display price is ``sale_price`` when sent, else the
      pre-tax price with the region's tax added (the sandbox's stand-in for TikTok's
      taxes and cross-border fees).
    """
    if cross_border:
        display = sale_price or money(Decimal(amount) * (1 + region.vat))
        return {"currency": region.currency, "sale_price": display,
                "tax_exclusive_price": amount}
    return {"currency": region.currency, "sale_price": amount,
            "tax_exclusive_price": tax_exclusive(amount, region)}


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
