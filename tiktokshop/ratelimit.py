"""Client-side rate limiter per (shop, endpoint).

TikTok limits requests per app, shop and API (50 per second). Spacing our own calls
evenly keeps us under the limit instead of collecting 429s and backing off: at
``qps`` calls per second, any one-second window holds at most ``qps`` sends. If TikTok
still answers 429 (another client of the same app and shop, network jitter), the key
is held back for the Retry-After time for every thread (``defer``).
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

    def defer(self, key: Hashable, seconds: float) -> None:
        """Send nothing more for ``key`` for ``seconds`` (TikTok answered 429 with
        Retry-After): the other threads calling the same shop and endpoint wait too,
        instead of each collecting its own 429."""
        if not self.interval or seconds <= 0:
            return
        with self._lock:
            resume = self._clock() + seconds
            if self._next_slot.get(key, 0.0) < resume:
                self._next_slot[key] = resume
