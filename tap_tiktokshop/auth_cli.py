"""The ``tiktokshop-auth`` console script: its commands (``tiktokshop.auth.cli``) with the
tap's settings sources and the tap's streams.

``tiktokshop-auth`` takes the tap's settings from the tap's sources: ``--config`` files,
then ``TAP_TIKTOKSHOP_<SETTING>`` environment variables and ``.env``, parsed by the same
code as the tap's (``tiktokshop_singer.config_errors.parse_env_config``, the SDK's
parsing). It lives in the tap's package because ``check`` needs the tap's streams (which
scopes they need) and the API client package never imports the Singer SDK.
"""

from __future__ import annotations

import signal
import sys
import typing as t

from tap_tiktokshop.connection_check import needed_scopes
from tap_tiktokshop.tap import TapTikTokShop
from tiktokshop.auth.cli import (
    ENV_PREFIX,
    deprecated_env,
    read_config_files,
    read_json_object,
    run,
)
from tiktokshop.check import CheckResult, run_checks
from tiktokshop.errors import ConfigError
from tiktokshop_singer.config_errors import parse_env_config


def read_config(paths: list[str]) -> dict[str, t.Any]:
    """The tap's settings: files, then the deprecated TIKTOKSHOP_* variables, then the tap's
    TAP_TIKTOKSHOP_* variables and ``.env`` (which win)."""
    files = read_config_files(paths)
    env = parse_env_config(TapTikTokShop.config_jsonschema, ENV_PREFIX)  # also reads .env
    return {**files, **deprecated_env(), **env}


def build_tap(config: dict[str, t.Any], catalog_path: str | None) -> TapTikTokShop:
    """The tap, validated like a run of it (one-line ConfigError naming the setting), with
    the catalog's selection; the signal handlers stay this program's (the tap's wait
    for a message to finish, and this program writes none)."""
    catalog = None
    if catalog_path is not None:
        catalog = read_json_object("--catalog", catalog_path)
        if not isinstance(catalog.get("streams"), list):
            raise ConfigError("--catalog", f"{catalog_path} is not a Singer catalog (no "
                                           "\"streams\" list)")
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        return TapTikTokShop(config=config, catalog=catalog, parse_env_config=False,
                             validate_config=True)
    finally:
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)


def check(config: dict[str, t.Any], catalog_path: str | None) -> list[CheckResult]:
    """The connection check with the tap's client and the selected streams' scopes."""
    tap = build_tap(config, catalog_path)
    return run_checks(tap.client, needed_scopes(tap))


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run(list(sys.argv[1:] if argv is None else argv), read_config, check)


if __name__ == "__main__":
    main()

