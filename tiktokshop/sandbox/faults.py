"""Random retryable faults on business requests.

A faulted request is answered before any processing (a write is never applied):
``429`` → HTTP 429 + 36009002 + ``Retry-After: 1``; ``500`` / ``503`` → that HTTP
status + 36009003; ``drop`` → the socket is closed without any response.
"""

from __future__ import annotations

import random
import threading

FAULT_KINDS = ("429", "500", "503", "drop")


class FaultInjector:
    def __init__(self, rate: float, seed: int = 0) -> None:
        self._rng = random.Random(f"faults/{seed}")
        self._lock = threading.Lock()
        self.rate = rate
        self.kinds: tuple[str, ...] = FAULT_KINDS

    def configure(self, rate: float, kinds: list[str] | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault_rate must be in 0..1")
        if kinds is not None and (not kinds or not set(kinds) <= set(FAULT_KINDS)):
            raise ValueError(f"kinds must be a non-empty subset of {list(FAULT_KINDS)}")
        with self._lock:
            self.rate = rate
            if kinds is not None:
                self.kinds = tuple(kinds)

    def pick(self) -> str | None:
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)
