"""The promotion streams against a live sandbox: every activity and coupon of 2 shops with
its detail, full table (ACTIVATE_VERSION only when asked, never with ``shop_ids``), and a
shop missing the promotion scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import APP_SECRET, parse_singer, run_tap
from tests.support.tap_catalog import selected_catalog
from tiktokshop_sandbox import Sandbox, SandboxOptions

STREAMS = ("promotion_activities", "coupons")
KEYS = {"promotion_activities": "activity_id", "coupons": "id"}
SCOPE = "seller.promotion.info"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=41, shops=2, products=15, orders=20,
                                promotion_activities=23, coupons=17, app_secret=APP_SECRET,
                                token_prefix=TOKEN_PREFIX)) as sb:
        yield sb


def config_for(sb: Sandbox, tmp: Path, **extra: Any) -> dict[str, Any]:
    return {**sb.config(), "retry_backoff_seconds": 0.01,
            "token_store_path": str(tmp / "tokens.json"), **extra}


def records(messages: list[dict], stream: str) -> list[dict]:
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def without_iso(value: Any) -> Any:
    """``value`` without the ``*_time_iso`` siblings the tap adds (at every level)."""
    if isinstance(value, dict):
        return {k: without_iso(v) for k, v in value.items() if not k.endswith("_time_iso")}
    if isinstance(value, list):
        return [without_iso(v) for v in value]
    return value


def test_every_activity_and_coupon_with_its_detail(sandbox: Sandbox, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    out = run_tap(config, tmp_path, args=("--catalog", str(selected_catalog(
        config, tmp_path, STREAMS))))
    assert out.returncode == 0, out.stderr[-3000:]
    dataset = requests.get(f"{sandbox.base_url}/sandbox/dataset",
                           params={"kinds": ",".join(STREAMS)}, timeout=30).json()
    for stream in STREAMS:
        key = KEYS[stream]
        emitted = records(out.messages, stream)
        expected = {(r["shop_id"], r[key]): r for r in dataset[stream]}
        assert len(expected) == (23 if stream == "promotion_activities" else 17) * 2
        assert sorted((r["shop_id"], r[key]) for r in emitted) == sorted(expected)
        for record in emitted:
            held = expected[(record["shop_id"], record[key])]
            assert without_iso(record) == held
            assert record["create_time_iso"].endswith("Z") or "+00:00" in \
                record["create_time_iso"]
    details = [r for r in records(out.messages, "promotion_activities") if r["products"]]
    assert any("skus" in p for r in details for p in r["products"])  # SKU-level discounts
    state = [m["value"] for m in out.messages if m["type"] == "STATE"][-1]
    for stream in STREAMS:  # full table: no bookmark
        for partition in state["bookmarks"][stream]["partitions"]:
            assert "replication_key_value" not in partition
    assert not [m for m in out.messages if m["type"] == "ACTIVATE_VERSION"]
    stats = requests.get(f"{sandbox.base_url}/sandbox/stats", timeout=10).json()["endpoints"]
    calls = {k: sum(v.values()) for k, v in stats.items() if "/promotion/" in k}
    assert calls["GET /promotion/202309/activities/{activity_id}"] >= 46
    assert calls["GET /promotion/202406/coupons/{coupon_id}"] >= 34


def test_activate_version_when_asked_but_not_for_a_shop_group(sandbox: Sandbox,
                                                               tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path, emit_activate_version_messages=True)
    del config["shop_ids"]  # every shop the token authorizes
    catalog = str(selected_catalog(config, tmp_path, STREAMS))
    out = run_tap(config, tmp_path, args=("--catalog", catalog))
    assert out.returncode == 0, out.stderr[-3000:]
    versions = {m["stream"] for m in out.messages if m["type"] == "ACTIVATE_VERSION"}
    assert versions == set(STREAMS)
    one_shop = config_for(sandbox, tmp_path, emit_activate_version_messages=True,
                          shop_ids=[sandbox.dataset.shops[0].id])
    out = run_tap(one_shop, tmp_path, args=("--catalog", catalog))
    assert out.returncode == 0, out.stderr[-3000:]
    assert not [m for m in out.messages if m["type"] == "ACTIVATE_VERSION"]
    assert {r["shop_id"] for r in records(out.messages, "coupons")} == {
        sandbox.dataset.shops[0].id}


def test_a_shop_without_the_promotion_scope_skips_both_streams(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=42, shops=2, products=10, orders=10, app_secret=APP_SECRET,
                                token_prefix=TOKEN_PREFIX)) as sb:
        shop_a, shop_b = (s.id for s in sb.dataset.shops)
        requests.post(f"{sb.base_url}/sandbox/scopes", timeout=10,
                      json={"remove": [SCOPE], "shop_id": shop_b}).raise_for_status()
        config = config_for(sb, tmp_path)
        catalog = str(selected_catalog(config, tmp_path, (*STREAMS, "warehouses")))
        command_out = run_tap(config, tmp_path, args=("--catalog", catalog))
        assert command_out.returncode == 1, command_out.stderr[-3000:]
        skips = [line for line in command_out.stderr.splitlines() if "skipped for shop" in line]
        assert len(skips) == 2, skips
        for stream in STREAMS:
            assert any(f"Stream '{stream}' skipped for shop {shop_b}" in line
                       and f"'{SCOPE}'" in line for line in skips)
        assert "2 stream(s) skipped for a missing API scope" in command_out.stderr
        messages = parse_singer(command_out.raw)
        for stream in STREAMS:  # the other shop is read whole
            assert {r["shop_id"] for r in records(messages, stream)} == {shop_a}
        assert {r["shop_id"] for r in records(messages, "warehouses")} == {shop_a, shop_b}


def test_coupons_need_202406_and_activities_202309(sandbox: Sandbox, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path, api_version="202405")
    out = run_tap(config, tmp_path, args=("--catalog", str(selected_catalog(
        config, tmp_path, STREAMS))))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        "tap-tiktokshop: error: setting 'api_version': stream 'coupons' needs API version "
        "202406 or newer (POST /promotion/202406/coupons/search, "
        "GET /promotion/202406/coupons/{coupon_id}), but api_version "
        "is 202405: set api_version to 202406 or newer, or deselect the stream")
    config = config_for(sandbox, tmp_path, api_version="202309")
    out = run_tap(config, tmp_path, args=("--catalog", str(selected_catalog(
        config, tmp_path, ("promotion_activities",)))))
    assert out.returncode == 0, out.stderr[-3000:]
    assert len(records(out.messages, "promotion_activities")) == 46
