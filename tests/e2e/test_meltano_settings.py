"""Every setting of both plugins through real Meltano, from an environment variable and
from `meltano config set`: the config Meltano writes for the plugin
(`meltano invoke --dump=config`) holds the value with its type, and the plugin, given that
config, reads the value with the type of its schema (``--about``).

Number settings are `kind: string` in meltano.yml (Meltano 4.4.1's `kind: decimal` crashes
on a value from a variable, `kind: integer` refuses 0.5), so Meltano may hand them over as
numeric strings: for them the check is that the plugin reads the number.

Each project is a copy of meltano.yml in a temporary folder (`meltano config set` writes
there and to its .env), with the plugins installed from this repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tap_tiktokshop.tap import TapTikTokShop
from target_tiktokshop.target import TargetTikTokShop
from tests.support.singer_io import BIN
from tiktokshop.connection import RATE_LIMIT_FAMILIES
from tools.meltano_hub.definitions import kind_of
from tools.meltano_hub.generate import PLUGINS, Plugin, about

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLASSES = {"tap-tiktokshop": TapTikTokShop, "target-tiktokshop": TargetTikTokShop}
PREFIXES = {"tap-tiktokshop": "TAP_TIKTOKSHOP_", "target-tiktokshop": "TARGET_TIKTOKSHOP_"}
IDS = [plugin.name for plugin in PLUGINS]

# Runs `meltano config set` many times in one process: one Meltano start, not forty.
CONFIG_SET = """
import json, sys
from meltano.cli import cli
for args in json.loads(sys.argv[1]):
    try:
        cli.main(["config", "set", *args], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
"""


def values(tmp: Path) -> dict[str, Any]:
    """A valid value for every setting of both plugins, none of them the default."""
    return {
        "connection_name": "meltano round trip", "api_version": "202309",
        "service_region": "US", "app_key": "key-123", "app_secret": "secret-456",
        "service_id": "svc-7", "access_token": "access-1", "refresh_token": "refresh-2",
        "auth_code": "code-3", "shop_ids": ["7494000000000000001", "7494000000000000002"],
        "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:10",
        "authorize_base_url": "http://127.0.0.1:11",
        "token_store_path": str(tmp / "tokens.json"),
        "request_timeout_seconds": 12.5, "max_retries": 3, "rate_limit_qps": 7.25,
        "retry_backoff_seconds": 0.5,
        **{f"rate_limit_qps_{family}": 2.5 + n for n, family in enumerate(RATE_LIMIT_FAMILIES)},
        "rate_limit_qps_analytics": 0.2,
        # tap
        "start_date": "2021-02-03T04:05:06Z", "end_date": "2022-03-04T05:06:07Z",
        "lookback_seconds": 120, "product_detail_concurrency": 5, "finance_lookback_days": 9,
        "progress_interval_seconds": 45, "analytics_currency": "USD",
        "analytics_lookback_days": 5, "analytics_start_date": "2021-06-07T00:00:00Z",
        "batch_config": {"encoding": {"format": "jsonl", "compression": "gzip"},
                         "storage": {"root": (tmp / "batches").as_uri(), "prefix": "b-"}},
        "emit_activate_version_messages": True,
        # target
        "results_path": str(tmp / "results.jsonl"), "dry_run": True, "skip_unchanged": False,
        "max_failures": 2, "unknown_streams": "ignore", "max_parallel_shops": 3,
        "max_price_change_percent": 12.5, "min_price": 0.99, "max_price": 999.5,
        "max_stock_change": 250, "breaker_zero_stock_percent": 33.5,
        "breaker_price_change_percent": 7.5, "override_breakers": True,
        "add_record_metadata": True, "batch_size_rows": 500,
        # the SDK's own
        "stream_maps": {"shops": {"shop_note": "'from meltano'"}},
        "stream_map_config": {"hash_seed": "seed-1"}, "faker_config": {"seed": 7},
        "flattening_enabled": True, "flattening_max_depth": 2, "flattening_max_key_length": 200,
        "flattening_separator": "__",
    }


def as_text(value: Any) -> str:
    """The value as one types it in a variable or on the command line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class Project:
    """A Meltano project in a temporary folder, running this repository's plugins."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        text = (ROOT / "meltano.yml").read_text(encoding="utf-8")
        (folder / "meltano.yml").write_text(
            text.replace("-e ${MELTANO_PROJECT_ROOT}", f"-e {ROOT}"), encoding="utf-8")
        ours = (*PREFIXES.values(), "MELTANO_", "TIKTOKSHOP_")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
        self.env.update(MELTANO_DATABASE_URI=f"sqlite:///{folder / 'meltano.db'}",
                        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false")

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run([*args], cwd=self.folder, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr[-4000:]}"
        return done

    def dump_config(self, plugin: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        done = self.run(str(BIN / "meltano"), "invoke", "--dump=config", plugin, env=env)
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def abouts() -> dict[str, dict[str, Any]]:
    return {plugin.name: about(plugin) for plugin in PLUGINS}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("meltano-settings")


def expected_values(plugin: Plugin, info: dict[str, Any], tmp: Path) -> dict[str, Any]:
    every = values(tmp)
    names = list(info["settings"]["properties"])
    missing = [name for name in names if name not in every]
    assert not missing, f"give these {plugin.name} settings a test value: {missing}"
    return {name: every[name] for name in names}


def same(value: Any, expected: Any, prop: dict[str, Any]) -> bool:
    """Equal, with the type the setting's kind promises (numbers: a numeric string too)."""
    kind = kind_of(prop)
    if "number" in set(prop.get("type") or []):
        return (isinstance(value, int | float | str) and not isinstance(value, bool)
                and Decimal(str(value)) == Decimal(str(expected)))
    if kind == "date_iso8601":
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment == datetime.fromisoformat(expected.replace("Z", "+00:00"))
    python = {"integer": int, "boolean": bool, "array": list, "object": dict}.get(kind, str)
    if python is int and isinstance(value, bool):
        return False
    return isinstance(value, python) and value == expected


def check(plugin: Plugin, info: dict[str, Any], dumped: dict[str, Any],
          expected: dict[str, Any]) -> None:
    properties = info["settings"]["properties"]
    wrong = {name: dumped.get(name) for name in expected
             if not same(dumped.get(name), expected[name], properties[name])}
    assert not wrong, f"Meltano passed {plugin.name} these values wrongly: {wrong}"
    instance = CLASSES[plugin.name](config=dict(dumped))  # the plugin's own parsing
    for name, value in expected.items():
        read = instance.config[name]
        jsonschema.validate(read, {"type": properties[name]["type"]})
        assert same(read, value, properties[name]), (name, read)
        if set(properties[name]["type"]) & {"number", "integer"} \
                and "string" not in properties[name]["type"]:
            assert isinstance(read, int | float) and not isinstance(read, bool), (name, read)


@pytest.fixture(scope="module")
def env_project(workspace: Path) -> Project:
    return Project(workspace / "env")


@pytest.fixture(scope="module")
def set_project(workspace: Path) -> Project:
    return Project(workspace / "set")


@pytest.mark.parametrize("plugin", PLUGINS, ids=IDS)
def test_every_setting_from_its_environment_variable(
        plugin: Plugin, abouts: dict[str, dict[str, Any]], env_project: Project,
        workspace: Path) -> None:
    info = abouts[plugin.name]
    expected = expected_values(plugin, info, workspace)
    env = {PREFIXES[plugin.name] + name.upper(): as_text(value)
           for name, value in expected.items()}
    check(plugin, info, env_project.dump_config(plugin.name, env), expected)


@pytest.mark.parametrize("plugin", PLUGINS, ids=IDS)
def test_every_setting_from_meltano_config_set(
        plugin: Plugin, abouts: dict[str, dict[str, Any]], set_project: Project,
        workspace: Path) -> None:
    info = abouts[plugin.name]
    expected = expected_values(plugin, info, workspace)
    commands = [[plugin.name, name, as_text(value)] for name, value in expected.items()]
    set_project.run(sys.executable, "-c", CONFIG_SET, json.dumps(commands), timeout=300)
    check(plugin, info, set_project.dump_config(plugin.name), expected)
    # sensitive settings went to the project's .env, the others to its meltano.yml
    dotenv = (set_project.folder / ".env").read_text(encoding="utf-8")
    assert f"{PREFIXES[plugin.name]}APP_SECRET=" in dotenv
    assert "secret-456" not in (set_project.folder / "meltano.yml").read_text(encoding="utf-8")


def test_a_fraction_from_a_variable_reaches_the_tap_as_a_number(env_project: Project) -> None:
    """The issue's case: TAP_TIKTOKSHOP_RETRY_BACKOFF_SECONDS=0.5 (with `kind: integer` it
    failed with "invalid literal for int()", with `kind: decimal` Meltano cannot write the
    config). `meltano config print` is the command the issue ran."""
    env = {"TAP_TIKTOKSHOP_RETRY_BACKOFF_SECONDS": "0.5"}
    printed = env_project.run(str(BIN / "meltano"), "config", "print", "tap-tiktokshop",
                              env=env)
    assert json.loads(printed.stdout)["retry_backoff_seconds"] == "0.5"
    dumped = env_project.dump_config("tap-tiktokshop", env)
    tap = TapTikTokShop(config={**dumped, "app_key": "k", "app_secret": "s",
                                "refresh_token": "r"})
    assert tap.config["retry_backoff_seconds"] == 0.5
    assert tap.settings.retry_backoff_seconds == 0.5
