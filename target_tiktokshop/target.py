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
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_tiktokshop.changes import STREAMS, Keys, record_keys
from target_tiktokshop.input_reader import InputError, InputReader, json_type_name
from target_tiktokshop.results import FAILED, Outcome
from target_tiktokshop.run_errors import (
    BreakerTrippedError,
    RunStoppedError,
    TooManyFailuresError,
    UnknownStreamError,
)
from target_tiktokshop.runtime import Run
from target_tiktokshop.settings import TARGET_SETTINGS, TargetOptions, load_options
from target_tiktokshop.sinks import SINKS, IgnoredStreamSink, TikTokShopSink
from tiktokshop.connection import ConnectionSettings, load_settings
from tiktokshop_singer.cli import run_cli
from tiktokshop_singer.config_mixin import SharedConfigMixin
from tiktokshop_singer.interrupted import Interrupted

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.sinks import Sink


class TargetTikTokShop(SharedConfigMixin, Target):
    """Singer target writing stock levels, prices and product changes to TikTok Shop."""

    name = "target-tiktokshop"
    package_name = "tiktokshop-singer"
    config_jsonschema = TARGET_SETTINGS.to_dict()
    message_reader_class = InputReader
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
        self._busy = 0  # > 0 while a message is processed or sinks are drained
        self._stop_signal: int | None = None
        if isinstance(self.message_reader, InputReader):
            self.message_reader.on_input_error = self._stop_on_input_error
            self.message_reader.on_unknown_type = self._ignore_message_type
            self.message_reader.on_line = self._stop_if_asked

    # ------------------------------------------------------------------ config
    def load_plugin_settings(self) -> None:
        """Settings of this plugin on top of the shared connection settings."""
        self.options = load_options(self.config)

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

    # ------------------------------------------------------------------ input
    # A message without the keys its type requires (or a SCHEMA whose "schema" is not an
    # object) stops the run naming its input line: the SDK checks them through
    # ``message_reader.assert_line_requires`` (``InputReader``).

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _process_record_message(self, message_dict: dict) -> None:
        self._busy += 1
        try:
            self._process_record(message_dict)
        finally:
            self._busy -= 1

    def drain_one(self, sink: Sink) -> None:
        """As the SDK's; a stop signal meanwhile is acted on once the drain is done."""
        self._busy += 1
        try:
            super().drain_one(sink)
        finally:
            self._busy -= 1

    def drain_all(self, *, is_endofpipe: bool = False) -> None:
        """As the SDK's; a stop signal meanwhile is acted on once the drain is done."""
        self._busy += 1
        try:
            super().drain_all(is_endofpipe=is_endofpipe)
        finally:
            self._busy -= 1

    def _process_record(self, message_dict: dict) -> None:
        """Give every RECORD of an accepted stream exactly one results line.

        The SDK drops a RECORD whose ``record`` is null (and crashes on a list or a
        string) and stops the run on a RECORD that comes before its SCHEMA; here each
        of those is reported as a failed record and the run goes on.
        """
        stream = message_dict.get("stream")
        if not isinstance(stream, str) or not stream:
            raise InvalidInputLine("a RECORD message without a stream name")
        if stream in self.mapper.stream_maps:
            kinds = [m.stream_alias for m in self.mapper.stream_maps[stream]]
        else:
            kinds = [stream]
        kinds = [kind for kind in kinds if kind in SINKS]
        record = message_dict.get("record")
        reason = None
        if "record" not in message_dict:
            reason = "the RECORD message has no 'record'"
        elif not isinstance(record, dict):
            reason = f"the record is not a JSON object (got {json_type_name(record)})"
        elif kinds and not all(self.sink_exists(kind) for kind in kinds):
            reason = f"no SCHEMA message for stream '{stream}' came before this record"
        if not kinds and stream not in self.mapper.stream_maps \
                and self.run.options.unknown_streams == "ignore":
            self.run.results.stream(stream).ignored += 1  # unknown stream, no SCHEMA yet
            return
        if reason is None or not kinds:
            super()._process_record_message(message_dict)
            return
        keys = record_keys(record) if isinstance(record, dict) else Keys()
        for kind in kinds:
            self.run.results.write(Outcome(self.run.next_seq(), kind, FAILED, keys,
                                           reason=reason))

    def _stop_on_input_error(self, error: InputError) -> None:
        self.run.fatal = error
        self._abandon_staged(f"not applied: the run stopped at an invalid input line: {error}")
        self._log_summary()
        self.run.close()

    def _ignore_message_type(self, kind: str) -> None:
        if self.run.warn_once(f"message-type:{kind}"):
            self.logger.warning("Ignoring Singer messages of unknown type %r", kind[:40])

    def _abandon_staged(self, reason: str) -> None:
        # Private SDK state (ARCHITECTURE.md, "Private Singer SDK use"): a sink replaced
        # after a schema change waits in ``_sinks_to_clear`` with its staged records, and
        # the public API only reaches the active sink of each stream.
        for sink in [*self._sinks_to_clear, *self._sinks_active.values()]:
            if isinstance(sink, TikTokShopSink):
                sink.abandon(reason)

    # ------------------------------------------------------------------ state
    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _write_state_message(self, state: dict) -> None:
        """Pass the tap's STATE through unchanged, unless the run must not advance it.

        The SDK writes the latest STATE only after ``drain_all`` has written every
        staged record (a STATE message itself never triggers a drain in 0.54), so
        the records before a STATE are always applied before it is emitted. It is held
        back in a dry run (nothing was written), after a run-stopping error, once
        failures exceed ``max_failures`` (so the tap sends those records again), while
        writes wait for the end of input (run-level breakers), and after a breaker tripped.
        """
        if self.run.held.pending():  # records before this STATE are not written yet
            return
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
        if self.run.trips:
            return "a run-level breaker tripped"
        failed = self.run.results.not_applied
        if failed > options.max_failures:
            return (f"{failed} records failed or were refused, more than max_failures "
                    f"({options.max_failures})")
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
        if self.run.trips:
            raise BreakerTrippedError(self.run.trips, results.path, dry_run=options.dry_run)
        if results.not_applied > options.max_failures:
            raise TooManyFailuresError(results.failed, results.total, options.max_failures,
                                       results.path, dry_run=options.dry_run,
                                       refused=results.refused)

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Stop on SIGINT/SIGTERM without applying the records still staged.

        The SDK's default drains every sink first (applying up to a whole batch after
        the operator asked to stop) and exits 0. Here staged records get a "not
        confirmed" line, no STATE is emitted, and the exit status is 128 + signal.

        While a message is processed or a batch is written, the handler only sets
        ``run.fatal``: no further call is made, the call in flight finishes and gets its
        true outcome, the rest of the batch is reported "not attempted", and the run
        stops at the next message (or at the end of input). Raising from the handler
        there could interrupt a results-file write holding its lock. A second signal,
        or a signal while the target waits for input, stops at once.
        """
        if self._busy and self._stop_signal is None:
            self._stop_signal = signum
            self.run.fatal = Interrupted(signum)
            self.logger.warning("Received signal %d: finishing the call in flight, then "
                                "stopping without applying staged records", signum)
            return
        self._stop_now(signum)

    def _stop_if_asked(self) -> None:
        if self._stop_signal is not None:
            self._stop_now(self._stop_signal)

    def _stop_now(self, signum: int) -> None:
        reason = f"not confirmed: the run was interrupted by signal {signum}"
        if self._stop_signal is None:
            self.logger.warning("Received signal %d: stopping without applying staged "
                                "records", signum)
        self.run.fatal = self.run.fatal or Interrupted(signum)
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
        self.logger.info("Results file: %s (%d records, %d failed, %d refused)%s",
                         results.path, results.total, results.failed, results.refused,
                         " (dry run: nothing was written)" if self.run.options.dry_run else "")


def main() -> None:
    """Console entry point."""
    run_cli(TargetTikTokShop.cli, "target-tiktokshop")


if __name__ == "__main__":
    main()
