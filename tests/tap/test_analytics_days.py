"""The days an analytics stream reads, its rows' columns, and progress counted in days."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from tap_tiktokshop import analytics_rows
from tap_tiktokshop.analytics_rows import analytics_row, flatten_figures
from tap_tiktokshop.day_windows import (
    RETENTION_DAYS,
    count_days,
    days,
    first_day,
    last_day,
    parse_day,
)
from tap_tiktokshop.progress import Progress, progress_message
from tap_tiktokshop.settings import load_options
from tiktokshop.errors import ConfigError
from tools.openapi import analytics_schemas

SCHEMAS = Path(__file__).resolve().parents[2] / "tap_tiktokshop" / "schemas"
TODAY = date(2026, 6, 10)


def test_first_run_starts_at_start_date_or_the_oldest_day_served() -> None:
    assert first_day(start=date(2026, 6, 1), today=TODAY, bookmark=None,
                     lookback_days=3) == date(2026, 6, 1)
    oldest = date(2025, 6, 10)  # 365 days before today
    assert RETENTION_DAYS == 365
    assert first_day(start=date(2020, 1, 1), today=TODAY, bookmark=None,
                     lookback_days=3) == oldest


@pytest.mark.parametrize(("lookback", "expected"), [
    (0, date(2026, 6, 8)), (1, date(2026, 6, 7)), (3, date(2026, 6, 5))])
def test_later_runs_reread_the_lookback_days_up_to_the_bookmark(
        lookback: int, expected: date) -> None:
    assert first_day(start=date(2020, 1, 1), today=TODAY, bookmark=date(2026, 6, 7),
                     lookback_days=lookback) == expected
    # never before start_date
    assert first_day(start=date(2026, 6, 7), today=TODAY, bookmark=date(2026, 6, 7),
                     lookback_days=30) == date(2026, 6, 7)


def test_the_last_day_is_the_latest_available_date() -> None:
    assert last_day(date(2026, 6, 9), TODAY) == date(2026, 6, 9)
    assert last_day(None, TODAY) == date(2026, 6, 9)  # no date in the answer: yesterday
    assert last_day(date(2026, 6, 9), TODAY, end=date(2026, 6, 5)) == date(2026, 6, 4)
    assert list(days(date(2026, 2, 27), date(2026, 3, 2))) == [
        date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]
    assert count_days(date(2026, 3, 2), date(2026, 3, 1)) == 0
    assert list(days(date(2026, 3, 2), date(2026, 3, 1))) == []
    assert parse_day("2026-06-09") == date(2026, 6, 9)
    assert parse_day("not a day") is None and parse_day(None) is None


def test_figures_become_columns_named_by_their_path() -> None:
    item = {"start_date": "2026-06-01", "end_date": "2026-06-02",
            "sales": {"gmv": {"overall": {"amount": "12.50", "currency": "GBP"},
                              "breakdowns": [{"type": "LIVE", "gmv": {"amount": "2.50"}}]},
                      "refunds": {"amount": "1.00", "currency": "GBP"}, "items_sold": 3},
            "traffic": {"avg_visitors": 9}}
    assert flatten_figures(item) == {
        "start_date": "2026-06-01", "end_date": "2026-06-02", "gmv_amount": "12.50",
        "gmv_currency": "GBP", "gmv_breakdowns": [{"type": "LIVE", "gmv": {"amount": "2.50"}}],
        "refunds_amount": "1.00", "refunds_currency": "GBP", "items_sold": 3,
        "avg_visitors": 9}
    row = analytics_row({"id": 17, "product_id": 5, "gmv": {"amount": "1", "currency": "USD"}},
                        shop_id="7", day="2026-06-01", id_name="sku_id")
    assert row == {"sku_id": "17", "product_id": "5", "gmv_amount": "1",
                   "gmv_currency": "USD", "shop_id": "7", "date": "2026-06-01"}


def test_the_tap_flattens_as_the_schemas_were_derived() -> None:
    assert analytics_rows.WRAPPERS == analytics_schemas.WRAPPERS
    for stream in analytics_schemas.ANALYTICS_SOURCES:
        schema = json.loads((SCHEMAS / f"{stream}.json").read_text())
        date_field = schema["properties"]["date"]
        assert date_field["format"] == "date" and "string" in date_field["type"]
        assert ("date" in schema["required"]) == (stream != "live_performance")
        assert "shop_id" in schema["required"] and "gmv_amount_value" in schema["properties"]


def test_analytics_settings() -> None:
    options = load_options({})
    assert (options.analytics_currency, options.analytics_lookback_days) == ("LOCAL", 3)
    options = load_options({"analytics_currency": "usd", "analytics_lookback_days": 0})
    assert (options.analytics_currency, options.analytics_lookback_days) == ("USD", 0)
    assert options.analytics_start_epoch is None
    assert load_options({"analytics_start_date": "2026-01-05"}).analytics_start_epoch == (
        1_767_571_200)
    for name, value in (("analytics_currency", "EUR"), ("analytics_lookback_days", -1),
                        ("analytics_lookback_days", "3"), ("analytics_start_date", "soon")):
        with pytest.raises(ConfigError) as caught:
            load_options({name: value})
        assert name in str(caught.value) and "\n" not in str(caught.value)


def test_progress_of_a_day_based_stream_counts_days() -> None:
    now = [0.0]
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("test-analytics-progress")
    logger.addHandler(Capture())
    logger.setLevel(logging.INFO)
    tracker = Progress("product_performance_daily", "7", 1, logger, clock=lambda: now[0])
    tracker.expect_days(10)
    for _ in range(4):
        now[0] += 1.0
        for _ in range(25):
            tracker.tick()
        tracker.day_done()
    fields = tracker.fields()
    assert (fields["days_done"], fields["days_total"], fields["percent"]) == (4, 10, 40.0)
    assert fields["eta_seconds"] == pytest.approx(6.0)  # 6 days left at 1 s a day
    assert lines and "of 10 days" in lines[-1] and "left" in lines[-1]
    assert "4 of 10 days (40.0%)" in progress_message(fields)


def test_progress_off_writes_no_day_lines() -> None:
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("test-analytics-progress-off")
    logger.addHandler(Capture())
    logger.setLevel(logging.INFO)
    tracker = Progress("shop_performance_daily", "7", 0, logger)
    tracker.expect_days(3)
    for _ in range(3):
        tracker.day_done()
    assert lines == [] and tracker.fields()["percent"] == 100.0
