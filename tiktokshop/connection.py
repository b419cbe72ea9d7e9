"""Connection settings shared by tap-tiktokshop and target-tiktokshop.

The names mirror what TikTok Shop connectors ask for (connection name, API version,
service region, app key, app secret, service ID) plus what a Singer plugin needs.
``SETTING_SPECS`` describes each setting (the Singer glue builds the plugins' JSON schema
from it); :func:`load_settings` validates a config and raises :class:`ConfigError` naming
the first bad setting. Nothing here imports the Singer SDK.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tiktokshop.endpoints import BASE_VERSION, DEFAULT_VERSION
from tiktokshop.errors import ConfigError
from tiktokshop.paths import ensure_writable_folder

DEFAULT_API_BASE_URL = "https://open-api.tiktokglobalshop.com"
DEFAULT_AUTH_BASE_URL = "https://auth.tiktok-shops.com"
REGIONS = ("US", "Non-US")
# Seller authorization pages per service region. TikTok's pages give two US hosts;
# the older one is used by most SDKs, the host is overridable with authorize_base_url.
AUTHORIZE_BASE_URLS = {
    "US": "https://services.us.tiktokshop.com",
    "Non-US": "https://services.tiktokshop.com",
}
#: Endpoint families (the path's first segment) with a rate limit setting of their own.
FAMILY_PATHS = {
    "authorization": "/authorization/...", "seller": "/seller/...",
    "product": "/product/...", "order": "/order/...", "fulfillment": "/fulfillment/...",
    "logistics": "/logistics/...", "finance": "/finance/...",
    "return_refund": "/return_refund/...", "promotion": "/promotion/...",
    "analytics": "/analytics/...",
}
RATE_LIMIT_FAMILIES = tuple(FAMILY_PATHS)
#: Families slower than ``rate_limit_qps`` by default: TikTok suggests starting around
#: "complex analytics: 0.2-1 request/second" (the reference, rate limits).
FAMILY_DEFAULT_QPS = {"analytics": 1.0}
MAX_QPS = 10_000


@dataclass(frozen=True)
class SettingSpec:
    """One connection setting as plugins expose it (the Singer glue turns these into the
    plugins' JSON schema; :func:`load_settings` is what validates them)."""

    name: str
    kind: str  # "string", "integer", "number" or "string_list"
    description: str
    default: Any = None
    required: bool = False
    secret: bool = False
    choices: tuple[str, ...] = ()


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("connection_name", "string", "Label for this connection, used in logs."),
    SettingSpec(
        "api_version", "string",
        f"TikTok Shop API version (YYYYMM, {BASE_VERSION} or newer; default {DEFAULT_VERSION}, "
        "the newest this connector calls). Each endpoint is called at the newest version this "
        "connector supports that is not newer than this value; selecting a tap stream whose "
        "endpoint needs a newer version is a configuration error naming that version.",
        default=DEFAULT_VERSION,
    ),
    SettingSpec("service_region", "string",
                "US for shops in the United States, Non-US for every other market.",
                default="Non-US", choices=REGIONS),
    SettingSpec("app_key", "string", "App key (Partner Center).", required=True),
    SettingSpec("app_secret", "string", "App secret (Partner Center).", required=True,
                secret=True),
    SettingSpec("service_id", "string", "Service ID shown under the app name in Partner Center."),
    SettingSpec("access_token", "string",
                "Access token (optional when a refresh token or token store is set).",
                secret=True),
    SettingSpec("refresh_token", "string", "Refresh token from the seller authorization.",
                secret=True),
    SettingSpec("auth_code", "string", "One-time authorization code (valid 30 minutes).",
                secret=True),
    SettingSpec("shop_ids", "string_list",
                "Shop IDs to use (default: every shop the token is authorized for)."),
    SettingSpec("api_base_url", "string", "API host (change only for a sandbox or proxy).",
                default=DEFAULT_API_BASE_URL),
    SettingSpec("auth_base_url", "string", "Token host (change only for a sandbox or proxy).",
                default=DEFAULT_AUTH_BASE_URL),
    SettingSpec("authorize_base_url", "string",
                "Seller authorization page host (default chosen by service_region)."),
    SettingSpec("token_store_path", "string",
                "File where rotated tokens are kept (mode 0600) between runs."),
    SettingSpec("request_timeout_seconds", "number", "Timeout of one HTTP request.", default=30),
    SettingSpec("max_retries", "integer",
                "Retries of a temporary failure (429, 5xx, dropped connection).", default=5),
    SettingSpec("rate_limit_qps", "number",
                "Client-side cap on requests per second per shop and endpoint.", default=50),
    SettingSpec("retry_backoff_seconds", "number",
                "First retry delay; doubles each retry (with jitter), capped at 60 s.",
                default=1.0),
    *(SettingSpec(
        f"rate_limit_qps_{family}", "number",
        f"Client-side cap on requests per second per shop and endpoint for the {family} "
        f"endpoints ({FAMILY_PATHS[family]}); default "
        + (f"{FAMILY_DEFAULT_QPS[family]:g}, TikTok's suggested starting point for "
           "complex analytics (0.2-1 request/s)" if family in FAMILY_DEFAULT_QPS
           else "rate_limit_qps") + "; 0 turns the cap off.",
        default=FAMILY_DEFAULT_QPS.get(family)) for family in RATE_LIMIT_FAMILIES),
)
SECRET_SETTINGS = tuple(spec.name for spec in SETTING_SPECS if spec.secret)


