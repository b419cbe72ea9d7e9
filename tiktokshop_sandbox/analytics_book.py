"""The analytics calendar of one sandbox: which days are served, their revisions, and the
sales lines of each shop and day (cached until the orders or the day's revisions change).

Days (UTC calendar days, counted from 1970-01-01):

* "today" is the sandbox clock's date plus ``day_offset`` (moved by
  ``POST /sandbox/analytics/clock``; the request clock itself stays put, so signed requests
  keep working); ``latest_available_date`` is the day before today. Unless told otherwise
  (``analytics_today``), today starts as ``END_EPOCH``'s date, so that every day served
  has its figures from the dataset's orders (``gen_analytics``);
* ``first_day`` is the first day with data: ``analytics_days`` days up to the
  ``latest_available_date`` the sandbox started with (fixed, so moving the date on adds days);
* retention: the snapshot documents none for the shop, product, SKU, video and LIVE lists
  (its only "last 180 days" is for the 202403 video endpoint, not served). The sandbox's
  choice is ``RETENTION_DAYS`` (365): older days answer no rows, as do days after
  ``latest_available_date`` (neither the snapshot nor the reference gives an error code).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from .gen_analytics import DaySales, SaleLine
from .gen_common import DAY, END_EPOCH

RETENTION_DAYS = 365
#: How many of the most recent days a move of the analytics clock revises (late sales).
REVISED_ON_ADVANCE = 3
_EPOCH = dt.date(1970, 1, 1)


def day_str(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=day)).isoformat()


def parse_day(text: str) -> int | None:
    """Days since 1970-01-01 of a ``YYYY-MM-DD`` string (None when it is not one)."""
    if len(text) != 10:
        return None
    try:
        return (dt.date.fromisoformat(text) - _EPOCH).days
    except ValueError:
        return None


class AnalyticsBook:
    def __init__(self, now: Callable[[], float], sales: dict[str, DaySales],
                 history_days: int, today: str | None = None) -> None:
        self._now = now
        self._sales = sales
        self._lock = threading.Lock()
        self.day_offset = 0
        self.set_today(today if today is not None else day_str(END_EPOCH // DAY))
        self.first_day = self.latest() - history_days + 1
        self.revisions: dict[tuple[str, int], int] = {}
        self._cache: dict[tuple[str, int], tuple[tuple[int, int], list[SaleLine]]] = {}

    # ------------------------------------------------------------------ calendar
    def clock_day(self) -> int:
        return int(self._now() // DAY)

    def today(self) -> int:
        return self.clock_day() + self.day_offset

    def latest(self) -> int:
        return self.today() - 1

    def oldest(self) -> int:
        return max(self.first_day, self.latest() - RETENTION_DAYS + 1)

    def served(self, start: int, end: int) -> list[int]:
        """The days of ``[start, end)`` that have data and are served."""
        return list(range(max(start, self.oldest()), min(end, self.latest() + 1)))

    def set_today(self, text: str) -> None:
        day = parse_day(text)
        if day is None:
            raise ValueError("today must be a date YYYY-MM-DD")
        self.day_offset = day - self.clock_day()

    def advance(self, days: int) -> dict[str, list[str]]:
        """Move today on by ``days``; the most recent days get late sales."""
        self.day_offset += days
        return self.revise(REVISED_ON_ADVANCE)

    def status(self) -> dict:
        return {"today": day_str(self.today()), "latest_available_date": day_str(self.latest()),
                "oldest_available_date": day_str(self.oldest()),
                "first_day": day_str(self.first_day), "retention_days": RETENTION_DAYS,
                "revisions": {f"{shop}/{day_str(day)}": n
                              for (shop, day), n in sorted(self.revisions.items())}}

    # ----------------------------------------------------------------- revisions
    def revise(self, days: int, shop_id: str | None = None) -> dict[str, list[str]]:
        """Add late sales to each of the last ``days`` served days (of every shop, or one)."""
        latest = self.latest()
        chosen = [d for d in range(latest - days + 1, latest + 1) if d >= self.oldest()]
        revised: dict[str, list[str]] = {}
        with self._lock:
            for shop in self._sales:
                if shop_id is not None and shop != shop_id:
                    continue
                for day in chosen:
                    self.revisions[(shop, day)] = self.revisions.get((shop, day), 0) + 1
                revised[shop] = [day_str(d) for d in chosen]
        return revised

    # --------------------------------------------------------------------- lines
    def lines(self, shop_id: str, day: int) -> list[SaleLine]:
        """The sales lines of ``shop_id`` on ``day`` (cached)."""
        sales = self._sales[shop_id]
        key = (sales.orders.version, self.revisions.get((shop_id, day), 0))
        hit = self._cache.get((shop_id, day))
        if hit is not None and hit[0] == key:
            return hit[1]
        lines = sales.lines(day, key[1])
        with self._lock:
            if len(self._cache) > 4_000:
                self._cache.clear()
            self._cache[(shop_id, day)] = (key, lines)
        return lines

    def window_lines(self, shop_id: str, days: list[int]) -> list[SaleLine]:
        return [line for day in days for line in self.lines(shop_id, day)]
