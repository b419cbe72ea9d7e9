"""A shop missing an API scope: that stream is skipped for that shop (one line, its state
kept), the others go on, and the run ends with status 1 and one summary line."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import requests

from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import APP_SECRET, BIN, parse_singer, write_json
from tests.support.tap_catalog import selected_catalog
from tiktokshop_sandbox import Sandbox, SandboxOptions

SELECTED = ("orders", "statements", "statement_transactions", "payments")
FINANCE_SCOPE = "seller.finance.info"


def partitions(state: dict, stream: str) -> dict[str, dict]:
    return {p["context"]["shop_id"]: p for p in state["bookmarks"][stream]["partitions"]}


def test_missing_scope_skips_one_stream_of_one_shop(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=35, shops=2, products=10, orders=120,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        config = {**sb.config(), "retry_backoff_seconds": 0.01,
                  "token_store_path": str(tmp_path / "tokens.json")}
        cat = selected_catalog(config, tmp_path, SELECTED)
        command = [str(BIN / "tap-tiktokshop"), "--config",
                   str(write_json(tmp_path / "config.json", config)), "--catalog", str(cat)]
        first = subprocess.run(command, capture_output=True, text=True, timeout=300,
                               check=False)
        assert first.returncode == 0, first.stderr[-3000:]
        state = [m["value"] for m in parse_singer(first.stdout) if m["type"] == "STATE"][-1]

        shop_a, shop_b = sb.config()["shop_ids"]
        resp = requests.post(f"{sb.base_url}/sandbox/scopes", timeout=10,
                             json={"remove": [FINANCE_SCOPE], "shop_id": shop_b})
        assert resp.json()["removed_for_shop"] == [FINANCE_SCOPE]
        changed = set(sb.mutate(orders=3)["orders"])
        time.sleep(1.1)  # a sync reads up to the second before it starts

        second = subprocess.run([*command, "--state", str(write_json(tmp_path / "state.json",
                                                                     state))],
                                capture_output=True, text=True, timeout=300, check=False)
        assert second.returncode == 1, second.stderr[-3000:]
        messages = parse_singer(second.stdout)

        # one line per skipped stream and shop, naming the scope and what to do
        lines = second.stderr.strip().splitlines()
        skips = [line for line in lines if "skipped for shop" in line]
        assert len(skips) == 2, skips
        assert any("Stream 'statements' (and statement_transactions) skipped for shop "
                   f"{shop_b}" in line for line in skips)
        assert any(f"Stream 'payments' skipped for shop {shop_b}" in line for line in skips)
        for line in skips:
            assert "WARNING" in line
            for fragment in (f"'{FINANCE_SCOPE}'", "105005", "bookmark for this shop is "
                             "unchanged", "authorize the shop again", "deselect the stream"):
                assert fragment in line, (fragment, line)
        # one error line, the last one: the summary, with status 1
        errors = [line for line in lines if line.startswith("tap-tiktokshop: ")
                  or "| ERROR " in line or "Traceback" in line]
        assert errors == [lines[-1]], errors
        assert lines[-1].startswith(
            "tap-tiktokshop: error: 2 stream(s) skipped for a missing API scope: ")
        for stream in ("statements", "payments"):
            assert f"{stream} for shop {shop_b} ('{FINANCE_SCOPE}')" in lines[-1]
        for fragment in ("Every other stream was synced and its state written", "code 105005",
                         "request_id", "What to do:"):
            assert fragment in lines[-1], fragment

        # the other streams and shops were read and written
        records: dict[str, list[dict]] = {}
        for message in messages:
            if message["type"] == "RECORD":
                records.setdefault(message["stream"], []).append(message["record"])
        assert changed <= {r["id"] for r in records["orders"]}
        assert {r["shop_id"] for r in records["orders"]} == {shop_a, shop_b}
        for stream in ("statements", "statement_transactions", "payments"):
            assert {r["shop_id"] for r in records[stream]} == {shop_a}, stream

        # the skipped shop's bookmarks are where they were, the others moved or stayed
        final = [m["value"] for m in messages if m["type"] == "STATE"][-1]
        for stream in ("statements", "payments"):
            before, after = partitions(state, stream), partitions(final, stream)
            assert after[shop_b] == before[shop_b], stream
            assert after[shop_a]["replication_key_value"] >= before[shop_a][
                "replication_key_value"]
        assert partitions(final, "orders")[shop_b]["replication_key_value"] > partitions(
            state, "orders")[shop_b]["replication_key_value"]
