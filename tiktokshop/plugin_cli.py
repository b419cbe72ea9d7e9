"""Console entry points for the Singer plugins: one clear line per error, never a traceback.

Errors this project raises on purpose (configuration, authorization, API) print a single
line naming the setting or the API code and what to do, then exit non-zero. Anything
else is a bug: it prints one line too, and the traceback only with TIKTOKSHOP_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from tiktokshop.errors import TikTokShopError
from tiktokshop.redact import REDACTOR


def run_cli(command: click.Command, prog: str, argv: list[str] | None = None) -> NoReturn:
    """Run a click command; turn exceptions into one redacted line on stderr."""
    debug = bool(os.environ.get("TIKTOKSHOP_DEBUG"))
    try:
        command.main(args=argv, prog_name=prog, standalone_mode=True)
    except TikTokShopError as exc:
        if debug:
            raise
        print(f"{prog}: error: {REDACTOR.scrub(str(exc))}", file=sys.stderr)  # noqa: T201
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        text = REDACTOR.scrub(" ".join(str(exc).split()))[:500]
        print(  # noqa: T201
            f"{prog}: unexpected error: {type(exc).__name__}: {text} "
            "(this is a bug; run again with TIKTOKSHOP_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(0)
