"""The client signs what it sends, retries what is temporary and explains what is not."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.support.stub_http import StubAdapter, err, ok, session_with
from tiktokshop import codes, endpoints
from tiktokshop.auth.signing import compute_sign
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import (
    ACTIVATE,
    AUTHORIZED_SHOPS,
    INVENTORY_UPDATE,
    MARK_PACKAGE_SHIPPED,
    ORDER_SEARCH,
    PRODUCT_SEARCH,
    Endpoint,
)
from tiktokshop.errors import (
    FatalAPIError,
    InvalidRequestError,
    OutcomeUnknownError,
    RetryableAPIError,
)
from tiktokshop.transport import TikTokShopClient

SECRET = "unit-secret-Zx81"
CONFIG = {"app_key": "appk", "app_secret": SECRET, "access_token": "TOKEN-AAA-1",
          "refresh_token": "REFRESH-BBB-1", "retry_backoff_seconds": 0.001, "max_retries": 3,
          "rate_limit_qps": 0}


def client_for(replies, **overrides) -> tuple[TikTokShopClient, StubAdapter]:
    adapter = StubAdapter(replies)
    settings = load_settings({**CONFIG, **overrides})
    return TikTokShopClient(settings, session=session_with(adapter)), adapter


def verify_signed(request: requests.PreparedRequest) -> dict[str, str]:
    parts = urlsplit(request.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    body = request.body if isinstance(request.body, bytes) else None
    expected = compute_sign(SECRET, parts.path, query, body)
    assert query["sign"] == expected
    return query


def test_request_is_signed_over_exact_query_and_body() -> None:
    client, stub = client_for([ok({"orders": []})])
    client.call(ORDER_SEARCH, shop_cipher="ROW_c+/=", body={"update_time_ge": 5},
                params={"page_size": 100, "page_token": "a+b/c==", "sort_order": "ASC",
                        "empty": "", "none": None})
    sent = stub.sent[0]
    query = verify_signed(sent)
    assert sent.url.startswith("https://open-api.tiktokglobalshop.com/order/202309/orders/search?")
    assert query["page_token"] == "a+b/c==" and "a%2Bb%2Fc%3D%3D" in sent.url
    assert query["shop_cipher"] == "ROW_c+/="
    assert "empty" not in query and "none" not in query and "access_token" not in query
    assert sent.headers["x-tts-access-token"] == "TOKEN-AAA-1"
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == b'{"update_time_ge":5}'
    assert abs(int(query["timestamp"]) - time.time()) < 5


def test_no_body_and_no_cipher_for_app_endpoints() -> None:
    client, stub = client_for([ok({"shops": []})])
    client.call(AUTHORIZED_SHOPS, shop_cipher="ignored")
    query = verify_signed(stub.sent[0])
    assert "shop_cipher" not in query and stub.sent[0].body is None


def test_api_version_ceiling_picks_endpoint_versions() -> None:
    client, stub = client_for([ok(), ok()], api_version="202507")
    client.call(PRODUCT_SEARCH, shop_cipher="c")
    client.call(ORDER_SEARCH, shop_cipher="c")
    assert "/product/202502/products/search" in stub.sent[0].url
    assert "/order/202309/orders/search" in stub.sent[1].url


def test_retries_rate_limits_and_server_errors_then_succeeds() -> None:
    client, stub = client_for([
        err(codes.RATE_LIMITED, "Too many requests", 429, headers={"Retry-After": "0"}),
        err(codes.INTERNAL_ERROR, "Internal error", 503),
        requests.ConnectionError("dropped https://x?app_secret=" + SECRET),
        ok({"shops": [1]}),
    ])
    assert client.call(AUTHORIZED_SHOPS).data == {"shops": [1]}
    assert len(stub.sent) == 4
    signs = {dict(parse_qsl(urlsplit(r.url).query))["sign"] for r in stub.sent}
    for request in stub.sent:
        verify_signed(request)
    assert len(signs) >= 1


def test_gives_up_after_max_retries_without_leaking_secrets() -> None:
    client, stub = client_for(lambda r: requests.ConnectionError("boom " + SECRET))
    with pytest.raises(RetryableAPIError) as info:
        client.call(AUTHORIZED_SHOPS)
    assert len(stub.sent) == 4
    assert SECRET not in str(info.value)


def test_expired_token_refreshes_once_then_retries() -> None:
    refreshed = {"access_token": "TOKEN-NEW-2", "access_token_expire_in": int(time.time()) + 9999,
                 "refresh_token": "REFRESH-NEW-2", "refresh_token_expire_in": 4854580847}

    def handler(request: requests.PreparedRequest):
        if "/api/v2/token/refresh" in request.url:
            query = dict(parse_qsl(urlsplit(request.url).query))
            assert query["refresh_token"] == "REFRESH-BBB-1"
            assert query["grant_type"] == "refresh_token"
            return ok(refreshed)
        if request.headers["x-tts-access-token"] == "TOKEN-AAA-1":
            return err(codes.TOKEN_EXPIRED, "Expired credentials", 401)
        return ok({"shops": []})

    client, stub = client_for(handler)
    client.call(AUTHORIZED_SHOPS)
    assert [("token" in r.url) for r in stub.sent] == [False, True, False]
    assert client.tokens.tokens.refresh_token == "REFRESH-NEW-2"


def test_timestamp_refusal_restamps_once() -> None:
    client, stub = client_for([
        err(codes.INVALID_REQUEST, "The timestamp must not be earlier than 5 minutes", 400),
        ok(),
    ])
    client.call(AUTHORIZED_SHOPS)
    assert len(stub.sent) == 2


def test_fatal_error_is_not_retried_and_explains() -> None:
    client, stub = client_for([err(codes.SCOPE_MISSING, "Access denied. scopes", 403, "RQ9")])
    with pytest.raises(FatalAPIError) as info:
        client.call(ORDER_SEARCH, shop_cipher="c")
    text = str(info.value)
    assert len(stub.sent) == 1
    assert "105005" in text and "RQ9" in text and "seller.order.info" in text
    assert "POST /order/202309/orders/search" in text


def test_http_200_with_error_code_is_an_error() -> None:
    client, _ = client_for([(200, {"code": 12052260, "message": "product does not exist",
                                   "request_id": "R", "data": None})])
    with pytest.raises(FatalAPIError, match="12052260"):
        client.call(ORDER_SEARCH, shop_cipher="c")


def test_non_json_answer() -> None:
    client, _ = client_for([(502, b"<html>bad gateway</html>")] * 4)
    with pytest.raises(RetryableAPIError):
        client.call(AUTHORIZED_SHOPS)
    client, _ = client_for([(404, b"not found")])
    with pytest.raises(FatalAPIError, match="api_base_url"):
        client.call(AUTHORIZED_SHOPS)


def test_shop_endpoint_without_cipher_is_refused_locally() -> None:
    client, stub = client_for([])
    with pytest.raises(FatalAPIError):
        client.call(ORDER_SEARCH)
    assert stub.sent == []


def test_body_bytes_are_what_is_signed_for_unicode() -> None:
    client, stub = client_for([ok()])
    client.call(ORDER_SEARCH, shop_cipher="c", body={"note": "café 東京"})
    assert json.loads(stub.sent[0].body) == {"note": "café 東京"}
    verify_signed(stub.sent[0])


def test_a_lone_surrogate_in_the_body_is_refused_naming_the_field() -> None:
    client, stub = client_for([ok()])
    body = json.loads('{"skus": [{"id": "1", "note": "ok"}, {"id": "2", "note": "x\\udc80"}]}')
    with pytest.raises(InvalidRequestError) as caught:
        client.call(ORDER_SEARCH, shop_cipher="c", body=body)
    text = str(caught.value)
    assert "field 'skus[1].note'" in text and "lone surrogate" in text
    assert text.startswith("POST /order/202309/orders/search: ")
    assert stub.sent == [], "nothing is sent"


def test_path_parameters_cannot_change_the_path() -> None:
    from tiktokshop.endpoints import PRODUCT_DETAIL

    path = PRODUCT_DETAIL.path("202309", product_id="../../authorization/202309/shops?x=1")
    assert path.startswith("/product/202309/products/")
    assert "/../" not in path and "?" not in path


# ---------------------------------------------------------------- calls unsafe to repeat
def _refused_connection() -> requests.ConnectionError:
    """What requests raises when nothing listens on the port (the request never left)."""
    try:
        requests.get("http://127.0.0.1:9/", timeout=2)
    except requests.ConnectionError as exc:
        return exc
    raise AssertionError("something listens on 127.0.0.1:9")


@pytest.mark.parametrize("failure", [
    err(codes.INTERNAL_ERROR, "Internal error", 500),
    err(codes.REQUEST_TIMEOUT, "Request timeout", 200),
    err(codes.INTERNAL_ERROR, "Internal error", 503),
    requests.ReadTimeout("read timed out"),
    requests.ConnectionError("Connection aborted: RemoteDisconnected"),
], ids=["500", "36009007", "503-internal", "read-timeout", "dropped"])
def test_a_call_unsafe_to_repeat_is_not_repeated_after_it_may_have_applied(failure) -> None:
    client, stub = client_for([failure, ok({"package_id": "P1"})])
    with pytest.raises(OutcomeUnknownError) as info:
        client.call(MARK_PACKAGE_SHIPPED, shop_cipher="c", path_params={"order_id": "O1"},
                    body={"order_line_item_ids": ["L1"]})
    assert len(stub.sent) == 1
    text = str(info.value)
    assert "POST /fulfillment/202309/orders/{order_id}/packages" in text
    assert "may have been applied" in text and "not repeated" in text
    assert SECRET not in text


@pytest.mark.parametrize("refusal", [
    err(codes.RATE_LIMITED, "Too many requests", 429, headers={"Retry-After": "0"}),
    err(codes.RATE_LIMITED, "Too many requests", 200),
    (503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"}),
    _refused_connection(),
    requests.ConnectTimeout("connect timed out"),
], ids=["429", "36009002", "503-gateway", "refused", "connect-timeout"])
def test_a_call_unsafe_to_repeat_is_repeated_after_a_refusal(refusal) -> None:
    client, stub = client_for([refusal, ok({"errors": []})])
    assert client.call(ACTIVATE, shop_cipher="c", body={"product_ids": ["1"]}).data == {
        "errors": []}
    assert len(stub.sent) == 2


def test_calls_safe_to_repeat_are_still_retried_after_server_errors() -> None:
    client, stub = client_for([err(codes.INTERNAL_ERROR, "Internal error", 500),
                               requests.ReadTimeout("read timed out"), ok()])
    client.call(INVENTORY_UPDATE, shop_cipher="c", path_params={"product_id": "1"},
                body={"skus": []})
    assert len(stub.sent) == 3


def test_the_endpoints_that_create_or_ship_are_marked_unsafe_to_repeat() -> None:
    unsafe = {value.name for value in vars(endpoints).values()
              if isinstance(value, Endpoint) and not value.idempotent}
    assert unsafe == {"activate", "deactivate", "ship_package", "batch_ship_packages",
                      "mark_package_shipped"}