@dataclass(frozen=True)
class ConnectionSettings:
    """Validated connection settings."""

    app_key: str
    app_secret: str
    api_version: str = DEFAULT_VERSION
    service_region: str = "Non-US"
    service_id: str | None = None
    connection_name: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    auth_code: str | None = None
    shop_ids: tuple[str, ...] | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    auth_base_url: str = DEFAULT_AUTH_BASE_URL
    authorize_base_url: str | None = None
    token_store_path: Path | None = None
    request_timeout_seconds: float = 30.0
    max_retries: int = 5
    rate_limit_qps: float = 50.0  # TikTok's limit per app, shop and API; calls are evenly spaced
    retry_backoff_seconds: float = 1.0
    #: ``rate_limit_qps_<family>`` that apply (a family not listed uses rate_limit_qps).
    family_rate_limits: tuple[tuple[str, float], ...] = tuple(FAMILY_DEFAULT_QPS.items())

    def family_qps(self, family: str) -> float:
        """The client's cap for one endpoint family (requests/s per shop and endpoint)."""
        return dict(self.family_rate_limits).get(family, self.rate_limit_qps)

    @property
    def label(self) -> str:
        """Name used in log lines."""
        return self.connection_name or f"app {self.app_key}"

    @property
    def authorize_url_base(self) -> str:
        """Host of the seller authorization page for the service region."""
        return self.authorize_base_url or AUTHORIZE_BASE_URLS[self.service_region]

    def secrets(self) -> list[str]:
        """Every secret value present, for redaction."""
        return [v for v in (self.app_secret, self.access_token, self.refresh_token,
                            self.auth_code) if v]

    def __repr__(self) -> str:  # never show secrets in reprs or tracebacks
        return f"ConnectionSettings(app_key={self.app_key!r}, label={self.label!r}, ...)"


