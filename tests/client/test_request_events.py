"""The client's observer hook: one event per HTTP attempt, for metrics."""

from __future__ import annotations

import pytest
import requests

from tests.client.test_transport import client_for
from tests.support.stub_http import err, ok
from tiktokshop import codes
from tiktokshop.endpoints import AUTHORIZED_SHOPS, PRODUCT_DETAIL
from tiktokshop.errors import FatalAPIError
from tiktokshop.request_events import RequestEvent


def test_every_attempt_is_reported_with_its_status_code_and_retry() -> None:
    client, _ = client_for([
        err(codes.RATE_LIMITED, "Too many requests", 429, headers={"Retry-After": "0"}),
        err(codes.INTERNAL_ERROR, "Internal error", 503),
        requests.ConnectionError("dropped"),
        ok({"shops": [1]}),
    ])
    events: list[RequestEvent] = []
    client.add_observer(events.append)
    client.call(AUTHORIZED_SHOPS)
    assert [(e.attempt, e.http_status, e.code, e.succeeded, e.retryable, e.rate_limited)
            for e in events] == [
        (1, 429, codes.RATE_LIMITED, False, True, True),
        (2, 503, codes.INTERNAL_ERROR, False, True, False),
        (3, None, None, False, True, False),
        (4, 200, 0, True, False, False),
    ]
    assert {e.endpoint for e in events} == {"GET /authorization/202309/shops"}
    assert all(e.duration_seconds >= 0 for e in events)


def test_the_endpoint_is_the_template_and_fatal_errors_are_reported() -> None:
    client, _ = client_for([err(codes.PRODUCT_NOT_FOUND, "gone", 200)])
    events: list[RequestEvent] = []
    client.add_observer(events.append)
    with pytest.raises(FatalAPIError):
        client.call(PRODUCT_DETAIL, shop_cipher="c", path_params={"product_id": "123"})
    (event,) = events
    assert event.endpoint == "GET /product/202309/products/{product_id}"
    assert (event.succeeded, event.retryable, event.code) == (False, False,
                                                             codes.PRODUCT_NOT_FOUND)


def test_a_failing_observer_does_not_fail_the_request(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = client_for([ok({"shops": []})])

    def broken(event: RequestEvent) -> None:
        raise RuntimeError("observer bug")

    seen: list[RequestEvent] = []
    client.add_observer(broken)
    client.add_observer(seen.append)
    assert client.call(AUTHORIZED_SHOPS).data == {"shops": []}
    assert len(seen) == 1
    assert "observer bug" in caplog.text
