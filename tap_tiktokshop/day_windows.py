"""The days an analytics stream reads for one shop in one run.

TikTok's analytics answer per day of the shop's time zone (``YYYY-MM-DD``), and revise
the figures of recent days after the fact. The bookmark is the last day whose rows were
all emitted; a run reads from the latest of:

* ``analytics_start_date``'s day, else ``start_date``'s;
* the oldest day the API serves: the last :data:`RETENTION_DAYS` days up to
  ``latest_available_date``. The snapshot documents no retention for the performance lists
  the tap calls (its one analytics retention is "within the last 180 days" for the older
  Get Video Performances, 202403, which the tap does not call): 365 days is this
  connector's assumption, shared with the sandbox;
* the bookmark minus ``analytics_lookback_days`` plus one (the recent days re-read);

up to ``latest_available_date``, the newest day TikTok has figures for, and never past the
day before ``end_date`` when one is set. ``latest_available_date`` comes with every answer:
the first call asks the day the tap's own clock makes the first (:func:`first_day`), and
the window is then fixed from the date TikTok gave (:func:`oldest_served`); that first
day's answer is kept, so no day is asked twice. After it the tap never asks past
``latest_available_date``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

RETENTION_DAYS = 365
ONE_DAY = timedelta(days=1)


def day_of(epoch: int) -> date:
    """The UTC day of a Unix time."""
    return datetime.fromtimestamp(epoch, timezone.utc).date()


def parse_day(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` text (a bookmark, ``latest_available_date``) as a date; None when
    it is missing or not a day."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def floor_day(*, start: date, bookmark: date | None, lookback_days: int) -> date:
    """The first day the settings and the bookmark allow: the later of ``start`` and the
    bookmark's re-read days (the API's retention not counted)."""
    if bookmark is None:
        return start
    return max(start, bookmark - timedelta(days=lookback_days) + ONE_DAY)


def first_day(*, start: date, today: date, bookmark: date | None, lookback_days: int,
              retention_days: int = RETENTION_DAYS) -> date:
    """The first day to read as the tap's clock sees it: the latest of ``start``, the
    oldest day served (``retention_days`` before ``today``) and the bookmark's re-read days."""
    return max(floor_day(start=start, bookmark=bookmark, lookback_days=lookback_days),
               today - timedelta(days=retention_days))


def oldest_served(latest_available: date) -> date:
    """The oldest day TikTok serves, counted back from ``latest_available_date``."""
    return latest_available - timedelta(days=RETENTION_DAYS - 1)


def last_day(latest_available: date | None, today: date, end: date | None = None) -> date:
    """The last day to read: ``latest_available_date`` (yesterday when the answer lacks
    it), and before ``end`` (the day of ``end_date``, exclusive) when set."""
    last = latest_available if latest_available is not None else today - ONE_DAY
    if end is not None:
        last = min(last, end - ONE_DAY)
    return last


def days(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def count_days(first: date, last: date) -> int:
    """How many days ``days(first, last)`` yields."""
    return max(0, (last - first).days + 1)
