"""Numeric strings in number and integer settings (how Meltano passes `kind: string`
numbers, and how the SDK parses a number from an environment variable) are read as the
number by both plugins; anything else is one ConfigError naming the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tap_tiktokshop.tap import TapTikTokShop
from target_tiktokshop.target import TargetTikTokShop
from tiktokshop.errors import ConfigError
from tiktokshop_singer.config_errors import coerce_numeric_strings

SCHEMA = {"properties": {
    "ratio": {"type": ["number", "null"]},
    "count": {"type": ["integer", "null"]},
    "price": {"type": ["number", "string", "null"]},  # decimal strings are its own reading
    "name": {"type": ["string", "null"]},
}}


def base(tmp_path: Path) -> dict[str, Any]:
    return {"app_key": "key", "app_secret": "secret", "refresh_token": "refresh",
            "token_store_path": str(tmp_path / "tokens.json"),
            "results_path": str(tmp_path / "results.jsonl")}


@pytest.mark.parametrize(("config", "changed"), [
    ({"ratio": "0.5", "count": "3"}, {"ratio": 0.5, "count": 3}),
    ({"ratio": " 30 ", "count": "-2"}, {"ratio": 30, "count": -2}),
    ({"ratio": "1e3"}, {"ratio": 1000.0}),
    ({"ratio": "", "count": "  "}, {"ratio": None, "count": None}),
    ({"ratio": 0.5, "count": 3, "price": "0.99", "name": "7"}, {}),
])
def test_coerce_numeric_strings(config: dict[str, Any], changed: dict[str, Any]) -> None:
    result = coerce_numeric_strings(SCHEMA, config)
    assert result == changed
    assert all(type(result[k]) is type(v) for k, v in changed.items())


@pytest.mark.parametrize(("config", "message"), [
    ({"ratio": "fast"}, "setting 'ratio': must be a number, got 'fast'"),
    ({"ratio": "nan"}, "setting 'ratio': must be a number, got 'nan'"),
    ({"ratio": "inf"}, "setting 'ratio': must be a number, got 'inf'"),
    ({"count": "2.5"}, "setting 'count': must be a whole number, got '2.5'"),
])
def test_coerce_refuses_what_is_not_a_number(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        coerce_numeric_strings(SCHEMA, config)
    assert str(info.value) == message


@pytest.mark.parametrize("plugin", [TapTikTokShop, TargetTikTokShop])
def test_plugins_read_numeric_strings(plugin: type, tmp_path: Path) -> None:
    config = {**base(tmp_path), "request_timeout_seconds": "12.5", "rate_limit_qps": "7",
              "retry_backoff_seconds": "0.5", "max_retries": "3"}
    instance = plugin(config=config)
    assert instance.config["retry_backoff_seconds"] == 0.5
    assert instance.config["max_retries"] == 3
    assert instance.settings.request_timeout_seconds == 12.5
    assert instance.settings.rate_limit_qps == 7.0


@pytest.mark.parametrize("plugin", [TapTikTokShop, TargetTikTokShop])
def test_a_setting_that_is_not_a_number_is_named(plugin: type, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        plugin(config={**base(tmp_path), "retry_backoff_seconds": "fast"})
    assert info.value.setting == "retry_backoff_seconds"
    assert "must be a number, got 'fast'" in str(info.value)


def test_a_fraction_from_an_environment_variable(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """The SDK leaves `number` settings from variables as strings (`--config ENV`)."""
    monkeypatch.setenv("TAP_TIKTOKSHOP_RETRY_BACKOFF_SECONDS", "0.5")
    monkeypatch.setenv("TAP_TIKTOKSHOP_RATE_LIMIT_QPS", "2.5")
    tap = TapTikTokShop(config=base(tmp_path), parse_env_config=True)
    assert tap.config["retry_backoff_seconds"] == 0.5
    assert tap.settings.rate_limit_qps == 2.5
