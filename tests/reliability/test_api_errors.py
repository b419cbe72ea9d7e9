"""API errors that retrying cannot fix: one actionable line with the code, the request_id
and what to do. A refused timestamp is re-stamped and retried once.
"""

from __future__ import annotations

import json
import logging
import time
import types
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import (
    admin,
    assert_one_error_line,
    lines,
    plugin_config,
    read_results,
    record_figures,
    run,
    sandbox,
    target_input,
    write_json,
)
from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX, assert_no_secrets, secrets_of
from tiktokshop import transport
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import AUTHORIZED_SHOPS
from tiktokshop.errors import FatalAPIError, TimestampRejectedError
from tiktokshop.transport import TikTokShopClient

REQUEST_ID = "request_id 20"  # TikTok's ids start with the UTC date


def _tap(sb: Any, tmp: Path, **changes: Any) -> Any:
    config = {k: v for k, v in {**plugin_config(sb, tmp), **changes}.items() if v is not None}
    return run(["tap-tiktokshop", "--config", str(write_json(tmp / "tap.json", config))]), config


def test_missing_scope_names_the_scope_for_the_tap(tmp_path: Path) -> None:
    with sandbox(seed=51, shops=1, products=3, orders=5) as sb:
        admin(sb, "/sandbox/scopes", {"remove": ["seller.order.info"]})
        done, config = _tap(sb, tmp_path)
        assert done.returncode == 1
        line = assert_one_error_line(
            done.stderr, "tap-tiktokshop", "code 105005", REQUEST_ID, "'seller.order.info'",
            "What to do:", "API scopes", "authorize the shop again", "orders/search")
        assert_no_secrets([done.stdout, done.stderr], secrets_of(config),
                          prefixes=[TOKEN_PREFIX])
        record_figures("api_errors", scope_missing=line.split("error: ", 1)[1][:90] + "…")


def test_missing_write_scope_fails_each_record_with_the_reason(tmp_path: Path) -> None:
    with sandbox(seed=52, shops=1, products=6, orders=0) as sb:
        admin(sb, "/sandbox/scopes", {"remove": ["seller.product.write"]})
        messages, expected = target_input(sb.dataset.dump(), inventory=3, prices=0, products=0,
                                          invalid=False)
        results = tmp_path / "results.jsonl"
        config = plugin_config(sb, tmp_path, "target", results_path=str(results))
        done = run(["target-tiktokshop", "--config",
                    str(write_json(tmp_path / "t.json", config))], stdin=lines(messages))
        assert done.returncode == 1
        assert_one_error_line(done.stderr, "target-tiktokshop",
                              f"{len(expected)} of {len(expected)} records failed")
        for line in read_results(results):
            assert line["outcome"] == "failed" and line["code"] == 105005
            assert line["request_id"]
            assert "'seller.product.write'" in line["reason"] and "What to do" in line["reason"]
        assert done.stdout == ""  # failures above max_failures: STATE held back


@pytest.mark.parametrize("prog", ["tap-tiktokshop", "target-tiktokshop"])
def test_invalid_signature_says_check_the_app_secret(tmp_path: Path, prog: str) -> None:
    with sandbox(seed=53, shops=1, products=2, orders=2) as sb:
        token = sb.issue_tokens()["access_token"]  # valid token, wrong secret: 106001
        config = {**plugin_config(sb, tmp_path, "x"), "app_secret": "RLB-WRONG-SECRET-0000",
                  "access_token": token, "results_path": str(tmp_path / "r.jsonl")}
        config.pop("refresh_token")
        config.pop("token_store_path")
        stdin = lines([{"type": "SCHEMA", "stream": "inventory", "schema": {"properties": {}},
                        "key_properties": []},
                       {"type": "RECORD", "stream": "inventory",
                        "record": {"shop_id": "1", "seller_sku": "A", "quantity": 1}}])
        done = run([prog, "--config", str(write_json(tmp_path / "c.json", config))],
                   stdin=stdin if prog.startswith("target") else "")
        assert done.returncode == 1
        assert_one_error_line(done.stderr, prog, "code 106001", REQUEST_ID, "HTTP 401",
                              "What to do:", "app_secret belongs to app_key")
        assert_no_secrets([done.stdout, done.stderr], [token, "RLB-WRONG-SECRET-0000",
                                                       APP_SECRET], prefixes=[TOKEN_PREFIX])


def test_wrong_app_secret_at_the_token_host(tmp_path: Path) -> None:
    with sandbox(seed=53, shops=1, products=2, orders=2) as sb:
        done, config = _tap(sb, tmp_path, app_secret="RLB-WRONG-SECRET-0001")
        assert done.returncode == 1
        assert_one_error_line(done.stderr, "tap-tiktokshop", "code 36009004", "request_id",
                              "check app_key and app_secret")
        assert_no_secrets([done.stdout, done.stderr], secrets_of(config),
                          prefixes=[TOKEN_PREFIX])


