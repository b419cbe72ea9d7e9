"""What the client tells observers about each HTTP attempt (for metrics).

The client (``transport.TikTokShopClient``) never imports singer_sdk: it calls plain
callables with a :class:`RequestEvent` after every attempt, and the Singer plugins turn
those into the SDK's metric points (``tiktokshop_singer.metrics``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tiktokshop import codes
from tiktokshop.errors import APIError, RetryableAPIError

logger = logging.getLogger("tiktokshop.transport")


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One HTTP attempt of a logical request (a retry is another attempt).

    ``endpoint`` is the endpoint template with its version (``GET
    /product/202309/products/{product_id}``), never a URL with ids or query values.
    ``http_status`` is None when no answer arrived (connection refused, reset, timeout);
    ``code`` is TikTok's body code (0 on success, None when the answer had none).
    ``duration_seconds`` runs from sending the request to the parsed answer (the wait
    for the rate limiter is not included).
    """

    endpoint: str
    http_status: int | None
    code: int | None
    duration_seconds: float
    attempt: int
    succeeded: bool
    retryable: bool = False  # failed with an error the client retries (while it may)
    rate_limited: bool = False  # HTTP 429 or TikTok's rate-limit code

    @classmethod
    def failure(cls, endpoint: str, error: APIError, http_status: int | None,
                duration_seconds: float, attempt: int) -> RequestEvent:
        """The event of an attempt that ended with ``error``."""
        status = error.http_status if error.http_status is not None else http_status
        return cls(endpoint=endpoint, http_status=status, code=error.code,
                   duration_seconds=duration_seconds, attempt=attempt, succeeded=False,
                   retryable=isinstance(error, RetryableAPIError),
                   rate_limited=status == 429 or error.code == codes.RATE_LIMITED)


RequestObserver = Callable[[RequestEvent], None]


def notify(observers: Sequence[RequestObserver], event: RequestEvent) -> None:
    """Give ``event`` to every observer; an observer that fails is logged, never raised
    (metrics must not stop a sync)."""
    for observer in observers:
        try:
            observer(event)
        except Exception as exc:  # an observer bug must not fail the request
            logger.warning("Request observer %r failed: %s: %s", observer,
                           type(exc).__name__, exc)
