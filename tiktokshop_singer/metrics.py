"""HTTP metrics of the project's client, written through the Singer SDK's metrics logger.

The client bypasses the SDK's ``RESTStream`` (which writes ``http_request_duration`` for
its own requests), so :class:`HttpMetrics` observes the client
(``TikTokShopClient.add_observer``) and writes the same points:

* ``http_request_duration`` (a ``timer`` point) for every HTTP attempt, tagged like
  ``RESTStream`` tags it (``endpoint``: the endpoint template, ``http_status_code``,
  ``status``: succeeded/failed) plus ``tiktok_code``, ``attempt`` (2 and up: a retry) and
  ``rate_limited`` (HTTP 429 or TikTok's rate-limit code);
* ``http_request_count`` (a ``counter`` point) per endpoint, status code, TikTok code,
  retry and rate-limited, written every ``log_interval`` seconds (the SDK's counters'
  interval) and when the sync ends (``flush``). Retries are the points tagged
  ``retry: true``; 429s are the points tagged ``rate_limited: true``.

The SDK's ``Metric`` enum has no retry or 429 metric of its own, hence the tags.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import typing as t

from singer_sdk import metrics

from tiktokshop.request_events import RequestEvent

CountKey = tuple[str, int | None, bool, int | None, bool, bool]


class HttpMetrics:
    """A request observer writing the SDK's HTTP metric points (thread-safe: the client
    is called from read-ahead and detail threads)."""

    def __init__(self, logger: logging.Logger | None = None, *,
                 log_interval: float = metrics.DEFAULT_LOG_INTERVAL,
                 clock: t.Callable[[], float] = time.monotonic) -> None:
        self.logger = logger or metrics.get_metrics_logger()
        self.log_interval = log_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[CountKey, int] = {}
        self._last_flush = clock()

    def __call__(self, event: RequestEvent) -> None:
        """Write the attempt's duration point; count it (and write the counts when due)."""
        succeeded = event.succeeded
        metrics.log(self.logger, metrics.Point("timer", metrics.Metric.HTTP_REQUEST_DURATION,
                                               round(event.duration_seconds, 6), {
            metrics.Tag.ENDPOINT: event.endpoint,
            metrics.Tag.HTTP_STATUS_CODE: event.http_status,
            metrics.Tag.STATUS: metrics.Status.SUCCEEDED if succeeded else metrics.Status.FAILED,
            "tiktok_code": event.code,
            "attempt": event.attempt,
            "rate_limited": event.rate_limited,
            metrics.Tag.PID: os.getpid(),
        }))
        key = (event.endpoint, event.http_status, succeeded, event.code, event.attempt > 1,
               event.rate_limited)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            due = self._clock() - self._last_flush >= self.log_interval
        if due:
            self.flush()

    def flush(self) -> None:
        """Write one ``http_request_count`` point per key counted since the last flush."""
        with self._lock:
            counts, self._counts = self._counts, {}
            self._last_flush = self._clock()
        for (endpoint, status, succeeded, code, retry, limited), count in sorted(
                counts.items(), key=lambda item: repr(item[0])):
            metrics.log(self.logger, metrics.Point(
                "counter", metrics.Metric.HTTP_REQUEST_COUNT, count, {
                    metrics.Tag.ENDPOINT: endpoint,
                    metrics.Tag.HTTP_STATUS_CODE: status,
                    metrics.Tag.STATUS: (metrics.Status.SUCCEEDED if succeeded
                                         else metrics.Status.FAILED),
                    "tiktok_code": code,
                    "retry": retry,
                    "rate_limited": limited,
                    metrics.Tag.PID: os.getpid(),
                }))
