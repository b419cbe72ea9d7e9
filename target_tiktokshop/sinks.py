"""The SDK's batch sinks: stage records, hand each batch to the executor, sweep.

Every record of a batch leaves with exactly one results line, whatever happens: parsing
settles invalid records, the executor (``executor.py``) the planned and called ones, and
a final sweep reports anything left (a run-stopping error, or a bug) as failed.

While a stream's run-level breaker is on (``guardrails.Limits.holds``), its valid changes
are held (``held.py``) instead of written per batch; the stream's active sink writes
them, or refuses them when the breaker trips, in ``clean_up`` at the end of input, which
the SDK calls before it emits the last STATE.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict
from collections.abc import Iterable

from singer_sdk.sinks import BatchSink

from target_tiktokshop.changes import (
    INVENTORY,
    PRICES,
    PRODUCTS,
    SHIPMENTS,
    STREAMS,
    Change,
    Keys,
    Rejected,
    parse_record,
    record_keys,
)
from target_tiktokshop.executor import BatchExecutor
from target_tiktokshop.guardrails import BREAKER_PRICE_CHANGE, BREAKER_ZERO_STOCK
from target_tiktokshop.results import FAILED, Outcome

if t.TYPE_CHECKING:
    from target_tiktokshop.runtime import Run
    from target_tiktokshop.target import TargetTikTokShop

Entry = tuple[int, dict[str, t.Any]]  # (sequence number, raw record)


class TikTokShopSink(BatchSink):
    """Base sink: stages records with their sequence number, applies them per batch."""

    kind: t.ClassVar[str]

    def __init__(self, target: TargetTikTokShop, *args: t.Any, **kwargs: t.Any) -> None:
        self.run: Run = target.run
        self._staged: list[Entry] = []
        super().__init__(target, *args, **kwargs)
        self.run.sinks[self.kind] = self  # the SDK's active sink is the latest one

    def get_validator(self) -> None:
        """No JSON-schema validation: it would stop the run at the first bad record;
        ``records.parse_record`` checks every record and reports it instead."""
        return None

    def start_batch(self, context: dict) -> None:
        self._staged = context.setdefault("records", [])

    def process_record(self, record: dict, context: dict) -> None:
        context.setdefault("records", []).append((self.run.next_seq(), record))

    def abandon(self, reason: str) -> None:
        """Report every staged or held record as failed (the run stops before applying
        them)."""
        for seq, record in self._staged:
            if not self.run.results.has_line(seq):
                self._write(Outcome(seq, self.kind, FAILED, record_keys(record), reason=reason))
        self._staged = []
        for change in self.run.held.take(self.kind):
            if not self.run.results.has_line(change.seq):
                self._write(Outcome(change.seq, self.kind, FAILED, change.keys, reason=reason))

    def _write(self, outcome: Outcome) -> None:
        self.run.results.write(outcome)

    # ------------------------------------------------------------------ batch
    def process_batch(self, context: dict) -> None:
        entries: list[Entry] = context.get("records", [])
        try:
            by_shop: dict[str, list[Change]] = defaultdict(list)
            for seq, record in entries:
                parsed = parse_record(self.kind, seq, record)
                if isinstance(parsed, Rejected):
                    self._write(Outcome(seq, self.kind, FAILED, record_keys(record),
                                        reason=parsed.reason))
                else:
                    by_shop[parsed.keys.shop_id or ""].append(parsed)
            if self.run.options.guardrails.holds(self.kind):
                self._hold(change for changes in by_shop.values() for change in changes)
                return
            BatchExecutor(self.run, self.kind).apply(by_shop)
        finally:
            self._sweep((seq, record) for seq, record in entries
                        if not self.run.held.has(self.kind, seq))
            self._staged = []

    def _hold(self, changes: Iterable[Change]) -> None:
        """Keep the batch's changes for the end of input (the stream's breaker is on)."""
        if self.run.warn_once(f"held:{self.kind}"):
            breaker = BREAKER_ZERO_STOCK if self.kind == INVENTORY else BREAKER_PRICE_CHANGE
            self.logger.info("Stream '%s': writes wait for the end of input, so that %s "
                             "can decide over the whole run", self.kind, breaker)
        superseded = [self.run.held.add(self.kind, change)
                      for change in sorted(changes, key=lambda c: c.seq)]
        self.run.results.write_all(outcome for outcome in superseded if outcome is not None)

    def clean_up(self) -> None:
        """End of input: the stream's active sink writes (or refuses) what is held."""
        try:
            if self.run.sinks.get(self.kind) is self:
                self.release_held()
        finally:
            super().clean_up()

    def release_held(self) -> None:
        """Plan and write the whole run's held changes; the breaker decides first."""
        changes = self.run.held.take(self.kind)
        if not changes:
            return
        by_shop: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            by_shop[change.keys.shop_id or ""].append(change)
        try:
            BatchExecutor(self.run, self.kind, chunk_size=self.max_size).apply(
                by_shop, whole_run=True)
        finally:
            self._sweep((change.seq, change.keys) for change in changes)

    def _sweep(self, items: Iterable[tuple[int, t.Any]]) -> None:
        """Give every record still without a line a failed one (``items``: its sequence
        number with its raw record or its keys)."""
        if self.run.fatal:
            reason = f"not attempted: {self.run.fatal}"
        else:
            reason = "not confirmed: the batch stopped on an unexpected error (see the log)"
        for seq, record in items:
            if not self.run.results.has_line(seq):
                keys: Keys = record if isinstance(record, Keys) else (
                    record_keys(record) if isinstance(record, dict) else Keys())
                self._write(Outcome(seq, self.kind, FAILED, keys, reason=reason))


class InventorySink(TikTokShopSink):
    """The ``inventory`` stream: available quantity per SKU and warehouse."""

    kind = INVENTORY


class PricesSink(TikTokShopSink):
    """The ``prices`` stream: sale price (and list price) per SKU."""

    kind = PRICES


class ProductsSink(TikTokShopSink):
    """The ``products`` stream: status, title and description per product."""

    kind = PRODUCTS


class IgnoredStreamSink(BatchSink):
    """A stream the target does not know, skipped because ``unknown_streams`` is 'ignore'."""

    def __init__(self, target: TargetTikTokShop, *args: t.Any, **kwargs: t.Any) -> None:
        self.run: Run = target.run
        super().__init__(target, *args, **kwargs)
        if self.run.warn_once(f"ignored:{self.stream_name}"):
            self.logger.warning(
                "Ignoring stream '%s': not one of %s (unknown_streams is 'ignore')",
                self.stream_name, ", ".join(STREAMS))

    def get_validator(self) -> None:
        return None

    def process_record(self, record: dict, context: dict) -> None:
        self.run.results.stream(self.stream_name).ignored += 1

    def process_batch(self, context: dict) -> None:
        """Nothing to write."""


class ShipmentsSink(TikTokShopSink):
    """The ``shipments`` stream: tracking numbers per order, package or line items."""

    kind = SHIPMENTS


SINKS: dict[str, type[TikTokShopSink]] = {
    INVENTORY: InventorySink, PRICES: PricesSink, PRODUCTS: ProductsSink,
    SHIPMENTS: ShipmentsSink,
}
__all__ = ["SINKS", "IgnoredStreamSink", "TikTokShopSink"]
