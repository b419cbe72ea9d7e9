"""Validation and normalisation of input records."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_tiktokshop.changes import (
    InventoryChange,
    PriceChange,
    ProductChange,
    Rejected,
    parse_amount,
    parse_quantity,
    parse_record,
    record_keys,
)

BASE = {"shop_id": "1", "product_id": "10", "sku_id": "100", "warehouse_id": "7"}


@pytest.mark.parametrize(("value", "expected"), [
    (0, 0), (5, 5), (99_999, 99_999), (Decimal("12"), 12), (Decimal("12.0"), 12), (3.0, 3),
    ("42", 42), (" 7 ", 7),
])
def test_quantity_accepted(value, expected):
    assert parse_quantity(value) == expected


@pytest.mark.parametrize(("value", "fragment"), [
    (-1, "0 or more"), (100_000, "at most 99,999"), (Decimal("1.5"), "whole number"),
    (1.5, "whole number"), ("1.5", "whole number"), ("ten", "whole number"),
    (True, "whole number"), (None, "missing"), ([1], "whole number"),
    (Decimal("NaN"), "whole number"),
])
def test_quantity_rejected(value, fragment):
    result = parse_quantity(value)
    assert isinstance(result, Rejected)
    assert fragment in result.reason


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_quantity_range_property(number):
    result = parse_quantity(number)
    if 0 <= number <= 99_999:
        assert result == number
    else:
        assert isinstance(result, Rejected)


@pytest.mark.parametrize(("value", "expected"), [
    ("12.99", Decimal("12.99")), (Decimal("7.5"), Decimal("7.5")), (3, Decimal(3)),
    ("10.50", Decimal("10.50")), ("12.500", Decimal("12.500")), (0.01, Decimal("0.01")),
])
def test_amount_accepted(value, expected):
    assert parse_amount("amount", value) == expected


@pytest.mark.parametrize(("value", "fragment"), [
    ("0", "greater than 0"), (-2, "greater than 0"), ("1.999", "at most 2 decimals"),
    ("abc", "decimal number"), ("Infinity", "finite"), (True, "decimal number"),
    (None, "missing"), ({"amount": 1}, "decimal number"),
])
def test_amount_rejected(value, fragment):
    result = parse_amount("amount", value)
    assert isinstance(result, Rejected)
    assert fragment in result.reason


def test_inventory_record_normalised():
    change = parse_record("inventory", 3, {**BASE, "shop_id": 1, "quantity": Decimal("4")})
    assert isinstance(change, InventoryChange)
    assert change.seq == 3
    assert change.quantity == 4
    assert change.keys.shop_id == "1"  # integer ids become strings


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"shop_id": None}, "shop_id is missing"),
    ({"sku_id": None}, "sku_id or seller_sku is required"),
    ({"product_id": None}, "product_id is required with sku_id"),
    ({"sku_id": {"x": 1}}, "sku_id must be a string or integer"),
    ({"quantity": -3}, "0 or more"),
])
def test_inventory_record_rejected(fields, fragment):
    result = parse_record("inventory", 1, {**BASE, "quantity": 1, **fields})
    assert isinstance(result, Rejected)
    assert fragment in result.reason


def test_blank_cells_count_as_not_given():
    change = parse_record("inventory", 1, {"shop_id": "1", "product_id": "", "sku_id": " ",
                                           "seller_sku": "A-1", "warehouse_id": "",
                                           "quantity": "12"})
    assert isinstance(change, InventoryChange)
    assert (change.keys.product_id, change.keys.sku_id, change.keys.warehouse_id) == (
        None, None, None)
    assert change.quantity == 12
    price = parse_record("prices", 2, {"shop_id": "1", "seller_sku": "A-1", "amount": "3.50",
                                       "currency": "GBP", "list_price_amount": ""})
    assert isinstance(price, PriceChange)
    assert price.list_price is None
    missing = parse_record("inventory", 3, {"shop_id": "1", "seller_sku": "A-1", "quantity": ""})
    assert missing == Rejected("quantity is missing")


def test_seller_sku_alone_is_enough():
    change = parse_record("inventory", 1, {"shop_id": "1", "seller_sku": "A-1", "quantity": 0})
    assert isinstance(change, InventoryChange)
    assert change.quantity == 0
    assert change.keys.product_id is None


def test_price_record():
    change = parse_record("prices", 1, {**BASE, "amount": "9.90", "currency": "gbp",
                                        "list_price_amount": 12})
    assert isinstance(change, PriceChange)
    assert change.currency == "GBP"
    assert change.amount == Decimal("9.90")
    assert change.list_price == Decimal(12)


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"currency": "POUND"}, "3-letter"), ({"currency": None}, "3-letter"),
    ({"amount": "0.00"}, "greater than 0"), ({"amount": "5.123"}, "at most 2 decimals"),
    ({"list_price_amount": "-1"}, "list_price_amount must be greater than 0"),
])
def test_price_record_rejected(fields, fragment):
    result = parse_record("prices", 1, {**BASE, "amount": "5", "currency": "GBP", **fields})
    assert isinstance(result, Rejected)
    assert fragment in result.reason


def test_product_record():
    change = parse_record("products", 1, {"shop_id": "1", "product_id": "10",
                                          "status": "seller_deactivated", "title": "New"})
    assert isinstance(change, ProductChange)
    assert change.fields == {"status": "SELLER_DEACTIVATED", "title": "New"}


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"status": "DELETED"}, "unknown status"), ({"status": 3}, "unknown status"),
    ({}, "nothing to change"), ({"title": ""}, "nothing to change"),
    ({"description": 5}, "description must be a string"), ({"product_id": None}, "product_id"),
])
def test_product_record_rejected(fields, fragment):
    result = parse_record("products", 1, {"shop_id": "1", "product_id": "10", **fields})
    assert isinstance(result, Rejected)
    assert fragment in result.reason


def test_keys_of_an_invalid_record_are_kept_for_its_results_line():
    keys = record_keys({"shop_id": 7, "seller_sku": " A-1 ", "quantity": "x",
                        "warehouse_id": Decimal("5")})
    assert (keys.shop_id, keys.seller_sku, keys.warehouse_id, keys.sku_id) == ("7", "A-1", "5",
                                                                                None)
