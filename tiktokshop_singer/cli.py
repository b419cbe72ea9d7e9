"""Console entry points for the Singer plugins: one clear line per error, never a traceback.

Errors this project raises on purpose (configuration, authorization, API) print a single
line naming the setting or the API code and what to do, then exit non-zero. Anything
else is a bug: it prints one line too, and the traceback only with TIKTOKSHOP_DEBUG=1.

A missing or unreadable ``--config``/``--state``/``--catalog`` file is reported the same
way, as a one-line :class:`ConfigError` naming the option (the SDK would print a
traceback).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.redact import REDACTOR

#: Command-line options whose value is a JSON file the SDK reads.
FILE_OPTIONS = ("--config", "--state", "--catalog")
#: The SDK logs this (at ERROR, without the error) before re-raising a stream's exception.
SDK_STREAM_FAILED = "An unhandled error occurred while syncing '%s'"


def check_file_options(argv: list[str]) -> None:
    """Fail with one line when a ``--config``/``--state``/``--catalog`` file is unusable.

    Raises:
        ConfigError: naming the option and the file.
    """
    for index, arg in enumerate(argv):
        option, _, value = arg.partition("=")
        if option not in FILE_OPTIONS:
            continue
        if not value:
            if index + 1 >= len(argv):
                continue  # click reports the missing value
            value = argv[index + 1]
        if option == "--config" and value == "ENV":
            continue
        path = Path(value)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(option, f"file not found: {value}") from None
        except IsADirectoryError:
            raise ConfigError(option, f"{value} is a folder, not a JSON file") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConfigError(option, f"cannot read {value}: {reason}") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(option, f"{value} is not valid JSON ({exc.msg} at line "
                                      f"{exc.lineno})") from None
        if not isinstance(loaded, dict):
            raise ConfigError(option, f"{value} must hold a JSON object")


def run_cli(command: click.Command, prog: str, argv: list[str] | None = None) -> NoReturn:
    """Run a click command; turn exceptions into one redacted line on stderr."""
    debug = bool(os.environ.get("TIKTOKSHOP_DEBUG"))
    args = list(sys.argv[1:] if argv is None else argv)
    install_known_error_demotion()
    try:
        check_file_options(args)
        command.main(args=args, prog_name=prog, standalone_mode=True)
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


# ---------------------------------------------------------------------- log hygiene
def install_known_error_demotion() -> None:
    """Demote the SDK's "unhandled error" log line when the error is one of ours.

    The SDK logs "An unhandled error occurred while syncing 'x'" at ERROR before it
    re-raises a stream's exception; for an error this project raised on purpose the
    one-line message printed by :func:`run_cli` is the error, so that line becomes an
    INFO note and the user sees exactly one error line.
    """
    base = logging.getLogRecordFactory()
    if getattr(base, "_tiktokshop_demotion", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if record.msg == SDK_STREAM_FAILED and record.levelno >= logging.ERROR \
                and isinstance(sys.exc_info()[1], TikTokShopError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "Stopped syncing '%s' (the error is reported below)"
        return record

    factory._tiktokshop_demotion = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
