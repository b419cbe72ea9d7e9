"""The ``tiktokshop-sandbox`` command: config file, serving, clean SIGTERM shutdown."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tiktokshop.auth.signing import compute_sign
from tiktokshop.endpoints import DEFAULT_VERSION


def command() -> list[str]:
    script = Path(sys.executable).parent / "tiktokshop-sandbox"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tiktokshop_sandbox.cli"]


def first_line(proc: subprocess.Popen, timeout: float = 30) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert box, "the sandbox did not announce itself in time"
    return box[0]


def test_cli_serves_writes_config_and_stops_on_sigterm(tmp_path: Path) -> None:
    config_path = tmp_path / "sandbox.json"
    proc = subprocess.Popen(
        [*command(), "--host", "127.0.0.1", "--port", "0", "--seed", "4", "--shops", "2",
         "--products", "6", "--orders", "8", "--latency-ms", "0", "--rate-limit-qps", "50",
         "--fault-rate", "0", "--token-ttl", "3600", "--config-out", str(config_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = first_line(proc)
        config = json.loads(config_path.read_text())
        assert line.strip() == f"tiktokshop-sandbox listening on {config['api_base_url']}"
        assert config["api_base_url"].startswith("http://127.0.0.1:")
        assert stat.S_IMODE(os.stat(config_path).st_mode) == 0o600
        assert set(config) == {"app_key", "app_secret", "service_id", "service_region",
                               "api_version", "refresh_token", "api_base_url", "auth_base_url",
                               "shop_ids", "rate_limit_qps_analytics", "analytics_start_date"}
        assert config["rate_limit_qps_analytics"] == 1.0  # the command line's analytics limit
        # the plugins' default api_version (the sandbox cannot import it from the client)
        assert (config["service_region"], config["api_version"]) == ("Non-US", DEFAULT_VERSION)
        assert config["auth_base_url"] == config["api_base_url"]
        assert len(config["shop_ids"]) == 2
        base = config["api_base_url"]
        tokens = requests.get(f"{base}/api/v2/token/refresh", timeout=10, params={
            "app_key": config["app_key"], "app_secret": config["app_secret"],
            "refresh_token": config["refresh_token"], "grant_type": "refresh_token"}).json()
        assert tokens["code"] == 0
        assert tokens["data"]["access_token_expire_in"] <= int(time.time()) + 3600
        path = "/authorization/202309/shops"
        query = {"app_key": config["app_key"], "timestamp": str(int(time.time()))}
        query["sign"] = compute_sign(config["app_secret"], path, query)
        shops = requests.get(f"{base}{path}", params=query, timeout=10, headers={
            "content-type": "application/json",
            "x-tts-access-token": tokens["data"]["access_token"]}).json()
        assert [s["id"] for s in shops["data"]["shops"]] == config["shop_ids"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert config["app_secret"] not in line + out + err
    assert config["refresh_token"] not in line + out + err


def test_cli_bad_arguments_exit_2() -> None:
    for args in (["--shops", "0"], ["--fault-rate", "2"], ["--refresh-rotation", "loose"],
                 ["--port", "x"]):
        result = subprocess.run([*command(), *args], capture_output=True, text=True,
                                timeout=30, check=False)
        assert result.returncode == 2, args
        assert "error:" in result.stderr.strip().splitlines()[-1]
