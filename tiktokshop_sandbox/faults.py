"""Random retryable faults on business requests.

A faulted request is answered before any processing (a write is never applied):
``429`` → HTTP 429 + 36009002 + ``Retry-After: 1``; ``500`` / ``503`` → that HTTP
status + 36009003; ``drop`` → the socket is closed without any response.
Injected faults are counted by kind (``GET /sandbox/stats`` → ``faults_injected``), so
tests can tell them apart from real rate-limit answers. The token host routes get faults
only with the ``token_faults`` option.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

FAULT_KINDS = ("429", "500", "503", "drop")


class FaultInjector:
    def __init__(self, rate: float, seed: int = 0) -> None:
        self._rng = random.Random(f"faults/{seed}")
        self._lock = threading.Lock()
        self.rate = rate
        self.kinds: tuple[str, ...] = FAULT_KINDS
        self.injected: Counter[str] = Counter()

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
            kind = self._rng.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def counts(self) -> dict:
        """Faults injected so far, by kind, with their total."""
        with self._lock:
            return {"total": sum(self.injected.values()), **dict(sorted(self.injected.items()))}

    def reset_counts(self) -> None:
        with self._lock:
            self.injected.clear()
