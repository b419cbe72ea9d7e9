"""tap-tiktokshop: every authorized shop's TikTok Shop data as Singer streams."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Tap

from tap_tiktokshop.message_writer import TapMessageWriter
from tap_tiktokshop.settings import TAP_SETTINGS, TapOptions, load_options
from tap_tiktokshop.streams import STREAM_TYPES
from tiktokshop.connection import ConnectionSettings, load_settings
from tiktokshop.errors import ConfigError
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient
from tiktokshop_singer.cli import run_cli
from tiktokshop_singer.config_mixin import SharedConfigMixin
from tiktokshop_singer.interrupted import Interrupted

#: What an interrupted sync means for the data (the next run resumes from the last STATE).
RESUMES_FROM_STATE = ("every record before the last STATE message was written, and the next "
                      "run resumes from that STATE")


class TapTikTokShop(SharedConfigMixin, Tap):
    """Singer tap for the TikTok Shop Open API (products, orders, returns and more)."""

    name = "tap-tiktokshop"
    package_name = "tiktokshop-singer"
    config_jsonschema = TAP_SETTINGS.to_dict()
    message_writer_class = TapMessageWriter
    options: TapOptions

    def load_plugin_settings(self) -> None:
        """Settings of this plugin on top of the shared connection settings."""
        self.options = load_options(self.config)

    @cached_property
    def connection(self) -> ConnectionSettings:
        """Validated settings (also when config validation was skipped, as in discovery)."""
        settings = getattr(self, "settings", None)
        if settings is None:
            settings = self.settings = load_settings(self.config)
            self.options = load_options(self.config)
        return settings

    @cached_property
    def client(self) -> TikTokShopClient:
        """One client for the whole run: shared tokens, rate limiter and connection pool."""
        pool_size = max(16, self.options.detail_concurrency * 2)
        return TikTokShopClient(self.connection, pool_size=pool_size)

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
            raise Interrupted(signum, RESUMES_FROM_STATE)
        self._stop_signal = signum
        self.logger.warning("Received signal %d: stopping after the current message", signum)

    def write_message(self, message: t.Any) -> None:
        """Write one whole Singer message, then stop if a signal asked to."""
        super().write_message(message)
        if self._stop_signal is not None:
            raise Interrupted(self._stop_signal, RESUMES_FROM_STATE)

    def discover_streams(self) -> list:
        """Static catalog: discovery makes no API call."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


def main() -> None:
    """Console entry point."""
    run_cli(TapTikTokShop.cli, "tap-tiktokshop")


if __name__ == "__main__":
    main()
