"""Retry policy: exponential backoff with jitter, honouring Retry-After (python-backoff)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import backoff

from tiktokshop.errors import RetryableAPIError

MAX_DELAY_SECONDS = 60.0
F = TypeVar("F", bound=Callable[..., Any])


def backoff_delays(base: float, cap: float = MAX_DELAY_SECONDS) -> Generator[float, Any, None]:
    """Wait generator for ``backoff.on_exception``.

    backoff sends the exception that caused the retry; a ``retry_after`` on it (from a
    Retry-After header) is a floor. Otherwise the delay doubles from ``base`` with
    "equal jitter" (half fixed, half random) so parallel workers spread out.
    """
    exc = yield 0.0  # primed by backoff with send(None)
    attempt = 0
    while True:
        delay = min(cap, base * (2**attempt))
        wait = delay / 2 + random.uniform(0, delay / 2)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            wait = min(cap, max(wait, float(retry_after)))
        attempt += 1
        exc = yield wait


def with_retries(
    *,
    max_retries: int,
    base_delay: float,
    logger: logging.Logger,
    what: Callable[[], str],
) -> Callable[[F], F]:
    """Decorator retrying ``RetryableAPIError`` up to ``max_retries`` times."""

    def on_backoff(details: Any) -> None:
        exc = details.get("exception")
        logger.warning(
            "%s: temporary failure (%s); retry %d of %d in %.2fs",
            what(), exc, details["tries"], max_retries, details["wait"],
        )

    return backoff.on_exception(
        backoff_delays,
        RetryableAPIError,
        max_tries=max_retries + 1,
        jitter=None,
        on_backoff=on_backoff,
        logger=None,
        base=base_delay,
    )
