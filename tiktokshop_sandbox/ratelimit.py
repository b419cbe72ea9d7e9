"""Token-bucket rate limiting per (app, shop, endpoint).

Capacity = qps tokens, refilled at qps tokens per second, so a client may burst
``qps`` requests and then sustain ``qps`` per second. ``qps`` 0 disables limiting.
Over the limit the gateway answers HTTP 429, code 36009002, ``Retry-After: 1``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class RateLimitGate:
    def __init__(self, qps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self.qps = qps

    def set_qps(self, qps: float) -> None:
        with self._lock:
            self.qps = qps
            self._buckets.clear()

    def allow(self, key: Hashable) -> bool:
        with self._lock:
            if self.qps <= 0:
                return True
            capacity = max(self.qps, 1.0)
            now = self._clock()
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self.qps)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True
