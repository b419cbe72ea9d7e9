"""Errors that end a target run (printed as one line by ``run_cli``)."""

from __future__ import annotations

from pathlib import Path

from target_tiktokshop.changes import STREAMS
from tiktokshop.errors import TikTokShopError


class UnknownStreamError(TikTokShopError):
    """A stream the target does not write (and ``unknown_streams`` is 'fail')."""

    exit_code = 2

    def __init__(self, stream: str) -> None:
        self.stream = stream
        accepted = ", ".join(STREAMS)
        super().__init__(
            f"stream '{stream}' is not one of the streams target-tiktokshop accepts "
            f"({accepted}); rename it with stream_maps, e.g. "
            f'{{"{stream}": {{"__alias__": "inventory"}}}}, or set unknown_streams: ignore'
        )


class TooManyFailuresError(TikTokShopError):
    """More records failed than ``max_failures`` allows (the other records were applied)."""

    def __init__(self, failed: int, total: int, max_failures: int, results_path: Path,
                 *, dry_run: bool = False) -> None:
        self.failed = failed
        others = ("dry run: nothing was written" if dry_run
                  else "every other record was applied or left unchanged")
        super().__init__(
            f"{failed} of {total} records failed (max_failures is {max_failures}); {others}; "
            f"see {results_path} for each record's outcome and reason"
        )


class RunStoppedError(TikTokShopError):
    """A run-stopping problem (authorization refused, interrupted...); wraps the cause."""

    def __init__(self, cause: BaseException | str, failed: int, results_path: Path,
                 *, exit_code: int | None = None) -> None:
        self.cause = cause
        self.exit_code = exit_code or getattr(cause, "exit_code", 1)
        super().__init__(
            f"{cause} ({failed} records failed or were not attempted; see {results_path})"
        )
