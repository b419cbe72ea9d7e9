"""Validation and normalisation of input records, before any API call.

Each input record becomes either a change (``InventoryChange``, ``PriceChange``,
``ProductChange``, ``ShipmentChange``) or a ``Rejected`` with a reason. Nothing here raises
on bad data: a bad record is reported in the results file and the rest of the run goes on.
Whether the ids exist in the shop is checked later, against TikTok's catalogue
(see ``catalog`` and ``planner``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

INVENTORY, PRICES, PRODUCTS, SHIPMENTS = "inventory", "prices", "products", "shipments"
STREAMS = (INVENTORY, PRICES, PRODUCTS, SHIPMENTS)

#: TikTok documents [1, 99999]; 0 is accepted here because setting stock to zero is
#: the normal way to stop selling an item.
MAX_QUANTITY = 99_999
ACTIVATE, SELLER_DEACTIVATED = "ACTIVATE", "SELLER_DEACTIVATED"
PRODUCT_STATUSES = (ACTIVATE, SELLER_DEACTIVATED)
CENT = Decimal("0.01")
MAX_ID_TEXT = 128  # longer "ids" are cut in results lines (they cannot be TikTok ids)
#: TikTok ids are decimal strings. Ids go into request paths, so anything that could
#: change the path (``/``, ``..``, ``?``, ``%``, spaces) is refused before any call.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
ID_FIELDS = ("shop_id", "product_id", "sku_id", "warehouse_id", "order_id", "package_id")
#: Keys only the ``shipments`` stream reads (other streams ignore them like any extra field).
SHIPMENT_KEYS = ("order_id", "package_id")
MAX_TRACKING_NUMBER = 64  # longer is no carrier's tracking number
MAX_LINE_ITEMS = 100
MAX_AMOUNT_DIGITS = 20  # digits before the decimal point; TikTok refuses far less


@dataclass(frozen=True)
class Keys:
    """Identifying keys of a record: as given, then completed by resolution."""

    shop_id: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    seller_sku: str | None = None
    warehouse_id: str | None = None
    order_id: str | None = None
    package_id: str | None = None

    def resolved(self, *, product_id: str | None = None, sku_id: str | None = None,
                 warehouse_id: str | None = None, package_id: str | None = None) -> Keys:
        """The same keys with resolved ids filled in (given values are kept).

        Built directly rather than with ``dataclasses.replace``: this runs for every
        record of every batch, and ``replace`` took over half of the planner's time.
        """
        return Keys(self.shop_id,
                    self.product_id if product_id is None else self.product_id or product_id,
                    self.sku_id if sku_id is None else self.sku_id or sku_id,
                    self.seller_sku,
                    self.warehouse_id if warehouse_id is None
                    else self.warehouse_id or warehouse_id,
                    self.order_id,
                    self.package_id if package_id is None else self.package_id or package_id)


@dataclass(frozen=True)
class Rejected:
    """A record that cannot be applied, and why (written to the results file)."""

    reason: str


@dataclass(frozen=True)
class Change:
    """Common part of every valid change."""

    seq: int
    keys: Keys


@dataclass(frozen=True)
class InventoryChange(Change):
    """Set the available quantity of one SKU in one warehouse."""

    quantity: int


@dataclass(frozen=True)
class PriceChange(Change):
    """Set the price (and optionally the list price) of one SKU.

    ``amount`` is Update Price's ``price.amount``: the display price for a local seller,
    the pre-tax price for a cross-border (global) seller, whose display price can be
    given as ``sale_price`` (see ``planner.plan_prices``).
    """

    amount: Decimal
    currency: str
    list_price: Decimal | None = None
    sale_price: Decimal | None = None


@dataclass(frozen=True)
class ProductChange(Change):
    """Change the status, title and/or description of one product."""

    status: str | None = None
    title: str | None = None
    description: str | None = None

    @property
    def fields(self) -> dict[str, str]:
        """The properties this record sets (only those given)."""
        values = {"status": self.status, "title": self.title, "description": self.description}
        return {name: value for name, value in values.items() if value is not None}


def _id_text(value: Any) -> str | None:
    """An id as text for results lines, whatever the input type (None when absent)."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < MAX_ID_TEXT \
            and value == value.to_integral_value():
        value = int(value)
    try:
        text = str(value).strip()
    except ValueError:  # an int too long to print (Python's digit limit)
        return "<number too large>"
    return text[:MAX_ID_TEXT] or None


def blank_is_absent(record: Mapping[str, Any]) -> dict[str, Any]:
    """Empty or blank strings count as "not given" (CSV sources write empty cells)."""
    return {k: None if isinstance(v, str) and not v.strip() else v for k, v in record.items()}


def record_keys(record: Mapping[str, Any]) -> Keys:
    """Keys of any record (also an invalid one) for its results line."""
    return Keys(**{name: _id_text(record.get(name)) for name in Keys.__dataclass_fields__})


