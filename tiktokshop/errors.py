"""Errors raised by the shared TikTok Shop layer.

Every message is written for the person running the sync: what happened, where,
and what to do. No message ever contains a secret (app secret, tokens, auth code):
request URLs are never included, only the endpoint path template.
"""

from __future__ import annotations

from typing import Any


class TikTokShopError(Exception):
    """Base class for every error this project raises on purpose."""

    exit_code = 1


class ConfigError(TikTokShopError):
    """A setting is missing or invalid. The message names the setting."""

    exit_code = 2

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"setting '{setting}': {problem}")


class AuthorizationError(TikTokShopError):
    """The seller authorization cannot be used (bad auth code, refresh token refused...)."""


class InvalidRequestError(TikTokShopError):
    """A request this program built cannot be sent as it is (nothing was sent)."""


class APIError(TikTokShopError):
    """An error answer from the TikTok Shop API (HTTP status and/or body code)."""

    def __init__(
        self,
        *,
        code: int | None,
        message: str,
        endpoint: str,
        request_id: str | None = None,
        http_status: int | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
        scope: str | None = None,
    ) -> None:
        self.code = code
        self.api_message = message
        self.endpoint = endpoint
        self.request_id = request_id
        self.http_status = http_status
        self.hint = hint
        self.retry_after = retry_after
        #: The API scope the endpoint needs, on a missing-scope answer (105005).
        self.scope = scope
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"TikTok Shop API error on {self.endpoint}:"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.api_message:
            parts.append(f"'{_one_line(self.api_message)}'")
        if self.http_status is not None:
            parts.append(f"(HTTP {self.http_status})")
        if self.request_id:
            parts.append(f"request_id {self.request_id}")
        text = " ".join(parts)
        if self.hint:
            text += f". What to do: {self.hint}"
        return text


class RetryableAPIError(APIError):
    """Temporary failure (rate limit, server error, dropped connection): retried with backoff."""


class NotSentError(RetryableAPIError):
    """The connection was never made (refused, connect timeout, TLS handshake): the server
    cannot have seen the request, so even a call that is unsafe to repeat is retried."""


class TokenExpiredError(APIError):
    """The access token expired (105002): refresh it, then retry once."""


class TimestampRejectedError(APIError):
    """The request timestamp was outside TikTok's window: re-stamp and retry once."""


class FatalAPIError(APIError):
    """An error that retrying cannot fix; the message says what the user should change."""


class OutcomeUnknownError(FatalAPIError):
    """A call that is unsafe to repeat (it creates or changes something and TikTok gives it
    no idempotency key) failed in a way that may come after the server applied it: a
    timeout, a dropped connection, an internal error. It is not repeated; the message says
    what to check."""

    HINT = ("the call may have been applied before it failed; it was not repeated because "
            "repeating it is not safe. Check the package or product in Seller Center, or run "
            "again: the target compares with the current state first (skip_unchanged, on by "
            "default) and skips what was applied")

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("hint", self.HINT)
        super().__init__(**fields)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
