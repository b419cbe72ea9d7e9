"""Bad configuration: one clear line naming the setting, exit status 2, no traceback.

Every case runs the real console script (tap-tiktokshop, target-tiktokshop,
tiktokshop-auth) as a subprocess. The cases run concurrently (a module fixture starts the
selected ones at once), and each parametrized test checks its own outcome. No case
reaches the network: configuration is checked before any call (the hosts point at a
closed loopback port), except ``unknown shop id`` which needs the sandbox.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import assert_one_error_line, run, sandbox, write_json
from tests.support.secret_scan import APP_SECRET, assert_no_secrets

REFRESH = "RLBTOKSECRET-config-refresh-0001"
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens, nothing is called
BASE = {"app_key": "6sbxk3y7tts01", "app_secret": APP_SECRET, "refresh_token": REFRESH,
        "api_base_url": CLOSED, "auth_base_url": CLOSED, "max_retries": 0}
TAP, TARGET, AUTH = "tap-tiktokshop", "target-tiktokshop", "tiktokshop-auth"
ALL = (TAP, TARGET, AUTH)


@dataclass(frozen=True)
class Case:
    """A bad setting, the programs it is tried on, and the setting the error must name."""

    name: str
    change: dict[str, Any]
    setting: str
    progs: tuple[str, ...] = ALL
    fragment: str = ""
    args: tuple[str, ...] = ()  # replaces "--config <file>" when given
    env: dict[str, str] = field(default_factory=dict)
    code: int = 2


DROP = None  # a change to None removes the setting
CASES = [
    # connection settings, shared by the three programs (one case per setting; the most
    # common mistakes on all three)
    Case("missing app_key", {"app_key": DROP}, "app_key", (TAP,), fragment="required"),
    Case("missing app_secret", {"app_secret": DROP}, "app_secret", (TARGET,),
         fragment="required"),
    Case("no credentials", {"refresh_token": DROP}, "refresh_token", (AUTH,),
         fragment="no credentials"),
    Case("wrong region", {"service_region": "EU"}, "service_region", fragment="'US' or 'Non-US'"),
    Case("api_version legacy", {"api_version": "legacy"}, "api_version",
         fragment="retired the legacy API"),
    Case("api_version format", {"api_version": "2023-09"}, "api_version", (TARGET,),
         fragment="YYYYMM"),
    Case("plain http to a remote host", {"api_base_url": "http://open-api.example.com"},
         "api_base_url", fragment="https://"),
    Case("plain http to a private address", {"auth_base_url": "http://10.1.2.3:8080"},
         "auth_base_url", (TARGET,), fragment="https://"),
    Case("authorize host not a URL", {"authorize_base_url": "ftp://x"}, "authorize_base_url",
         (AUTH,)),
    Case("non-numeric max_retries", {"max_retries": "five"}, "max_retries",
         fragment="must be a whole number"),
    Case("fractional max_retries", {"max_retries": 2.5}, "max_retries", (TAP,),
         fragment="whole number"),
    Case("non-numeric timeout", {"request_timeout_seconds": "abc"}, "request_timeout_seconds",
         (TARGET,), fragment="must be a number"),
    Case("negative rate limit", {"rate_limit_qps": -1}, "rate_limit_qps", (TAP,),
         fragment="between"),
    Case("backoff not a number", {"retry_backoff_seconds": "slow"}, "retry_backoff_seconds",
         (AUTH,)),
    Case("empty shop id", {"shop_ids": ["1", ""]}, "shop_ids", (TARGET,)),
    Case("token store is a folder", {"token_store_path": "/"}, "token_store_path", (TAP,)),
    Case("token folder not writable", {"token_store_path": "/proc/tiktokshop-none/t.json"},
         "token_store_path", (TAP, TARGET), fragment="cannot write in the folder /proc"),
    Case("connection_name not text", {"connection_name": 5}, "connection_name", (AUTH,)),
    # tap settings
    Case("bad start_date", {"start_date": "yesterday"}, "start_date", (TAP,),
         fragment="ISO-8601"),
    Case("bad end_date", {"end_date": "2024-13-45"}, "end_date", (TAP,)),
    Case("lookback not a number", {"lookback_seconds": "ten"}, "lookback_seconds", (TAP,)),
    Case("zero concurrency", {"product_detail_concurrency": 0}, "product_detail_concurrency",
         (TAP,)),
    # target settings
    Case("results_path is a folder", {"results_path": "/"}, "results_path", (TARGET,)),
    Case("results folder not writable", {"results_path": "/proc/tiktokshop-none/r.jsonl"},
         "results_path", (TARGET,), fragment="cannot write in the folder /proc"),
    Case("negative max_failures", {"max_failures": -1}, "max_failures", (TARGET,)),
    Case("dry_run not a boolean", {"dry_run": "maybe"}, "dry_run", (TARGET,)),
    Case("skip_unchanged not a boolean", {"skip_unchanged": 3}, "skip_unchanged", (TARGET,)),
    Case("unknown_streams choice", {"unknown_streams": "drop"}, "unknown_streams", (TARGET,)),
    Case("zero parallel shops", {"max_parallel_shops": 0}, "max_parallel_shops", (TARGET,)),
    Case("SDK setting of the wrong type", {"batch_size_rows": "many"}, "batch_size_rows",
         (TARGET,), fragment="whole number"),
    # files and environment variables
    Case("config file missing", {}, "--config", (TARGET,),
         args=("--config", "/nonexistent/c.json"), fragment="file not found"),
    Case("config not JSON", {}, "--config", (TAP,), args=("--config", "{bad}"),
         fragment="not valid JSON"),
    Case("state not JSON", {}, "--state", (TAP,), args=("--config", "{good}", "--state",
                                                       "{bad}")),
    Case("env var not a number", {}, "max_retries", (TAP,), args=("--config", "ENV"),
         env={"TAP_TIKTOKSHOP_APP_KEY": "k", "TAP_TIKTOKSHOP_APP_SECRET": APP_SECRET,
              "TAP_TIKTOKSHOP_REFRESH_TOKEN": REFRESH, "TAP_TIKTOKSHOP_MAX_RETRIES": "abc"},
         fragment="TAP_TIKTOKSHOP_MAX_RETRIES"),
    # tiktokshop-auth commands
    Case("link without service_id", {"service_id": DROP}, "service_id", (AUTH,),
         args=("link", "--config", "{good}")),
    Case("exchange without a code", {}, "auth_code", (AUTH,),
         args=("exchange", "--config", "{good}")),
    Case("exchange without a token store", {}, "token_store_path", (AUTH,),
         args=("exchange", "--config", "{good}", "--code", "RLBTOKSECRET-code-1")),
]
PARAMS = [pytest.param(case, prog, id=f"{prog}-{case.name.replace(' ', '_')}")
          for case in CASES for prog in case.progs]


def _command(case: Case, prog: str, tmp: Path) -> tuple[list[str], str]:
    config = {k: v for k, v in {**BASE, **case.change}.items() if v is not None}
    good = write_json(tmp / "good.json", config)
    bad = tmp / "bad.json"
    bad.write_text('{"app_key": "k",', encoding="utf-8")
    listed = write_json(tmp / "list.json", [config])
    files = {"{good}": str(good), "{bad}": str(bad), "[list]": str(listed)}
    args = [files.get(a, a) for a in case.args] or ["--config", str(good)]
    if prog == AUTH and (not case.args or case.args[0] == "--config"):
        args = ["shops", *args]
    stdin = '{"type": "STATE", "value": {}}\n' if prog == TARGET else ""
    return [prog, *args], stdin


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run every selected case at once; ``{test id: CompletedProcess}``."""
    selected = [item.callspec.id for item in request.session.items
                if getattr(item, "originalname", "") == "test_bad_setting_is_one_clear_line"]
    by_id = {param.id: param.values for param in PARAMS if param.id in selected}
    jobs = {}
    for test_id, (case, prog) in by_id.items():
        tmp = tmp_path_factory.mktemp("case")
        command, stdin = _command(case, prog, tmp)
        jobs[test_id] = (command, stdin, case.env)
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {test_id: pool.submit(run, command, stdin=stdin, env=env, timeout=120)
                   for test_id, (command, stdin, env) in jobs.items()}
        return {test_id: future.result() for test_id, future in futures.items()}


