"""Connection settings: every bad value gives one line naming the setting."""

from __future__ import annotations

import pytest

from tiktokshop.connection import load_settings
from tiktokshop.errors import ConfigError
from tiktokshop_singer.config_schema import CONNECTION_SETTINGS

BASE = {"app_key": "key", "app_secret": "secret", "refresh_token": "refresh"}


def test_defaults() -> None:
    s = load_settings(BASE)
    assert s.api_version == "202509"  # the newest endpoint version the plugins call
    assert load_settings({**BASE, "api_version": "202309"}).api_version == "202309"
    assert s.service_region == "Non-US"
    assert s.api_base_url == "https://open-api.tiktokglobalshop.com"
    assert s.auth_base_url == "https://auth.tiktok-shops.com"
    assert s.authorize_url_base == "https://services.tiktokshop.com"
    assert load_settings({**BASE, "service_region": "US"}).authorize_url_base == (
        "https://services.us.tiktokshop.com")


@pytest.mark.parametrize(
    ("override", "setting", "words"),
    [
        ({"app_key": ""}, "app_key", "required"),
        ({"app_secret": None}, "app_secret", "required"),
        ({"api_version": "legacy"}, "api_version", "2024-12-31"),
        ({"api_version": "202212"}, "api_version", "older"),
        ({"api_version": "v2"}, "api_version", "YYYYMM"),
        ({"service_region": "EU"}, "service_region", "'US' or 'Non-US'"),
        ({"api_base_url": "http://open-api.example.com"}, "api_base_url", "https"),
        ({"auth_base_url": "ftp://x"}, "auth_base_url", "https"),
        ({"shop_ids": [1.5]}, "shop_ids", "shop ID"),
        ({"shop_ids": ["1", "1"]}, "shop_ids", "twice"),
        ({"request_timeout_seconds": 0}, "request_timeout_seconds", "between"),
        ({"max_retries": -1}, "max_retries", "between"),
        ({"max_retries": "many"}, "max_retries", "number"),
        ({"refresh_token": None}, "refresh_token", "no credentials"),
    ],
)
def test_bad_values_name_the_setting(override: dict, setting: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**BASE, **override})
    assert info.value.setting == setting
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_loopback_http_is_allowed_for_the_sandbox() -> None:
    s = load_settings({**BASE, "api_base_url": "http://127.0.0.1:8080/",
                       "auth_base_url": "http://localhost:9"})
    assert s.api_base_url == "http://127.0.0.1:8080"


def test_shop_ids_from_env_style_strings() -> None:
    assert load_settings({**BASE, "shop_ids": "1, 2"}).shop_ids == ("1", "2")
    assert load_settings({**BASE, "shop_ids": '["7"]'}).shop_ids == ("7",)


def test_secrets_are_write_only_in_the_schema_and_hidden_in_repr() -> None:
    props = CONNECTION_SETTINGS.to_dict()["properties"]
    for name in ("app_secret", "access_token", "refresh_token", "auth_code"):
        assert props[name].get("writeOnly") is True, name
    assert "secret" not in repr(load_settings(BASE))
