"""Token exchange, refresh ahead of expiry, rotation and persistence."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.support.stub_http import StubAdapter, err, ok, session_with
from tiktokshop import codes
from tiktokshop.auth.tokens import TokenManager
from tiktokshop.connection import load_settings
from tiktokshop.errors import AuthorizationError

NOW = 1_800_000_000


def token_data(n: int, ttl: int = 7 * 86400) -> dict:
    return {"access_token": f"ACCESS-{n}-xxxx", "access_token_expire_in": NOW + ttl,
            "refresh_token": f"REFRESH-{n}-xxxx", "refresh_token_expire_in": NOW + 365 * 86400,
            "open_id": "o", "seller_name": "Seller", "seller_base_region": "GB", "user_type": 0,
            "granted_scopes": ["seller.order.info"]}


def manager(tmp_path: Path, replies, **config) -> tuple[TokenManager, StubAdapter]:
    adapter = StubAdapter(replies)
    settings = load_settings({"app_key": "k", "app_secret": "SECRET-zz", "max_retries": 2,
                              "retry_backoff_seconds": 0.001,
                              "token_store_path": str(tmp_path / "t.json"), **config})
    return TokenManager(settings, session=session_with(adapter), clock=lambda: NOW), adapter


def test_refresh_is_unsigned_get_with_grant_type_and_persists_0600(tmp_path: Path) -> None:
    mgr, stub = manager(tmp_path, [ok(token_data(1))], refresh_token="REFRESH-0-xxxx")
    assert mgr.access_token() == "ACCESS-1-xxxx"
    request = stub.sent[0]
    parts = urlsplit(request.url)
    query = dict(parse_qsl(parts.query))
    assert request.method == "GET" and parts.path == "/api/v2/token/refresh"
    assert parts.netloc == "auth.tiktok-shops.com"
    assert query == {"app_key": "k", "app_secret": "SECRET-zz", "refresh_token": "REFRESH-0-xxxx",
                     "grant_type": "refresh_token"}
    store = tmp_path / "t.json"
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    saved = json.loads(store.read_text())
    assert saved["tokens"]["refresh_token"] == "REFRESH-1-xxxx"
    assert "SECRET-zz" not in store.read_text()


def test_next_run_prefers_the_rotated_tokens(tmp_path: Path) -> None:
    mgr, _ = manager(tmp_path, [ok(token_data(1))], refresh_token="REFRESH-0-xxxx")
    mgr.access_token()
    again, stub = manager(tmp_path, [], refresh_token="REFRESH-0-xxxx")
    assert again.access_token() == "ACCESS-1-xxxx"
    assert stub.sent == []


def test_a_new_configured_refresh_token_wins_over_the_store(tmp_path: Path) -> None:
    mgr, _ = manager(tmp_path, [ok(token_data(1))], refresh_token="REFRESH-0-xxxx")
    mgr.access_token()
    fresh, stub = manager(tmp_path, [ok(token_data(5))], refresh_token="REFRESH-NEW-xxxx")
    assert fresh.access_token() == "ACCESS-5-xxxx"
    assert dict(parse_qsl(urlsplit(stub.sent[0].url).query))["refresh_token"] == (
        "REFRESH-NEW-xxxx")


def test_refreshes_ahead_of_expiry(tmp_path: Path) -> None:
    mgr, stub = manager(tmp_path, [ok(token_data(1, ttl=60)), ok(token_data(2))],
                        refresh_token="REFRESH-0-xxxx")
    assert mgr.access_token() == "ACCESS-1-xxxx"
    assert mgr.access_token() == "ACCESS-2-xxxx"  # 60 s left is inside the margin
    assert len(stub.sent) == 2


def test_auth_code_exchange(tmp_path: Path) -> None:
    mgr, stub = manager(tmp_path, [ok(token_data(3))], auth_code="CODE-123")
    assert mgr.access_token() == "ACCESS-3-xxxx"
    query = dict(parse_qsl(urlsplit(stub.sent[0].url).query))
    assert urlsplit(stub.sent[0].url).path == "/api/v2/token/get"
    assert query["grant_type"] == "authorized_code" and query["auth_code"] == "CODE-123"
    # a rerun with the same (now used) code reads the store instead of exchanging again
    again, stub2 = manager(tmp_path, [], auth_code="CODE-123")
    assert again.access_token() == "ACCESS-3-xxxx" and stub2.sent == []


@pytest.mark.parametrize(
    ("code", "words"),
    [(codes.REFRESH_TOKEN_EXPIRED, "authorize"), (codes.INVALID_AUTH_CODE, "30 minutes")],
)
def test_refused_tokens_say_reauthorize(tmp_path: Path, code: int, words: str) -> None:
    mgr, _ = manager(tmp_path, [err(code, "rt has expired")], refresh_token="REFRESH-0-xxxx")
    with pytest.raises(AuthorizationError) as info:
        mgr.access_token()
    assert words in str(info.value)
    assert "REFRESH-0-xxxx" not in str(info.value) and "SECRET-zz" not in str(info.value)


def test_transport_errors_do_not_leak_the_url(tmp_path: Path) -> None:
    boom = requests.ConnectionError("Max retries exceeded with url: /api?app_secret=SECRET-zz")
    mgr, stub = manager(tmp_path, lambda r: boom, refresh_token="REFRESH-0-xxxx")
    with pytest.raises(Exception) as info:
        mgr.access_token()
    assert "SECRET-zz" not in str(info.value)
    assert len(stub.sent) == 3


def test_expired_refresh_token_is_caught_before_calling(tmp_path: Path) -> None:
    store = tmp_path / "t.json"
    store.write_text(json.dumps({"app_key": "k", "tokens": {
        "access_token": "A", "access_token_expire_in": NOW - 10, "refresh_token": "R-old-xxxx",
        "refresh_token_expire_in": NOW - 5, "origin": None}}))
    mgr, stub = manager(tmp_path, [])
    with pytest.raises(AuthorizationError, match="authorize"):
        mgr.access_token()
    assert stub.sent == []


def test_store_of_another_app_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps({"app_key": "other", "tokens": {
        "access_token": "A", "refresh_token": "R"}}))
    mgr, _ = manager(tmp_path, [ok(token_data(1))], refresh_token="REFRESH-0-xxxx")
    assert mgr.access_token() == "ACCESS-1-xxxx"
    assert time.time() > 0


# ------------------------------------------------------------ answers off the contract
def without(data: dict, *names: str, **values: object) -> dict:
    return {**{k: v for k, v in data.items() if k not in names}, **values}


@pytest.mark.parametrize("answer", [without(token_data(1), "refresh_token"),
                                    without(token_data(1), refresh_token="")])
def test_a_refresh_answer_without_refresh_token_keeps_the_current_one(
        tmp_path: Path, answer: dict, caplog: pytest.LogCaptureFixture) -> None:
    store = tmp_path / "t.json"
    store.write_text(json.dumps({"app_key": "k", "tokens": {
        "access_token": "A-old-xxxx", "access_token_expire_in": NOW - 10,
        "refresh_token": "R-old-xxxx", "refresh_token_expire_in": NOW + 90 * 86400,
        "origin": None}}))
    answer = without(answer, "refresh_token_expire_in")
    mgr, stub = manager(tmp_path, [ok(answer), ok(answer)])
    with caplog.at_level("INFO", logger="tiktokshop.auth.tokens"):
        assert mgr.access_token() == "ACCESS-1-xxxx"
    assert mgr.tokens.refresh_token == "R-old-xxxx"
    assert mgr.tokens.refresh_token_expire_in == NOW + 90 * 86400
    saved = json.loads(store.read_text())["tokens"]
    assert saved["refresh_token"] == "R-old-xxxx"
    assert "no refresh_token; keeping the current one" in caplog.text
    assert "R-old-xxxx" not in caplog.text and "ACCESS-1-xxxx" not in caplog.text
    mgr.refresh()  # the kept token is the one sent next
    assert dict(parse_qsl(urlsplit(stub.sent[1].url).query))["refresh_token"] == "R-old-xxxx"


def test_a_refresh_answer_without_refresh_token_may_still_move_its_expiry(
        tmp_path: Path) -> None:
    answer = without(token_data(1), "refresh_token", refresh_token_expire_in=NOW + 9 * 86400)
    mgr, _ = manager(tmp_path, [ok(answer)], refresh_token="REFRESH-0-xxxx")
    assert mgr.access_token() == "ACCESS-1-xxxx"
    assert mgr.tokens.refresh_token == "REFRESH-0-xxxx"
    assert mgr.tokens.refresh_token_expire_in == NOW + 9 * 86400


def test_an_exchange_answer_without_refresh_token_is_an_error(tmp_path: Path) -> None:
    mgr, _ = manager(tmp_path, [ok(without(token_data(1), "refresh_token"))],
                     auth_code="CODE-123")
    with pytest.raises(AuthorizationError) as info:
        mgr.access_token()
    message = str(info.value)
    assert message.startswith("The token host's auth code exchange answer has no "
                              "refresh_token;")
    assert "\n" not in message and "ACCESS-1-xxxx" not in message and "SECRET-zz" not in message
    assert not (tmp_path / "t.json").exists()


def test_a_refresh_answer_without_access_token_is_an_error(tmp_path: Path) -> None:
    mgr, _ = manager(tmp_path, [ok(without(token_data(1), "access_token"))],
                     refresh_token="REFRESH-0-xxxx")
    with pytest.raises(AuthorizationError, match="token refresh answer has no access_token;"):
        mgr.access_token()


@pytest.mark.parametrize(
    ("access_expiry", "refresh_expiry"),
    [(NOW + 7 * 86400, NOW + 365 * 86400),  # the contract: absolute Unix timestamps
     (7 * 86400, 365 * 86400)],  # a server answering durations in seconds
)
def test_expiries_are_read_as_timestamps_or_as_durations(
        tmp_path: Path, access_expiry: int, refresh_expiry: int) -> None:
    answer = {**token_data(1), "access_token_expire_in": access_expiry,
              "refresh_token_expire_in": refresh_expiry}
    mgr, stub = manager(tmp_path, [ok(answer)], refresh_token="REFRESH-0-xxxx")
    for _ in range(3):
        assert mgr.access_token() == "ACCESS-1-xxxx"
    assert len(stub.sent) == 1  # one refresh, not one per call
    assert mgr.tokens.access_token_expire_in == NOW + 7 * 86400
    assert mgr.tokens.refresh_token_expire_in == NOW + 365 * 86400
    saved = json.loads((tmp_path / "t.json").read_text())["tokens"]
    assert saved["access_token_expire_in"] == NOW + 7 * 86400


def test_a_store_holding_durations_is_read_from_when_they_were_received(
        tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps({"app_key": "k", "tokens": {
        "access_token": "A-kept-xxxx", "access_token_expire_in": 7 * 86400,
        "refresh_token": "R-kept-xxxx", "refresh_token_expire_in": 365 * 86400,
        "origin": None, "obtained_at": NOW - 3600}}))
    mgr, stub = manager(tmp_path, [])
    assert mgr.access_token() == "A-kept-xxxx" and stub.sent == []
    assert mgr.tokens.access_token_expire_in == NOW - 3600 + 7 * 86400
