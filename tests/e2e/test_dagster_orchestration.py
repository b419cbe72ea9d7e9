"""orchestration/dagster_definitions.py for real: each group's Dagster job, executed in
process, runs `meltano run tap-tiktokshop-group-<x> target-jsonl` against the sandbox, with
Meltano's system database on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, plugin_env
from tests.support.singer_io import BIN, dataset_keys
from tiktokshop_sandbox import Sandbox, SandboxOptions

dagster = pytest.importorskip("dagster", reason="the [orchestration] extra is not installed")
from orchestration.dagster_definitions import (  # noqa: E402
    build_definitions,
    meltano_run_command,
    shop_groups,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def run_config(group: str, loader: str = "target-jsonl") -> dict:
    return {"ops": {f"meltano_run_group_{group}": {"config": {
        "project_dir": str(ROOT), "loader": loader, "meltano": str(BIN / "meltano")}}}}


def test_one_job_per_group_materialized_in_process(tmp_path: Path, postgres,
                                                   meltano_plugins: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    postgres.create_database("meltano_dagster")
    monkeypatch.setenv("MELTANO_DATABASE_URI",
                       f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/meltano_dagster")
    monkeypatch.setenv("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
    monkeypatch.setenv("TARGET_JSONL_DESTINATION_PATH", str(tmp_path / "jsonl"))
    defs = build_definitions(["a", "b"])
    with Sandbox(SandboxOptions(seed=32, shops=3, products=8, orders=20)) as sb:
        shops = [str(s) for s in sb.config()["shop_ids"]]
        members = {"a": shops[:1], "b": shops[1:]}
        for group, ids in members.items():
            for key, value in plugin_env(f"TAP_TIKTOKSHOP_GROUP_{group.upper()}",
                                         {**sb.config(), "shop_ids": ids}, tmp_path).items():
                monkeypatch.setenv(key, value)

        for group in ("a", "b"):
            result = defs.resolve_job_def(f"tiktokshop_group_{group}").execute_in_process(
                run_config=run_config(group))
            assert result.success, group
            materialized = [e.asset_key.path for e in result.asset_materializations_for_node(
                f"meltano_run_group_{group}")]
            assert materialized == [["tiktokshop", f"group_{group}", "target_jsonl"]]

        # Both groups landed, each its own shops, and each has its state in the shared
        # system database under its own state ID.
        orders = [json.loads(line) for line in
                  (tmp_path / "jsonl" / "orders.jsonl").read_text().splitlines()]
        landed = {(str(o["shop_id"]), str(o["id"])) for o in orders}
        expected = {(str(s), str(i)) for s, i in dataset_keys(sb.dataset.dump())["orders"]}
        assert landed == expected
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres",
                         dbname="meltano_dagster") as con:
        state_ids = {row[0] for row in con.execute("select state_id from state").fetchall()}
    assert {"dev:tap-tiktokshop-group-a-to-target-jsonl",
            "dev:tap-tiktokshop-group-b-to-target-jsonl"} <= state_ids


def test_failed_meltano_run_fails_the_job(tmp_path: Path, meltano_plugins: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    monkeypatch.setenv("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
    job = build_definitions(["a"]).resolve_job_def("tiktokshop_group_a")
    result = job.execute_in_process(run_config=run_config("a", loader="target-nowhere"),
                                    raise_on_error=False)
    assert not result.success
    failure = result.failure_data_for_node("meltano_run_group_a")
    assert "meltano run tap-tiktokshop-group-a target-nowhere exited with" in (
        failure.user_failure_data.description)
    assert "target-nowhere" in failure.user_failure_data.metadata["last lines"].text
    assert result.asset_materializations_for_node("meltano_run_group_a") == []


def test_groups_setting_and_command_line() -> None:
    assert shop_groups("a, b,eu-1") == ["a", "b", "eu-1"]
    for bad in ("A", "a;rm", " , "):
        with pytest.raises(ValueError, match="TIKTOKSHOP_SHOP_GROUPS"):
            shop_groups(bad)
    defs = build_definitions(["a", "eu-1"])
    assert defs.resolve_job_def("tiktokshop_group_eu_1").name == "tiktokshop_group_eu_1"
    assert defs.resolve_schedule_def("tiktokshop_group_a_schedule").cron_schedule == "0 * * * *"
    from orchestration.dagster_definitions import MeltanoRunConfig

    config = MeltanoRunConfig(project_dir="/srv/project", loader="target-postgres",
                              meltano="meltano", force=True)
    assert meltano_run_command("eu-1", config) == [
        "meltano", "run", "--force", "tap-tiktokshop-group-eu-1", "target-postgres"]
