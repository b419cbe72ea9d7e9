"""Access tokens, scopes, shop ciphers and the token host routes."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox

from .conftest import Api, error_of

WAREHOUSES = "/logistics/202309/warehouses"
SHOPS = "/authorization/202309/shops"


def token_call(sb: Sandbox, kind: str, **params: str) -> requests.Response:
    query = {"app_key": sb.options.app_key, "app_secret": sb.options.app_secret, **params}
    query = {k: v for k, v in query.items() if v is not None}
    return requests.get(f"{sb.base_url}/api/v2/token/{kind}", params=query, timeout=10)


@pytest.mark.parametrize("token", [None, "ROW_unknown"])
def test_missing_or_unknown_token(api: Api, token: str | None) -> None:
    status, code, message = error_of(api.call("GET", WAREHOUSES, token=token))
    assert (status, code) == (401, codes.INVALID_REQUEST)
    assert "`x-tts-access-token` header is invalid" in message


def test_expired_token_via_ttl(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(token_ttl=1, orders=5, products=5))
    api.ok("GET", WAREHOUSES)
    deadline = time.time() + 5
    resp = api.call("GET", WAREHOUSES)
    while resp.json()["code"] == 0 and time.time() < deadline:
        time.sleep(0.2)
        resp = api.call("GET", WAREHOUSES)
    assert error_of(resp)[:2] == (401, codes.TOKEN_EXPIRED)


def test_expire_and_revoke_routes(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5)
    api = Api(sb)
    assert api.admin("POST", "tokens/expire")["expired"] >= 1
    assert error_of(api.call("GET", WAREHOUSES))[:2] == (401, codes.TOKEN_EXPIRED)
    fresh = Api(sb)
    fresh.ok("GET", WAREHOUSES)
    api.admin("POST", "tokens/revoke")
    assert error_of(fresh.call("GET", WAREHOUSES))[1] == codes.INVALID_REQUEST
    refreshed = token_call(sb, "refresh", refresh_token=sb.config()["refresh_token"],
                           grant_type="refresh_token").json()
    assert refreshed["code"] == codes.REFRESH_TOKEN_EXPIRED


def test_missing_scope(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(orders=5, products=5))
    granted = api.admin("POST", "scopes", {"remove": ["seller.logistics"]})["granted_scopes"]
    assert "seller.logistics" not in granted
    status, code, message = error_of(api.call("GET", WAREHOUSES))
    assert (status, code) == (403, codes.SCOPE_MISSING)
    assert "seller.logistics" in message
    api.ok("GET", SHOPS, cipher=None)
    api.admin("POST", "scopes", {"reset": True})
    api.ok("GET", WAREHOUSES)


def test_shop_cipher_rules(api: Api) -> None:
    status, code, _ = error_of(api.call("GET", WAREHOUSES, cipher=None))
    assert (status, code) == (400, codes.CIPHER_MISSING)
    status, code, message = error_of(api.call("GET", SHOPS))
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert message.startswith("Unexpected identifier")
    status, code, _ = error_of(api.call("GET", WAREHOUSES, cipher="ROW_notashop"))
    assert (status, code) == (403, codes.CIPHER_MISMATCH)
    second = api.sandbox.dataset.shops[1]
    data = api.ok("GET", WAREHOUSES, cipher=second.cipher)
    assert [w["id"] for w in data["warehouses"]] == second.warehouse_ids


def test_token_get_and_single_use_codes(sandbox: Sandbox) -> None:
    code = sandbox.mint_auth_code()
    before = int(time.time())
    payload = token_call(sandbox, "get", auth_code=code, grant_type="authorized_code").json()
    assert payload["code"] == 0
    assert payload["message"] == "success"
    data = payload["data"]
    assert set(data) == {"access_token", "access_token_expire_in", "refresh_token",
                         "refresh_token_expire_in", "open_id", "seller_name",
                         "seller_base_region", "user_type", "granted_scopes"}
    assert data["access_token"].startswith("ROW_")
    assert before + 604_800 <= data["access_token_expire_in"] <= int(time.time()) + 604_800
    assert data["refresh_token_expire_in"] > data["access_token_expire_in"]
    assert data["user_type"] == 0
    assert "seller.order.info" in data["granted_scopes"]
    Api(sandbox, token=data["access_token"]).ok("GET", WAREHOUSES)
    again = token_call(sandbox, "get", auth_code=code, grant_type="authorized_code").json()
    assert (again["code"], again["data"]) == (codes.INVALID_AUTH_CODE, None)
    unknown = token_call(sandbox, "get", auth_code="nope", grant_type="authorized_code")
    assert unknown.json()["code"] == codes.INVALID_AUTH_CODE


def test_token_credentials_and_grant_type(sandbox: Sandbox) -> None:
    code = sandbox.mint_auth_code()
    bad = token_call(sandbox, "get", auth_code=code, grant_type="authorized_code",
                     app_secret="wrong")
    assert (bad.status_code, bad.json()["code"]) == (400, codes.INVALID_REQUEST)
    bad = token_call(sandbox, "get", auth_code=code, grant_type="authorized_code",
                     app_key="wrong")
    assert "app_key" in bad.json()["message"]
    bad = token_call(sandbox, "get", auth_code=code, grant_type="authorization_code")
    assert bad.json()["code"] == codes.INVALID_REQUEST
    # the code was not consumed by the refused calls
    ok = token_call(sandbox, "get", auth_code=code, grant_type="authorized_code")
    assert ok.json()["code"] == 0


def test_startup_refresh_token_works_and_lenient_rotation(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5)
    first = sb.config()["refresh_token"]
    one = token_call(sb, "refresh", refresh_token=first, grant_type="refresh_token").json()
    assert one["code"] == 0
    assert one["data"]["refresh_token"] != first
    Api(sb, token=one["data"]["access_token"]).ok("GET", WAREHOUSES)
    two = token_call(sb, "refresh", refresh_token=first, grant_type="refresh_token").json()
    assert two["code"] == 0  # lenient: the old refresh token keeps working
    assert two["data"]["refresh_token_expire_in"] == one["data"]["refresh_token_expire_in"]


def test_strict_rotation(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5, refresh_rotation="strict")
    first = sb.config()["refresh_token"]
    one = token_call(sb, "refresh", refresh_token=first, grant_type="refresh_token").json()
    assert one["code"] == 0
    reuse = token_call(sb, "refresh", refresh_token=first, grant_type="refresh_token").json()
    assert (reuse["code"], reuse["data"]) == (codes.REFRESH_TOKEN_EXPIRED, None)
    chained = token_call(sb, "refresh", refresh_token=one["data"]["refresh_token"],
                         grant_type="refresh_token").json()
    assert chained["code"] == 0


def test_authorize_convenience_and_admin_auth_code(sandbox: Sandbox) -> None:
    resp = requests.get(f"{sandbox.base_url}/open/authorize",
                        params={"service_id": sandbox.options.service_id, "state": "xyz"},
                        timeout=10).json()
    assert resp["state"] == "xyz"
    assert "code=" in resp["redirect_query"]
    got = token_call(sandbox, "get", auth_code=resp["auth_code"], grant_type="authorized_code")
    assert got.json()["code"] == 0
    bad = requests.get(f"{sandbox.base_url}/open/authorize", params={"service_id": "x"},
                       timeout=10)
    assert bad.status_code == 400
    code = requests.post(f"{sandbox.base_url}/sandbox/auth_code", timeout=10).json()["auth_code"]
    assert token_call(sandbox, "get", auth_code=code,
                      grant_type="authorized_code").json()["code"] == 0
