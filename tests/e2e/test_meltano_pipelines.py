"""`meltano run tap-tiktokshop target-...` for real: sandbox -> Meltano -> DuckDB / PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.support.secret_scan import (
    TOKEN_PREFIX,
    assert_no_secrets,
    assert_private_token_store,
    read_texts,
)
from tests.support.singer_io import ANALYTICS_KEYS, APP_SECRET, PRIMARY_KEYS, dataset_keys
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e


def duck_keys(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {stream: con.execute(
            f'select {", ".join(keys)} from tiktokshop."{stream}"').fetchall()
            for stream, keys in PRIMARY_KEYS.items()}


def assert_complete(got: dict[str, list[tuple]], dataset: dict,
                    analytics_before: dict | None = None) -> None:
    """Every key of the dataset landed, once. With ``analytics_before`` (the dataset before a
    change), the analytics days the incremental run does not re-read keep their earlier
    figures: their keys are the earlier ones, plus what changed in the re-read days."""
    expected = dataset_keys(dataset)
    if analytics_before is not None:
        earlier = dataset_keys(analytics_before)
        for stream in ANALYTICS_KEYS:
            rows = {tuple(str(v) for v in row) for row in got[stream]}
            old = {tuple(str(v) for v in key) for key in earlier[stream]}
            now = {tuple(str(v) for v in key) for key in expected[stream]}
            assert old <= rows <= old | now, stream
            del expected[stream]
    for stream, keys in expected.items():
        rows = got[stream]
        assert len(rows) == len(set(rows)), f"{stream}: duplicate primary keys"
        assert {tuple(str(v) for v in row) for row in rows} == {
            tuple(str(v) for v in key) for key in keys}, stream


def test_duckdb_full_then_incremental(meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=21, shops=2, products=25, orders=120,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        env = plugin_env("TAP_TIKTOKSHOP", sb.config(), tmp_path)
        env["TARGET_DUCKDB_FILEPATH"] = str(tmp_path / "shop.duckdb")
        env["TARGET_JSONL_DESTINATION_PATH"] = str(tmp_path / "jsonl")
        first = meltano.run("run", "tap-tiktokshop", "target-duckdb", env=env)
        before = sb.dataset.dump()
        assert_complete(duck_keys(tmp_path / "shop.duckdb"), before)

        changed = sb.mutate(products=2, orders=3)
        time.sleep(1.1)
        # the same bookmarks, into JSONL, to see exactly what the incremental run emits
        meltano.run("state", "copy", "--force", "dev:tap-tiktokshop-to-target-duckdb",
                    "dev:tap-tiktokshop-to-target-jsonl")
        second = meltano.run("run", "tap-tiktokshop", "target-jsonl", env=env)
        emitted = {}
        for stream in ("products", "orders"):
            lines = (tmp_path / "jsonl" / f"{stream}.jsonl").read_text().splitlines()
            emitted[stream] = [json.loads(line) for line in lines]
            assert set(changed[stream]) <= {r["id"] for r in emitted[stream]}
            # only the changes and the lookback overlap (<= a few records per shop)
            assert len(emitted[stream]) <= len(changed[stream]) + 2 * 5, stream

        third = meltano.run("run", "tap-tiktokshop", "target-duckdb", env=env)
        dataset = sb.dataset.dump()
        # the sandbox's order changes can land on any past day's analytics; TikTok revises
        # only recent days, which is all the tap re-reads (analytics_lookback_days)
        assert_complete(duck_keys(tmp_path / "shop.duckdb"), dataset, analytics_before=before)
        status = {o["id"]: o["status"] for o in dataset["orders"]}
        with duckdb.connect(str(tmp_path / "shop.duckdb"), read_only=True) as con:
            landed = dict(con.execute("select id, status from tiktokshop.orders").fetchall())
        for order_id in changed["orders"]:
            assert landed[order_id] == status[order_id]
        logs = first.stdout + first.stderr
        for secret in (APP_SECRET, sb.config()["refresh_token"]):
            assert secret not in logs
        # Meltano's logs of every run, the JSONL output and the state: no secret, and no
        # token at all (every sandbox token starts with TOKEN_PREFIX)
        store = tmp_path / "tap_tiktokshop-tokens.json"
        assert_private_token_store(store, APP_SECRET)
        state = meltano.run("state", "get", "dev:tap-tiktokshop-to-target-duckdb").stdout
        tokens = json.loads(store.read_text())["tokens"]
        assert_no_secrets(
            {"run 1": first.stdout + first.stderr, "run 2": second.stdout + second.stderr,
             "run 3": third.stdout + third.stderr, "state": state,
             **read_texts(tmp_path / "jsonl")},
            [APP_SECRET, sb.config()["refresh_token"], tokens["access_token"],
             tokens["refresh_token"]], prefixes=[TOKEN_PREFIX])


def test_killed_meltano_run_resumes_with_nothing_missing(meltano: Meltano,
                                                         tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=22, shops=2, products=40, orders=1500, latency_ms=3,
                                app_secret=APP_SECRET)) as sb:
        env = plugin_env("TAP_TIKTOKSHOP", sb.config(), tmp_path)
        env["TARGET_DUCKDB_FILEPATH"] = str(tmp_path / "shop.duckdb")
        proc = meltano.popen("run", "tap-tiktokshop", "target-duckdb", env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (tmp_path / "shop.duckdb").exists():
            time.sleep(0.2)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        # Meltano still sees the killed job as running: --force is what an operator uses
        meltano.run("run", "--force", "tap-tiktokshop", "target-duckdb", env=env)
        assert_complete(duck_keys(tmp_path / "shop.duckdb"), sb.dataset.dump())


def test_jobs_side_by_side_one_per_group_of_shops(meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=23, shops=3, products=10, orders=30)) as sb:
        shops = sb.config()["shop_ids"]
        env: dict[str, str] = {}
        for name, group in (("TAP_TIKTOKSHOP_GROUP_A", shops[:1]),
                            ("TAP_TIKTOKSHOP_GROUP_B", shops[1:])):
            env.update(plugin_env(name, {**sb.config(), "shop_ids": group}, tmp_path))
        env["TARGET_JSONL_DESTINATION_PATH"] = str(tmp_path / "jsonl")
        meltano.run("state", "list")  # creates the system database before the jobs race to
        logs = [tmp_path / f"group-{g}.log" for g in ("a", "b")]
        jobs = [meltano.popen("run", f"tap-tiktokshop-group-{g}", "target-jsonl", env=env,
                              log=log) for g, log in zip(("a", "b"), logs, strict=True)]
        codes = [job.wait(300) for job in jobs]
        assert codes == [0, 0], "\n".join(log.read_text()[-3000:] for log in logs)
        orders = [json.loads(line) for line in
                  (tmp_path / "jsonl" / "orders.jsonl").read_text().splitlines()]
        assert {(o["shop_id"], o["id"]) for o in orders} == dataset_keys(
            sb.dataset.dump())["orders"]
        states = meltano.run("state", "list").stdout
        assert "tap-tiktokshop-group-a-to-target-jsonl" in states
        assert "tap-tiktokshop-group-b-to-target-jsonl" in states


@pytest.mark.postgres
def test_postgres(meltano: Meltano, tmp_path: Path, postgres) -> None:
    postgres.create_database("tiktokshop_e2e")
    with Sandbox(SandboxOptions(seed=24, shops=2, products=20, orders=80)) as sb:
        env = plugin_env("TAP_TIKTOKSHOP", sb.config(), tmp_path)
        env.update({"TARGET_POSTGRES_PORT": str(postgres.port),
                    "TARGET_POSTGRES_PASSWORD": "unused-trust-auth",
                    "TARGET_POSTGRES_DATABASE": "tiktokshop_e2e"})
        meltano.run("run", "tap-tiktokshop", "target-postgres", env=env)
        import psycopg

        expected = dataset_keys(sb.dataset.dump())
        with psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres",
                             dbname="tiktokshop_e2e") as con:
            for stream, keys in PRIMARY_KEYS.items():
                total, distinct = con.execute(
                    f'select count(*), count(distinct ({", ".join(keys)})) '
                    f'from tiktokshop."{stream}"').fetchone()
                assert total == distinct == len(expected[stream]), stream
