"""tap-tiktokshop against a live sandbox: completeness, incremental runs, resumption, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.secret_scan import TOKEN_PREFIX, assert_private_token_store, secrets_of
from tests.support.secret_scan import assert_no_secrets as scan_for_secrets
from tests.support.singer_io import (
    APP_SECRET,
    BIN,
    PRIMARY_KEYS,
    dataset_keys,
    grouped,
    parse_singer,
    run_tap,
    write_json,
)
from tiktokshop_sandbox import Sandbox, SandboxOptions

FAST = {"retry_backoff_seconds": 0.01, "lookback_seconds": 600}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=11, shops=2, products=40, orders=300,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        yield sb


def tap_config(sandbox: Sandbox, tmp: Path, **extra) -> dict:
    return {**sandbox.config(), **FAST, "token_store_path": str(tmp / "tokens.json"), **extra}


def assert_no_secrets(text: str, sandbox: Sandbox, *extra: str) -> None:
    secrets = [sandbox.config()["app_secret"], sandbox.config()["refresh_token"], *extra]
    for secret in secrets:
        assert secret not in text


def test_full_sync_matches_the_sandbox(sandbox: Sandbox, tmp_path: Path) -> None:
    out = run_tap(tap_config(sandbox, tmp_path), tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = dataset_keys(sandbox.dataset.dump())
    for stream, keys in expected.items():
        got = out.keys(stream, PRIMARY_KEYS[stream])
        assert set(got) == keys, stream
        dupes = {k: n for k, n in grouped(got).items() if n > 1}
        assert not dupes, (stream, list(dupes)[:3])
    order = out.records("orders")[0]
    assert order["update_time_iso"].endswith("Z")
    assert order["shop_id"] in sandbox.config()["shop_ids"]
    assert all("cipher" not in r for r in out.records("shops"))
    assert "cipher" not in json.dumps(out.states())
    assert_no_secrets(out.raw + out.stderr + json.dumps(out.states()), sandbox)
    tokens = tmp_path / "tokens.json"
    assert oct(tokens.stat().st_mode & 0o777) == "0o600"
    # every secret, including the rotated tokens and anything with the sandbox token prefix
    scan_for_secrets({"stdout": out.raw, "stderr": out.stderr, "state": out.states()},
                     secrets_of(tap_config(sandbox, tmp_path), token_stores=[tokens]),
                     prefixes=[TOKEN_PREFIX])
    assert_private_token_store(tokens, APP_SECRET)


def test_records_are_ascending_per_shop_and_state_is_per_shop(sandbox: Sandbox,
                                                              tmp_path: Path) -> None:
    out = run_tap(tap_config(sandbox, tmp_path), tmp_path)
    for stream in ("orders", "products", "returns", "cancellations"):
        by_shop: dict[str, list[int]] = {}
        for record in out.records(stream):
            by_shop.setdefault(record["shop_id"], []).append(record["update_time"])
        for times in by_shop.values():
            assert times == sorted(times), stream
    final = out.states()[-1]["bookmarks"]["orders"]["partitions"]
    assert {p["context"]["shop_id"] for p in final} == set(sandbox.config()["shop_ids"])
    for partition in final:
        assert isinstance(partition["replication_key_value"], int)


def test_second_run_emits_only_changes_plus_lookback(sandbox: Sandbox, tmp_path: Path) -> None:
    first = run_tap(tap_config(sandbox, tmp_path), tmp_path)
    state = first.states()[-1]
    changed = sandbox.mutate(products=3, orders=5)
    time.sleep(1.1)  # a sync reads up to the second before it starts
    second = run_tap(tap_config(sandbox, tmp_path), tmp_path, state=state)
    assert second.returncode == 0, second.stderr[-2000:]
    for stream, key in (("products", "products"), ("orders", "orders")):
        emitted = {r["id"] for r in second.records(stream)}
        assert set(changed[key]) <= emitted, stream
        bookmarks = {p["context"]["shop_id"]: p["replication_key_value"]
                     for p in state["bookmarks"][stream]["partitions"]}
        for record in second.records(stream):
            if record["id"] not in changed[key]:  # only the lookback overlap may repeat
                assert record["update_time"] >= bookmarks[record["shop_id"]] - 600, stream
    sku_products = {r["product_id"] for r in second.records("product_skus")}
    assert sku_products == {r["id"] for r in second.records("products")}


def test_killed_run_resumes_from_its_last_state_without_gaps(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=5, shops=2, products=30, orders=3000, latency_ms=2,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        config = write_json(tmp_path / "c.json", tap_config(sb, tmp_path))
        proc = subprocess.Popen([str(BIN / "tap-tiktokshop"), "--config", str(config)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: list[str] = []
        states_seen = 0
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:  # kill mid-orders, after a few checkpoints
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            states_seen += line.startswith('{"type":"STATE"')
            if states_seen >= 3 and line.startswith('{"type":"RECORD","stream":"orders"'):
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        first = parse_singer("".join(line for line in lines if line.endswith("\n")))
        states = [m["value"] for m in first if m["type"] == "STATE"]
        assert states, "the tap was killed before its first STATE"
        resumed = run_tap(tap_config(sb, tmp_path), tmp_path, state=states[-1])
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        expected = dataset_keys(sb.dataset.dump())["orders"]
        before = {(m["record"]["shop_id"], m["record"]["id"]) for m in first
                  if m["type"] == "RECORD" and m["stream"] == "orders"}
        after = set(resumed.keys("orders", ["shop_id", "id"]))
        assert before | after == expected
        assert len(before) < len(expected)
        scan_for_secrets({"killed stdout": "".join(lines), "resumed stdout": resumed.raw,
                          "resumed stderr": resumed.stderr},
                         secrets_of(tap_config(sb, tmp_path),
                                    token_stores=[tmp_path / "tokens.json"]),
                         prefixes=[TOKEN_PREFIX])


def test_shop_ids_narrow_the_sync(sandbox: Sandbox, tmp_path: Path) -> None:
    one = sandbox.config()["shop_ids"][1]
    out = run_tap(tap_config(sandbox, tmp_path, shop_ids=[one]), tmp_path)
    assert {r["shop_id"] for r in out.records("orders")} == {one}


def test_unknown_shop_id_is_one_clear_line(sandbox: Sandbox, tmp_path: Path) -> None:
    out = run_tap(tap_config(sandbox, tmp_path, shop_ids=["123"]), tmp_path)
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if "error" in line.lower()]
    assert errors[-1].startswith("tap-tiktokshop: error: setting 'shop_ids': shop 123 is not")
    assert "Traceback" not in out.stderr
    scan_for_secrets([out.stderr, out.raw], secrets_of(tap_config(sandbox, tmp_path)),
                     prefixes=[TOKEN_PREFIX])


def test_product_search_over_the_cap_is_split(tmp_path: Path, monkeypatch, capsys) -> None:
    from tap_tiktokshop import streams
    from tap_tiktokshop.tap import TapTikTokShop

    monkeypatch.setattr(streams, "PRODUCT_SEARCH_CAP", 25)
    with Sandbox(SandboxOptions(seed=9, shops=1, products=120, orders=1,
                                product_search_cap=25)) as sb:
        config = tap_config(sb, tmp_path)
        catalog_streams = {"products", "product_skus"}
        tap = TapTikTokShop(config=config, parse_env_config=False)
        for name, stream in tap.streams.items():
            stream.selected = name in catalog_streams
        tap.sync_all()
        messages = parse_singer(capsys.readouterr().out)
        ids = [m["record"]["id"] for m in messages
               if m["type"] == "RECORD" and m["stream"] == "products"]
        assert sorted(ids) == sorted(p["id"] for p in sb.dataset.dump()["products"])
        assert len(ids) == len(set(ids))


def test_about_discover_and_connection_test(sandbox: Sandbox, tmp_path: Path) -> None:
    about = subprocess.run([str(BIN / "tap-tiktokshop"), "--about", "--format", "json"],
                           capture_output=True, text=True, check=True)
    settings = {s["name"] if isinstance(s, dict) else s for s in json.loads(about.stdout)[
        "settings"]["properties"]}
    assert {"app_key", "app_secret", "service_region", "shop_ids"} <= settings
    config = write_json(tmp_path / "c.json", tap_config(sandbox, tmp_path))
    discover = subprocess.run([str(BIN / "tap-tiktokshop"), "--config", str(config),
                               "--discover"], capture_output=True, text=True, check=True)
    catalog = json.loads(discover.stdout)
    assert {s["tap_stream_id"] for s in catalog["streams"]} == set(PRIMARY_KEYS)
    assert_no_secrets(discover.stdout + discover.stderr, sandbox)
    probe = subprocess.run([str(BIN / "tap-tiktokshop"), "--config", str(config), "--test"],
                           capture_output=True, text=True, check=False, timeout=120,
                           env={**os.environ})
    assert probe.returncode == 0, probe.stderr[-2000:]
    scan_for_secrets({"discover stdout": discover.stdout, "discover stderr": discover.stderr,
                      "test stdout": probe.stdout, "test stderr": probe.stderr},
                     secrets_of(tap_config(sandbox, tmp_path),
                                token_stores=[tmp_path / "tokens.json"]),
                     prefixes=[TOKEN_PREFIX])
