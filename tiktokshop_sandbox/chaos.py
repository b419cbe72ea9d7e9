"""Chaos: search answers that misbehave the way a live search can (off by default).

TikTok warns that update times move while a search runs; a client must also survive
pages that are out of order, repeated, short or empty, and a wrong ``total_count``. With a
chaos seed set (``--chaos-seed N`` or ``POST /sandbox/chaos {"seed": N}``), every page of
the order, return, cancellation and package searches draws from it:

* ``shuffle``: the page's records in random order;
* ``repeat``: a record of the previous page served again;
* ``short``: fewer records than asked for (the next token resumes after them);
* ``empty``: no record at all, with a new next token that resumes at the same place;
* ``total``: a wrong ``total_count``;
* ``move``: an order further down the result gets a later ``update_time`` (still inside
  the sandbox's time span), as if it changed while the search ran.

Nothing is lost: each record stays reachable, so a correct client still reads every one.
Draws are reproducible from the seed and the order of requests.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("shuffle", "repeat", "short", "empty", "total", "move")
#: Chance of each behaviour on one page.
CHANCE = {"shuffle": 0.5, "repeat": 0.2, "short": 0.2, "empty": 0.1, "total": 0.3, "move": 0.15}
#: Searches that misbehave: (category, resource).
SEARCHES = frozenset({("order", "orders/search"), ("return_refund", "returns/search"),
                      ("return_refund", "cancellations/search"),
                      ("fulfillment", "packages/search")})


@dataclass
class Chaos:
    """The chaos setting of a running sandbox; ``seed`` None means off."""

    seed: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    _draws: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, seed: int | None) -> None:
        with self._lock:
            self.seed, self._draws = seed, 0
            self.counts = dict.fromkeys(KINDS, 0)

    def draw(self, category: str, resource: str) -> PageChaos | None:
        """What goes wrong with the next page of this search (None: chaos off here)."""
        with self._lock:
            if self.seed is None or (category, resource) not in SEARCHES:
                return None
            self._draws += 1
            rng = random.Random(f"chaos/{self.seed}/{self._draws}")
            picked = {kind for kind in KINDS if rng.random() < CHANCE[kind]}
            if "empty" in picked:
                picked.discard("short")
            for kind in picked:
                self.counts[kind] += 1
            return PageChaos(picked, rng)

    def status(self) -> dict:
        with self._lock:
            return {"seed": self.seed, "pages_disturbed": dict(self.counts)}


@dataclass
class PageChaos:
    """The draws for one page."""

    kinds: set[str]
    rng: random.Random

    def __contains__(self, kind: str) -> bool:
        return kind in self.kinds
