"""The client hands requests the proxies requests itself would pick (worked out once per
scheme and host instead of reading the environment on every call)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from requests.utils import resolve_proxies

from tests.support.stub_http import StubAdapter, ok, session_with
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import AUTHORIZED_SHOPS, ORDER_SEARCH
from tiktokshop.transport import TikTokShopClient

CONFIG = {"app_key": "appk", "app_secret": "unit-secret-Pq3", "access_token": "TOKEN-1",
          "refresh_token": "REFRESH-1", "retry_backoff_seconds": 0.001, "max_retries": 1,
          "rate_limit_qps": 0}
PROXY = "http://proxy.internal.example:3128"


class ProxyRecordingAdapter(StubAdapter):
    """The stub, also keeping the proxies each request was sent with."""

    def __init__(self, replies: list[Any]) -> None:
        super().__init__(replies)
        self.proxies: list[dict[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.proxies.append(dict(kwargs.get("proxies") or {}))
        return super().send(request, **kwargs)


def client_with(adapter: ProxyRecordingAdapter) -> tuple[TikTokShopClient, requests.Session]:
    session = session_with(adapter)
    return TikTokShopClient(load_settings(CONFIG), session=session), session


def calls(client: TikTokShopClient) -> None:
    client.call(ORDER_SEARCH, shop_cipher="c1", body={"update_time_ge": 1})
    client.call(AUTHORIZED_SHOPS)
    client.call(ORDER_SEARCH, shop_cipher="c2", body={"update_time_ge": 2})


@pytest.mark.parametrize(("environment", "expected"), [
    ({"HTTPS_PROXY": PROXY}, {"https": PROXY}),
    ({"HTTPS_PROXY": PROXY, "NO_PROXY": "open-api.tiktokglobalshop.com"}, {}),
    ({"ALL_PROXY": PROXY}, {"https": PROXY}),
    ({}, {}),
])
def test_the_environment_s_proxies_as_requests_picks_them(
        monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
        expected: dict[str, str]) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    adapter = ProxyRecordingAdapter([ok(), ok(), ok()])
    client, session = client_with(adapter)
    calls(client)
    assert adapter.proxies == [expected] * 3
    for request, proxies in zip(adapter.sent, adapter.proxies, strict=True):
        assert proxies == resolve_proxies(request, session.proxies, session.trust_env)


def test_session_proxies_and_trust_env_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    adapter = ProxyRecordingAdapter([ok(), ok(), ok()])
    client, session = client_with(adapter)
    session.proxies = {"https": "http://session-proxy.example:8080"}
    calls(client)
    assert adapter.proxies == [{"https": "http://session-proxy.example:8080"}] * 3

    adapter = ProxyRecordingAdapter([ok(), ok(), ok()])
    client, session = client_with(adapter)
    session.trust_env = False
    calls(client)
    assert adapter.proxies == [{}] * 3
