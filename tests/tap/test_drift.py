"""Schema drift: unknown fields are reported once each and never fail a record."""

from __future__ import annotations

import logging

import pytest

from tap_tiktokshop.drift import DriftReporter

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"},
    "payment": {"type": ["object", "null"], "properties": {"total": {"type": "string"}}},
    "line_items": {"type": "array", "items": {"type": "object",
                                             "properties": {"sku_id": {"type": "string"}}}},
    "open": {"type": "object"},
}}


def test_unknown_fields_are_reported_once_each(caplog: pytest.LogCaptureFixture) -> None:
    reporter = DriftReporter("orders", SCHEMA, logging.getLogger("t"))
    with caplog.at_level(logging.WARNING):
        for n in range(5):
            record = reporter.check({"id": str(n), "brand_new": 1, "payment": {"total": "1",
                                     "vat": "2"}, "line_items": [{"sku_id": "s", "gift": True}],
                                     "open": {"x": 1}})
            assert "brand_new" not in record
            assert record["payment"]["vat"] == "2"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert any("'brand_new'" in m and "not in the schema" in m for m in messages)
    assert any("'payment.vat'" in m for m in messages)
    assert any("'line_items[].gift'" in m for m in messages)


def test_missing_optional_fields_are_fine() -> None:
    reporter = DriftReporter("orders", SCHEMA, logging.getLogger("t"))
    assert reporter.check({"id": "1"}) == {"id": "1"}
    assert reporter.reported == set()