def _check_id(record: Mapping[str, Any], name: str) -> str | None:
    """Reason why an id field is unusable, or None when it is absent or fine."""
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return f"{name} must be a string or integer id, got {type(value).__name__}"
    if isinstance(value, Decimal) and (not value.is_finite()
                                       or value != value.to_integral_value()):
        return f"{name} must be an id, got the number {value}"
    if isinstance(value, int | Decimal) and value < 0:
        return f"{name} must be an id, got the number {value}"
    if name in ID_FIELDS and isinstance(value, str):
        problem = _text_problem(name, value)
        if problem:
            return problem
        if not ID_PATTERN.fullmatch(value.strip()):
            return (f"{name} must be an id (letters, digits, '-' or '_', at most 64), got "
                    f"{_show(value)}")
    return None


def _text_problem(name: str, value: str) -> str | None:
    """Reason why a text cannot be sent as JSON/UTF-8 (a lone surrogate), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{name} is not valid Unicode text (it holds a lone surrogate code point)"
    return None


def parse_quantity(value: Any) -> int | Rejected:
    """A whole number in 0..99,999 (integral numbers and digit strings accepted)."""
    if value is None:
        return Rejected("quantity is missing")
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, Decimal | float):
        dec = Decimal(str(value))
        if dec.is_finite() and dec.adjusted() > 9:  # never build a huge int (1E+999999999)
            number = MAX_QUANTITY + 1 if dec > 0 else -1
        elif dec.is_finite() and dec == dec.to_integral_value():
            number = int(dec)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        digits = value.strip().lstrip("+-").lstrip("0")
        if len(digits) > 9:
            number = -1 if value.strip().startswith("-") else MAX_QUANTITY + 1
        else:
            number = int(value)
    if number is None:
        return Rejected(f"quantity must be a whole number, got {_show(value)}")
    if number < 0:
        return Rejected(f"quantity must be 0 or more, got {_show(value)}")
    if number > MAX_QUANTITY:
        return Rejected(f"quantity must be at most {MAX_QUANTITY:,} (TikTok's limit), got "
                        f"{_show(value)}")
    return number


def parse_amount(name: str, value: Any) -> Decimal | Rejected:
    """A money amount > 0 with at most 2 decimals (number or decimal string)."""
    if value is None:
        return Rejected(f"{name} is missing")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return Rejected(f"{name} must be a decimal number or string, got {_show(value)}")
    if isinstance(value, str) and not value.isascii():  # Decimal() also reads "١٢"
        return Rejected(f"{name} must be a decimal number, got {_show(value)}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return Rejected(f"{name} must be a decimal number, got {_show(value)}")
    if not amount.is_finite():
        return Rejected(f"{name} must be a finite number, got {_show(value)}")
    if amount <= 0:
        return Rejected(f"{name} must be greater than 0, got {_show(value)}")
    if amount.adjusted() >= MAX_AMOUNT_DIGITS:
        return Rejected(f"{name} is too large, got {_show(value)}")
    if amount != amount.quantize(CENT):
        return Rejected(f"{name} must have at most 2 decimals, got {_show(value)}")
    return amount


def parse_currency(value: Any) -> str | Rejected:
    """A 3-letter ISO currency code (case-insensitive)."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return Rejected(f"currency must be a 3-letter code such as USD, got {_show(value)}")
    return value.strip().upper()


def _text(record: Mapping[str, Any], name: str) -> str | Rejected | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        return Rejected(f"{name} must be a string, got {type(value).__name__}")
    problem = _text_problem(name, value)
    return Rejected(problem) if problem else value


def _show(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value) if not isinstance(value, Decimal) else str(value)
    except ValueError:  # an int too long to print (Python's digit limit)
        return "a number too large to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _common_checks(stream: str, record: Mapping[str, Any], keys: Keys) -> Rejected | None:
    for name in Keys.__dataclass_fields__:
        if name in SHIPMENT_KEYS and stream != SHIPMENTS:
            continue
        reason = _check_id(record, name)
        if reason:
            return Rejected(reason)
    seller_sku = record.get("seller_sku")
    if isinstance(seller_sku, str):
        problem = _text_problem("seller_sku", seller_sku)
        if problem:
            return Rejected(problem)
    if keys.shop_id is None:
        return Rejected("shop_id is missing")
    if stream == PRODUCTS:
        if keys.product_id is None:
            return Rejected("product_id is missing")
        return None
    if stream == SHIPMENTS:
        return None if keys.order_id is not None else Rejected("order_id is missing")
    if keys.sku_id is None and keys.seller_sku is None:
        return Rejected("sku_id or seller_sku is required")
    if keys.sku_id is not None and keys.product_id is None and keys.seller_sku is None:
        return Rejected("product_id is required with sku_id (or give seller_sku)")
    return None


