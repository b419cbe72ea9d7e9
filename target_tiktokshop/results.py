"""The results file: one JSON line per input record, plus per-stream counters.

Lines are written (and flushed) as soon as an outcome is known, so the file is a
faithful audit trail even if the run is interrupted. The file never holds secrets:
lines are built only from record keys, values being set, TikTok's current values and
TikTok's error codes/messages/request ids (run through the redactor as well).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from target_tiktokshop.changes import Keys
from target_tiktokshop.seq_set import SeqSet
from tiktokshop.redact import REDACTOR

APPLIED, UNCHANGED, FAILED, PLANNED, SUPERSEDED, REFUSED = (
    "applied", "unchanged", "failed", "planned", "superseded", "refused",
)
OUTCOMES = (APPLIED, UNCHANGED, SUPERSEDED, PLANNED, REFUSED, FAILED)
#: Version of the results line layout (the ``schema_version`` of every line). Version 1
#: added ``schema_version``, ``guardrail`` and the outcome ``refused``; files written
#: before it have no ``schema_version``. Bump it when a field changes or goes away.
SCHEMA_VERSION = 1
DEFAULT_RESULTS_PATH = "output/target-tiktokshop-results.jsonl"
#: Characters JSON leaves unescaped that str.splitlines() and some JSONL readers treat as
#: line breaks; they only occur inside strings, where their escape means the same.
LINE_BREAKS = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x85", "\\u0085"))


@dataclass
class Outcome:
    """What happened to one input record."""

    seq: int
    stream: str
    outcome: str
    keys: Keys
    reason: str | None = None
    code: int | None = None
    message: str | None = None
    request_id: str | None = None
    endpoint: str | None = None
    value: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    superseded_by: int | None = None
    guardrail: dict[str, Any] | None = None  # for ``refused``: limit, current, requested

    def line(self, run_id: str, dry_run: bool) -> dict[str, Any]:
        """The JSON object written to the results file (fixed key order)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "seq": self.seq,
            "stream": self.stream,
            "outcome": self.outcome,
            "shop_id": self.keys.shop_id,
            "product_id": self.keys.product_id,
            "sku_id": self.keys.sku_id,
            "seller_sku": self.keys.seller_sku,
            "warehouse_id": self.keys.warehouse_id,
            "order_id": self.keys.order_id,
            "package_id": self.keys.package_id,
            "value": self.value,
            "previous": self.previous,
            "reason": self.reason,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "endpoint": self.endpoint,
            "superseded_by": self.superseded_by,
            "guardrail": self.guardrail,
            "dry_run": dry_run,
            "run_id": run_id,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }


@dataclass
class StreamStats:
    """Counters of one stream for the summary line."""

    outcomes: Counter[str] = field(default_factory=Counter)
    write_calls: int = 0
    lookup_calls: int = 0
    ignored: int = 0

    def summary(self, stream: str, dry_run: bool) -> str:
        """One log line: counts per outcome, write calls and lookup calls."""
        total = sum(self.outcomes.values())
        counts = ", ".join(f"{name} {self.outcomes.get(name, 0)}" for name in OUTCOMES)
        calls = "planned write calls" if dry_run else "write calls"
        return (
            f"Summary for stream '{stream}': {total} records ({counts}); "
            f"{calls} {self.write_calls}, lookup calls {self.lookup_calls}"
        )


class ResultsWriter:
    """Thread-safe JSONL writer that also keeps the per-stream counters."""

    def __init__(self, path: Path, *, run_id: str, dry_run: bool) -> None:
        self.path = path
        self.run_id = run_id
        self.dry_run = dry_run
        self.stats: dict[str, StreamStats] = {}
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self._started = False
        self._written = SeqSet()

    def _open(self) -> TextIO:
        """The open file: truncated when first opened in this run, appended to after."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A lone surrogate from the input (valid JSON, not valid UTF-8) is written as
            # its \uXXXX escape, which keeps the line valid JSON.
            self._file = self.path.open("a" if self._started else "w", encoding="utf-8",
                                        errors="backslashreplace")
            self._started = True
        return self._file

    def stream(self, name: str) -> StreamStats:
        """Counters of a stream (created on first use)."""
        with self._lock:
            return self.stats.setdefault(name, StreamStats())

    def write(self, outcome: Outcome) -> None:
        """Append one outcome line; each record sequence number is written once."""
        self.write_all((outcome,))

    def write_all(self, outcomes: Iterable[Outcome]) -> None:
        """Append the lines of outcomes known together, then flush once."""
        lines = [(outcome, self._text(outcome)) for outcome in outcomes]
        with self._lock:
            handle = self._open()
            for outcome, text in lines:
                if not self._written.add(outcome.seq):
                    handle.flush()
                    raise RuntimeError(f"record {outcome.seq} already has a results line")
                handle.write(text)
                stats = self.stats.setdefault(outcome.stream, StreamStats())
                stats.outcomes[outcome.outcome] += 1
            handle.flush()

    def _text(self, outcome: Outcome) -> str:
        """The outcome's line: JSON, secrets masked, one physical line."""
        data = outcome.line(self.run_id, self.dry_run)
        text = REDACTOR.scrub(json.dumps(data, ensure_ascii=False, default=str))
        for char, escape in LINE_BREAKS:  # keep one line per record for every reader
            text = text.replace(char, escape)
        return text + "\n"

    def has_line(self, seq: int) -> bool:
        """True when the record already has its outcome line."""
        with self._lock:
            return seq in self._written

    def count_calls(self, stream: str, *, writes: int = 0, lookups: int = 0) -> None:
        """Add API calls made for a stream."""
        with self._lock:
            stats = self.stats.setdefault(stream, StreamStats())
            stats.write_calls += writes
            stats.lookup_calls += lookups

    @property
    def failed(self) -> int:
        """Failed records so far (all streams)."""
        with self._lock:
            return sum(s.outcomes.get(FAILED, 0) for s in self.stats.values())

    @property
    def refused(self) -> int:
        """Records refused by a guardrail so far (all streams)."""
        with self._lock:
            return sum(s.outcomes.get(REFUSED, 0) for s in self.stats.values())

    @property
    def not_applied(self) -> int:
        """Failed plus refused records: what ``max_failures`` is compared with."""
        return self.failed + self.refused

    @property
    def total(self) -> int:
        """Records with a results line so far."""
        with self._lock:
            return len(self._written)

    def close(self) -> None:
        """Create the file if nothing was written (an empty run), then close it."""
        with self._lock:
            self._open().close()
            self._file = None

    def start(self) -> None:
        """Create (truncate) the file now, so a run that fails early leaves no stale file."""
        with self._lock:
            self._open()
