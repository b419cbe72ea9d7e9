"""Client-side rate limiter per (shop, endpoint).

TikTok limits requests per app, shop and API (default 50 per second). Spacing our
own calls keeps us under the limit instead of collecting 429s and backing off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class RateLimiter:
    """Evenly spaces calls per key at ``qps`` (0 disables); safe across threads."""

    def __init__(
        self,
        qps: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / qps if qps > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_slot: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable) -> float:
        """Block until a call for ``key`` may go out; returns the seconds waited."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait
