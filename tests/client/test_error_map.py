"""Every TikTok error code maps to retry / refresh / re-stamp / fail with advice."""

from __future__ import annotations

import pytest

from tiktokshop import codes
from tiktokshop.error_map import classify
from tiktokshop.errors import (
    FatalAPIError,
    RetryableAPIError,
    TimestampRejectedError,
    TokenExpiredError,
)


def make(code: int | None, message: str = "", status: int = 200, scope: str | None = None):
    return classify(code=code, message=message, endpoint="GET /x/202309/y", request_id="R1",
                    http_status=status, scope=scope)


@pytest.mark.parametrize(
    ("code", "message", "status", "kind"),
    [
        (codes.RATE_LIMITED, "Too many requests", 429, RetryableAPIError),
        (None, "", 429, RetryableAPIError),
        (codes.INTERNAL_ERROR, "Internal error", 500, RetryableAPIError),
        (codes.INTERNAL_ERROR, "Internal error", 200, RetryableAPIError),
        (codes.REQUEST_TIMEOUT, "Request timeout", 200, RetryableAPIError),
        (None, "", 503, RetryableAPIError),
        (codes.TOKEN_EXPIRED, "Expired credentials", 401, TokenExpiredError),
        (codes.INVALID_REQUEST, "The timestamp must not be earlier than 5 minutes", 400,
         TimestampRejectedError),
        (codes.INVALID_REQUEST, "Invalid credentials. Invalid 'app_key'", 400, FatalAPIError),
        (codes.INVALID_SIGN, "Invalid credentials. The `sign` is invalid", 401, FatalAPIError),
        (codes.SCOPE_MISSING, "Access denied", 403, FatalAPIError),
        (codes.CIPHER_MISSING, "Missing identifier", 400, FatalAPIError),
        (codes.CIPHER_MISMATCH, "invalid", 400, FatalAPIError),
        (codes.INVALID_PATH, "Invalid path", 404, FatalAPIError),
        (codes.INVALID_VERSION, "version", 404, FatalAPIError),
        (12052260, "product does not exist", 200, FatalAPIError),
    ],
)
def test_kinds(code: int | None, message: str, status: int, kind: type) -> None:
    assert type(make(code, message, status)) is kind


def test_fatal_message_says_code_message_request_id_endpoint_and_what_to_do() -> None:
    exc = make(codes.SCOPE_MISSING, "Access denied", 403, scope="seller.order.info")
    text = str(exc)
    for part in ("105005", "Access denied", "R1", "GET /x/202309/y", "seller.order.info",
                 "What to do", "authorize"):
        assert part in text
    assert "NTP" in str(make(codes.INVALID_REQUEST, "timestamp exceeds", 400))
    assert "app_secret" in str(make(codes.INVALID_SIGN, "sign invalid", 401))
