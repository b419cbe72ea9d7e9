"""Settings of target-tiktokshop: the shared connection settings plus the target's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from singer_sdk import typing as th

from target_tiktokshop.results import DEFAULT_RESULTS_PATH
from tiktokshop.errors import ConfigError
from tiktokshop_singer.config_schema import CONNECTION_SETTINGS

UNKNOWN_STREAM_CHOICES = ("fail", "ignore")
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
    )
