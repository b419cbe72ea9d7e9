"""A client written only from TikTok's signing prose (urllib + hmac, none of this project's
signing or HTTP code) is accepted by the sandbox; each kind of mistake gets TikTok's code."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from tiktokshop_sandbox import Sandbox, SandboxOptions


def prose_sign(secret: str, path: str, query: dict[str, str], body: bytes) -> str:
    """Steps 1-7 of the official algorithm, as written in the API reference."""
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    text = path + "".join(f"{k}{query[k]}" for k in keys)
    message = secret.encode() + text.encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=41, shops=1, products=30, orders=250,
                                rate_limit_qps=0)) as sb:
        yield sb


def send(sb: Sandbox, method: str, path: str, query: dict[str, str], body: bytes,
         *, secret: str | None = None, tamper: str = "") -> tuple[int, dict]:
    token = sb.issue_tokens()["access_token"]
    query = {"app_key": sb.options.app_key, "timestamp": str(int(time.time())), **query}
    sign = prose_sign(secret or sb.options.app_secret, path, query, body)
    if tamper == "upper":
        sign = sign.upper()
    query["sign"] = sign
    if tamper == "query":
        query["page_size"] = "99"
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())
    sent_body = body + b" " if tamper == "body" else body
    request = urllib.request.Request(
        f"{sb.base_url}{path}?{encoded}", data=sent_body or None, method=method,
        headers={"content-type": "application/json", "x-tts-access-token": token})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_independent_client_pages_orders_with_opaque_tokens(sandbox: Sandbox) -> None:
    cipher = sandbox.dataset.shops[0].cipher
    body = json.dumps({"update_time_ge": 0}, separators=(",", ":")).encode()
    seen, token, tokens = [], None, []
    for _ in range(20):
        query = {"shop_cipher": cipher, "page_size": "100", "sort_field": "update_time",
                 "sort_order": "ASC", **({"page_token": token} if token else {})}
        status, payload = send(sandbox, "POST", "/order/202309/orders/search", query, body)
        assert (status, payload["code"]) == (200, 0), payload
        seen += [o["id"] for o in payload["data"]["orders"]]
        token = payload["data"]["next_page_token"]
        if not token:
            break
        tokens.append(token)
    assert len(seen) == len(set(seen)) == 250
    assert tokens
    assert all(set("+/=") <= set(t) for t in tokens)


@pytest.mark.parametrize(
    ("tamper", "secret", "status", "code"),
    [("upper", None, 401, 106001), ("query", None, 401, 106001),
     ("body", None, 401, 106001), ("", "not-the-secret", 401, 106001)],
)
def test_wrong_signatures_are_refused(sandbox: Sandbox, tamper: str, secret: str | None,
                                      status: int, code: int) -> None:
    cipher = sandbox.dataset.shops[0].cipher
    body = b'{"update_time_ge":0}'
    got_status, payload = send(sandbox, "POST", "/order/202309/orders/search",
                               {"shop_cipher": cipher, "page_size": "10"}, body,
                               secret=secret, tamper=tamper)
    assert (got_status, payload["code"], payload["data"]) == (status, code, None)
    assert payload["request_id"]


def test_independent_client_reads_shops_without_cipher(sandbox: Sandbox) -> None:
    status, payload = send(sandbox, "GET", "/authorization/202309/shops", {}, b"")
    assert (status, payload["code"]) == (200, 0)
    assert payload["data"]["shops"][0]["cipher"] == sandbox.dataset.shops[0].cipher
