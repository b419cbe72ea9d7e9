"""`meltano invoke tiktokshop-auth ...` for real: the utility plugin gets the tap's settings
from Meltano, stores tokens where the tap reads them, and its check's exit status comes
through Meltano."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.support.reliability_kit import admin
from tests.support.secret_scan import (
    APP_SECRET,
    TOKEN_PREFIX,
    assert_no_secrets,
    assert_private_token_store,
    secrets_of,
)
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e

CHECKS = ["token", "shops", "scopes", "clock", "region"]


def check_lines(stdout: str) -> dict[str, str]:
    lines = [line for line in stdout.splitlines() if line.startswith(("[pass]", "[FAIL]"))]
    names = [re.match(r"\[\w+\] (\w+):", line).group(1) for line in lines]  # type: ignore[union-attr]
    assert names == CHECKS, stdout
    return dict(zip(names, lines, strict=True))


def test_meltano_invoke_tiktokshop_auth(meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=81, shops=2, products=4, orders=8, app_secret=APP_SECRET,
                                token_prefix=TOKEN_PREFIX)) as sb:
        config = {k: v for k, v in sb.config().items() if k != "refresh_token"}
        env = plugin_env("TAP_TIKTOKSHOP", config, tmp_path)  # the tap's variables only
        store = Path(env["TAP_TIKTOKSHOP_TOKEN_STORE_PATH"])
        outputs = {}

        code = admin(sb, "/sandbox/auth_code", {})["auth_code"]
        done = meltano.run("invoke", "tiktokshop-auth", "exchange", "--code", code, env=env,
                           timeout=300)
        outputs["exchange"] = done.stdout + done.stderr
        assert f"tokens saved to {store}" in done.stdout
        assert_private_token_store(store, APP_SECRET)

        done = meltano.run("invoke", "tiktokshop-auth", "check", env=env, timeout=300)
        outputs["check"] = done.stdout + done.stderr
        lines = check_lines(done.stdout)
        assert all(line.startswith("[pass]") for line in lines.values()), lines
        assert "(refreshed now)" not in lines["token"]  # the tokens `exchange` stored

        # the tap, run by Meltano with its config file, uses the same store and check
        done = meltano.run("invoke", "tap-tiktokshop", "--test", env=env, timeout=300)
        outputs["tap --test"] = done.stdout + done.stderr
        assert "Using tokens from the token store" in done.stderr
        assert re.findall(r"Connection check \[pass\] (\w+):", done.stderr) == CHECKS

        # a setting Meltano gives the utility under its own name (TIKTOKSHOP_AUTH_*, which
        # only Meltano reads) reaches the check; a failed check exits 1 through Meltano
        known = config["shop_ids"][0]
        failing = {k: v for k, v in env.items() if k != "TAP_TIKTOKSHOP_SHOP_IDS"}
        failing["TIKTOKSHOP_AUTH_SHOP_IDS"] = json.dumps([known, "7494999000000000001"])
        done = meltano.run("invoke", "tiktokshop-auth", "check", env=failing, timeout=300,
                           check=False)
        outputs["failed check"] = done.stdout + done.stderr
        assert done.returncode == 1, done.stderr[-2000:]
        lines = check_lines(done.stdout)
        assert lines["shops"].startswith("[FAIL] shops: shop_ids lists 7494999000000000001")
        assert "tiktokshop-auth: error: connection check failed: shops" in done.stderr

        assert_no_secrets(outputs, secrets_of({**config, "app_secret": APP_SECRET},
                                              token_stores=[store]),
                          prefixes=[TOKEN_PREFIX])
