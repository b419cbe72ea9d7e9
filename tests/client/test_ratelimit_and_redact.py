"""The client-side rate limiter and the secret redactor."""

from __future__ import annotations

import io
import logging
import secrets
import threading

from tiktokshop.ratelimit import RateLimiter
from tiktokshop.redact import Redactor, install_log_redaction


def test_rate_limiter_spaces_calls_per_key() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire("a")
    limiter.acquire("b")
    assert [round(w, 3) for w in waits] == [0.1, 0.2, 0.3, 0.4]
    assert RateLimiter(0).acquire("x") == 0.0


def test_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(1000)
    threads = [threading.Thread(target=limiter.acquire, args=("k",)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert max(limiter._next_slot.values()) > 0


def test_redactor_masks_every_secret() -> None:
    redactor = Redactor(["secret-one", "abc", None])
    assert redactor.scrub("x secret-one y abc") == "x *** y abc"


def test_each_installed_redactor_scrubs_tracebacks_another_formatted_first() -> None:
    """Two redactors installed one after the other (a process-wide one, then another):
    the older factory formats the traceback first, and the newer one still masks its own
    secrets in it (it used to skip a traceback already formatted)."""
    # random values: a redactor installed by an earlier test in this process (the
    # process-wide one) must not mask part of them first
    first, second = secrets.token_hex(12), secrets.token_hex(12)
    before = logging.getLogRecordFactory()
    try:
        install_log_redaction(Redactor([first]))
        install_log_redaction(Redactor([second]))
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        log = logging.getLogger("tests.redact.chained")
        log.propagate = False
        log.addHandler(handler)
        try:
            raise ValueError(f"{first} and {second}")
        except ValueError:
            log.exception("failed")
            log.warning("where", stack_info=True)
        finally:
            log.removeHandler(handler)
    finally:
        logging.setLogRecordFactory(before)
    text = stream.getvalue()
    assert "ValueError: *** and ***" in text and first not in text and second not in text
    assert "stack_info=True" in text  # the stack was logged (and scrubbed)
