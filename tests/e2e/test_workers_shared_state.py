"""Two workers, one Meltano system database on PostgreSQL (`MELTANO_DATABASE_URI`).

Each worker is a project directory of its own (a copy of this repository's meltano.yml), as
on two machines of an orchestrator. They take turns at the two shop groups: each run must
resume from the state the other worker's earlier run of the same group stored, and leave the
other group's state alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, plugin_env
from tests.support.singer_io import BIN, dataset_keys
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

GROUPS = ("a", "b")
# Streams whose output is compared: an incremental run re-reads only what changed (plus the
# lookback overlap), where a run that lost its state would read the whole group again.
INCREMENTAL = ("products", "orders")


def worker_project(path: Path) -> Path:
    """A Meltano project directory for one worker: the repository's meltano.yml, with this
    repository as the plugins' pip_url, and the repository's installed plugins linked in
    (a real worker runs `meltano install` once; the venvs are the same)."""
    path.mkdir()
    text = (ROOT / "meltano.yml").read_text()
    assert "-e ${MELTANO_PROJECT_ROOT}" in text
    (path / "meltano.yml").write_text(text.replace("-e ${MELTANO_PROJECT_ROOT}", f"-e {ROOT}"))
    for kind, name in (("extractors", "tap-tiktokshop"), ("loaders", "target-jsonl")):
        (path / ".meltano" / kind).mkdir(parents=True, exist_ok=True)
        (path / ".meltano" / kind / name).symlink_to(ROOT / ".meltano" / kind / name)
    return path


class Worker:
    """`meltano` in one worker's project directory, against the shared system database."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project = project
        self.env = {**os.environ, **env}

    def meltano(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run([str(BIN / "meltano"), *args], cwd=self.project,
                                env={**self.env, **(env or {})}, capture_output=True,
                                text=True, timeout=300, check=False)
        assert result.returncode == 0, (f"{self.project.name}: meltano {' '.join(args)} "
                                        f"failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def run_group(self, group: str, out: Path) -> dict[str, list[dict]]:
        """`meltano run tap-tiktokshop-group-<group> target-jsonl` into ``out``; the records
        it loaded, by stream."""
        self.meltano("run", "--no-install", f"tap-tiktokshop-group-{group}", "target-jsonl",
                     env={"TARGET_JSONL_DESTINATION_PATH": str(out)})
        return {stream: [json.loads(line) for line in
                         (out / f"{stream}.jsonl").read_text().splitlines()]
                for stream in INCREMENTAL if (out / f"{stream}.jsonl").exists()}

    def state(self, group: str) -> dict:
        return json.loads(self.meltano("state", "get",
                                       f"dev:tap-tiktokshop-group-{group}-to-target-jsonl"))


def keys(records: list[dict]) -> set[tuple[str, str]]:
    return {(str(r["shop_id"]), str(r["id"])) for r in records}


def sandbox_keys(sb: Sandbox) -> dict[str, set[tuple[str, str]]]:
    """(shop_id, id) of every product and order the sandbox holds now."""
    everything = dataset_keys(sb.dataset.dump())
    return {stream: {(str(shop), str(key)) for shop, key in everything[stream]}
            for stream in INCREMENTAL}


def test_two_workers_resume_each_others_state(tmp_path: Path, postgres,
                                              meltano_plugins: None) -> None:
    postgres.create_database("meltano_system")
    uri = f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/meltano_system"
    with Sandbox(SandboxOptions(seed=31, shops=3, products=24, orders=90)) as sb:
        shops = sb.config()["shop_ids"]
        members = {"a": [str(s) for s in shops[:1]], "b": [str(s) for s in shops[1:]]}
        # What both workers share: the system database, and each group's settings and token
        # store (TikTok rotates the refresh token, so a group's token store must be one file
        # that every worker running that group reaches).
        env = {"MELTANO_DATABASE_URI": uri, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        for group in GROUPS:
            env.update(plugin_env(f"TAP_TIKTOKSHOP_GROUP_{group.upper()}",
                                  {**sb.config(), "shop_ids": members[group]}, tmp_path))
        one = Worker(worker_project(tmp_path / "worker-1"), env)
        two = Worker(worker_project(tmp_path / "worker-2"), env)
        one.meltano("state", "list")  # creates the system database's tables

        full = sandbox_keys(sb)
        landed = {stream: set() for stream in INCREMENTAL}
        first = {"a": one.run_group("a", tmp_path / "out-1a"),
                 "b": two.run_group("b", tmp_path / "out-2b")}
        for group, records in first.items():
            for stream in INCREMENTAL:
                wanted = {k for k in full[stream] if k[0] in members[group]}
                assert keys(records[stream]) == wanted, (group, stream)
                landed[stream] |= wanted
        # Each worker reads the state the other one stored: one database, not two files.
        states = {group: one.state(group) for group in GROUPS}
        assert states == {group: two.state(group) for group in GROUPS}
        assert all(states[g]["singer_state"]["bookmarks"] for g in GROUPS)
        assert not list(tmp_path.glob("worker-*/.meltano/meltano.db"))

        # Turn about: worker 2 runs group A, worker 1 runs group B, after a few changes.
        for runner, group, out in ((two, "a", "out-2a"), (one, "b", "out-1b")):
            other = "b" if group == "a" else "a"
            before = runner.state(other)
            changed = sb.mutate(products=2, orders=3)
            time.sleep(1.1)
            now = sandbox_keys(sb)
            shop_of = {s: {key: shop for shop, key in now[s]} for s in INCREMENTAL}
            records = runner.run_group(group, tmp_path / out)
            for stream in INCREMENTAL:
                mine = {(shop_of[stream][i], i) for i in map(str, changed[stream])
                        if shop_of[stream][i] in members[group]}
                got = keys(records.get(stream, []))
                # resumed from the stored bookmarks: the changes of this group's shops, and
                # no more than the lookback overlap (a few records per shop) besides; a run
                # that started over would read every record of the group again
                assert mine <= got, (group, stream)
                assert all(shop in members[group] for shop, _ in got), (group, stream)
                assert len(got) <= len(mine) + 5 * len(members[group]), (group, stream)
                group_total = sum(1 for shop, _ in now[stream] if shop in members[group])
                assert len(got) < group_total, (group, stream)
                landed[stream] |= got
            # the other group's state is exactly as it was
            assert runner.state(other) == before, other

        # Nothing lost: every record of every shop landed through one worker or the other.
        final = sandbox_keys(sb)
        for stream in INCREMENTAL:
            assert final[stream] <= landed[stream], stream