def _text(config: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = config.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(name, "is required but missing or empty")
        return None
    if not isinstance(value, str):
        raise ConfigError(name, f"must be a string, got {type(value).__name__}")
    return value.strip()


def _api_version(config: Mapping[str, Any]) -> str:
    value = _text(config, "api_version") or DEFAULT_VERSION
    if value.lower() == "legacy" or value.lower().startswith("v1") or value.startswith("/api"):
        raise ConfigError(
            "api_version",
            "'legacy' is not supported: TikTok retired the legacy API on 2024-12-31; use "
            f"{DEFAULT_VERSION} (the default) or another version from {BASE_VERSION} on",
        )
    if not re.fullmatch(r"20\d{2}(0[1-9]|1[0-2])", value):
        raise ConfigError("api_version",
                          f"must look like YYYYMM (e.g. {DEFAULT_VERSION}), got {value!r}")
    if value < BASE_VERSION:
        raise ConfigError(
            "api_version",
            f"{value} is older than {BASE_VERSION}, the oldest version TikTok still serves "
            "(older versions were retired on 2024-12-31)",
        )
    return value


def _region(config: Mapping[str, Any]) -> str:
    value = _text(config, "service_region") or "Non-US"
    normalized = {"us": "US", "non-us": "Non-US", "non_us": "Non-US", "nonus": "Non-US"}
    region = normalized.get(value.lower().replace(" ", ""))
    if region is None:
        raise ConfigError("service_region", f"must be 'US' or 'Non-US', got {value!r}")
    return region


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IP literals."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(config: Mapping[str, Any], name: str, default: str | None) -> str | None:
    value = _text(config, name) or default
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(name, f"must be an https:// URL, got {value!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            name, "must use https:// (plain http is only allowed for a loopback sandbox)"
        )
    if parts.query or parts.fragment:
        raise ConfigError(name, "must not contain a query string or fragment")
    return value.rstrip("/")


def _shop_ids(config: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = config.get("shop_ids")
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):  # env vars and CLI users write "1,2"
        value = [v for v in (p.strip() for p in value.strip("[]").split(",")) if v]
        value = [v.strip("'\"") for v in value]
    if not isinstance(value, list | tuple):
        raise ConfigError("shop_ids", "must be a list of shop ID strings")
    ids = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            raise ConfigError("shop_ids", f"every entry must be a non-empty shop ID, got {item!r}")
        ids.append(item.strip())
    if len(set(ids)) != len(ids):
        raise ConfigError("shop_ids", "contains the same shop ID twice")
    return tuple(ids)


def _number(config: Mapping[str, Any], name: str, default: float, low: float, high: float,
            *, whole: bool = False) -> float:
    kind = "a whole number" if whole else "a number"
    value = config.get(name, default)
    if value is None:
        return default
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(name, f"must be {kind}, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ConfigError(name, f"must be {kind}, got {type(value).__name__}")
    value = float(value)
    if not low <= value <= high:  # also refuses NaN
        raise ConfigError(name, f"must be between {low:g} and {high:g}, got {value:g}")
    if whole and not value.is_integer():
        raise ConfigError(name, f"must be a whole number, got {value:g}")
    return float(value)


def _family_rate_limits(config: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    """``(family, qps)`` for every family whose setting (or default) is its own."""
    limits = []
    for family in RATE_LIMIT_FAMILIES:
        name = f"rate_limit_qps_{family}"
        default = FAMILY_DEFAULT_QPS.get(family)
        if config.get(name) is None and default is None:
            continue
        limits.append((family, _number(config, name, default or 0.0, 0, MAX_QPS)))
    return tuple(limits)


def load_settings(config: Mapping[str, Any]) -> ConnectionSettings:
    """Validate a plugin config and return the connection settings.

    Raises:
        ConfigError: naming the first missing or invalid setting.
    """
    token_store = _text(config, "token_store_path")
    settings = ConnectionSettings(
        app_key=_text(config, "app_key", required=True) or "",
        app_secret=_text(config, "app_secret", required=True) or "",
        api_version=_api_version(config),
        service_region=_region(config),
        service_id=_text(config, "service_id"),
        connection_name=_text(config, "connection_name"),
        access_token=_text(config, "access_token"),
        refresh_token=_text(config, "refresh_token"),
        auth_code=_text(config, "auth_code"),
        shop_ids=_shop_ids(config),
        api_base_url=_base_url(config, "api_base_url", DEFAULT_API_BASE_URL) or "",
        auth_base_url=_base_url(config, "auth_base_url", DEFAULT_AUTH_BASE_URL) or "",
        authorize_base_url=_base_url(config, "authorize_base_url", None),
        token_store_path=Path(token_store).expanduser() if token_store else None,
        request_timeout_seconds=_number(config, "request_timeout_seconds", 30, 0.1, 600),
        max_retries=int(_number(config, "max_retries", 5, 0, 20, whole=True)),
        rate_limit_qps=_number(config, "rate_limit_qps", 50, 0, MAX_QPS),
        retry_backoff_seconds=_number(config, "retry_backoff_seconds", 1.0, 0, 60),
        family_rate_limits=_family_rate_limits(config),
    )
    has_store = settings.token_store_path is not None and settings.token_store_path.exists()
    if not (settings.access_token or settings.refresh_token or settings.auth_code or has_store):
        raise ConfigError(
            "refresh_token",
            "no credentials: set refresh_token (or access_token, auth_code, or a "
            "token_store_path holding tokens from `tiktokshop-auth exchange`)",
        )
    if settings.token_store_path is not None and settings.token_store_path.is_dir():
        raise ConfigError("token_store_path", "must be a file path, not a directory")
    if settings.token_store_path is not None:
        ensure_writable_folder("token_store_path", settings.token_store_path, private=True)
    return settings