@pytest.mark.parametrize(("case", "prog"), PARAMS)
def test_bad_setting_is_one_clear_line(outcomes: dict, request: pytest.FixtureRequest,
                                       case: Case, prog: str) -> None:
    done = outcomes[request.node.callspec.id]
    assert done.returncode == case.code, (done.returncode, done.stderr[-1500:])
    line = assert_one_error_line(done.stderr, prog, f"setting '{case.setting}'", case.fragment)
    assert done.stdout.strip() == ""  # nothing that looks like Singer output
    assert_no_secrets({"stderr": done.stderr, "stdout": done.stdout},
                      [APP_SECRET, REFRESH, "RLBTOKSECRET-code-1"])
    assert len(line) < 400


def test_unknown_shop_id(tmp_path: Path) -> None:
    """The tap refuses a shop the token cannot use (exit 2, naming shop_ids and the shops it
    can use). The target only warns (documented): records for that shop fail with a reason."""
    with sandbox(seed=49, shops=1, products=2, orders=1) as sb:
        config = {**sb.config(), "shop_ids": ["123456"],
                  "results_path": str(tmp_path / "r.jsonl")}
        path = write_json(tmp_path / "c.json", config)
        tap = run([TAP, "--config", str(path)])
        assert tap.returncode == 2
        assert_one_error_line(tap.stderr, TAP, "setting 'shop_ids'", "123456",
                              "is not authorized", sb.config()["shop_ids"][0])
        target = run([TARGET, "--config", str(path)], stdin="".join(json.dumps(m) + "\n" for m in [
            {"type": "SCHEMA", "stream": "inventory", "schema": {"properties": {}},
             "key_properties": []},
            {"type": "RECORD", "stream": "inventory", "record": {
                "shop_id": "123456", "seller_sku": "A", "quantity": 1}}]))
        assert target.returncode == 1
        assert "shop_ids lists shops the token is not authorized for: 123456" in target.stderr
        assert_one_error_line(target.stderr, TARGET, "1 of 1 records failed")
        line = json.loads((tmp_path / "r.jsonl").read_text())
        assert "shop 123456 is not in the shop_ids setting" in line["reason"] or \
            "not authorized" in line["reason"]
        assert_no_secrets([tap.stderr, target.stderr, target.stdout],
                          [APP_SECRET, config["refresh_token"]])
