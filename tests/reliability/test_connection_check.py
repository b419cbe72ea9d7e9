"""The connection check against the sandbox, through the real programs: ``tiktokshop-auth
check`` and ``tap-tiktokshop --test``.

Each failure is produced for real (a wrong app secret, an expired refresh token, a missing
scope, a skewed server clock, an unknown shop id, a region mismatch) and checked: one line
per check, the failing one says what to do, exit status 1 (0 only when everything passed),
one error line, and no secret in anything written. ``tiktokshop-auth`` also reads the
tap's TAP_TIKTOKSHOP_* variables and shares the tap's token store.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.support.reliability_kit import (
    admin,
    assert_one_error_line,
    plugin_config,
    run,
    sandbox,
    write_json,
)
from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.tap_catalog import selected_catalog
from tiktokshop_sandbox import Sandbox

AUTH, TAP = "tiktokshop-auth", "tap-tiktokshop"
CHECKS = ["token", "shops", "scopes", "clock", "region"]
SMALL = {"shops": 2, "products": 3, "orders": 6}


def check(config: dict[str, Any], tmp: Path, *args: str,
          env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess,
                                                        dict[str, str]]:
    """``tiktokshop-auth check --config FILE ...``; returns the run and ``{check: line}``."""
    path = write_json(tmp / "check-config.json", config)
    done = run([AUTH, "check", "--config", str(path), *args], env=env, timeout=120)
    return done, check_lines(done.stdout)


def check_lines(stdout: str) -> dict[str, str]:
    """The check lines, one per check, in order."""
    found = re.findall(r"^\[(?:pass|FAIL)\] (\w+): .*$", stdout, re.M)
    lines = [line for line in stdout.splitlines() if line.startswith(("[pass]", "[FAIL]"))]
    assert found == CHECKS, stdout
    return dict(zip(found, lines, strict=True))


def failed(lines: dict[str, str]) -> list[str]:
    return [name for name, line in lines.items() if line.startswith("[FAIL]")]


def assert_clean(done: subprocess.CompletedProcess, config: dict[str, Any], tmp: Path) -> None:
    """No secret in the output (tokens of the store included)."""
    assert_no_secrets({"stdout": done.stdout, "stderr": done.stderr},
                      secrets_of(config, token_stores=[tmp / "tap-tokens.json"]),
                      prefixes=[TOKEN_PREFIX])


def assert_failed(done: subprocess.CompletedProcess, lines: dict[str, str],
                  *names: str) -> None:
    assert done.returncode == 1, done.stderr[-2000:]
    assert failed(lines) == list(names), lines
    assert_one_error_line(done.stderr, AUTH, f"connection check failed: {', '.join(names)}")


def shop_of_region(sb: Sandbox, region: str) -> str:
    return next(shop.id for shop in sb.dataset.shops if shop.region.code == region)


def test_every_check_passes_and_the_second_run_uses_the_stored_tokens(tmp_path: Path) -> None:
    with sandbox(seed=71, **SMALL) as sb:
        config = plugin_config(sb, tmp_path)
        done, lines = check(config, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        assert failed(lines) == []
        assert "(refreshed now)" in lines["token"]
        assert "shop_ids selects 2 of 2 authorized shop(s)" in lines["shops"]
        assert "seller.finance.info" in lines["scopes"]
        assert "within a second of the API server's" in lines["clock"]
        assert "a local sandbox, not TikTok's host" in lines["region"]
        assert "error" not in done.stderr.lower()
        assert_clean(done, config, tmp_path)

        again, lines = check(config, tmp_path)
        assert again.returncode == 0 and "(refreshed now)" not in lines["token"]
        assert_clean(again, config, tmp_path)


def test_a_wrong_app_secret(tmp_path: Path) -> None:
    with sandbox(seed=72, **SMALL) as sb:
        config = plugin_config(sb, tmp_path, app_secret="RLB-APPSECRET-wrong-0000")
        done, lines = check(config, tmp_path)  # no stored token: the refresh is refused
        assert_failed(done, lines, "token", "shops", "scopes", "region")
        assert "TikTok refused the token refresh" in lines["token"]
        assert "check app_key and app_secret" in lines["token"]
        assert lines["shops"].endswith("not checked: no usable token (see the token line)")
        assert lines["clock"].startswith("[pass]")  # measured without a token
        assert_clean(done, config, tmp_path)

        good = plugin_config(sb, tmp_path)
        assert check(good, tmp_path)[0].returncode == 0  # a valid access token is stored
        done, lines = check(config, tmp_path)  # ... and its calls are signed wrongly
        assert_failed(done, lines, "token", "shops", "scopes")
        assert "code 106001" in lines["token"] and "check that app_secret belongs to app_key" \
            in lines["token"]
        assert_clean(done, {**config, "app_secret": APP_SECRET}, tmp_path)


def test_an_expired_refresh_token(tmp_path: Path) -> None:
    with sandbox(seed=73, **SMALL) as sb:
        config = plugin_config(sb, tmp_path)
        assert check(config, tmp_path)[0].returncode == 0
        admin(sb, "/sandbox/tokens/expire", {"refresh": True})
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "token", "shops", "scopes")
        assert "the refresh token is expired or revoked" in lines["token"]
        assert "tiktokshop-auth link" in lines["token"]  # how to authorize again
        assert_clean(done, config, tmp_path)


def test_a_missing_scope_and_a_catalog_without_its_streams(tmp_path: Path) -> None:
    with sandbox(seed=74, **SMALL) as sb:
        admin(sb, "/sandbox/scopes", {"remove": ["seller.finance.info"]})
        config = plugin_config(sb, tmp_path)
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "scopes")
        assert ("not granted: seller.finance.info (needed by payments, statement_transactions, "
                "statements, unsettled_transactions, withdrawals)") in lines["scopes"]
        assert "What to do: enable them for the app in Partner Center" in lines["scopes"]
        assert "deselect the streams that need them" in lines["scopes"]
        assert_clean(done, config, tmp_path)

        catalog = selected_catalog(config, tmp_path, ("orders", "order_line_items", "products"))
        done, lines = check(config, tmp_path, "--catalog", str(catalog))
        assert done.returncode == 0, done.stdout
        assert "the 3 scopes the selected streams need are granted" in lines["scopes"]


def test_a_skewed_clock(tmp_path: Path) -> None:
    with sandbox(seed=75, **SMALL) as sb:
        config = plugin_config(sb, tmp_path)
        admin(sb, "/sandbox/clock", {"skew_seconds": 400})  # this machine looks 400 s late
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "token", "shops", "clock")
        assert re.search(r"clock is 40[01] s behind the API server's", lines["clock"])
        assert "What to do: synchronise this machine's clock (NTP" in lines["clock"]
        assert lines["token"].endswith("not verified: the API call failed (see the clock line)")
        assert_clean(done, config, tmp_path)

        admin(sb, "/sandbox/clock", {"skew_seconds": -90})  # ... or 90 s early
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "token", "shops", "clock")
        assert re.search(r"clock is (89|90|91) s ahead of the API server's", lines["clock"])

        admin(sb, "/sandbox/clock", {"skew_seconds": -10})  # within TikTok's window
        done, lines = check(config, tmp_path)
        assert done.returncode == 0, done.stdout
        assert re.search(r"clock is (9|10|11) s ahead of", lines["clock"])


def test_an_unknown_shop_id(tmp_path: Path) -> None:
    with sandbox(seed=76, **SMALL) as sb:
        known = sb.config()["shop_ids"][0]
        config = plugin_config(sb, tmp_path, shop_ids=[known, "7494999000000000001"])
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "shops")
        assert "shop_ids lists 7494999000000000001, which this token is not authorized for" \
            in lines["shops"]
        assert f"authorized: {known} (" in lines["shops"]
        assert "What to do: remove them from shop_ids" in lines["shops"]
        assert_clean(done, config, tmp_path)


def test_a_service_region_that_does_not_match_the_shops(tmp_path: Path) -> None:
    with sandbox(seed=77, **SMALL) as sb:
        config = plugin_config(sb, tmp_path, service_region="US",
                               shop_ids=[shop_of_region(sb, "GB")])
        done, lines = check(config, tmp_path)
        assert_failed(done, lines, "region")
        assert "service_region is US, but the shops are in GB" in lines["region"]
        assert "What to do: set service_region to match the shops" in lines["region"]
        config["shop_ids"] = [shop_of_region(sb, "US")]
        assert check(config, tmp_path)[0].returncode == 0


def test_tap_test_runs_the_same_check(tmp_path: Path) -> None:
    with sandbox(seed=78, **SMALL) as sb:
        config = plugin_config(sb, tmp_path)
        path = write_json(tmp_path / "tap-config.json", config)
        done = run([TAP, "--config", str(path), "--test"], timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        logged = re.findall(r"Connection check \[pass\] (\w+): ", done.stderr)
        assert logged == CHECKS
        assert '"type":"RECORD"' in done.stdout  # then the SDK's one record per stream

        config["shop_ids"] = [*config["shop_ids"], "7494999000000000001"]
        path = write_json(tmp_path / "tap-config.json", config)
        done = run([TAP, "--config", str(path), "--test"], timeout=180)
        assert done.returncode == 1, done.stderr[-3000:]
        assert re.search(r"\| WARNING .*Connection check \[FAIL\] shops: shop_ids lists "
                         r"7494999000000000001", done.stderr)
        assert len(re.findall(r"Connection check \[(pass|FAIL)\]", done.stderr)) == 5
        assert_one_error_line(done.stderr, TAP, "connection check failed: shops")
        assert '"type":"RECORD"' not in done.stdout  # nothing is read after a failed check
        assert_clean(done, config, tmp_path)


def test_the_tap_variables_and_token_store(tmp_path: Path) -> None:
    """No --config: the tap's TAP_TIKTOKSHOP_* variables; the tokens `exchange` stores are
    the ones `check` (and the tap) use."""
    with sandbox(seed=79, **SMALL) as sb:
        config = {k: v for k, v in plugin_config(sb, tmp_path).items() if k != "refresh_token"}
        env = {f"TAP_TIKTOKSHOP_{k.upper()}": json.dumps(v) if isinstance(v, list) else str(v)
               for k, v in config.items()}
        code = admin(sb, "/sandbox/auth_code", {})["auth_code"]
        done = run([AUTH, "exchange", "--code", code], env=env)
        assert done.returncode == 0, done.stderr
        assert f"tokens saved to {tmp_path / 'tap-tokens.json'}" in done.stdout
        done = run([AUTH, "check"], env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = check_lines(done.stdout)
        assert "(refreshed now)" not in lines["token"]  # the exchanged tokens, from the store
        tap_run = run([TAP, "--config", "ENV", "--test"], env=env, timeout=180)
        assert tap_run.returncode == 0, tap_run.stderr[-2000:]
        assert "Using tokens from the token store" in tap_run.stderr
        assert_clean(done, config, tmp_path)

        # the old TIKTOKSHOP_* names still work, with one warning each
        old = {"TIKTOKSHOP_APP_KEY" if k == "TAP_TIKTOKSHOP_APP_KEY" else k: v
               for k, v in env.items()}
        done = run([AUTH, "shops"], env=old)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == ("tiktokshop-auth: warning: TIKTOKSHOP_APP_KEY is "
                                       "deprecated; use TAP_TIKTOKSHOP_APP_KEY (the tap's name)")


def test_bad_input_is_one_line_naming_it(tmp_path: Path) -> None:
    config = {"app_key": "k", "app_secret": APP_SECRET, "refresh_token": "RLBTOKSECRET-x",
              "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}
    path = write_json(tmp_path / "c.json", config)
    done = run([AUTH, "check", "--config", str(path), "--catalog", str(tmp_path / "none.json")])
    assert done.returncode == 2 and done.stdout == ""
    assert_one_error_line(done.stderr, AUTH, "setting '--catalog': file not found")
    bad = write_json(tmp_path / "bad.json", {"streams": "all"})
    done = run([AUTH, "check", "--config", str(path), "--catalog", str(bad)])
    assert done.returncode == 2
    assert_one_error_line(done.stderr, AUTH, "is not a Singer catalog")
    env = {"TAP_TIKTOKSHOP_REQUEST_TIMEOUT_SECONDS": "soon"}
    done = run([AUTH, "check", "--config", str(path)], env=env)
    assert done.returncode == 2
    assert_one_error_line(done.stderr, AUTH, "setting 'request_timeout_seconds': must be a "
                          "number, got 'soon'")
