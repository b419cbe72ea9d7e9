"""Request counters by endpoint (method + path template) and outcome, and the most
requests of each endpoint handled at once.

Outcomes: ``ok`` (code 0), the error code as a string (e.g. ``"36009002"``), or
``dropped`` (connection closed by fault injection). Admin routes are not counted.
``peak_in_flight`` counts requests from the moment their route is known (before the
configured latency) until their answer is ready: how many calls a client had open at once.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_endpoint: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    @contextmanager
    def in_flight(self, endpoint: str) -> Iterator[None]:
        """Count one request of ``endpoint`` as open while the block runs."""
        with self._lock:
            self._in_flight[endpoint] += 1
            if self._in_flight[endpoint] > self._peak[endpoint]:
                self._peak[endpoint] = self._in_flight[endpoint]
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[endpoint] -= 1

    def record(self, endpoint: str, outcome: str) -> None:
        with self._lock:
            self._by_endpoint[endpoint][outcome] += 1

    def reset(self) -> None:
        with self._lock:
            self._by_endpoint.clear()
            self._peak = Counter({ep: n for ep, n in self._in_flight.items() if n})

    def snapshot(self) -> dict:
        with self._lock:
            endpoints = {ep: dict(c) for ep, c in sorted(self._by_endpoint.items())}
            peak = dict(sorted(self._peak.items()))
        totals: Counter[str] = Counter()
        for outcomes in endpoints.values():
            totals.update(outcomes)
        return {"endpoints": endpoints,
                "totals": {"requests": sum(totals.values()), **dict(sorted(totals.items()))},
                "peak_in_flight": peak}
