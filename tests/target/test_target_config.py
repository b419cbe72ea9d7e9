"""Settings of the target: defaults, validation naming the setting, the JSON schema."""

from __future__ import annotations

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
