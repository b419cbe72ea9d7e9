"""Client-side rate limiter per (shop, endpoint), with a rate per endpoint family.

TikTok limits requests per app, shop and API (50 per second). Spacing our own calls
evenly keeps us under the limit instead of collecting 429s and backing off: at
``qps`` calls per second, any one-second window holds at most ``qps`` sends. If TikTok
still answers 429 (another client of the same app and shop, network jitter), the key
is held back for the Retry-After time for every thread (``defer``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping


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


class FamilyRateLimits:
    """A :class:`RateLimiter` per endpoint family (the path's first segment).

    TikTok sets its limits per app, shop and API, and documents the analytics APIs as far
    slower than the rest ("complex analytics: 0.2-1 request/second"). Each family gets
    its own rate (``rate_limit_qps_<family>``, else ``rate_limit_qps``); keys stay per
    shop and endpoint, so a slow analytics backfill never waits on, or delays, the order
    or product calls of the same shop.
    """

    def __init__(
        self,
        default_qps: float,
        family_qps: Mapping[str, float] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.default_qps = default_qps
        self.family_qps = dict(family_qps or {})
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def qps(self, family: str) -> float:
        """The rate of ``family`` (requests per second per shop and endpoint; 0: none)."""
        return self.family_qps.get(family, self.default_qps)

    def for_family(self, family: str) -> RateLimiter:
        """The limiter of ``family`` (made on first use)."""
        with self._lock:
            limiter = self._limiters.get(family)
            if limiter is None:
                limiter = self._limiters[family] = RateLimiter(
                    self.qps(family), clock=self._clock, sleep=self._sleep)
            return limiter

    def acquire(self, family: str, key: Hashable) -> float:
        """Block until a call of ``family`` for ``key`` may go out; the seconds waited."""
        return self.for_family(family).acquire(key)

    def defer(self, family: str, key: Hashable, seconds: float) -> None:
        """Hold ``key`` of ``family`` back for ``seconds`` (a 429's Retry-After)."""
        self.for_family(family).defer(key, seconds)


def path_family(path: str) -> str:
    """The family of a request path: ``/analytics/202509/shop/performance`` -> ``analytics``."""
    return path.lstrip("/").split("/", 1)[0]
