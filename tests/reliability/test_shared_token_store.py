"""Several processes share one token store while TikTok rotates refresh tokens strictly.

Two Meltano jobs for the same seller (or a job and ``tiktokshop-auth``) share one token
file. With strict rotation a refresh token works once: a process that refreshed with a
token another process had already spent would be left with a dead authorization. The
store's inter-process lock makes the second process take the token the first one wrote.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

from tests.reliability.test_token_lifecycle import refresh_directly, refreshes
from tests.support.reliability_kit import (
    BIN,
    clean_env,
    plugin_config,
    record_figures,
    sandbox,
    target_input,
    write_json,
)
from tests.support.secret_scan import APP_SECRET, assert_private_token_store
from tiktokshop.auth.token_store import TokenStore

TTL = 2
TAPS = 3
DEADLINE = 240  # seconds for all four processes together


def test_four_processes_share_one_store_through_strict_rotations(tmp_path: Path) -> None:
    with sandbox(seed=61, shops=2, products=20, orders=200, token_ttl=TTL, latency_ms=60,
                 refresh_rotation="strict") as sb:
        store = tmp_path / "shared" / "tokens.json"  # the folder is created by the store
        seed_token = sb.issue_tokens()["refresh_token"]
        messages, _ = target_input(sb.dataset.dump(), inventory=16, prices=6,
                                          products=2, invalid=False)
        runs = []
        for n in range(TAPS):
            config = plugin_config(sb, tmp_path, f"tap{n}", token_store_path=str(store),
                                   refresh_token=seed_token, product_detail_concurrency=2)
            runs.append((f"tap {n}", [str(BIN / "tap-tiktokshop"), "--config",
                                      str(write_json(tmp_path / f"tap{n}.json", config))], ""))
        target_config = plugin_config(
            sb, tmp_path, "target", token_store_path=str(store), refresh_token=seed_token,
            results_path=str(tmp_path / "results.jsonl"), batch_size_rows=4,
            max_parallel_shops=1)
        runs.append(("target", [str(BIN / "target-tiktokshop"), "--config",
                                str(write_json(tmp_path / "target.json", target_config))],
                     "".join(json.dumps(m) + "\n" for m in messages)))
        started = time.monotonic()
        procs = []
        for n, (name, command, stdin) in enumerate(runs):
            # stderr to a file: a pipe read one process after another would fill up and
            # block the others (each HTTP request logs a metric line)
            log = tmp_path / f"stderr-{n}.log"
            with log.open("w") as err:
                proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=err, text=True,
                                        env=clean_env())
            procs.append((name, proc, stdin, log))
        failures = []
        try:
            for name, proc, stdin, log in procs:
                left = max(1.0, DEADLINE - (time.monotonic() - started))
                proc.communicate(stdin, timeout=left)
                if proc.returncode != 0:
                    failures.append(f"{name} exited {proc.returncode}: "
                                    f"{log.read_text()[-1500:]}")
        finally:
            for _, proc, _, _ in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)
        took = time.monotonic() - started
        assert failures == []
        cycles = refreshes(sb)
        assert took > 2 * TTL and cycles >= 4  # several access tokens ran out meanwhile

        # the store holds the newest authorization: its refresh token is the one not spent
        assert_private_token_store(store, APP_SECRET)
        assert stat.S_IMODE(os.stat(store.parent).st_mode) & 0o077 == 0
        lock = TokenStore(store, sb.options.app_key).lock_path
        assert stat.S_IMODE(os.stat(lock).st_mode) == 0o600
        newest = json.loads(store.read_text())["tokens"]["refresh_token"]
        assert refresh_directly(sb, newest)["code"] == 0
        assert refresh_directly(sb, seed_token)["code"] == 36004001  # long spent
        record_figures("tokens.shared_store", processes=TAPS + 1, refresh_cycles=cycles,
                       run_seconds=round(took, 1), failed_runs=len(failures))
