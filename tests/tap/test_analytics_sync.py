"""The analytics streams against a live sandbox (2 shops): every row of the dataset once,
figures that add up, incremental days with revisions, ``latest_available_date``, a missing
scope, and the per-family rate limit (the sandbox enforces it; the tap collects no 429)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import (
    ANALYTICS_IDS,
    ANALYTICS_KEYS,
    APP_SECRET,
    SingerOutput,
    run_tap,
)
from tests.support.tap_catalog import selected_catalog
from tiktokshop.endpoints import ANALYTICS_SCOPE
from tiktokshop_sandbox import Sandbox, SandboxOptions

STREAMS = ("shop_performance_daily", "product_performance_daily", "sku_performance_daily",
           "video_performance_daily", "live_performance")
DAYS = 12
#: The tap starts this many days before the sandbox's first day of figures (a first run
#: otherwise reads the whole year TikTok serves, most of it empty here).
EARLY = 3


def calendar(sb: Sandbox) -> dict[str, Any]:
    """The sandbox's analytics days (``today``, ``latest_available_date``, ``first_day``)."""
    return requests.get(f"{sb.base_url}/sandbox/analytics", timeout=10).json()


def days_before(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def config_for(sb: Sandbox, tmp: Path, **extra: Any) -> dict[str, Any]:
    """The sandbox's config at the default api_version (the analytics streams' newest),
    analytics from a few days before the sandbox's first day of figures."""
    config = {k: v for k, v in sb.config().items() if k != "api_version"}
    start = days_before(calendar(sb)["first_day"], EARLY)
    return {**config, "retry_backoff_seconds": 0.01, "token_store_path": str(tmp / "tok.json"),
            "rate_limit_qps_analytics": 0, "progress_interval_seconds": 0,
            "analytics_start_date": f"{start}T00:00:00Z", **extra}


def sync(sb: Sandbox, tmp: Path, *, state: dict | None = None,
         streams: tuple[str, ...] = STREAMS, **extra: Any) -> SingerOutput:
    config = config_for(sb, tmp, **extra)
    return run_tap(config, tmp, state=state,
                   args=("--catalog", str(selected_catalog(config, tmp, streams))))


def dump_keys(rows: list[dict[str, Any]], stream: str) -> set[tuple[str, ...]]:
    return {tuple(str(row["id" if k in ANALYTICS_IDS else k]) for k in ANALYTICS_KEYS[stream])
            for row in rows}


def tap_keys(out: SingerOutput, stream: str) -> list[tuple[str, ...]]:
    return [tuple(str(r[k]) for k in ANALYTICS_KEYS[stream]) for r in out.records(stream)]


def admin(sb: Sandbox, method: str, route: str, body: dict | None = None) -> Any:
    resp = requests.request(method, f"{sb.base_url}/sandbox/{route}", json=body, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def exact(out: SingerOutput) -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in out.raw.split("\n"):
        if line.startswith('{"type":"RECORD"'):
            message = json.loads(line, parse_float=Decimal)
            records[message["stream"]].append(message["record"])
    return records


def bookmarks(out: SingerOutput, stream: str) -> dict[str, str | None]:
    partitions = out.states()[-1]["bookmarks"][stream]["partitions"]
    return {p["context"]["shop_id"]: p.get("replication_key_value") for p in partitions}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=41, shops=2, products=12, orders=400, app_secret=APP_SECRET,
                                token_prefix=TOKEN_PREFIX, analytics_days=DAYS,
                                analytics_rate_limit_qps=0)) as sb:
        yield sb


