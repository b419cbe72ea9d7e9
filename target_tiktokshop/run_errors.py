"""Errors that end a target run (printed as one line by ``run_cli``)."""

from __future__ import annotations

from pathlib import Path

from target_tiktokshop.changes import STREAMS
from target_tiktokshop.guardrails import OVERRIDE_BREAKERS, OVERRIDE_ENV, BreakerTrip
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
    """More records failed (or were refused by a guardrail) than ``max_failures`` allows
    (the other records were applied)."""

    def __init__(self, failed: int, total: int, max_failures: int, results_path: Path,
                 *, dry_run: bool = False, refused: int = 0) -> None:
        self.failed = failed
        self.refused = refused
        others = ("dry run: nothing was written" if dry_run
                  else "every other record was applied or left unchanged")
        if refused:
            what = (f"{failed + refused} of {total} records were not applied ({failed} failed, "
                    f"{refused} refused by a guardrail; max_failures is {max_failures})")
        else:
            what = f"{failed} of {total} records failed (max_failures is {max_failures})"
        super().__init__(f"{what}; {others}; see {results_path} for each record's outcome "
                         "and reason")


class BreakerTrippedError(TikTokShopError):
    """A run-level breaker stopped every write of its stream in this run."""

    exit_code = 3

    def __init__(self, trips: list[BreakerTrip], results_path: Path, *,
                 dry_run: bool = False) -> None:
        self.trips = list(trips)
        written = "would be written" if dry_run else "was written"
        parts = [f"{trip.describe()}; no {trip.noun} record of this run {written}"
                 for trip in trips]
        super().__init__(
            f"{'; '.join(parts)} (each is 'refused' in {results_path}); if the feed is right, "
            f"let this run through with {OVERRIDE_BREAKERS}: true (or {OVERRIDE_ENV}=true)"
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
