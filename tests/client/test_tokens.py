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
