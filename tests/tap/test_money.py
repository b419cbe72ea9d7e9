"""Amounts of money as exact numbers: the ``<name>_value`` rule, its schema, its JSON text."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from singer_sdk.singerlib import RecordMessage

from tap_tiktokshop.enrichment import flatten_objects
from tap_tiktokshop.message_writer import TapMessageWriter
from tap_tiktokshop.money import VALUE_SUFFIX, add_money_values, money_plan, to_decimal
from tap_tiktokshop.tap import TapTikTokShop
from tools.openapi import stream_schemas

CONFIG = {"app_key": "k", "app_secret": "s", "refresh_token": "r",
          "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}


def schema(name: str) -> dict[str, Any]:
    return json.loads((files("tap_tiktokshop.schemas") / f"{name}.json").read_text("utf-8"))


def written(record: dict[str, Any]) -> str:
    """The RECORD line the tap's writer produces for ``record``."""
    message = RecordMessage(stream="s", record=record)
    return bytes(TapMessageWriter().serialize_message(message)).decode("utf-8")


@pytest.mark.parametrize(("text", "expected"), [
    ("0.1", Decimal("0.1")), ("19.99", Decimal("19.99")), ("-12.34", Decimal("-12.34")),
    ("0.10", Decimal("0.10")), ("100", Decimal("100")), (" 2.50 ", Decimal("2.50")),
    ("", None), ("abc", None), ("1,000.00", None), ("NaN", None), ("Infinity", None),
    ("1e999", None), ("1e-50", None), ("9" * 70, None), (None, None), (5, None),
    (1.5, None), ({"value": "1"}, None),
])
def test_to_decimal_is_exact_or_none(text: Any, expected: Decimal | None) -> None:
    value = to_decimal(text)
    assert value == expected
    if expected is not None:
        assert str(value) == str(expected)  # the digits, not a float's


def test_the_writer_emits_the_digits_as_a_json_number() -> None:
    line = written({"a_value": Decimal("0.10"), "b_value": Decimal("-12.34"),
                    "c_value": Decimal("1E+3"), "d_value": None})
    assert '"a_value":0.10' in line
    assert '"b_value":-12.34' in line
    assert '"c_value":1E+3' in line
    assert '"d_value":null' in line
    record = json.loads(line, parse_float=Decimal)["record"]
    assert record["a_value"] == Decimal("0.10") and isinstance(record["a_value"], Decimal)


def test_the_writers_fallback_for_lone_surrogates_keeps_the_digits() -> None:
    line = written({"a_value": Decimal("0.10"), "text": "\ud800"})
    assert '"a_value":0.10' in line and '"text":"\\ud800"' in line


def test_point_one_plus_point_two_is_exactly_point_three_on_the_way_out() -> None:
    tap = TapTikTokShop(config=CONFIG, parse_env_config=False)
    stream = tap.streams["withdrawals"]
    rows = [stream.add_money({"id": str(n), "amount": text}) for n, text in
            enumerate(("0.1", "0.2"))]
    parsed = [json.loads(written(row), parse_float=Decimal)["record"] for row in rows]
    assert sum(r["amount_value"] for r in parsed) == Decimal("0.3")


def test_money_objects_and_missing_amounts() -> None:
    plan = money_plan(schema("payments"))
    assert ("amount", "amount_value", "value") in plan
    row = add_money_values({"amount": {"value": "100.05", "currency": "GBP"},
                            "settlement_amount": {"value": "", "currency": "GBP"},
                            "reserve_amount": None}, plan)
    assert row["amount_value"] == Decimal("100.05")
    assert row["settlement_amount_value"] is None  # malformed: null, never an error
    assert "reserve_amount_value" not in row  # null amount: no sibling
    assert "payment_amount_before_exchange_value" not in row  # absent amount: no sibling


