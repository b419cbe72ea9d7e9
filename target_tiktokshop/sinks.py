"""The SDK's batch sinks: stage records, hand each batch to the executor, sweep.

Every record of a batch leaves with exactly one results line, whatever happens: parsing
settles invalid records, the executor (``executor.py``) the planned and called ones, and
a final sweep reports anything left (a run-stopping error, or a bug) as failed.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict

from singer_sdk.sinks import BatchSink

from target_tiktokshop.changes import (
    INVENTORY,
    PRICES,
    PRODUCTS,
    Change,
    Keys,
    Rejected,
    parse_record,
    record_keys,
)
from target_tiktokshop.executor import BatchExecutor
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

    def get_validator(self) -> None:
        """No JSON-schema validation: it would stop the run at the first bad record;
        ``records.parse_record`` checks every record and reports it instead."""
        return None

    def start_batch(self, context: dict) -> None:
        self._staged = context.setdefault("records", [])

    def process_record(self, record: dict, context: dict) -> None:
        context.setdefault("records", []).append((self.run.next_seq(), record))

    def abandon(self, reason: str) -> None:
        """Report every staged record as failed (the run stops before applying them)."""
        for seq, record in self._staged:
            if not self.run.results.has_line(seq):
                self._write(Outcome(seq, self.kind, FAILED, record_keys(record), reason=reason))
        self._staged = []

    def _write(self, outcome: Outcome) -> None:
        self.run.results.write(outcome)

    # ------------------------------------------------------------------ batch
    def process_batch(self, context: dict) -> None:
        entries: list[Entry] = context.get("records", [])
        by_shop: dict[str, list[Change]] = defaultdict(list)
        for seq, record in entries:
            parsed = parse_record(self.kind, seq, record)
            if isinstance(parsed, Rejected):
                self._write(Outcome(seq, self.kind, FAILED, record_keys(record),
                                    reason=parsed.reason))
            else:
                by_shop[parsed.keys.shop_id or ""].append(parsed)
        try:
            BatchExecutor(self.run, self.kind).apply(by_shop)
        finally:
            self._sweep(entries)
            self._staged = []

    def _sweep(self, entries: list[Entry]) -> None:
        """Give every record of the batch still without a line a failed one."""
        if self.run.fatal:
            reason = f"not attempted: {self.run.fatal}"
        else:
            reason = "not confirmed: the batch stopped on an unexpected error (see the log)"
        for seq, record in entries:
            if not self.run.results.has_line(seq):
                keys: Keys = record_keys(record) if isinstance(record, dict) else Keys()
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
                self.stream_name, ", ".join((INVENTORY, PRICES, PRODUCTS)))

    def get_validator(self) -> None:
        return None

    def process_record(self, record: dict, context: dict) -> None:
        self.run.results.stream(self.stream_name).ignored += 1

    def process_batch(self, context: dict) -> None:
        """Nothing to write."""


SINKS: dict[str, type[TikTokShopSink]] = {
    INVENTORY: InventorySink, PRICES: PricesSink, PRODUCTS: ProductsSink,
}
__all__ = ["SINKS", "IgnoredStreamSink", "TikTokShopSink"]
