"""Keep secrets out of logs and error text (defence in depth; nothing should log them)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    """Replaces every known secret value in a text with ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so overlapping secrets are fully masked. Replaced, never mutated:
        # threads may scrub while a token rotation adds a value.
        self._secrets: tuple[str, ...] = ()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Remember more secret values (e.g. a rotated token)."""
        new = {v for v in secrets if v and len(v) >= MIN_SECRET_LENGTH} - set(self._secrets)
        if new:
            self._secrets = tuple(sorted({*self._secrets, *new}, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        """Text with every secret masked."""
        for value in self._secrets:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def scrub_record(self, record: logging.LogRecord) -> logging.LogRecord:
        """Mask secrets in a log record's message and traceback text, in place."""
        if not self._secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it, as usual
            return record
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_text:  # formatted already (by another redactor's factory): scrub it
            record.exc_text = self.scrub(record.exc_text)
        elif record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            clean = self.scrub(text)
            if clean != text:
                record.exc_text = clean
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return record


class RedactingFilter(logging.Filter):
    """Logging filter that masks secrets in the final message of every record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        self.redactor.scrub_record(record)
        return True


def install_log_redaction(redactor: Redactor) -> None:
    """Mask secrets in every log record, whatever logger or handler emits it.

    A log record factory scrubs each record when it is created, so handlers added later
    (a logging config file, a library, a test) and loggers that do not propagate to the
    root are covered too. The filters on the root handlers existing now are kept as a
    second layer. Idempotent.
    """
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))
    base = logging.getLogRecordFactory()
    if redactor not in getattr(base, "_tiktokshop_redactors", ()):

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redactor.scrub_record(base(*args, **kwargs))

        factory._tiktokshop_redactors = (  # type: ignore[attr-defined]
            *getattr(base, "_tiktokshop_redactors", ()), redactor)
        logging.setLogRecordFactory(factory)
    # urllib3 logs full request lines (with query strings) at DEBUG.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


#: Process-wide redactor: settings and token rotation register secrets here.
REDACTOR = Redactor()
