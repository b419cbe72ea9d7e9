"""Settings of the target: defaults, validation naming the setting, the JSON schema."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from target_tiktokshop.results import DEFAULT_RESULTS_PATH
from target_tiktokshop.settings import load_options
from target_tiktokshop.target import TargetTikTokShop
from tiktokshop.errors import ConfigError

BASE = {"app_key": "k", "app_secret": "secret-value", "refresh_token": "refresh-value",
        "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}


def test_defaults():
    options = load_options({})
    assert options.results_path == Path(DEFAULT_RESULTS_PATH)
    assert (options.dry_run, options.skip_unchanged, options.max_failures,
            options.unknown_streams, options.max_parallel_shops) == (False, True, 0, "fail", 4)


def test_schema_lists_target_settings_with_defaults_and_secrets():
    props = TargetTikTokShop.config_jsonschema["properties"]
    assert props["results_path"]["default"] == DEFAULT_RESULTS_PATH
    assert props["dry_run"]["default"] is False
    assert props["skip_unchanged"]["default"] is True
    assert props["max_failures"]["default"] == 0
    assert props["unknown_streams"]["enum"] == ["fail", "ignore"]
    assert props["app_secret"].get("writeOnly") is True
    assert "validate_records" not in props  # records are checked per record instead


@pytest.mark.parametrize(("changes", "setting"), [
    ({"unknown_streams": "skip"}, "unknown_streams"),
    ({"max_failures": -1}, "max_failures"),
    ({"max_failures": "many"}, "max_failures"),
    ({"dry_run": "maybe"}, "dry_run"),
    ({"max_parallel_shops": 0}, "max_parallel_shops"),
    ({"app_secret": ""}, "app_secret"),
])
def test_bad_settings_name_the_setting(changes, setting):
    with pytest.raises(ConfigError) as info:
        TargetTikTokShop(config={**BASE, **changes})
    assert info.value.setting == setting


def test_results_path_must_not_be_a_folder(tmp_path):
    with pytest.raises(ConfigError, match="results_path"):
        load_options({"results_path": str(tmp_path)})


def test_results_path_timestamp(tmp_path):
    options = load_options({"results_path": str(tmp_path / "r-{timestamp}.jsonl"),
                            "dry_run": "true"})
    assert options.dry_run is True
    assert options.results_path.name.startswith("r-20")
    assert "{" not in options.results_path.name


def test_guardrail_defaults_and_about(monkeypatch):
    monkeypatch.delenv("TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS", raising=False)
    limits = load_options({}).guardrails
    assert (limits.max_price_change_percent, limits.min_price, limits.max_price,
            limits.max_stock_change, limits.breaker_zero_stock_percent,
            limits.breaker_price_change_percent, limits.override_breakers) == (
        Decimal(80), None, None, None, Decimal(50), Decimal(20), False)
    props = TargetTikTokShop.config_jsonschema["properties"]
    assert props["max_price_change_percent"]["default"] == 80
    assert props["breaker_zero_stock_percent"]["default"] == 50
    assert props["breaker_price_change_percent"]["default"] == 20
    assert props["override_breakers"]["default"] is False
    for name in ("min_price", "max_price", "max_stock_change"):
        assert "default" not in props[name] and props[name]["description"]


def test_guardrail_values_are_read(monkeypatch):
    monkeypatch.delenv("TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS", raising=False)
    limits = load_options({"max_price_change_percent": "12.5", "min_price": "0.99",
                           "max_price": 250, "max_stock_change": "40",
                           "breaker_zero_stock_percent": 100, "override_breakers": "true"},
                          ).guardrails
    assert (limits.max_price_change_percent, limits.min_price, limits.max_price,
            limits.max_stock_change, limits.override_breakers) == (
        Decimal("12.5"), Decimal("0.99"), Decimal(250), 40, True)
    assert not limits.holds("inventory")  # overridden, and the breaker is off anyway


@pytest.mark.parametrize(("changes", "setting"), [
    ({"max_price_change_percent": 0}, "max_price_change_percent"),
    ({"max_price_change_percent": "lots"}, "max_price_change_percent"),
    ({"min_price": "-1"}, "min_price"),
    ({"min_price": "5", "max_price": "4.99"}, "max_price"),
    ({"max_stock_change": 0}, "max_stock_change"),
    ({"max_stock_change": 1.5}, "max_stock_change"),
    ({"breaker_zero_stock_percent": 101}, "breaker_zero_stock_percent"),
    ({"breaker_price_change_percent": -1}, "breaker_price_change_percent"),
    ({"override_breakers": "sometimes"}, "override_breakers"),
])
def test_bad_guardrail_settings_name_the_setting(changes, setting, monkeypatch):
    monkeypatch.delenv("TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS", raising=False)
    with pytest.raises(ConfigError) as info:
        TargetTikTokShop(config={**BASE, **changes})
    assert info.value.setting == setting


def test_guardrail_settings_from_environment_variables(monkeypatch, tmp_path):
    """``--config ENV``: the SDK leaves numbers as strings; they are still read."""
    for name, value in {"APP_KEY": "k", "APP_SECRET": "secret-value",
                        "REFRESH_TOKEN": "refresh-value", "MAX_PRICE_CHANGE_PERCENT": "12.5",
                        "MIN_PRICE": "0.99", "MAX_STOCK_CHANGE": "30",
                        "BREAKER_ZERO_STOCK_PERCENT": "100", "OVERRIDE_BREAKERS": "true",
                        "RESULTS_PATH": str(tmp_path / "r.jsonl")}.items():
        monkeypatch.setenv(f"TARGET_TIKTOKSHOP_{name}", value)
    target = TargetTikTokShop(config=None, parse_env_config=True)
    limits = target.options.guardrails
    assert (limits.max_price_change_percent, limits.min_price, limits.max_stock_change,
            limits.breaker_zero_stock_percent, limits.override_breakers) == (
        Decimal("12.5"), Decimal("0.99"), 30, Decimal(100), True)
