"""Answers real proxies and overloaded APIs give, from a real socket on 127.0.0.1.

Each is retried where retrying is right (server errors, a body cut off or reset, a body
slower than ``request_timeout_seconds``) or fails at once; either way the final error
is one line naming the endpoint and what came back (status, content type, first
characters), never a secret.
"""

from __future__ import annotations

import time

import pytest

from tests.support import bad_server as bad
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import ORDER_SEARCH
from tiktokshop.errors import FatalAPIError, RetryableAPIError
from tiktokshop.transport import TikTokShopClient

ACCESS_TOKEN = "MISBEHAVEaccesstoken0123456789"
RETRIES = 2


def client(server, **overrides) -> TikTokShopClient:
    url = bad.base_url(server)
    settings = load_settings({
        "app_key": "k", "app_secret": "SECRETmisbehave0123456789", "access_token": ACCESS_TOKEN,
        "api_base_url": url, "auth_base_url": url, "max_retries": RETRIES,
        "retry_backoff_seconds": 0.01, "rate_limit_qps": 0, **overrides})
    return TikTokShopClient(settings)


def call(server, **overrides):
    return client(server, **overrides).call(ORDER_SEARCH, shop_cipher="CIPHER",
                                            params={"page_size": 1}, body={})


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text
    assert ACCESS_TOKEN not in text and "SECRETmisbehave" not in text
    assert "POST /order/202309/orders/search" in text
    return text


def test_html_502_page_is_retried_then_named() -> None:
    page = f"<html><body>502 Bad Gateway {ACCESS_TOKEN}</body></html>".encode()
    with bad.bad_server([], default=bad.answer("502 Bad Gateway", "text/html", page)) as srv:
        with pytest.raises(RetryableAPIError) as caught:
            call(srv)
        assert srv.requests == RETRIES + 1
    text = one_line(caught.value)
    assert "HTTP 502" in text and "text/html" in text and "502 Bad Gateway" in text


def test_html_page_with_200_from_a_proxy_is_fatal_at_once() -> None:
    page = b"<html>Please log in to the hotel wifi</html>"
    with bad.bad_server([], default=bad.answer("200 OK", "text/html", page)) as srv:
        with pytest.raises(FatalAPIError) as caught:
            call(srv)
        assert srv.requests == 1
    text = one_line(caught.value)
    assert "hotel wifi" in text and "api_base_url" in text


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_chunked_compressed_answer_is_read_whole(encoding: str) -> None:
    orders = [{"id": f"5760000000000{n:05d}", "status": "COMPLETED"} for n in range(300)]
    payload = {"code": 0, "message": "Success", "request_id": "zipped",
               "data": {"orders": orders, "total_count": 300}}
    with bad.bad_server([bad.chunked_compressed(payload, encoding)]) as srv:
        answer = call(srv)
        assert srv.requests == 1
    assert answer.request_id == "zipped" and answer.data["orders"] == orders


@pytest.mark.parametrize("broken", [bad.cut_off_json, bad.short_body, bad.reset_mid_body],
                         ids=["cut-off-json", "short-body", "reset-mid-body"])
def test_a_broken_body_is_retried_and_the_retry_succeeds(broken) -> None:
    with bad.bad_server([broken()]) as srv:
        answer = call(srv)
        assert srv.requests == 2
    assert answer.request_id == "ok"


@pytest.mark.parametrize("broken", [bad.cut_off_json, bad.short_body, bad.reset_mid_body],
                         ids=["cut-off-json", "short-body", "reset-mid-body"])
def test_a_body_that_keeps_breaking_fails_with_one_line(broken) -> None:
    with bad.bad_server([], default=broken()) as srv:
        with pytest.raises(RetryableAPIError) as caught:
            call(srv)
        assert srv.requests == RETRIES + 1
    text = one_line(caught.value)
    assert "breaks off" in text or "connection broke" in text


def test_a_trickling_body_is_cut_at_the_timeout_and_retried() -> None:
    with bad.bad_server([bad.trickle(seconds=4)]) as srv:
        started = time.monotonic()
        answer = call(srv, request_timeout_seconds=1)
        took = time.monotonic() - started
        assert srv.requests == 2
    assert answer.request_id == "ok"
    assert took < 3  # the slow body was given up after about a second, not 4+


def test_a_body_that_always_trickles_fails_naming_the_timeout() -> None:
    with bad.bad_server([], default=bad.trickle(seconds=3)) as srv, \
            pytest.raises(RetryableAPIError) as caught:
        call(srv, request_timeout_seconds=0.5)
    assert "request_timeout_seconds (0.5 s" in one_line(caught.value)


def test_an_error_code_without_a_message_still_says_what_came_back() -> None:
    answer = bad.envelope({"code": 98765432, "request_id": "RIDX", "data": None})
    with bad.bad_server([], default=answer) as srv:
        with pytest.raises(FatalAPIError) as caught:
            call(srv)
        assert srv.requests == 1
    text = one_line(caught.value)
    assert "code 98765432" in text and "no message" in text and "RIDX" in text
