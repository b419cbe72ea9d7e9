"""BATCH for every stream: a run with ``batch_config`` writes every stream's rows (derived
rows too) to batch files that load into DuckDB with the same rows as a RECORD run, and no
STATE covers a record whose derived rows are not in an earlier BATCH."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import APP_SECRET, PRIMARY_KEYS, SingerOutput, run_tap
from tiktokshop_sandbox import Sandbox, SandboxOptions

FAST = {"retry_backoff_seconds": 0.01, "lookback_seconds": 600}
BATCH_SIZE = 40  # several batches per stream, and derived rows flushed mid-batch
#: Derived stream -> (parent stream, the derived row's field holding the parent's id,
#: the parent's id field).
DERIVED = {
    "product_skus": ("products", "product_id", "id"),
    "order_line_items": ("orders", "order_id", "id"),
    "return_line_items": ("returns", "return_id", "return_id"),
    "package_orders": ("packages", "package_id", "package_id"),
    "statement_transactions": ("statements", "statement_id", "id"),
}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=5, shops=2, products=30, orders=120,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        yield sb


def config(sandbox: Sandbox, tmp: Path, **extra: Any) -> dict[str, Any]:
    return {**sandbox.config(), **FAST, "token_store_path": str(tmp / "tokens.json"), **extra}


def local_path(url: str) -> str:
    assert url.startswith("file://"), url
    return url[len("file://"):]


def load(files: list[str]) -> list[dict[str, Any]]:
    """The rows of batch files, as DuckDB reads them (every column of every file)."""
    if not files:
        return []
    with duckdb.connect() as con:
        relation = con.sql("select * from read_json(?, format='newline_delimited', "
                           "union_by_name=true, sample_size=-1)", params=[files])
        names = relation.columns
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def keys(rows: list[dict[str, Any]], stream: str) -> list[tuple[str, ...]]:
    return [tuple(str(row[k]) for k in PRIMARY_KEYS[stream]) for row in rows]


@pytest.fixture(scope="module")
def runs(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[SingerOutput, SingerOutput, Path]:
    """The same full sync twice: RECORD messages, then batch files."""
    record_dir = tmp_path_factory.mktemp("record")
    records = run_tap(config(sandbox, record_dir), record_dir, timeout=240)
    assert records.returncode == 0, records.stderr[-2000:]
    batch_dir = tmp_path_factory.mktemp("batch")
    batch_config = {"encoding": {"format": "jsonl", "compression": "gzip"},
                    "storage": {"root": f"file://{batch_dir / 'files'}"},
                    "batch_size": BATCH_SIZE}
    batches = run_tap(config(sandbox, batch_dir, batch_config=batch_config), batch_dir,
                      timeout=240)
    assert batches.returncode == 0, batches.stderr[-2000:]
    return records, batches, batch_dir


def test_every_stream_is_batched(runs: tuple[SingerOutput, SingerOutput, Path]) -> None:
    records, batches, _ = runs
    assert not [m for m in batches.messages if m["type"] == "RECORD"]
    batched = {m["stream"] for m in batches.messages if m["type"] == "BATCH"}
    assert batched == set(records.counts()), "every stream with rows has BATCH messages"
    assert set(DERIVED) <= batched
    for message in batches.messages:
        if message["type"] == "BATCH":
            assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}
            assert message["manifest"], message


def test_batch_files_load_into_duckdb_with_the_record_runs_rows(
        runs: tuple[SingerOutput, SingerOutput, Path]) -> None:
    records, batches, _ = runs
    files: dict[str, list[str]] = defaultdict(list)
    for message in batches.messages:
        if message["type"] == "BATCH":
            files[message["stream"]] += [local_path(url) for url in message["manifest"]]
    for stream, count in records.counts().items():
        loaded = load(files[stream])
        assert len(loaded) == count, stream
        assert sorted(keys(loaded, stream)) == sorted(
            keys(records.records(stream), stream)), stream
    for stream in DERIVED:  # the test data has rows of every derived stream
        assert records.counts()[stream] > 0, stream
    assert records.counts()["order_line_items"] > 2 * BATCH_SIZE  # flushed within a batch


def test_state_never_passes_derived_rows_not_yet_batched(
        runs: tuple[SingerOutput, SingerOutput, Path]) -> None:
    """When a parent's BATCH (and the STATE after it) is written, every derived row of the
    parent records in it is already in an earlier BATCH of the derived stream."""
    records, batches, _ = runs
    expected: dict[str, dict[str, set[tuple]]] = {}
    for stream, (_, parent_field, _) in DERIVED.items():
        by_parent: dict[str, set[tuple]] = defaultdict(set)
        for row in records.records(stream):
            by_parent[f"{row['shop_id']}/{row[parent_field]}"].add(keys([row], stream)[0])
        expected[stream] = by_parent
    parents = {parent: (stream, id_field) for stream, (parent, _, id_field) in DERIVED.items()}
    batched: dict[str, set[tuple]] = defaultdict(set)
    checked = 0
    for message in batches.messages:
        if message["type"] != "BATCH":
            continue
        rows = load([local_path(url) for url in message["manifest"]])
        stream = message["stream"]
        if stream in DERIVED:
            batched[stream].update(keys(rows, stream))
        if stream in parents:
            derived, id_field = parents[stream]
            for row in rows:
                owed = expected[derived].get(f"{row['shop_id']}/{row[id_field]}", set())
                assert owed <= batched[derived], (stream, row[id_field])
                checked += len(owed)
    assert checked == sum(records.counts()[stream] for stream in DERIVED)
