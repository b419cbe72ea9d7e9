"""Fixtures for the sandbox tests: in-process sandboxes on 127.0.0.1 and a signed client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tiktokshop.auth.signing import compute_sign
from tiktokshop_sandbox import Sandbox, SandboxOptions

_UNSET: Any = object()


class Api:
    """A tiny signed client: signs the decoded query + path + exact body bytes."""

    def __init__(self, sandbox: Sandbox, token: str | None = None) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.token = token if token is not None else sandbox.issue_tokens()["access_token"]
        self.cipher = sandbox.dataset.shops[0].cipher

    @property
    def shop(self) -> Any:
        return self.sandbox.dataset.shop_by_cipher[self.cipher]

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        *,
        cipher: Any = _UNSET,
        token: Any = _UNSET,
        raw_body: bytes | None = None,
        sign_body: bytes | None = None,
        sign: str | None = None,
        timestamp: Any = _UNSET,
        app_key: Any = _UNSET,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        opts = self.sandbox.options
        params: dict[str, str] = {}
        if app_key is not None:
            params["app_key"] = opts.app_key if app_key is _UNSET else app_key
        if timestamp is not None:
            params["timestamp"] = str(int(time.time())) if timestamp is _UNSET else str(timestamp)
        cipher = self.cipher if cipher is _UNSET else cipher
        if cipher is not None:
            params["shop_cipher"] = cipher
        params.update(query or {})
        if raw_body is None:
            raw_body = json.dumps(body).encode() if body is not None else b""
        signed = raw_body if sign_body is None else sign_body
        params["sign"] = sign if sign is not None else compute_sign(
            opts.app_secret, path, params, signed or None)
        if params["sign"] == "":
            del params["sign"]
        token = self.token if token is _UNSET else token
        hdrs = {"content-type": "application/json"}
        if token is not None:
            hdrs["x-tts-access-token"] = token
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        url = f"{self.sandbox.base_url}{path}?{urlencode(params)}"
        return self.session.request(method, url, data=raw_body or None, headers=hdrs,
                                    timeout=30)

    def ok(self, method: str, path: str, query: dict[str, str] | None = None,
           body: Any = None, **kwargs: Any) -> dict:
        resp = self.call(method, path, query, body, **kwargs)
        payload = resp.json()
        assert (resp.status_code, payload["code"]) == (200, 0), payload
        return payload["data"]

    def admin(self, method: str, route: str, body: Any = None) -> Any:
        resp = self.session.request(method, f"{self.sandbox.base_url}/sandbox/{route}",
                                    json=body, timeout=60)
        assert resp.status_code == 200, resp.text
        return resp.json()


def error_of(resp: requests.Response) -> tuple[int, int, str]:
    payload = resp.json()
    assert set(payload) == {"code", "message", "request_id", "data"}
    assert payload["data"] is None
    return resp.status_code, payload["code"], payload["message"]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A shared default-sized sandbox (no rate limit): tests using it must not write to it."""
    with Sandbox(SandboxOptions(seed=11, rate_limit_qps=0)) as sb:
        yield sb


@pytest.fixture
def api(sandbox: Sandbox) -> Api:
    return Api(sandbox)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start private sandboxes (stopped at teardown) for tests that write or reconfigure."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        sb = Sandbox(SandboxOptions(**options)).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()