def test_unknown_path_says_check_api_base_url(tmp_path: Path) -> None:
    with sandbox(seed=54, shops=1, products=2, orders=2) as sb:
        done, config = _tap(sb, tmp_path, api_base_url=sb.base_url + "/proxy")
        assert done.returncode == 1
        assert_one_error_line(done.stderr, "tap-tiktokshop", "code 36009009", REQUEST_ID,
                              "HTTP 404", "What to do:", "api_base_url", "api_version")
        assert_no_secrets([done.stdout, done.stderr], secrets_of(config),
                          prefixes=[TOKEN_PREFIX])


def test_unsupported_version_says_check_api_version(tmp_path: Path) -> None:
    with sandbox(seed=54, shops=1, products=2, orders=2) as sb:
        client = TikTokShopClient(load_settings(plugin_config(sb, tmp_path)))
        shop_cipher = sb.dataset.shops[0].cipher
        with pytest.raises(FatalAPIError) as info:
            client.request("POST", "/product/202401/products/search", shop_cipher=shop_cipher,
                           params={"page_size": 10})
        client.close()
    text = str(info.value)
    assert info.value.code == 36009014
    for fragment in ("code 36009014", REQUEST_ID, "What to do:", "api_version"):
        assert fragment in text, text


class SkewedClock:
    """``time`` for the transport only: ``skew`` seconds off for the first ``calls`` stamps."""

    def __init__(self, skew: float, calls: int) -> None:
        self.skew, self.calls, self.stamps = skew, calls, 0

    def time(self) -> float:
        self.stamps += 1
        return time.time() + (self.skew if self.stamps <= self.calls else 0)


def _skewed_client(sb: Any, tmp: Path, monkeypatch: pytest.MonkeyPatch, clock: SkewedClock
                   ) -> TikTokShopClient:
    client = TikTokShopClient(load_settings(plugin_config(sb, tmp)))
    client.tokens.access_token()  # the token host is not affected by the skew
    monkeypatch.setattr(transport, "time", types.SimpleNamespace(time=clock.time,
                                                                 monotonic=time.monotonic))
    admin(sb, "/sandbox/stats/reset", {})
    return client


@pytest.mark.parametrize("skew", [-400, 90])  # 5 minutes behind, 30 seconds ahead are refused
def test_refused_timestamp_is_restamped_and_retried_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        skew: int) -> None:
    with sandbox(seed=55, shops=1, products=2, orders=2) as sb:
        clock = SkewedClock(skew, calls=1)  # the clock is corrected after one request
        client = _skewed_client(sb, tmp_path, monkeypatch, clock)
        with caplog.at_level(logging.WARNING, logger="tiktokshop.transport"):
            data = client.call(AUTHORIZED_SHOPS).data
        assert [s["id"] for s in data["shops"]] == [sb.dataset.shops[0].id]
        assert clock.stamps == 2
        assert admin(sb, "/sandbox/stats")["endpoints"]["GET /authorization/202309/shops"] == \
            {"36009004": 1, "ok": 1}
        assert "timestamp refused; re-stamping and retrying once" in caplog.text
        client.close()


def test_persistent_clock_skew_is_one_clear_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox(seed=56, shops=1, products=2, orders=2) as sb:
        clock = SkewedClock(-900, calls=10**6)
        client = _skewed_client(sb, tmp_path, monkeypatch, clock)
        with pytest.raises(TimestampRejectedError) as info:
            client.call(AUTHORIZED_SHOPS)
        assert clock.stamps == 2  # one re-stamp, no backoff loop
        stats = admin(sb, "/sandbox/stats")["endpoints"]["GET /authorization/202309/shops"]
        assert stats == {"36009004": 2}
        client.close()
    text = str(info.value)
    for fragment in ("code 36009004", "timestamp", REQUEST_ID, "What to do:", "NTP"):
        assert fragment in text, text
    assert "\n" not in text
    record_figures("api_errors", clock_skew=text[:100] + "…")


def test_clock_skew_in_a_tap_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture) -> None:
    """The tap in-process with its clock 10 minutes slow: one clear line, exit 1."""
    from tap_tiktokshop.tap import TapTikTokShop
    from tiktokshop_singer.cli import run_cli

    with sandbox(seed=57, shops=1, products=2, orders=2) as sb:
        config = plugin_config(sb, tmp_path)
        path = write_json(tmp_path / "c.json", config)
        monkeypatch.setattr(transport, "time", types.SimpleNamespace(
            time=lambda: time.time() - 600, monotonic=time.monotonic))
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            with pytest.raises(SystemExit) as info:
                run_cli(TapTikTokShop.cli, "tap-tiktokshop", ["--config", str(path)])
        finally:  # the SDK's CLI adds a console handler to the root logger
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
    assert info.value.code == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tap-tiktokshop: error: TikTok Shop API error on GET "
                           "/authorization/202309/shops: code 36009004"), last
    assert "NTP" in last and REQUEST_ID in last
    assert "Traceback" not in err
    assert json.dumps(config["app_secret"]) not in err
