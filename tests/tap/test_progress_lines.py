"""Progress trackers and the HTTP metrics observer, with a fake clock."""

from __future__ import annotations

import json
import logging

import pytest

from tap_tiktokshop.paging import WalkStats
from tap_tiktokshop.progress import Progress, progress_message, summary_fields
from tiktokshop.request_events import RequestEvent
from tiktokshop_singer.metrics import HttpMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


def progress_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "log_event", None) == "progress"]


def test_a_line_at_most_every_interval_with_percent_rate_and_eta(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    tracker = Progress("orders", "7", 30, logging.getLogger("t"), clock=clock)
    tracker.expect(1000)
    tracker.start()
    for _ in range(10):  # 100 records a second for 10 seconds
        for _ in range(100):
            tracker.tick()
        clock.now += 1
    assert not progress_lines(caplog)  # under 30 s: no line yet
    for _ in range(25):
        for _ in range(10):
            tracker.tick()
        clock.now += 1
    (line,) = progress_lines(caplog)
    # 30 s were reached at 1,200 records; the clock is read every ~20 records by then
    assert 1200 <= line.records <= 1220
    assert line.percent == 100.0  # the total was an estimate: capped
    assert line.eta_seconds is None
    assert line.shop_id == "7" and line.stream == "orders" and line.total_count == 1000


def test_the_clock_is_read_rarely_on_a_fast_stream() -> None:
    clock = Clock()
    tracker = Progress("orders", "7", 30, logging.getLogger("t"), clock=clock)
    tracker.start()
    for n in range(100_000):
        tracker.tick()
        if n % 1000 == 0:
            clock.now += 0.1  # 10,000 records a second
    assert clock.reads < 100_000 / 50


def test_zero_turns_progress_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    tracker = Progress("orders", "7", 0, logging.getLogger("t"), clock=clock)
    for _ in range(10_000):
        tracker.tick()
        clock.now += 1
    assert not progress_lines(caplog) and clock.reads == 1


def test_message_and_fields() -> None:
    clock = Clock()
    tracker = Progress("returns", "9", 5, logging.getLogger("t"), clock=clock)
    tracker.start()
    tracker.expect(5000)
    tracker.expect("12")  # not a count: ignored
    tracker.records = 1200
    clock.now += 4
    fields = tracker.fields()
    assert fields["percent"] == 24.0 and fields["records_per_second"] == 300.0
    assert fields["eta_seconds"] == pytest.approx(12.7, abs=0.1)
    assert progress_message(fields) == ("returns shop 9: 1,200 of ~5,000 records (24.0%), "
                                        "300.0 records/s, about 13 s left")
    no_total = Progress("warehouses", "9", 5, logging.getLogger("t"), clock=clock).fields()
    assert progress_message(no_total) == "warehouses shop 9: 0 records, 0.0 records/s"


def test_summary_fields_have_the_window_as_iso_times() -> None:
    tracker = Progress("orders", "7", 5, logging.getLogger("t"), clock=Clock())
    stats = WalkStats(pages=3, emitted=250, deferred=2)
    fields = summary_fields(tracker, stats, "update_time", 1_700_000_000, 1_700_086_400)
    assert fields["window_start"] == "2023-11-14T22:13:20Z"
    assert fields["window_end"] == "2023-11-15T22:13:20Z"
    assert (fields["records"], fields["pages"], fields["deferred"]) == (250, 3, 2)
    json.dumps(fields)  # structured logging writes them as JSON


def test_http_metrics_points(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="singer_sdk.metrics")
    clock = Clock()
    observer = HttpMetrics(log_interval=60, clock=clock)
    search = "POST /order/202309/orders/search"
    observer(RequestEvent(search, 429, 36009002, 0.2, 1, succeeded=False, retryable=True,
                          rate_limited=True))
    observer(RequestEvent(search, 200, 0, 0.1, 2, succeeded=True))
    observer(RequestEvent(search, 200, 0, 0.1, 1, succeeded=True))
    points = [r.args[0].to_dict() for r in caplog.records]
    assert [p["metric"] for p in points] == ["http_request_duration"] * 3  # counts wait
    assert points[0]["tags"]["http_status_code"] == 429
    assert points[0]["tags"]["status"] == "failed" and points[0]["tags"]["rate_limited"]
    assert points[1]["tags"]["attempt"] == 2 and points[1]["tags"]["endpoint"] == search
    caplog.clear()
    clock.now += 61
    observer(RequestEvent(search, 200, 0, 0.1, 1, succeeded=True))  # due: counts written
    counts = [r.args[0].to_dict() for r in caplog.records
              if r.args[0].metric.value == "http_request_count"]
    by_tags = {(p["tags"]["http_status_code"], p["tags"]["retry"], p["tags"]["rate_limited"]):
               p["value"] for p in counts}
    assert by_tags == {(429, False, True): 1, (200, True, False): 1, (200, False, False): 2}
    caplog.clear()
    observer.flush()
    assert not caplog.records  # nothing counted since


def test_extras_never_use_names_meltano_reserves() -> None:
    """Meltano's log parser passes extras as keyword arguments of structlog's
    ``logger.log(level, event, **extra)``: an extra named ``event`` crashes every
    ``meltano run`` of the tap (seen), and the others would be overwritten."""
    import logging as _logging
    from types import SimpleNamespace

    from tap_tiktokshop.progress import Progress, summary_fields

    reserved = {"event", "level", "name", "plugin_logger", "plugin_exception", "timestamp"}
    tracker = Progress("orders", "1", 30, _logging.getLogger("test"))
    stats = SimpleNamespace(emitted=1, pages=1, deferred=0, repeated=0, late=0)
    for extras in (tracker.fields(), summary_fields(tracker, stats, "update_time", 0, 10)):
        assert reserved.isdisjoint(extras), sorted(reserved & set(extras))
