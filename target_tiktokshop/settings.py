"""Settings of target-tiktokshop: the shared connection settings plus the target's own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from singer_sdk import typing as th

from target_tiktokshop.changes import MAX_QUANTITY
from target_tiktokshop.guardrails import (
    BREAKER_MIN_RECORDS,
    BREAKER_PRICE_CHANGE,
    BREAKER_ZERO_STOCK,
    MAX_PRICE,
    MAX_PRICE_CHANGE,
    MAX_STOCK_CHANGE,
    MIN_PRICE,
    OVERRIDE_BREAKERS,
    OVERRIDE_ENV,
    Limits,
)
from target_tiktokshop.results import DEFAULT_RESULTS_PATH
from tiktokshop.errors import ConfigError
from tiktokshop.paths import ensure_writable_folder
from tiktokshop_singer.config_schema import CONNECTION_SETTINGS

UNKNOWN_STREAM_CHOICES = ("fail", "ignore")
#: A number, or a decimal string: prices are written that way everywhere else, and the
#: SDK leaves a number from an environment variable (``--config ENV``) as a string.
NUMERIC = th.CustomType({"type": ["number", "string"]})
DEFAULT_MAX_PARALLEL_SHOPS = 4

TARGET_SETTINGS = th.PropertiesList(
    *CONNECTION_SETTINGS.wrapped.values(),
    th.Property(
        "results_path", th.StringType, default=DEFAULT_RESULTS_PATH,
        description=(
            "JSONL file with one outcome line per input record, rewritten each run (parent "
            "folders are created). '{timestamp}' in the path becomes the run's UTC start time "
            "(e.g. output/results-{timestamp}.jsonl) to keep one file per run."
        ),
    ),
    th.Property(
        "dry_run", th.BooleanType, default=False,
        description=(
            "Validate and resolve every record and report the calls that would be made "
            "(outcome 'planned'), without writing anything to TikTok Shop. STATE is not "
            "emitted in a dry run."
        ),
    ),
    th.Property(
        "skip_unchanged", th.BooleanType, default=True,
        description="Make no call for a value that already equals TikTok's current value "
                    "(outcome 'unchanged').",
    ),
    th.Property(
        "max_failures", th.IntegerType, default=0,
        description=(
            "Failed records tolerated before the run exits non-zero (every valid record is "
            "applied either way). Past this number, STATE is no longer emitted."
        ),
    ),
    th.Property(
        "unknown_streams", th.StringType, default="fail",
        allowed_values=list(UNKNOWN_STREAM_CHOICES),
        description="'fail': a stream other than inventory, prices or products stops the run; "
                    "'ignore': its records are skipped with one warning per stream.",
    ),
    th.Property(
        "max_parallel_shops", th.IntegerType, default=DEFAULT_MAX_PARALLEL_SHOPS,
        description="Shops written in parallel. Within a shop, up to 8 calls for "
                    "different products run at once; calls for one product stay in order.",
    ),
    th.Property(
        MAX_PRICE_CHANGE, NUMERIC, default=80,
        description=(
            "Guardrail: the largest change of a price against the SKU's current price, in "
            "percent (both ways). A record changing it more is not sent: outcome 'refused'."
        ),
    ),
    th.Property(
        MIN_PRICE, NUMERIC,
        description="Guardrail: a price record below this amount (in the record's currency; "
                    "a number or a decimal string) is not sent: outcome 'refused'. Unset by "
                    "default.",
    ),
    th.Property(
        MAX_PRICE, NUMERIC,
        description="Guardrail: a price record above this amount (in the record's currency; "
                    "a number or a decimal string) is not sent: outcome 'refused'. Unset by "
                    "default.",
    ),
    th.Property(
        MAX_STOCK_CHANGE, th.IntegerType,
        description="Guardrail: the largest change of a SKU's stock in a warehouse against "
                    "its current stock (both ways). A record changing it more is not sent: "
                    "outcome 'refused'. Unset by default.",
    ),
    th.Property(
        BREAKER_ZERO_STOCK, NUMERIC, default=50,
        description=(
            f"Run-level breaker: when a run has at least {BREAKER_MIN_RECORDS} inventory "
            "records and more than this percentage of them would take a SKU's stock to 0, "
            "no inventory record of the run is written and the run exits non-zero. While it "
            "is on, inventory writes wait for the end of input. 100 turns it off."
        ),
    ),
    th.Property(
        BREAKER_PRICE_CHANGE, NUMERIC, default=20,
        description=(
            f"Run-level breaker: when a run has at least {BREAKER_MIN_RECORDS} price records "
            f"and more than this percentage of them are refused by {MAX_PRICE_CHANGE}, no "
            "price record of the run is written and the run exits non-zero. While it is on, "
            "price writes wait for the end of input. 100 turns it off."
        ),
    ),
    th.Property(
        OVERRIDE_BREAKERS, th.BooleanType, default=False,
        description=(
            "Let a run through that a breaker would stop (the per-record limits still "
            f"apply); also the environment variable {OVERRIDE_ENV}=true. Writes then go "
            "batch by batch."
        ),
    ),
)


@dataclass(frozen=True)
class TargetOptions:
    """Validated target-only settings."""

    results_path: Path
    dry_run: bool = False
    skip_unchanged: bool = True
    max_failures: int = 0
    unknown_streams: str = "fail"
    max_parallel_shops: int = DEFAULT_MAX_PARALLEL_SHOPS
    guardrails: Limits = field(default_factory=Limits)


def _bool(config: Mapping[str, Any], name: str, default: bool) -> bool:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ConfigError(name, f"must be true or false, got {value!r}")
    return value


def _int(config: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return value


def _decimal(config: Mapping[str, Any], name: str, default: Decimal | None,
             low: Decimal, high: Decimal) -> Decimal | None:
    """A number setting (integers, decimals and numeric strings accepted), or ``default``
    when unset."""
    value = config.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    number: Decimal | None = None
    if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise ConfigError(name, f"must be a number, got {value!r}")
    if not low <= number <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return number


def _override(config: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """``override_breakers`` from the config, or from the environment variable, which
    wins: it lets one run through without touching the config file."""
    variable = env.get(OVERRIDE_ENV)
    if variable is not None and variable.strip():
        if variable.strip().lower() not in ("true", "false"):
            raise ConfigError(OVERRIDE_BREAKERS, f"the environment variable {OVERRIDE_ENV} "
                                                 f"must be true or false, got {variable!r}")
        return variable.strip().lower() == "true"
    return _bool(config, OVERRIDE_BREAKERS, False)


def load_limits(config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Limits:
    """The guardrail settings (see ``guardrails.py``).

    Raises:
        ConfigError: naming the first invalid setting.
    """
    big = Decimal(10) ** 12
    cent = Decimal("0.01")
    min_price = _decimal(config, MIN_PRICE, None, cent, big)
    max_price = _decimal(config, MAX_PRICE, None, cent, big)
    if min_price is not None and max_price is not None and max_price < min_price:
        raise ConfigError(MAX_PRICE, f"must not be below min_price ({min_price}), got "
                                     f"{max_price}")
    stock = config.get(MAX_STOCK_CHANGE)
    return Limits(
        max_price_change_percent=_decimal(config, MAX_PRICE_CHANGE, Decimal(80), cent, big),
        min_price=min_price,
        max_price=max_price,
        max_stock_change=None if stock is None or stock == ""
        else _int(config, MAX_STOCK_CHANGE, 0, 1, MAX_QUANTITY),
        breaker_zero_stock_percent=_decimal(config, BREAKER_ZERO_STOCK, Decimal(50),
                                            Decimal(0), Decimal(100)) or Decimal(0),
        breaker_price_change_percent=_decimal(config, BREAKER_PRICE_CHANGE, Decimal(20),
                                              Decimal(0), Decimal(100)) or Decimal(0),
        override_breakers=_override(config, os.environ if env is None else env),
    )


def results_path(value: Any, started: datetime | None = None) -> Path:
    """The results file path, with ``{timestamp}`` filled in."""
    if value is None or (isinstance(value, str) and not value.strip()):
        value = DEFAULT_RESULTS_PATH
    if not isinstance(value, str):
        raise ConfigError("results_path", f"must be a file path, got {type(value).__name__}")
    stamp = (started or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    path = Path(value.strip().replace("{timestamp}", stamp)).expanduser()
    if path.is_dir():
        raise ConfigError("results_path", f"must be a file path, not the folder {path}")
    ensure_writable_folder("results_path", path)
    return path


def load_options(config: Mapping[str, Any]) -> TargetOptions:
    """Validate the target-only settings.

    Raises:
        ConfigError: naming the first invalid setting.
    """
    unknown = config.get("unknown_streams") or "fail"
    if not isinstance(unknown, str) or unknown.strip().lower() not in UNKNOWN_STREAM_CHOICES:
        raise ConfigError("unknown_streams", f"must be 'fail' or 'ignore', got {unknown!r}")
    return TargetOptions(
        results_path=results_path(config.get("results_path")),
        dry_run=_bool(config, "dry_run", False),
        skip_unchanged=_bool(config, "skip_unchanged", True),
        max_failures=_int(config, "max_failures", 0, 0, 10**9),
        unknown_streams=unknown.strip().lower(),
        max_parallel_shops=_int(config, "max_parallel_shops", DEFAULT_MAX_PARALLEL_SHOPS, 1, 32),
        guardrails=load_limits(config),
    )
