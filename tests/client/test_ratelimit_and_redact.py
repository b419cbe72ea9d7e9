"""The client-side rate limiter and the secret redactor."""

from __future__ import annotations

import threading

from tiktokshop.ratelimit import RateLimiter
from tiktokshop.redact import Redactor


def test_rate_limiter_spaces_calls_per_key() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire("a")
    limiter.acquire("b")
    assert [round(w, 3) for w in waits] == [0.1, 0.2, 0.3, 0.4]
    assert RateLimiter(0).acquire("x") == 0.0


def test_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(1000)
    threads = [threading.Thread(target=limiter.acquire, args=("k",)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert max(limiter._next_slot.values()) > 0


def test_redactor_masks_every_secret() -> None:
    redactor = Redactor(["secret-one", "abc", None])
    assert redactor.scrub("x secret-one y abc") == "x *** y abc"