@pytest.mark.parametrize("name", sorted(stream_schemas.STREAMS))
def test_every_value_property_is_computed_by_the_tap(name: str) -> None:
    """The tap finds every ``<name>_value`` of a schema on its own (a new stream needs no
    code), and the tools' rule and the tap's reading of the schema agree."""
    properties = schema(name)["properties"]
    siblings = {key for key, sub in properties.items()
                if key.endswith(VALUE_SUFFIX) and sub == {"type": ["number", "null"]}}
    plan = money_plan(schema(name))
    assert {sibling for _, sibling, _ in plan} == siblings
    api_fields = {k: v for k, v in properties.items() if k not in siblings}
    assert {f + VALUE_SUFFIX for f in stream_schemas.money_fields(api_fields)} == siblings


def test_the_rule_picks_amounts_and_nothing_else() -> None:
    for stream, fields in stream_schemas.money_report(_endpoints()).items():
        for field in fields:
            words = set(field.split(".")[0].split("_"))
            assert not words & {"id", "currency", "rate", "type", "status", "time"}, (stream,
                                                                                       field)
    report = stream_schemas.money_report(_endpoints())
    assert {"settlement_amount", "fee_amount", "adjustment_amount"} <= set(report["statements"])
    assert {"original_price", "sale_price", "seller_discount"} <= set(
        report["order_line_items"])
    assert {"price", "tax_exclusive_price"} <= set(report["product_skus"])
    assert "amount.value" in report["payments"]
    assert "estimated_settlement" not in report["unsettled_transactions"]  # a date
    assert report["orders"] == []  # its amounts are inside ``payment`` (not top-level)


def _endpoints() -> dict[str, Any]:
    return json.loads((files("tools.openapi") / "endpoints.json").read_text("utf-8"))


def _leaves(properties: dict[str, Any]) -> dict[str, Any]:
    """A record with every field of an API object (nested objects included)."""
    out: dict[str, Any] = {}
    for key, sub in properties.items():
        out[key] = _leaves(sub["properties"]) if "properties" in sub else "1.00"
    return out


@pytest.mark.parametrize(("stream", "endpoint", "location"), [
    ("statement_transactions",
     "GET /finance/202501/statements/{statement_id}/statement_transactions",
     "data.transactions[]"),
    ("statement_transactions",
     "GET /finance/202309/statements/{statement_id}/statement_transactions",
     "data.statement_transactions[]"),
    ("unsettled_transactions", "GET /finance/202507/orders/unsettled", "data.transactions[]"),
])
def test_the_tap_flattens_every_field_into_a_schema_column(stream: str, endpoint: str,
                                                           location: str) -> None:
    api = stream_schemas.response_part(_endpoints(), endpoint, location)["properties"]
    flat = flatten_objects(_leaves(api))
    assert set(flat) == set(stream_schemas.flatten_objects(api))
    assert set(flat) <= set(schema(stream)["properties"])
    assert not any(isinstance(value, dict) for value in flat.values())


def test_supplementary_amounts_are_kept_apart() -> None:
    row = flatten_objects({"shipping_cost_breakdown": {
        "fbt_fulfillment_fee_reimbursement_amount": "1.00",
        "supplementary_component": {"fbt_fulfillment_fee_reimbursement_amount": "2.00"}},
        "supplementary_component": {"customer_payment_amount": "3.00"}})
    assert row == {"fbt_fulfillment_fee_reimbursement_amount": "1.00",
                   "supplementary_fbt_fulfillment_fee_reimbursement_amount": "2.00",
                   "supplementary_customer_payment_amount": "3.00"}


def test_derived_rows_get_their_values_too() -> None:
    tap = TapTikTokShop(config=CONFIG, parse_env_config=False)
    row = tap.streams["statement_transactions"].add_money(
        flatten_objects({"id": "1", "settlement_amount": "10.01",
                         "fee_tax_breakdown": {"fee": {"platform_commission_amount": "-0.50"}}}))
    assert row["settlement_amount_value"] == Decimal("10.01")
    assert row["platform_commission_amount_value"] == Decimal("-0.50")
