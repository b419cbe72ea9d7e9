"""Random retryable faults on business requests.

A faulted request is answered before any processing (a write is never applied):
``429`` → HTTP 429 + 36009002 + ``Retry-After: 1``; ``500`` / ``503`` → that HTTP
status + 36009003; ``drop`` → the socket is closed without any response.
Lost answers (``POST /sandbox/faults`` with ``lose_answers``) are the other way round:
the request is processed (a write is applied), then its answer is replaced by a 500 +
36009003 or the socket is closed, for the next ``count`` successful calls of one
endpoint (``"POST /fulfillment/202309/packages/{package_id}/ship"``): what a client sees
when a gateway times out after the API did the work.
Injected faults are counted by kind (``GET /sandbox/stats`` → ``faults_injected``), so
tests can tell them apart from real rate-limit answers. The token host routes get faults
only with the ``token_faults`` option.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

FAULT_KINDS = ("429", "500", "503", "drop")
LOST_KINDS = ("500", "drop")


class FaultInjector:
    def __init__(self, rate: float, seed: int = 0) -> None:
        self._rng = random.Random(f"faults/{seed}")
        self._lock = threading.Lock()
        self.rate = rate
        self.kinds: tuple[str, ...] = FAULT_KINDS
        self.injected: Counter[str] = Counter()
        self._lost: dict[str, list] = {}  # endpoint -> [count left, kind]

    def configure(self, rate: float, kinds: list[str] | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault_rate must be in 0..1")
        if kinds is not None and (not kinds or not set(kinds) <= set(FAULT_KINDS)):
            raise ValueError(f"kinds must be a non-empty subset of {list(FAULT_KINDS)}")
        with self._lock:
            self.rate = rate
            if kinds is not None:
                self.kinds = tuple(kinds)

    def lose_answers(self, plan: dict) -> None:
        """``{endpoint: {"count": n, "kind": "500" | "drop"}}``: lose the next ``n``
        successful answers of each endpoint (replaces what was planned before)."""
        lost = {}
        for endpoint, spec in plan.items():
            count = spec.get("count", 1) if isinstance(spec, dict) else None
            kind = spec.get("kind", "500") if isinstance(spec, dict) else None
            if not isinstance(count, int) or isinstance(count, bool) or count < 0 \
                    or kind not in LOST_KINDS:
                raise ValueError(f"lose_answers[{endpoint!r}] must be {{count: int >= 0, "
                                 f"kind: {' | '.join(LOST_KINDS)}}}")
            lost[str(endpoint)] = [count, kind]
        with self._lock:
            self._lost = lost

    def lost_answer(self, endpoint: str) -> str | None:
        """The kind of loss for this successful answer of ``endpoint``, if one is due."""
        with self._lock:
            due = self._lost.get(endpoint)
            if not due or due[0] <= 0:
                return None
            due[0] -= 1
            self.injected[f"lost_{due[1]}"] += 1
            return due[1]

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
