"""A requests adapter that answers from a script (unit tests only; e2e tests use the sandbox)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from requests.adapters import BaseAdapter

Handler = Callable[[requests.PreparedRequest], "tuple[int, Any, dict[str, str]] | Exception"]


class StubAdapter(BaseAdapter):
    """Records every prepared request and answers with the next scripted reply."""

    def __init__(self, replies: list[Any] | Handler) -> None:
        super().__init__()
        self.replies = replies
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        if callable(self.replies):
            reply = self.replies(request)
        else:
            if not self.replies:
                raise AssertionError(f"unexpected request {request.method} {request.url}")
            reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = reply if len(reply) == 3 else (*reply, {})
        resp = requests.Response()
        resp.status_code = status
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        # a real urllib3 response over the bytes, as the transport reads it (streamed)
        resp.raw = urllib3.HTTPResponse(body=io.BytesIO(content), headers=headers,
                                        status=status, preload_content=False)
        resp.headers.update(headers)
        resp.url = request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def ok(data: dict[str, Any] | None = None, request_id: str = "RID0") -> tuple[int, dict]:
    """A success envelope."""
    return 200, {"code": 0, "message": "Success", "request_id": request_id, "data": data or {}}


def err(code: int, message: str, status: int = 200, request_id: str = "RID1",
        headers: dict[str, str] | None = None) -> tuple[int, dict, dict[str, str]]:
    """An error envelope."""
    return status, {"code": code, "message": message, "request_id": request_id,
                    "data": None}, headers or {}


def session_with(adapter: StubAdapter) -> requests.Session:
    """A session whose every request goes to the stub."""
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