def parse_record(stream: str, seq: int, record: Mapping[str, Any]) -> Change | Rejected:
    """Validate and normalise one record of ``stream`` (one of ``STREAMS``)."""
    if not isinstance(record, Mapping):
        return Rejected("record is not an object")
    record = blank_is_absent(record)
    keys = record_keys(record)
    problem = _common_checks(stream, record, keys)
    if problem:
        return problem
    if stream == INVENTORY:
        quantity = parse_quantity(record.get("quantity"))
        if isinstance(quantity, Rejected):
            return quantity
        return InventoryChange(seq, keys, quantity)
    if stream == PRICES:
        return _parse_price(seq, keys, record)
    if stream == PRODUCTS:
        return _parse_product(seq, keys, record)
    if stream == SHIPMENTS:
        return _parse_shipment(seq, keys, record)
    raise ValueError(f"not a target stream: {stream}")


def _parse_price(seq: int, keys: Keys, record: Mapping[str, Any]) -> PriceChange | Rejected:
    amount = parse_amount("amount", record.get("amount"))
    if isinstance(amount, Rejected):
        return amount
    currency = parse_currency(record.get("currency"))
    if isinstance(currency, Rejected):
        return currency
    list_price = None
    if record.get("list_price_amount") is not None:
        parsed = parse_amount("list_price_amount", record.get("list_price_amount"))
        if isinstance(parsed, Rejected):
            return parsed
        list_price = parsed
    sale_price = None
    if record.get("sale_price") is not None:
        parsed = parse_amount("sale_price", record.get("sale_price"))
        if isinstance(parsed, Rejected):
            return parsed
        sale_price = parsed
    return PriceChange(seq, keys, amount, currency, list_price, sale_price)


def _parse_product(seq: int, keys: Keys, record: Mapping[str, Any]) -> ProductChange | Rejected:
    status = record.get("status")
    if status is not None:
        if not isinstance(status, str) or status.strip().upper() not in PRODUCT_STATUSES:
            return Rejected(
                f"unknown status {_show(status)}: use {' or '.join(PRODUCT_STATUSES)}"
            )
        status = status.strip().upper()
    title, description = _text(record, "title"), _text(record, "description")
    for value in (title, description):
        if isinstance(value, Rejected):
            return value
    change = ProductChange(seq, keys, status, title, description)  # type: ignore[arg-type]
    if not change.fields:
        return Rejected("nothing to change: give status, title and/or description")
    return change


@dataclass(frozen=True)
class ShipmentChange(Change):
    """Ship an order (or some of its line items, or one package) with a tracking number.

    Exactly one of ``provider_id`` and ``provider_name`` is set; a name is resolved to
    the id through the order's delivery option (``order_cache``).
    """

    tracking_number: str
    provider_id: str | None = None
    provider_name: str | None = None
    line_item_ids: tuple[str, ...] = ()


def _parse_shipment(seq: int, keys: Keys, record: Mapping[str, Any]) -> ShipmentChange | Rejected:
    tracking = record.get("tracking_number")
    if tracking is None:
        return Rejected("tracking_number is missing")
    if isinstance(tracking, bool) or not isinstance(tracking, str | int):
        return Rejected(f"tracking_number must be a string, got {type(tracking).__name__}")
    tracking = str(tracking).strip()
    problem = _text_problem("tracking_number", tracking)
    if problem:
        return Rejected(problem)
    if len(tracking) > MAX_TRACKING_NUMBER or not tracking.isprintable() or " " in tracking:
        return Rejected(f"tracking_number must be at most {MAX_TRACKING_NUMBER} characters "
                        f"without spaces, got {_show(tracking)}")
    provider_id = record.get("shipping_provider_id")
    if provider_id is not None:
        reason = _check_id(record, "shipping_provider_id")
        if reason or not ID_PATTERN.fullmatch(str(_id_text(provider_id))):
            return Rejected(reason or f"shipping_provider_id must be an id, got "
                                      f"{_show(provider_id)}")
        provider_id = _id_text(provider_id)
    name = _text(record, "shipping_provider_name")
    if isinstance(name, Rejected):
        return name
    name = name.strip() if name is not None else None
    if provider_id is not None and name:
        return Rejected("give shipping_provider_id or shipping_provider_name, not both")
    if provider_id is None and not name:
        return Rejected("shipping_provider_id or shipping_provider_name is required")
    lines = _line_item_ids(record.get("order_line_item_ids"))
    if isinstance(lines, Rejected):
        return lines
    return ShipmentChange(seq, keys, tracking, provider_id, name or None, lines)


def _line_item_ids(value: Any) -> tuple[str, ...] | Rejected:
    """Order line item ids: a list of ids, or one id / a comma-separated string (CSV)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, int | Decimal) and not isinstance(items, bool):
        items = [items]
    if not isinstance(items, list | tuple):
        return Rejected("order_line_item_ids must be a list of ids, got "
                        f"{type(value).__name__}")
    ids = []
    for item in items:
        reason = _check_id({"id": item}, "id")
        text = _id_text(item)
        if reason or text is None or not ID_PATTERN.fullmatch(text):
            return Rejected(f"order_line_item_ids must hold ids, got {_show(item)}")
        ids.append(text)
    if len(ids) > MAX_LINE_ITEMS:
        return Rejected(f"order_line_item_ids holds more than {MAX_LINE_ITEMS} ids")
    return tuple(dict.fromkeys(ids))
