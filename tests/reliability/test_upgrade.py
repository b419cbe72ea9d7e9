"""Upgrades: today's tap resumes from state written by release 0.1.0, and today's client
reads 0.1.0's token store; a state or token store of a newer format fails with one line.

The fixtures (``fixtures/release-0.1.0``) come from a 0.1.0 run against the sandbox with
seed 77, 2 shops, 30 products and 120 orders per shop; today's sandbox with the same
options holds the same records (its timestamps are fixed, not relative to now).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tap_tiktokshop.state_format import STATE_FORMAT, STATE_FORMAT_KEY
from tests.support.reliability_kit import (
    assert_one_error_line,
    plugin_config,
    record_figures,
    sandbox,
    tap,
)
from tiktokshop.auth.token_store import TokenStore
from tiktokshop.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "release-0.1.0"
OPTIONS = {"seed": 77, "shops": 2, "products": 30, "orders": 120}
#: Streams of release 0.1.0 with a bookmark, and the field that bookmark follows.
INCREMENTAL = {"orders": "update_time", "returns": "update_time",
               "cancellations": "update_time", "products": "update_time"}
KEYS = {"orders": "id", "returns": "return_id", "cancellations": "cancel_id", "products": "id"}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def bookmarks(state: dict) -> dict[tuple[str, str], int]:
    out = {}
    for stream, entry in (state.get("bookmarks") or {}).items():
        for partition in entry.get("partitions") or []:
            value = partition.get("replication_key_value")
            if value is not None:
                out[(stream, partition["context"]["shop_id"])] = value
    return out


@pytest.mark.parametrize("name", ["tap-state-complete.json", "tap-state-interrupted.json"])
def test_todays_tap_resumes_from_a_0_1_0_state(tmp_path: Path, name: str) -> None:
    old_state = fixture(name)
    assert STATE_FORMAT_KEY not in old_state  # 0.1.0 wrote no format marker
    with sandbox(**OPTIONS) as sb:
        changed = sb.mutate(products=3, orders=5)  # records updated since that run
        time.sleep(1.1)  # a sync reads up to the second it starts: not that same second
        dataset = sb.dataset.dump()
        config = plugin_config(sb, tmp_path, lookback_seconds=600)
        run = tap(config, tmp_path, state=old_state)
    assert run.returncode == 0, run.stderr[-2000:]
    marks = bookmarks(old_state)
    lookback = config["lookback_seconds"]
    reread = outside = 0
    for stream, field in INCREMENTAL.items():
        key = KEYS[stream]
        emitted = {(r["shop_id"], r[key]) for r in run.records(stream)}
        expected = set()
        for record in dataset[stream]:
            mark = marks.get((stream, record["shop_id"]))
            if mark is None or record[field] >= mark - lookback:
                expected.add((record["shop_id"], record[key]))
        assert emitted == expected, stream  # nothing lost, nothing from before the lookback
        reread += sum(1 for shop, _ in emitted if (stream, shop) in marks)
        outside += len(emitted - expected)
    changed_orders = set(changed["orders"])
    assert changed_orders <= {r["id"] for r in run.records("orders")}
    final = run.states()[-1]
    assert final[STATE_FORMAT_KEY] == STATE_FORMAT
    for (stream, shop), mark in marks.items():
        assert bookmarks(final)[(stream, shop)] >= mark  # never behind the old state
    record_figures("upgrade." + name.removesuffix(".json"), records_after_bookmark=reread,
                   outside_lookback=outside)


def test_a_state_of_a_newer_format_is_one_clear_line(tmp_path: Path) -> None:
    state = {**fixture("tap-state-complete.json"), STATE_FORMAT_KEY: STATE_FORMAT + 1}
    with sandbox(**OPTIONS) as sb:
        run = tap(plugin_config(sb, tmp_path), tmp_path, state=state)
    assert run.returncode == 2
    assert_one_error_line(run.stderr, "tap-tiktokshop", "--state", "newer tap-tiktokshop",
                          f"state format {STATE_FORMAT + 1}")


def test_todays_client_reads_a_0_1_0_token_store(tmp_path: Path) -> None:
    doc = fixture("token-store.json")
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    tokens = TokenStore(path, doc["app_key"]).load()
    assert tokens is not None
    assert tokens.access_token == doc["tokens"]["access_token"]
    assert tokens.refresh_token == doc["tokens"]["refresh_token"]
    assert tokens.granted_scopes == doc["tokens"]["granted_scopes"]

    path.write_text(json.dumps({**doc, "format": 99}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        TokenStore(path, doc["app_key"]).load()
    assert "token_store_path" in str(caught.value) and "format 99" in str(caught.value)
