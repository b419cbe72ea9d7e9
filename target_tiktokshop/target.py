"""target-tiktokshop: push inventory, prices and product changes to TikTok Shop.

Input streams ``inventory``, ``prices`` and ``products`` (other names through
``stream_maps``). Every input record gets one line in the results file; the run exits
non-zero when more than ``max_failures`` records failed. Tap STATE is passed through
unchanged, and only after the records before it were written (see ``_write_state_message``).
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Target
from singer_sdk.helpers.capabilities import PluginCapabilities

from target_tiktokshop.errors import RunStoppedError, TooManyFailuresError, UnknownStreamError
from target_tiktokshop.records import STREAMS
from target_tiktokshop.runtime import Run
from target_tiktokshop.settings import TARGET_SETTINGS, TargetOptions, load_options
from target_tiktokshop.sinks import SINKS, IgnoredStreamSink, TikTokShopSink
from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.plugin_cli import run_cli
from tiktokshop.redact import REDACTOR, install_log_redaction
from tiktokshop.settings import ConnectionSettings, load_settings

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.sinks import Sink


class TargetTikTokShop(Target):
    """Singer target writing stock levels, prices and product changes to TikTok Shop."""

    name = "target-tiktokshop"
    package_name = "tiktokshop-singer"
    config_jsonschema = TARGET_SETTINGS.to_dict()
    # Records are checked by the target's own rules and reported per record, so the SDK's
    # schema validation (which stops the run at the first bad record) is not offered.
    capabilities: t.ClassVar[list] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """The SDK's built-in settings, minus ``load_method``: every write here is an
        absolute "set", so append/upsert/overwrite have no meaning."""
        super().append_builtin_config(config_jsonschema)
        config_jsonschema["properties"].pop("load_method", None)

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        # Streams drain one after another, so the writes to one shop never interleave;
        # shops are written in parallel inside a drain (``max_parallel_shops``).
        self.max_parallelism = 1
        self._state_note_logged = False

    # ------------------------------------------------------------------ config
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Our checks first (one line naming the setting), then the SDK's schema checks."""
        try:
            self.settings = load_settings(self.config)
            self.options = load_options(self.config)
        except ConfigError as exc:
            if raise_errors:
                raise
            return [str(exc)]
        REDACTOR.add(*self.settings.secrets())
        install_log_redaction(REDACTOR)
        return super()._validate_config(raise_errors=raise_errors)

    @cached_property
    def run(self) -> Run:
        """Run state (results file, client, catalogues), created with the first sink."""
        settings: ConnectionSettings | None = getattr(self, "settings", None)
        options: TargetOptions | None = getattr(self, "options", None)
        run = Run(settings or load_settings(self.config), options or load_options(self.config))
        run.results.start()
        return run

    # ------------------------------------------------------------------ sinks
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """The sink of a stream name (after stream maps and aliases)."""
        if stream_name in SINKS:
            return SINKS[stream_name]
        if self.run.options.unknown_streams == "ignore":
            return IgnoredStreamSink
        error = UnknownStreamError(stream_name)
        self._abandon_staged(f"not applied: the run stopped at an unknown stream: {error}")
        self.run.close()
        raise error

    def get_sink(
        self,
        stream_name: str,
        *,
        record: dict | None = None,
        schema: dict | None = None,
        key_properties: t.Sequence[str] | None = None,
    ) -> Sink:
        """As the SDK's, but key properties are not enforced: a record missing one is
        reported in the results file instead of stopping the run."""
        if schema is not None:
            key_properties = []
        return super().get_sink(stream_name, record=record, schema=schema,
                                key_properties=key_properties)

    def _abandon_staged(self, reason: str) -> None:
        for sink in [*self._sinks_to_clear, *self._sinks_active.values()]:
            if isinstance(sink, TikTokShopSink):
                sink.abandon(reason)

    # ------------------------------------------------------------------ state
    def _write_state_message(self, state: dict) -> None:
        """Pass the tap's STATE through unchanged, unless the run must not advance it.

        The SDK writes the latest STATE only after ``drain_all`` has written every
        staged record (a STATE message itself never triggers a drain in 0.54), so
        the records before a STATE are always applied before it is emitted. It is held
        back in a dry run (nothing was written), after a run-stopping error, and once
        failures exceed ``max_failures`` (so the tap sends those records again).
        """
        hold = self._state_hold_reason()
        if hold:
            if not self._state_note_logged:
                self.logger.warning("STATE not emitted: %s", hold)
                self._state_note_logged = True
            return
        super()._write_state_message(state)

    def _state_hold_reason(self) -> str | None:
        options = self.run.options
        if options.dry_run:
            return "dry run (nothing was written)"
        if self.run.fatal is not None:
            return "the run stopped on an error"
        failed = self.run.results.failed
        if failed > options.max_failures:
            return f"{failed} records failed, more than max_failures ({options.max_failures})"
        return None

    # ------------------------------------------------------------------ end
    def process_endofpipe(self) -> None:
        """Drain everything, log the summary, then exit non-zero if the run failed."""
        try:
            super().process_endofpipe()
        finally:
            self._log_summary()
            self.run.close()
        results, options = self.run.results, self.run.options
        if self.run.fatal is not None:
            raise RunStoppedError(self.run.fatal, results.failed, results.path)
        if results.failed > options.max_failures:
            raise TooManyFailuresError(results.failed, results.total, options.max_failures,
                                       results.path, dry_run=options.dry_run)

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Stop on SIGINT/SIGTERM without applying the records still staged.

        The SDK's default drains every sink first (applying up to a whole batch after
        the operator asked to stop) and exits 0. Here staged records get a "not
        confirmed" line, no STATE is emitted, and the exit status is 128 + signal.
        """
        reason = f"not confirmed: the run was interrupted by signal {signum}"
        self.logger.warning("Received signal %d: stopping without applying staged records",
                            signum)
        self.run.fatal = TikTokShopError(f"interrupted by signal {signum}")
        self._abandon_staged(reason)
        self._log_summary()
        raise RunStoppedError(self.run.fatal, self.run.results.failed, self.run.results.path,
                              exit_code=128 + signum)

    def _log_summary(self) -> None:
        results = self.run.results
        for stream in sorted(results.stats):
            stats = results.stats[stream]
            if stream in STREAMS or stats.outcomes:
                self.logger.info(stats.summary(stream, self.run.options.dry_run))
            if stats.ignored:
                self.logger.warning("Stream '%s' ignored: %d records skipped", stream,
                                    stats.ignored)
        self.logger.info("Results file: %s (%d records, %d failed)%s", results.path,
                         results.total, results.failed,
                         " (dry run: nothing was written)" if self.run.options.dry_run else "")


def main() -> None:
    """Console entry point."""
    run_cli(TargetTikTokShop.cli, "target-tiktokshop")


if __name__ == "__main__":
    main()
