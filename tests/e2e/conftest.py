"""End-to-end fixtures: real Meltano, DuckDB and PostgreSQL, the sandbox on loopback."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dbt_warehouse import dbt_duckdb, dbt_postgres, dbt_sandbox
from tests.support.pg_server import PostgresServer, pg_bin_dir
from tests.support.singer_io import BIN
from tests.support.target_fixtures import config, data, sandbox

ROOT = Path(__file__).resolve().parents[2]
# The target fixtures, for the target-process tests (tests/support/target_fixtures.py), and
# the warehouses built by dbt (tests/support/dbt_warehouse.py).
__all__ = ["config", "data", "dbt_duckdb", "dbt_postgres", "dbt_sandbox", "sandbox"]


#: The folders of ``.meltano`` that hold installed plugins (shared by every test's runs).
PLUGIN_DIRS = ("extractors", "loaders", "transformers", "utilities", "mappers", "orchestrators")


class Meltano:
    """Runs `meltano` in the repository's project with a private system database and
    private run files.

    Meltano keeps a run's files (the plugin's config, catalog and state files, logs) under
    ``.meltano/run``: two tests running `meltano run` at the same time (parallel workers)
    would overwrite each other's catalog. So each instance has its own ``.meltano``
    (``MELTANO_SYS_DIR_ROOT``) whose plugin folders link to the repository's installed
    plugins; ``install`` uses the repository's own.
    """

    def __init__(self, tmp: Path, *, own_run_files: bool = True) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ,
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp / 'meltano.db'}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_LOG_LEVEL": "info",
        }
        if own_run_files:
            system = tmp / "meltano-system"
            system.mkdir(exist_ok=True)
            for name in PLUGIN_DIRS:
                (ROOT / ".meltano" / name).mkdir(parents=True, exist_ok=True)
                if not (system / name).exists():
                    (system / name).symlink_to(ROOT / ".meltano" / name)
            self.env["MELTANO_SYS_DIR_ROOT"] = str(system)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 600,
            check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / "meltano"), *args], cwd=ROOT,
                                env={**self.env, **(env or {})}, capture_output=True,
                                text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"meltano {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stderr[-4000:]}")
        return result

    def popen(self, *args: str, env: dict[str, str] | None = None,
              log: Path | None = None) -> subprocess.Popen:
        output = log.open("w") if log else subprocess.DEVNULL
        return subprocess.Popen([str(BIN / "meltano"), *args], cwd=ROOT,
                                env={**self.env, **(env or {})}, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def plugin_env(prefix: str, config: dict, tmp: Path) -> dict[str, str]:
    """A sandbox config as Meltano environment variables for one plugin."""
    env = {f"{prefix}_{key.upper()}": json.dumps(value) if isinstance(value, list) else str(value)
           for key, value in config.items()}
    env[f"{prefix}_TOKEN_STORE_PATH"] = str(tmp / f"{prefix.lower()}-tokens.json")
    env[f"{prefix}_RETRY_BACKOFF_SECONDS"] = "0"
    return env


@pytest.fixture(scope="session")
def meltano_plugins(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Install every plugin once, up front: `meltano run` installs missing plugins itself,
    but two runs started side by side would install the same plugin at the same time.

    With parallel workers (pytest-xdist) the first worker to get here installs, under a
    lock in the folder all workers' temporary folders share; the others wait for it.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with (shared / "meltano-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "meltano-install.done"
        if not done.exists():
            Meltano(tmp_path_factory.mktemp("install"), own_run_files=False).run(
                "install", timeout=900)
            done.touch()


@pytest.fixture
def meltano(tmp_path: Path, meltano_plugins: None) -> Meltano:
    return Meltano(tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server started for this test session (required in CI)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/ensure-postgres.sh should have "
                        "installed it")
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()
