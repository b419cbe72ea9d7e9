"""Settings of tap-tiktokshop: the shared connection settings plus the tap's own."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from singer_sdk import typing as th

from tiktokshop.errors import ConfigError
from tiktokshop_singer.config_schema import CONNECTION_SETTINGS

DEFAULT_START_DATE = "2020-01-01T00:00:00Z"
DEFAULT_LOOKBACK_SECONDS = 600
DEFAULT_DETAIL_CONCURRENCY = 8
DEFAULT_FINANCE_LOOKBACK_DAYS = 30
MAX_FINANCE_LOOKBACK_DAYS = 3650
DEFAULT_PROGRESS_INTERVAL_SECONDS = 30
ANALYTICS_CURRENCIES = ("LOCAL", "USD")
DEFAULT_ANALYTICS_CURRENCY = "LOCAL"  # the API's default
DEFAULT_ANALYTICS_LOOKBACK_DAYS = 3
MAX_ANALYTICS_LOOKBACK_DAYS = 365

TAP_SETTINGS = th.PropertiesList(
    *CONNECTION_SETTINGS.wrapped.values(),
    th.Property("start_date", th.DateTimeType, default=DEFAULT_START_DATE,
                description="Earliest update time to read on the first run (UTC)."),
    th.Property("end_date", th.DateTimeType,
                description="Latest update time to read (default: when the sync starts)."),
    th.Property("lookback_seconds", th.IntegerType, default=DEFAULT_LOOKBACK_SECONDS,
                description="Re-read this many seconds before the bookmark (TikTok warns that "
                            "update times can move during a search)."),
    th.Property("product_detail_concurrency", th.IntegerType,
                default=DEFAULT_DETAIL_CONCURRENCY,
                description="Product details fetched in parallel (within the rate limit); "
                            "also the per-item calls of other streams (package details, "
                            "the transactions of statements)."),
    th.Property("finance_lookback_days", th.IntegerType,
                default=DEFAULT_FINANCE_LOOKBACK_DAYS,
                description="Finance streams (statements, payments, withdrawals) re-read "
                            "this many days before their bookmark on each run: TikTok "
                            "changes them after creation (a statement's payment status, "
                            "payment id and time) and has no update-time filter."),
    th.Property("progress_interval_seconds", th.IntegerType,
                default=DEFAULT_PROGRESS_INTERVAL_SECONDS,
                description="A progress line per shop and stream (records so far, "
                            "total_count, percent, records/s, time left) at most every this "
                            "many seconds while a stream runs; 0 turns them off."),
    th.Property("analytics_currency", th.StringType, default=DEFAULT_ANALYTICS_CURRENCY,
                allowed_values=list(ANALYTICS_CURRENCIES),
                description="Currency of the analytics streams' amounts: LOCAL (the API's "
                            "default: the currency of the shop's market) or USD."),
    th.Property("analytics_start_date", th.DateTimeType,
                description="The first day the analytics streams read (its UTC date; default: "
                            "start_date). Never before the oldest day TikTok serves (365 "
                            "days back); a bookmark's re-read days start later."),
    th.Property("analytics_lookback_days", th.IntegerType,
                default=DEFAULT_ANALYTICS_LOOKBACK_DAYS,
                description="The analytics streams re-read this many days up to their "
                            "bookmark (the last complete day) on each run: TikTok revises "
                            "the figures of recent days. 0 reads only new days."),
)


@dataclass(frozen=True)
class TapOptions:
    """Validated tap-only settings, with the sync window fixed when the run starts."""

    start_epoch: int  # start_date as Unix seconds: the first run's window start
    sync_end: int  # end_date, or the moment the sync started (never in the future)
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    detail_concurrency: int = DEFAULT_DETAIL_CONCURRENCY
    finance_lookback_days: int = DEFAULT_FINANCE_LOOKBACK_DAYS
    progress_interval_seconds: int = DEFAULT_PROGRESS_INTERVAL_SECONDS
    analytics_currency: str = DEFAULT_ANALYTICS_CURRENCY
    #: ``analytics_start_date`` as Unix seconds (None: the analytics streams use start_epoch).
    analytics_start_epoch: int | None = None
    analytics_lookback_days: int = DEFAULT_ANALYTICS_LOOKBACK_DAYS


def parse_utc(setting: str, value: Any) -> int:
    """A date or date-time setting as Unix seconds (naive values are UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(setting, f"must be an ISO-8601 date-time, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def load_options(config: Mapping[str, Any]) -> TapOptions:
    """Validate the tap-only settings.

    Raises:
        ConfigError: naming the first invalid setting.
    """
    start = parse_utc("start_date", config.get("start_date") or DEFAULT_START_DATE)
    end_value = config.get("end_date")
    now = int(time.time())
    end = min(parse_utc("end_date", end_value) if end_value else now, now)
    if start >= end:
        raise ConfigError("start_date", "must be earlier than end_date and the current time")
    lookback = config.get("lookback_seconds", DEFAULT_LOOKBACK_SECONDS)
    if not isinstance(lookback, int) or isinstance(lookback, bool) or lookback < 0:
        raise ConfigError("lookback_seconds", "must be a whole number of seconds >= 0")
    workers = config.get("product_detail_concurrency", DEFAULT_DETAIL_CONCURRENCY)
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 64:
        raise ConfigError("product_detail_concurrency", "must be a whole number from 1 to 64")
    days = config.get("finance_lookback_days", DEFAULT_FINANCE_LOOKBACK_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not (
            0 <= days <= MAX_FINANCE_LOOKBACK_DAYS):
        raise ConfigError("finance_lookback_days",
                          f"must be a whole number of days from 0 to {MAX_FINANCE_LOOKBACK_DAYS}")
    interval = config.get("progress_interval_seconds", DEFAULT_PROGRESS_INTERVAL_SECONDS)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 0:
        raise ConfigError("progress_interval_seconds",
                          "must be a whole number of seconds >= 0 (0 turns progress lines off)")
    currency = str(config.get("analytics_currency") or DEFAULT_ANALYTICS_CURRENCY).upper()
    if currency not in ANALYTICS_CURRENCIES:
        raise ConfigError("analytics_currency",
                          f"must be LOCAL or USD, got {config.get('analytics_currency')!r}")
    analytics_days = config.get("analytics_lookback_days", DEFAULT_ANALYTICS_LOOKBACK_DAYS)
    if not isinstance(analytics_days, int) or isinstance(analytics_days, bool) or not (
            0 <= analytics_days <= MAX_ANALYTICS_LOOKBACK_DAYS):
        raise ConfigError("analytics_lookback_days", "must be a whole number of days from 0 "
                          f"to {MAX_ANALYTICS_LOOKBACK_DAYS}")
    analytics_start = config.get("analytics_start_date")
    analytics_epoch = parse_utc("analytics_start_date", analytics_start) if analytics_start \
        else None
    return TapOptions(start_epoch=start, sync_end=end, lookback_seconds=lookback,
                      detail_concurrency=workers, finance_lookback_days=days,
                      progress_interval_seconds=interval, analytics_currency=currency,
                      analytics_lookback_days=analytics_days,
                      analytics_start_epoch=analytics_epoch)
