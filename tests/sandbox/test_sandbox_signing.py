"""Signing, common parameters, envelope and routing of the business API."""

from __future__ import annotations

import re
import time

import pytest

from tiktokshop import codes
from tiktokshop.auth.signing import compute_sign

from .conftest import Api, error_of

SHOPS = "/authorization/202309/shops"
WAREHOUSES = "/logistics/202309/warehouses"
ORDERS = "/order/202309/orders/search"


def test_reference_vector_v1() -> None:
    sign = compute_sign("e59af819cc", SHOPS, {"app_key": "29a39d", "timestamp": "1623812664"})
    assert sign == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_signed_requests_are_accepted_with_the_envelope(api: Api) -> None:
    resp = api.call("GET", SHOPS, cipher=None)
    payload = resp.json()
    assert resp.status_code == 200
    assert list(payload) == ["code", "message", "request_id", "data"]
    assert payload["code"] == 0
    assert re.fullmatch(r"\d{14}[0-9A-F]{20}", payload["request_id"])
    assert [s["id"] for s in payload["data"]["shops"]] == [
        s.id for s in api.sandbox.dataset.shops]
    data = api.ok("POST", ORDERS, {"page_size": "5"}, {"order_status": "COMPLETED"})
    assert all(o["status"] == "COMPLETED" for o in data["orders"])


def test_wrong_sign_is_refused_with_106001_and_401(api: Api) -> None:
    status, code, message = error_of(api.call("GET", WAREHOUSES, sign="0" * 64))
    assert (status, code) == (401, codes.INVALID_SIGN)
    assert "sign" in message


def test_uppercase_sign_is_refused(api: Api) -> None:
    good = compute_sign(api.sandbox.options.app_secret, WAREHOUSES, {
        "app_key": api.sandbox.options.app_key, "timestamp": str(int(time.time())),
        "shop_cipher": api.cipher})
    resp = api.call("GET", WAREHOUSES, sign=good.upper())
    assert error_of(resp)[:2] == (401, codes.INVALID_SIGN)


def test_missing_sign(api: Api) -> None:
    status, code, message = error_of(api.call("GET", WAREHOUSES, sign=""))
    assert code == codes.INVALID_REQUEST
    assert message.startswith("Missing credentials")
    assert status == 401


@pytest.mark.parametrize(("offset", "keyword"), [
    (-301, "earlier than 5 minutes"),
    (31, "exceed the current time by more than 30 seconds"),
])
def test_timestamp_window(api: Api, offset: int, keyword: str) -> None:
    resp = api.call("GET", WAREHOUSES, timestamp=int(time.time()) + offset)
    status, code, message = error_of(resp)
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert keyword in message


def test_timestamp_negative_and_malformed(api: Api) -> None:
    assert "lesser than 0" in error_of(api.call("GET", WAREHOUSES, timestamp=-5))[2]
    assert "10-digit" in error_of(api.call("GET", WAREHOUSES, timestamp=int(time.time() * 1000)))[2]
    assert "10-digit" in error_of(api.call("GET", WAREHOUSES, timestamp=None))[2]


def test_inside_the_window_is_accepted(api: Api) -> None:
    api.ok("GET", WAREHOUSES, timestamp=int(time.time()) - 290)
    api.ok("GET", WAREHOUSES, timestamp=int(time.time()) + 25)


@pytest.mark.parametrize("app_key", [None, "not-the-app"])
def test_missing_or_unknown_app_key(api: Api, app_key: str | None) -> None:
    status, code, message = error_of(api.call("GET", WAREHOUSES, app_key=app_key))
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert message == "Invalid credentials. Invalid 'app_key' query parameter."


def test_body_must_be_signed(api: Api) -> None:
    body = b'{"order_status":"COMPLETED"}'
    resp = api.call("POST", ORDERS, {"page_size": "5"}, raw_body=body, sign_body=b"")
    assert error_of(resp)[:2] == (401, codes.INVALID_SIGN)
    # the exact bytes are signed: a re-serialised body with other spacing fails too
    resp = api.call("POST", ORDERS, {"page_size": "5"}, raw_body=body,
                    sign_body=b'{"order_status": "COMPLETED"}')
    assert error_of(resp)[:2] == (401, codes.INVALID_SIGN)
    assert api.call("POST", ORDERS, {"page_size": "5"}, raw_body=body).json()["code"] == 0


def test_post_without_body_signs_nothing(api: Api) -> None:
    data = api.ok("POST", ORDERS, {"page_size": "2"})
    assert len(data["orders"]) == 2


def test_content_type_is_required(api: Api) -> None:
    resp = api.call("GET", WAREHOUSES, headers={"content-type": None})
    status, code, message = error_of(resp)
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert "content-type" in message
    resp = api.call("GET", WAREHOUSES, headers={"content-type": "text/plain"})
    assert error_of(resp)[1] == codes.INVALID_REQUEST
    api.ok("GET", WAREHOUSES, headers={"content-type": "application/json; charset=utf-8"})


def test_empty_and_unknown_query_parameters(api: Api) -> None:
    status, code, message = error_of(api.call("POST", ORDERS, {"page_size": "5",
                                                               "page_token": ""}))
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert "page_token" in message
    status, code, message = error_of(api.call("POST", ORDERS, {"page_size": "5",
                                                               "sort_by": "create_time"}))
    assert code == codes.INVALID_REQUEST
    assert "sort_by" in message


def test_access_token_in_query_is_ignored_for_auth(api: Api) -> None:
    resp = api.call("GET", WAREHOUSES, {"access_token": api.token}, token=None)
    status, code, message = error_of(resp)
    assert (status, code) == (401, codes.INVALID_REQUEST)
    assert "x-tts-access-token" in message
    # signed without access_token even when it is present in the query
    api.ok("GET", WAREHOUSES, {"access_token": "whatever"})


def test_unknown_path_version_and_method(api: Api) -> None:
    assert error_of(api.call("GET", "/product/202309/nothing_here"))[:2] == (
        404, codes.INVALID_PATH)
    assert error_of(api.call("GET", "/nowhere"))[:2] == (404, codes.INVALID_PATH)
    assert error_of(api.call("GET", "/logistics/202101/warehouses"))[:2] == (
        404, codes.INVALID_VERSION)
    assert error_of(api.call("POST", "/product/202507/products/search", {"page_size": "5"},
                             {}))[:2] == (404, codes.INVALID_VERSION)
    assert error_of(api.call("POST", WAREHOUSES))[:2] == (405, codes.INVALID_METHOD)
    assert error_of(api.call("DELETE", ORDERS))[:2] == (405, codes.INVALID_METHOD)


def test_invalid_json_body(api: Api) -> None:
    resp = api.call("POST", ORDERS, {"page_size": "5"}, raw_body=b"{not json")
    assert error_of(resp)[:2] == (400, codes.INVALID_REQUEST)
    resp = api.call("POST", ORDERS, {"page_size": "5"}, raw_body=b"[1, 2]")
    assert error_of(resp)[:2] == (400, codes.INVALID_REQUEST)


def test_unknown_body_field_is_refused(api: Api) -> None:
    resp = api.call("POST", ORDERS, {"page_size": "5"}, {"create_time_le": 1})
    _status, code, message = error_of(resp)
    assert code == codes.INVALID_REQUEST
    assert "create_time_le" in message
