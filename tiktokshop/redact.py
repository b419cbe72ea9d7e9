"""Keep secrets out of logs and error text (defence in depth; nothing should log them)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    """Replaces every known secret value in a text with ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Remember more secret values (e.g. a rotated token)."""
        for value in secrets:
            if value and len(value) >= MIN_SECRET_LENGTH:
                self._secrets.add(value)

    def scrub(self, text: str) -> str:
        """Text with every secret masked (longest first, so overlaps are fully masked)."""
        for value in sorted(self._secrets, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text


class RedactingFilter(logging.Filter):
    """Logging filter that masks secrets in the final message of every record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def install_log_redaction(redactor: Redactor) -> None:
    """Attach the filter to every handler of the root logger (covers propagated records)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))
    # urllib3 logs full request lines (with query strings) at DEBUG.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


#: Process-wide redactor: settings and token rotation register secrets here.
REDACTOR = Redactor()
