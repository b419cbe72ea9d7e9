"""Inventory and price changes held until the end of input, for the run-level breakers.

A breaker decides over a whole run, so while it is on the stream's valid changes are
kept here instead of being written batch by batch, then planned and written (or refused)
together at the end of input (``sinks.TikTokShopSink.release_held``).

Memory grows with the SKUs a run touches rather than with its records: a change for
exactly the same keys as a held one (same shop, ids, seller SKU and warehouse, as given)
replaces it, and the earlier record is reported ``superseded`` at once, as the planner
would at the end (the last record wins).
"""

from __future__ import annotations

import threading
from typing import Any

from target_tiktokshop.changes import Change, InventoryChange, Keys, PriceChange
from target_tiktokshop.results import SUPERSEDED, Outcome


class HeldWrites:
    """Held changes per stream, at most one per record keys (the latest)."""

    def __init__(self) -> None:
        self._held: dict[str, dict[Keys, Change]] = {}
        self._seqs: dict[str, set[int]] = {}
        self._lock = threading.Lock()

    def add(self, stream: str, change: Change) -> Outcome | None:
        """Hold ``change``; the ``superseded`` outcome of the change it replaces, if any."""
        with self._lock:
            held = self._held.setdefault(stream, {})
            seqs = self._seqs.setdefault(stream, set())
            earlier = held.pop(change.keys, None)
            held[change.keys] = change
            seqs.add(change.seq)
            if earlier is not None:
                seqs.discard(earlier.seq)
        if earlier is None:
            return None
        return Outcome(earlier.seq, stream, SUPERSEDED, earlier.keys, value=change_value(earlier),
                       superseded_by=change.seq)

    def take(self, stream: str) -> list[Change]:
        """The held changes of a stream in input order; they are no longer held."""
        with self._lock:
            held = self._held.pop(stream, {})
            self._seqs.pop(stream, None)
        return sorted(held.values(), key=lambda change: change.seq)

    def pending(self) -> bool:
        """True while any change waits to be written."""
        with self._lock:
            return any(self._held.values())

    def has(self, stream: str, seq: int) -> bool:
        """True while record ``seq`` of ``stream`` is held."""
        with self._lock:
            return seq in self._seqs.get(stream, ())


def change_value(change: Change) -> dict[str, Any] | None:
    """What a change sets, for a results line written before its SKU was looked up."""
    if isinstance(change, InventoryChange):
        return {"quantity": change.quantity}
    if isinstance(change, PriceChange):
        value: dict[str, Any] = {"amount": str(change.amount), "currency": change.currency}
        if change.sale_price is not None:
            value["sale_price"] = str(change.sale_price)
        if change.list_price is not None:
            value["list_price_amount"] = str(change.list_price)
        return value
    return None
