"""The sandbox's clock: every answer's ``Date`` header, and a skew (option or admin route)
that moves the ``Date`` header, the request timestamp window and token times together."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import requests

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox

from .conftest import Api, error_of

SHOPS = "/authorization/202309/shops"


def date_of(resp: requests.Response) -> float:
    return parsedate_to_datetime(resp.headers["Date"]).timestamp()


def test_every_answer_has_a_date_header(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5)
    api = Api(sb)
    for resp in (api.call("GET", SHOPS, cipher=None),
                 api.call("GET", SHOPS, cipher=None, timestamp=1),  # an error answer
                 requests.get(f"{sb.base_url}/api/v2/token/get", timeout=10),
                 requests.get(f"{sb.base_url}/sandbox/stats", timeout=10)):
        assert abs(date_of(resp) - time.time()) < 3, resp.headers


def test_a_skewed_clock_moves_the_date_and_the_timestamp_window(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5)
    api = Api(sb)
    assert api.admin("POST", "clock", {"skew_seconds": 400}) == {"skew_seconds": 400.0}
    resp = api.call("GET", SHOPS, cipher=None)  # stamped with this machine's clock
    assert abs(date_of(resp) - (time.time() + 400)) < 3
    status, code, message = error_of(resp)
    assert (status, code) == (400, codes.INVALID_REQUEST)
    assert "must not be earlier than 5 minutes before the current time" in message
    api.ok("GET", SHOPS, cipher=None, timestamp=int(time.time()) + 400)

    api.admin("POST", "clock", {"skew_seconds": -60})
    message = error_of(api.call("GET", SHOPS, cipher=None))[2]
    assert "must not exceed the current time by more than 30 seconds" in message
    api.admin("POST", "clock", {"skew_seconds": 0})
    api.ok("GET", SHOPS, cipher=None)


def test_tokens_follow_the_sandbox_clock(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5, token_ttl=100, clock_skew_seconds=1000)
    issued = sb.issue_tokens()
    assert abs(issued["access_token_expire_in"] - (time.time() + 1100)) < 3


def test_the_clock_route_refuses_a_bad_skew(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(orders=5, products=5)
    for body in ({"skew_seconds": "soon"}, {"skew_seconds": 1e12}, {}):
        resp = requests.post(f"{sb.base_url}/sandbox/clock", json=body, timeout=10)
        assert resp.status_code == 400, body
