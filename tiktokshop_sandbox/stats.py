"""Request counters by endpoint (method + path template) and outcome.

Outcomes: ``ok`` (code 0), the error code as a string (e.g. ``"36009002"``), or
``dropped`` (connection closed by fault injection). Admin routes are not counted.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_endpoint: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def record(self, endpoint: str, outcome: str) -> None:
        with self._lock:
            self._by_endpoint[endpoint][outcome] += 1

    def reset(self) -> None:
        with self._lock:
            self._by_endpoint.clear()

    def snapshot(self) -> dict:
        with self._lock:
            endpoints = {ep: dict(c) for ep, c in sorted(self._by_endpoint.items())}
        totals: Counter[str] = Counter()
        for outcomes in endpoints.values():
            totals.update(outcomes)
        return {"endpoints": endpoints,
                "totals": {"requests": sum(totals.values()), **dict(sorted(totals.items()))}}
