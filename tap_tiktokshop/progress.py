"""Progress lines of a long stream: one per shop and stream at most every N seconds.

A :class:`Progress` is fed one ``tick`` per record the stream yields for a shop. It
reads the clock only every ``stride`` records (the stride follows the average record
rate so the clock is read about twice a second, and at least once per 100 records), so
the per-record cost is an increment and a comparison. A line says the records so far
and, when the search gave a ``total_count`` (``expect``), the percentage, the rate and
the time left. TikTok's ``total_count`` is an estimate (records change during the
search, the lookback re-reads some): the percentage stops at 100 and the time left is
left out once the count passes it.

Every line carries its figures as structured extras (``Progress.fields``) for the SDK's
structured logging.
"""

from __future__ import annotations

import logging
import time
import typing as t
from datetime import datetime, timezone

#: Upper bound of records between two reads of the clock (a page or less).
MAX_STRIDE = 100
#: Aim: read the clock this many times a second.
CHECKS_PER_SECOND = 2


class Progress:
    """Records of one stream for one shop, reported every ``interval`` seconds (0: never).

    ``expect`` may be called from a read-ahead thread (the search's first page) while the
    stream's thread ticks: it only sets one attribute.
    """

    def __init__(self, stream: str, shop_id: str, interval: float, logger: logging.Logger,
                 *, clock: t.Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.shop_id = shop_id
        self.interval = interval
        self.logger = logger
        self.clock = clock
        self.records = 0
        self.total: int | None = None
        #: Day-based streams (analytics): days read and in the window; when set, the
        #: percentage and time left count days (a day costs the same calls whatever its
        #: records).
        self.days_done = 0
        self.days_total: int | None = None
        self.lines = 0
        self.started = self.last_line = clock()
        # With progress off, the countdown never reaches 0 in any real run.
        self._due = 1 if interval > 0 else 1 << 62

    def expect(self, total: t.Any) -> None:
        """The search's ``total_count`` for the whole window (ignored unless a count)."""
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            self.total = total

    def expect_days(self, total: int) -> None:
        """The number of days in the window (day-based streams)."""
        self.days_total = max(0, int(total))

    def day_done(self) -> None:
        """One more day fully emitted (a line is due as with ``tick``; days are few)."""
        self.days_done += 1
        if self.interval > 0:
            self._check()

    def tick(self) -> None:
        """One more record yielded (cheap: the clock is read every ``stride`` records)."""
        self.records += 1
        self._due -= 1
        if self._due <= 0:
            self._check()

    def start(self) -> None:
        """The stream's turn for this shop begins: rates and times count from now (the
        tracker may have been made earlier, when the shop was read ahead)."""
        self.started = self.last_line = self.clock()

    def _check(self) -> None:
        now = self.clock()
        elapsed = now - self.started
        rate = self.records / elapsed if elapsed > 0 else 0.0
        self._due = max(1, min(MAX_STRIDE, int(rate / CHECKS_PER_SECOND)))
        if now - self.last_line >= self.interval:
            self.last_line = now
            self.lines += 1
            fields = self.fields(now)
            self.logger.info(progress_message(fields), extra=fields)

    def fields(self, now: float | None = None) -> dict[str, t.Any]:
        """The figures of a progress line (also its structured extras)."""
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        total = self.total
        percent = eta = None
        if self.days_total:
            done, days_total = self.days_done, self.days_total
            percent = round(min(100.0, 100.0 * done / days_total), 1)
            if 0 < done < days_total:
                eta = round((days_total - done) * elapsed / done, 1)
        elif total:
            percent = round(min(100.0, 100.0 * self.records / total), 1)
            if self.records < total and rate > 0:
                eta = round((total - self.records) / rate, 1)
        fields = {"log_event": "progress", "stream": self.stream, "stream_name": self.stream,
                  "shop_id": self.shop_id, "records": self.records, "total_count": total,
                  "percent": percent, "records_per_second": round(rate, 1),
                  "eta_seconds": eta, "elapsed_seconds": round(elapsed, 1)}
        if self.days_total is not None:
            fields["days_done"], fields["days_total"] = self.days_done, self.days_total
        return fields


def progress_message(fields: t.Mapping[str, t.Any]) -> str:
    """``orders shop 7: 1,200 of ~5,000 records (24.0%), 310.2 records/s, about 12 s left``."""
    text = f"{fields['stream']} shop {fields['shop_id']}: {fields['records']:,}"
    if fields["total_count"] is not None:
        text += f" of ~{fields['total_count']:,}"
    text += " records"
    if fields.get("days_total") is not None:
        text += f", {fields['days_done']:,} of {fields['days_total']:,} days"
    if fields["percent"] is not None:
        text += f" ({fields['percent']}%)"
    text += f", {fields['records_per_second']} records/s"
    if fields["eta_seconds"] is not None:
        text += f", about {_duration(fields['eta_seconds'])} left"
    return text


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 1:
        return "under 1 s"
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def iso(epoch: int) -> str:
    """Unix seconds as an ISO-8601 UTC time (``2025-01-31T08:00:00Z``)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_fields(tracker: Progress, stats: t.Any, key: str, start: int,
                   end: int) -> dict[str, t.Any]:
    """Structured extras of the summary line of one shop and stream: the walk's counts
    (``paging.WalkStats``), the window as ISO times and the shop's time and rate."""
    now = tracker.clock()
    elapsed = max(now - tracker.started, 1e-9)
    return {"log_event": "shop_done", "stream": tracker.stream, "stream_name": tracker.stream,
            "shop_id": tracker.shop_id, "records": stats.emitted, "pages": stats.pages,
            "deferred": stats.deferred, "repeated": stats.repeated, "late": stats.late,
            "total_count": tracker.total, "replication_key": key,
            "window_start": iso(start), "window_end": iso(end),
            "elapsed_seconds": round(elapsed, 3),
            "records_per_second": round(stats.emitted / elapsed, 1)}
