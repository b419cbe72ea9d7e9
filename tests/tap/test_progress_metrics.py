"""Progress lines, HTTP metrics and structured extras in the tap's structured log.

The tap runs against a slow sandbox with the SDK's structured logging on (a
``SINGER_SDK_LOG_CONFIG`` that puts ``singer_sdk.logging.StructuredFormatter`` on
stderr, as the README shows) and a 1-second progress interval; the test reads the JSON
log lines from stderr.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.reliability_kit import clean_env, plugin_config, sandbox
from tests.support.singer_io import run_tap
from tests.support.tap_catalog import selected_catalog

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LOG_CONFIG = """\
version: 1
disable_existing_loggers: false
formatters:
  structured:
    (): singer_sdk.logging.StructuredFormatter
handlers:
  stderr:
    class: logging.StreamHandler
    formatter: structured
    stream: ext://sys.stderr
root:
  level: INFO
  handlers: [stderr]
"""


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """Every log line, parsed (each must be one JSON object)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line is not JSON: {line[:200]}")
    return parsed


@pytest.fixture(scope="module")
def run_log(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("progress")
    # 1,200 orders per shop in pages of 100, each page 150 ms: each shop's walk takes
    # about 2 s, so 1-second progress lines appear.
    with sandbox(seed=5, shops=2, products=2, orders=1200, latency_ms=150) as sb:
        config = plugin_config(sb, tmp, progress_interval_seconds=1)
        catalog = selected_catalog(config, tmp, ("orders",))
        (tmp / "logging.yml").write_text(LOG_CONFIG, encoding="utf-8")
        out = run_tap(config, tmp, args=("--catalog", str(catalog)), timeout=60,
                      env={**clean_env(), "SINGER_SDK_LOG_CONFIG": str(tmp / "logging.yml")})
    assert out.returncode == 0, out.stderr[-3000:]
    assert len(out.records("orders")) == 2400
    return json_lines(out.stderr)


def test_progress_lines_carry_their_figures(run_log: list[dict[str, Any]]) -> None:
    progress = [line for line in run_log if line["extra"].get("log_event") == "progress"]
    assert progress, "no progress line"
    shops = {line["extra"]["shop_id"] for line in progress}
    assert len(shops) == 2, shops  # every shop's walk is long enough for a line
    for line in progress:
        extra = line["extra"]
        assert line["logger_name"] == "tap_tiktokshop"
        assert line["stream_name"] == "orders" and extra["stream"] == "orders"
        assert 0 < extra["records"] <= 1200
        assert extra["total_count"] == 1200  # the sandbox's total_count of the window
        assert extra["percent"] == round(100 * extra["records"] / 1200, 1)
        assert extra["records_per_second"] > 0
        assert extra["eta_seconds"] is None or extra["eta_seconds"] > 0
        assert f"{extra['records']:,} of ~1,200 records" in line["message"]


def test_summary_lines_carry_counts_and_an_iso_window(run_log: list[dict[str, Any]]) -> None:
    done = [line for line in run_log if line["extra"].get("log_event") == "shop_done"]
    assert len(done) == 2
    for line in done:
        extra = line["extra"]
        assert extra["stream"] == "orders" and line["stream_name"] == "orders"
        assert extra["shop_id"] and extra["shop_id"] in line["message"]
        assert extra["records"] == 1200 and extra["pages"] >= 12
        assert extra["replication_key"] == "update_time"
        assert ISO.match(extra["window_start"]) and ISO.match(extra["window_end"])
        assert extra["window_start"] < extra["window_end"]


def test_http_metrics_go_through_the_sdk_metrics_logger(run_log: list[dict[str, Any]]) -> None:
    points = [line["metric_info"] for line in run_log if line["message"] == "METRIC"
              and line["logger_name"] == "singer_sdk.metrics"]
    durations = [p for p in points if p["metric"] == "http_request_duration"]
    search = [p for p in durations if p["tags"]["endpoint"].endswith("/orders/search")]
    assert len(search) >= 24, len(search)  # 12+ pages per shop
    for point in search:
        assert point["type"] == "timer"
        assert point["tags"]["endpoint"] == "POST /order/202309/orders/search"
        assert point["tags"]["http_status_code"] == 200
        assert point["tags"]["status"] == "succeeded"
        assert point["value"] >= 0.15  # the sandbox's latency
    counts = [p for p in points if p["metric"] == "http_request_count"
              and p["tags"]["endpoint"] == "POST /order/202309/orders/search"]
    assert sum(p["value"] for p in counts) == len(search)
    assert all(p["type"] == "counter" and p["tags"]["retry"] is False for p in counts)
