"""tap-tiktokshop: every authorized shop's TikTok Shop data as Singer streams."""

from __future__ import annotations

import time
import typing as t
from datetime import datetime, timezone
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_tiktokshop.message_writer import TapMessageWriter
from tap_tiktokshop.streams import STREAM_TYPES
from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.plugin_cli import run_cli
from tiktokshop.plugin_config import SharedConfigMixin
from tiktokshop.settings import CONNECTION_SETTINGS, ConnectionSettings, load_settings
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient

DEFAULT_START_DATE = "2020-01-01T00:00:00Z"

TAP_SETTINGS = th.PropertiesList(
    *CONNECTION_SETTINGS.wrapped.values(),
    th.Property("start_date", th.DateTimeType, default=DEFAULT_START_DATE,
                description="Earliest update time to read on the first run (UTC)."),
    th.Property("end_date", th.DateTimeType,
                description="Latest update time to read (default: when the sync starts)."),
    th.Property("lookback_seconds", th.IntegerType, default=600,
                description="Re-read this many seconds before the bookmark (TikTok warns that "
                            "update times can move during a search)."),
    th.Property("product_detail_concurrency", th.IntegerType, default=8,
                description="Product details fetched in parallel (within the rate limit)."),
)


class Interrupted(TikTokShopError):
    """SIGINT/SIGTERM: the sync stops; the next run resumes from the last STATE written."""

    def __init__(self, signum: int) -> None:
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by signal {signum}; every record before the last STATE "
                         "message was written, and the next run resumes from that STATE")


def parse_utc(setting: str, value: t.Any) -> int:
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


class TapTikTokShop(SharedConfigMixin, Tap):
    """Singer tap for the TikTok Shop Open API (products, orders, returns and more)."""

    name = "tap-tiktokshop"
    package_name = "tiktokshop-singer"
    config_jsonschema = TAP_SETTINGS.to_dict()
    message_writer_class = TapMessageWriter

    def load_plugin_settings(self) -> None:
        """Settings of this plugin on top of the shared connection settings."""
        self._check_tap_settings()

    def _check_tap_settings(self) -> None:
        start = parse_utc("start_date", self.config.get("start_date") or DEFAULT_START_DATE)
        end_value = self.config.get("end_date")
        end = parse_utc("end_date", end_value) if end_value else int(time.time())
        if end > int(time.time()):
            end = int(time.time())
        if start >= end:
            raise ConfigError("start_date", "must be earlier than end_date and the current time")
        lookback = self.config.get("lookback_seconds", 600)
        if not isinstance(lookback, int) or isinstance(lookback, bool) or lookback < 0:
            raise ConfigError("lookback_seconds", "must be a whole number of seconds >= 0")
        workers = self.config.get("product_detail_concurrency", 8)
        if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 64:
            raise ConfigError("product_detail_concurrency", "must be a whole number from 1 to 64")
        self.start_epoch, self.sync_end = start, end
        self.lookback_seconds, self.detail_concurrency = lookback, workers

    @cached_property
    def connection(self) -> ConnectionSettings:
        """Validated settings (also when config validation was skipped, as in discovery)."""
        settings = getattr(self, "settings", None)
        if settings is None:
            settings = self.settings = load_settings(self.config)
            self._check_tap_settings()
        return settings

    @cached_property
    def client(self) -> TikTokShopClient:
        """One client for the whole run: shared tokens, rate limiter and connection pool."""
        return TikTokShopClient(self.connection, pool_size=max(16, self.detail_concurrency * 2))

    @cached_property
    def shops(self) -> list[Shop]:
        """The shops of this sync (fetched once)."""
        shops = load_shops(self.client, self.connection.shop_ids)
        if not shops:
            self.logger.warning("The token is not authorized for any shop: nothing to sync")
        return shops

    def shop_by_id(self, shop_id: str) -> Shop:
        """A shop of this sync by id."""
        for shop in self.shops:
            if shop.id == shop_id:
                return shop
        raise ConfigError("shop_ids", f"shop {shop_id} is not part of this sync")

    _stop_signal: int | None = None

    def _handle_termination(self, signum: int, frame: t.Any) -> None:
        """Stop on SIGINT/SIGTERM with exit status 128 + signal and one line.

        The SDK's default exits 0 from inside the handler, which tells an orchestrator the
        extraction completed, and can cut a message in half on stdout (the handler runs
        in the middle of a write). Here the first signal only asks to stop: the tap stops
        right after the next complete message (or at once on a second signal). Nothing
        is lost: STATE is only written after the records it covers.
        """
        if self._stop_signal is not None:
            raise Interrupted(signum)
        self._stop_signal = signum
        self.logger.warning("Received signal %d: stopping after the current message", signum)

    def write_message(self, message: t.Any) -> None:
        """Write one whole Singer message, then stop if a signal asked to."""
        super().write_message(message)
        if self._stop_signal is not None:
            raise Interrupted(self._stop_signal)

    def discover_streams(self) -> list:
        """Static catalog: discovery makes no API call."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


def main() -> None:
    """Console entry point."""
    run_cli(TapTikTokShop.cli, "tap-tiktokshop")


if __name__ == "__main__":
    main()
