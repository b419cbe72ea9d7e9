"""tap-tiktokshop: every authorized shop's TikTok Shop data as Singer streams."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk.helpers.capabilities import EMIT_ACTIVATE_VERSION_CONFIG

from tap_tiktokshop.connection_check import check_connection
from tap_tiktokshop.message_writer import TapMessageWriter
from tap_tiktokshop.scopes import MissingScopes
from tap_tiktokshop.settings import TAP_SETTINGS, TapOptions, load_options
from tap_tiktokshop.state_format import STATE_FORMAT, STATE_FORMAT_KEY, state_format
from tap_tiktokshop.streams import STREAM_TYPES
from tiktokshop.connection import ConnectionSettings, load_settings
from tiktokshop.endpoints import Endpoint
from tiktokshop.errors import ConfigError
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient
from tiktokshop_singer.cli import run_cli
from tiktokshop_singer.config_mixin import SharedConfigMixin
from tiktokshop_singer.interrupted import Interrupted
from tiktokshop_singer.metrics import HttpMetrics

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

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """The SDK's built-in settings, and ``emit_activate_version_messages`` (the
        ``activate-version`` capability; the SDK reads it but does not declare it), so
        Meltano passes it on and ``--about`` lists it."""
        super().append_builtin_config(config_jsonschema)
        properties = config_jsonschema.setdefault("properties", {})
        for name, spec in EMIT_ACTIVATE_VERSION_CONFIG["properties"].items():
            properties.setdefault(name, spec)

    def load_state(self, state: dict[str, t.Any]) -> None:
        """The SDK's state loading, after checking the state's format; every STATE this
        run writes carries the current format."""
        state_format(state)
        super().load_state(state)
        self.state.setdefault("bookmarks", {})
        self.state[STATE_FORMAT_KEY] = STATE_FORMAT

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
        client = TikTokShopClient(self.connection, pool_size=pool_size)
        client.add_observer(self.http_metrics)
        return client

    @cached_property
    def http_metrics(self) -> HttpMetrics:
        """The SDK's HTTP metric points for every call of the client."""
        return HttpMetrics(self.metrics_logger)

    @cached_property
    def shops(self) -> list[Shop]:
        """The shops of this sync (fetched once)."""
        shops = load_shops(self.client, self.connection.shop_ids)
        if not shops:
            self.logger.warning("The token is not authorized for any shop: nothing to sync")
        return shops

    @cached_property
    def missing_scopes(self) -> MissingScopes:
        """Streams skipped for a shop whose authorization lacks an API scope."""
        return MissingScopes()

    def version_gaps(self, streams: t.Iterable[t.Any]) -> dict[str, list[Endpoint]]:
        """Each stream that calls an endpoint with no version at or below ``api_version``,
        with those endpoints."""
        api_version = self.connection.api_version
        gaps: dict[str, list[Endpoint]] = {}
        for stream in streams:
            for endpoint in stream.required_endpoints():
                if not endpoint.supports(api_version):
                    gaps.setdefault(stream.name, []).append(endpoint)
        return gaps

    def check_api_version(self) -> None:
        """Refuse, before any call, selected streams that need a newer ``api_version``.

        Raises:
            ConfigError: one line naming each such stream once, the version it needs and
                the endpoints that need it.
        """
        used = [stream for stream in self.streams.values()
                if stream.selected or stream.has_selected_descendents]
        gaps = self.version_gaps(used)
        if gaps:
            api_version = self.connection.api_version
            needed = ", ".join(
                f"stream '{name}' needs API version {_newest_min(endpoints)} or newer "
                f"({', '.join(endpoint.label(endpoint.min_version) for endpoint in endpoints)})"
                for name, endpoints in gaps.items())
            newest = max(_newest_min(endpoints) for endpoints in gaps.values())
            raise ConfigError("api_version", f"{needed}, but api_version is {api_version}: "
                              f"set api_version to {newest} or newer, or deselect the stream")

    def sync_all(self) -> None:
        """The SDK's sync of the selected streams, between two checks of this tap.

        Before: a selected stream that needs a newer ``api_version`` is a configuration
        error (nothing is called). After: if a stream was skipped for a shop missing an API
        scope, the run ends with status 1 and one summary line, once every other stream
        is synced and its state written. (The SDK marks ``sync_all`` final for type
        checkers; this calls it unchanged.)
        """
        self.check_api_version()
        try:
            super().sync_all()
        finally:
            self.http_metrics.flush()
        self.missing_scopes.raise_if_any()

    def run_connection_test(self) -> bool:
        """The connection check (``tiktokshop-auth check``: one log line per check; a failed
        check ends the test with status 1), then the SDK's connection test (one record per
        stream) on the streams that exist at ``api_version`` (the others are named in the
        log), then the missing-scope check. The SDK's ``--test`` reads no catalog, so the
        scopes of every stream are checked."""
        check_connection(self, lambda result: (
            self.logger.info if result.passed and not result.warning
            else self.logger.warning)("Connection check %s", result.line()))
        gaps = self.version_gaps(self.streams.values())
        for name, endpoints in gaps.items():
            self.logger.warning("Connection test: skipping stream '%s', which needs API "
                                "version %s (api_version is %s)", name,
                                _newest_min(endpoints), self.connection.api_version)
        skipped = set(gaps)
        usable = [stream for stream in self.streams.values() if stream.name not in skipped]
        result = self.run_sync_dry_run(dry_run_record_limit=1, streams=usable)
        self.missing_scopes.raise_if_any()
        return result

    def shop_by_id(self, shop_id: str) -> Shop:
        """A shop of this sync by id."""
        for shop in self.shops:
            if shop.id == shop_id:
                return shop
        raise ConfigError("shop_ids", f"shop {shop_id} is not part of this sync")

    _stop_signal: int | None = None

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
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


def _newest_min(endpoints: list[Endpoint]) -> str:
    """The oldest ``api_version`` that serves every one of ``endpoints``."""
    return max(endpoint.min_version for endpoint in endpoints)


def main() -> None:
    """Console entry point."""
    run_cli(TapTikTokShop.cli, "tap-tiktokshop")


if __name__ == "__main__":
    main()