@pytest.fixture(scope="module")
def first_run(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> SingerOutput:
    out = sync(sandbox, tmp_path_factory.mktemp("analytics"))
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_every_row_of_every_shop_once(sandbox: Sandbox, first_run: SingerOutput) -> None:
    dump = sandbox.dataset.dump(set(STREAMS))
    for stream in STREAMS:
        got = tap_keys(first_run, stream)
        assert set(got) == dump_keys(dump[stream], stream), stream
        assert len(got) == len(set(got)), stream
        assert len({key[0] for key in got}) == 2, stream  # both shops
    latest = calendar(sandbox)["latest_available_date"]
    for stream in STREAMS:
        assert max(r["date"] for r in first_run.records(stream)) <= latest
        assert set(bookmarks(first_run, stream).values()) == {latest}, stream


def test_amounts_are_exact_and_add_up(first_run: SingerOutput) -> None:
    records = exact(first_run)
    shop_gmv = {(r["shop_id"], r["date"]): r["gmv_amount_value"]
                for r in records["shop_performance_daily"]}
    product_gmv: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    product_by_id: dict[tuple[str, str, str], Decimal] = {}
    for row in records["product_performance_daily"]:
        assert row["gmv_amount_value"] == Decimal(row["gmv_amount"])
        product_gmv[(row["shop_id"], row["date"])] += row["gmv_amount_value"]
        product_by_id[(row["shop_id"], row["product_id"], row["date"])] = row["gmv_amount_value"]
    for key, gmv in shop_gmv.items():
        assert product_gmv.get(key, Decimal(0)) == gmv, key
    sku_gmv: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in records["sku_performance_daily"]:
        assert isinstance(row["sku_id"], str) and isinstance(row["product_id"], str)
        sku_gmv[(row["shop_id"], row["product_id"], row["date"])] += row["gmv_amount_value"]
    assert sku_gmv == {k: v for k, v in product_by_id.items() if k in sku_gmv}
    assert all(r["gmv_currency"] for r in records["product_performance_daily"])


def test_next_run_rereads_only_the_lookback_days_with_their_revised_figures(
        sandbox: Sandbox, first_run: SingerOutput, tmp_path: Path) -> None:
    """The sandbox's analytics day moves on one day (which revises the last 3 days); the
    next run re-reads the 3 days up to its bookmark, then the new day, and no earlier day."""
    state = first_run.states()[-1]
    before = bookmarks(first_run, "product_performance_daily")
    latest = admin(sandbox, "POST", "analytics/clock", {"advance_days": 1})[
        "latest_available_date"]
    old = date.fromisoformat(next(iter(before.values())))
    assert date.fromisoformat(latest) == old + timedelta(days=1)
    second = sync(sandbox, tmp_path, state=state, analytics_lookback_days=3)
    assert second.returncode == 0, second.stderr[-3000:]
    wanted = {(old - timedelta(days=n)).isoformat() for n in range(2, -2, -1)}
    dump = sandbox.dataset.dump(set(STREAMS))
    for stream in STREAMS:
        dates = {r["date"] for r in second.records(stream)}
        assert dates <= wanted, stream  # nothing before the re-read days
        again = [row for row in dump[stream] if row["date"] in wanted]
        assert set(tap_keys(second, stream)) == dump_keys(again, stream), stream
        assert set(bookmarks(second, stream).values()) == {latest}, stream
    # the re-read days carry the revised figures (the dump is the sandbox's current answer)
    revised = {(str(r["shop_id"]), str(r["id"]), r["date"]): r["overall_performance"]["gmv"]
               ["amount"] for r in dump["product_performance_daily"] if "overall_performance" in r}
    changed = 0
    first = {(r["shop_id"], r["product_id"], r["date"]): r["gmv_amount"]
             for r in first_run.records("product_performance_daily")}
    for row in second.records("product_performance_daily"):
        key = (row["shop_id"], row["product_id"], row["date"])
        assert row["gmv_amount"] == revised[key]
        if row["date"] <= old.isoformat():  # a day the first run read already
            changed += first.get(key) != row["gmv_amount"]  # a new figure, or a new row
    assert changed, "the sandbox revised nothing the tap read again"


def test_a_shop_missing_the_analytics_scope(sandbox: Sandbox, tmp_path: Path) -> None:
    shop_a, shop_b = sandbox.config()["shop_ids"]
    admin(sandbox, "POST", "scopes", {"remove": [ANALYTICS_SCOPE], "shop_id": shop_b})
    try:
        out = sync(sandbox, tmp_path, streams=("product_performance_daily",))
    finally:
        admin(sandbox, "POST", "scopes", {"reset": True})
    assert out.returncode == 1, out.stderr[-3000:]
    lines = [line for line in out.stderr.splitlines()
             if f"'product_performance_daily' skipped for shop {shop_b}" in line]
    assert len(lines) == 1 and ANALYTICS_SCOPE in lines[0]
    records = out.records("product_performance_daily") or [
        json.loads(line)["record"] for line in out.raw.split("\n")
        if line.startswith('{"type":"RECORD"')]
    assert {r["shop_id"] for r in records} == {shop_a}


def test_the_tap_keeps_to_the_analytics_limit_the_sandbox_enforces(tmp_path: Path) -> None:
    """The sandbox allows 4 analytics calls per second per shop and endpoint; the tap,
    set to the same rate, reads both shops (in parallel) without a single 429."""
    with Sandbox(SandboxOptions(seed=43, shops=2, products=6, orders=40, app_secret=APP_SECRET,
                                analytics_days=8, analytics_rate_limit_qps=4)) as sb:
        out = sync(sb, tmp_path, streams=("product_performance_daily",),
                   rate_limit_qps_analytics=4)
        assert out.returncode == 0, out.stderr[-3000:]
        stats = requests.get(f"{sb.base_url}/sandbox/stats", timeout=10).json()["endpoints"]
        # the same read with the client's analytics limit off collects 429s: the sandbox
        # does enforce the limit the first run kept to
        requests.post(f"{sb.base_url}/sandbox/stats/reset", json={}, timeout=10)
        recent = days_before(calendar(sb)["latest_available_date"], 11)
        unpaced = sync(sb, tmp_path, streams=("product_performance_daily",),
                       rate_limit_qps_analytics=0, analytics_start_date=recent, max_retries=10)
        assert unpaced.returncode == 0, unpaced.stderr[-3000:]
        after = requests.get(f"{sb.base_url}/sandbox/stats", timeout=10).json()["endpoints"]
    calls = {name: counts for name, counts in stats.items() if "/analytics/" in name}
    assert calls and all(set(counts) == {"ok"} for counts in calls.values()), calls
    assert '"http_status_code":429' not in out.stderr and "36009002" not in out.stderr
    assert sum(counts["ok"] for counts in calls.values()) == 2 * (8 + EARLY)  # a call a day
    assert sum(counts.get("36009002", 0) for name, counts in after.items()
               if "/analytics/" in name) > 0


def test_an_older_api_version_reads_the_older_shapes(sandbox: Sandbox, tmp_path: Path) -> None:
    """At api_version 202406 the shop and product lists come from 202405 and the SKUs from
    202406 (other field names, integer ids): the same keys, ids as text."""
    requests.post(f"{sandbox.base_url}/sandbox/stats/reset", json={}, timeout=10)
    streams = ("shop_performance_daily", "product_performance_daily", "sku_performance_daily")
    out = sync(sandbox, tmp_path, streams=streams, api_version="202406")
    assert out.returncode == 0, out.stderr[-3000:]
    dump = sandbox.dataset.dump(set(streams))
    for stream in streams:
        assert set(tap_keys(out, stream)) == dump_keys(dump[stream], stream), stream
    calls = requests.get(f"{sandbox.base_url}/sandbox/stats", timeout=10).json()["endpoints"]
    assert {name for name in calls if "/analytics/" in name} == {
        "GET /analytics/202405/shop/performance",
        "GET /analytics/202405/shop_products/performance",
        "GET /analytics/202406/shop_skus/performance"}
    product = out.records("product_performance_daily")[0]
    assert isinstance(product["product_id"], str) and "units_sold" in product
    assert product["gmv_amount_value"] == float(product["gmv_amount"])


def test_a_stream_newer_than_api_version_is_refused_in_one_line(
        sandbox: Sandbox, tmp_path: Path) -> None:
    out = sync(sandbox, tmp_path, streams=("live_performance",), api_version="202409")
    assert out.returncode != 0
    line = out.stderr.strip().splitlines()[-1]
    assert "'live_performance' needs API version 202508" in line and "202409" in line
