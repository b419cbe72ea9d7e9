"""The sandbox as a tool for other clients: by default it answers as the live API most
likely does where the reference is silent; ``--strict`` (this project's tests) refuses.

Requests are built by hand (urllib + hmac from the signing prose), like a third-party
client would send them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from tests.sandbox.test_independent_client import prose_sign
from tiktokshop import codes
from tiktokshop_sandbox import Sandbox, SandboxOptions


@pytest.fixture(scope="module", params=[False, True], ids=["lenient", "strict"])
def sandbox(request):
    with Sandbox(SandboxOptions(seed=43, shops=1, products=5, orders=5, rate_limit_qps=0,
                                strict=request.param)) as sb:
        yield sb


def call(sb: Sandbox, method: str, path: str, pairs: list[tuple[str, str]], body: bytes = b"",
         *, content_type: str | None = "application/json") -> tuple[int, dict]:
    """Send a signed request; ``pairs`` may repeat a key (the signature uses the last)."""
    pairs = [("app_key", sb.options.app_key), ("timestamp", str(int(time.time()))), *pairs]
    pairs.append(("sign", prose_sign(sb.options.app_secret, path, dict(pairs), body)))
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    headers = {"x-tts-access-token": sb.issue_tokens()["access_token"]}
    if content_type:
        headers["content-type"] = content_type
    request = urllib.request.Request(f"{sb.base_url}{path}?{encoded}", data=body or None,
                                     method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def cipher(sb: Sandbox) -> tuple[str, str]:
    return ("shop_cipher", sb.dataset.shops[0].cipher)


def test_a_get_without_content_type(sandbox: Sandbox) -> None:
    status, answer = call(sandbox, "GET", "/logistics/202309/warehouses", [cipher(sandbox)],
                          content_type=None)
    if sandbox.options.strict:
        assert (status, answer["code"]) == (400, codes.INVALID_REQUEST)
        assert "content-type" in answer["message"]
    else:
        assert (status, answer["code"]) == (200, 0)
        assert answer["data"]["warehouses"]


def test_a_post_without_content_type_is_refused_in_both_modes(sandbox: Sandbox) -> None:
    status, answer = call(sandbox, "POST", "/order/202309/orders/search",
                          [("page_size", "5"), cipher(sandbox)], b"{}", content_type=None)
    assert (status, answer["code"]) == (400, codes.INVALID_REQUEST)


def test_a_body_field_newer_than_the_snapshot(sandbox: Sandbox) -> None:
    body = json.dumps({"update_time_ge": 0, "field_from_2027": True}).encode()
    status, answer = call(sandbox, "POST", "/order/202309/orders/search",
                          [("page_size", "5"), cipher(sandbox)], body)
    if sandbox.options.strict:
        assert answer["code"] == codes.INVALID_REQUEST and "field_from_2027" in answer["message"]
    else:
        assert (status, answer["code"]) == (200, 0) and answer["data"]["orders"]


def test_an_unknown_query_parameter(sandbox: Sandbox) -> None:
    status, answer = call(sandbox, "GET", "/logistics/202309/warehouses",
                          [cipher(sandbox), ("new_flag", "1")])
    if sandbox.options.strict:
        assert answer["code"] == codes.INVALID_REQUEST and "new_flag" in answer["message"]
    else:
        assert (status, answer["code"]) == (200, 0)


@pytest.mark.parametrize("order", ["same", "different"])
def test_a_repeated_query_key_is_named_not_blamed_on_the_signature(sandbox: Sandbox,
                                                                    order: str) -> None:
    orders = [o["id"] for o in sandbox.dataset.dump(["orders"])["orders"]][:2]
    second = orders[0] if order == "same" else orders[1]
    status, answer = call(sandbox, "GET", "/order/202309/orders",
                          [("ids", orders[0]), ("ids", second), cipher(sandbox)])
    assert (status, answer["code"]) == (400, codes.INVALID_REQUEST)
    assert "`ids`" in answer["message"] and "more than once" in answer["message"]


@pytest.mark.parametrize("path", ["/product/202405/products/diagnoses",
                                  "/product/202309/products/seo_words"])
def test_a_literal_sub_path_is_an_unknown_endpoint_not_a_product(sandbox: Sandbox,
                                                                 path: str) -> None:
    status, answer = call(sandbox, "GET", path, [cipher(sandbox)])
    assert (status, answer["code"]) == (404, codes.INVALID_PATH)


def test_a_product_id_still_routes_to_get_product(sandbox: Sandbox) -> None:
    product = sandbox.dataset.dump(["products"])["products"][0]
    status, answer = call(sandbox, "GET", f"/product/202309/products/{product['id']}",
                          [cipher(sandbox)])
    assert (status, answer["code"]) == (200, 0)


def test_the_command_line_has_a_strict_switch() -> None:
    done = subprocess.run([sys.executable, "-m", "tiktokshop_sandbox", "--help"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert "--strict" in done.stdout
