"""Console entry points for the Singer plugins: one clear line per error, never a traceback.

Errors this project raises on purpose (configuration, authorization, API) print a single
line naming the setting or the API code and what to do, then exit non-zero. Anything
else is a bug: it prints one line too, and the traceback only with TIKTOKSHOP_DEBUG=1.

Configuration problems the Meltano SDK would otherwise report its own way (a missing or
unreadable ``--config``/``--state``/``--catalog`` file, an environment variable that is
not a number, a built-in SDK setting of the wrong type) are turned into the same
one-line :class:`ConfigError` naming the setting.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.redact import REDACTOR
from tiktokshop.settings import SECRET_SETTINGS

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


# ---------------------------------------------------------------------- settings
_KINDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false",
          "string": "a string", "array": "a list", "object": "a JSON object"}


def _show(setting: str, value: Any) -> str:
    if setting in SECRET_SETTINGS:
        return type(value).__name__
    text = repr(float(value)) if type(value).__name__ == "Decimal" else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def schema_config_error(schema: Mapping[str, Any], config: Mapping[str, Any]) -> ConfigError:
    """The first JSON-schema problem of a config, as a ConfigError naming the setting."""
    from singer_sdk.plugin_base import JSONSchemaValidator

    errors = sorted(JSONSchemaValidator(dict(schema)).iter_errors(dict(config)),
                    key=lambda e: [str(p) for p in e.path])
    if not errors:
        return ConfigError("config", "failed the plugin's schema validation")
    error = errors[0]
    setting = ".".join(str(p) for p in error.path) or "config"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) \
            else [error.validator_value]
        kinds = " or ".join(_KINDS.get(str(w), str(w)) for w in wanted if w != "null")
        return ConfigError(setting, f"must be {kinds}, got {_show(setting, error.instance)}")
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value if v is not None)
        return ConfigError(setting, f"must be one of {allowed}, got "
                                    f"{_show(setting, error.instance)}")
    message = error.message if setting not in SECRET_SETTINGS else error.validator
    return ConfigError(setting, f"is invalid: {message}")


def parse_env_config(schema: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The SDK's environment-variable config parsing, with a ConfigError naming the setting
    (instead of a bare ``ValueError``) when a variable cannot be read as its type."""
    from singer_sdk.configuration._dict_config import parse_environment_config

    try:
        return parse_environment_config(dict(schema), prefix)
    except ValueError:  # int('abc'), invalid JSON for arrays and objects
        for name, prop in (schema.get("properties") or {}).items():
            try:
                parse_environment_config({"properties": {name: prop}}, prefix)
            except ValueError:
                variable = prefix + name.upper().replace("-", "_")
                types = prop.get("type") if isinstance(prop, Mapping) else None
                wanted = [types] if isinstance(types, str) else list(types or [])
                kinds = " or ".join(_KINDS.get(str(w), str(w)) for w in wanted if w != "null")
                raise ConfigError(name, f"the environment variable {variable} must be "
                                        f"{kinds or 'valid'}") from None
        raise

