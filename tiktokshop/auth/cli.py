"""The ``tiktokshop-auth`` commands: authorize shops, keep their tokens, check the connection.

The console script (``tap_tiktokshop.auth_cli``) runs them with the tap's settings sources
and stream list, which need the Singer SDK (this package never imports it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tiktokshop.auth.tokens import TokenManager
from tiktokshop.check import CheckResult, raise_if_failed
from tiktokshop.connection import SETTING_SPECS, load_settings
from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.redact import REDACTOR
from tiktokshop.shops import load_shops
from tiktokshop.transport import TikTokShopClient

PROG = "tiktokshop-auth"
DESCRIPTION = """tiktokshop-auth: authorize shops, keep their tokens, check the connection.

    tiktokshop-auth link     [--config FILE] [--state S]    print the authorization link
    tiktokshop-auth exchange [--config FILE] --code CODE    store tokens in token_store_path
    tiktokshop-auth shops    [--config FILE]                list the token's authorized shops
    tiktokshop-auth check    [--config FILE] [--catalog F]  check the connection, one line
                                                            per check (exit 0: all passed)

Settings are the tap's (tap-tiktokshop), from the same sources: --config files (several
merge, later wins; ENV is accepted and changes nothing), then TAP_TIKTOKSHOP_<SETTING>
environment variables and a .env file, which win. Tokens go to and come from the tap's
token store (token_store_path). Under Meltano: `meltano invoke tiktokshop-auth check`.
TIKTOKSHOP_<SETTING> variables still work but are deprecated.
"""
#: The tap's prefix, which tiktokshop-auth reads (through the tap: see auth_cli).
ENV_PREFIX = "TAP_TIKTOKSHOP_"
#: The prefix tiktokshop-auth read before it took the tap's settings (deprecated).
DEPRECATED_PREFIX = "TIKTOKSHOP_"

#: ``check(config, catalog_path) -> results``: the connection check with the tap's streams.
Checker = Callable[[dict[str, Any], str | None], Sequence[CheckResult]]
#: ``read_config(config_paths) -> config``: the tap's settings sources, merged.
ConfigReader = Callable[[list[str]], dict[str, Any]]


def read_json_object(option: str, path: str) -> dict[str, Any]:
    """A JSON object from a file named on the command line (one-line errors)."""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(option, f"file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(option, f"{path} is a folder, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(option, f"cannot read {path}: {reason}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(option, f"{path} is not valid JSON ({exc.msg})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(option, f"{path} must hold a JSON object")
    return loaded


def read_config_files(paths: list[str]) -> dict[str, Any]:
    """Merge JSON config files (later wins); ``ENV`` is skipped, as the plugins skip it."""
    config: dict[str, Any] = {}
    for path in paths:
        if path != "ENV":
            config.update(read_json_object("--config", path))
    return config


def deprecated_env() -> dict[str, Any]:
    """Settings from the deprecated TIKTOKSHOP_<SETTING> variables, each named once on
    stderr with its replacement (a TAP_TIKTOKSHOP_ variable wins over it)."""
    config: dict[str, Any] = {}
    for name in (spec.name for spec in SETTING_SPECS):
        old, new = DEPRECATED_PREFIX + name.upper(), ENV_PREFIX + name.upper()
        value = os.environ.get(old)
        if value and new not in os.environ:
            config[name] = value
            print(f"{PROG}: warning: {old} is deprecated; use {new} (the tap's name)",
                  file=sys.stderr)
    return config


def authorization_link(config: dict[str, Any], state: str | None) -> str:
    """The page where a seller authorizes the app for their shops."""
    service_id = config.get("service_id")
    if not service_id:
        raise ConfigError("service_id", "is required for the authorization link (Partner "
                          "Center > App & Service > the ID shown under your app's name)")
    # The link needs no secret: validate only what it uses.
    settings = load_settings({**config, "app_secret": config.get("app_secret") or "-",
                              "auth_code": config.get("auth_code") or "-"})
    query = {"service_id": service_id, **({"state": state} if state else {})}
    return f"{settings.authorize_url_base}/open/authorize?{urlencode(query)}"


def cmd_link(args: argparse.Namespace, config: dict[str, Any]) -> None:
    """Print the authorization link."""
    print(authorization_link(config, args.state))
    print("Open it while logged in as the seller; after consent TikTok redirects to your app's "
          "redirect URL with ?code=...; run `tiktokshop-auth exchange --code CODE` within 30 "
          "minutes.", file=sys.stderr)


def cmd_exchange(args: argparse.Namespace, config: dict[str, Any]) -> None:
    """Exchange an auth code and store the tokens."""
    code = sys.stdin.readline().strip() if args.code == "-" else (
        args.code or config.get("auth_code"))
    if not code:
        raise ConfigError("auth_code", "pass --code CODE (or - to read it from stdin)")
    REDACTOR.add(code)
    settings = load_settings({**config, "auth_code": code})
    if settings.token_store_path is None:
        raise ConfigError("token_store_path", "is required: the tokens must be kept somewhere "
                          "(the file is written with mode 0600)")
    tokens = TokenManager(settings).exchange_auth_code(code)
    expiry = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(tokens.refresh_token_expire_in or 0))
    print(f"Authorized seller {tokens.seller_name!r} ({tokens.seller_base_region}); tokens "
          f"saved to {settings.token_store_path}; authorization valid until {expiry}; scopes: "
          f"{', '.join(tokens.granted_scopes) or 'none listed'}")


def cmd_shops(args: argparse.Namespace, config: dict[str, Any]) -> None:
    """List the shops the token is authorized for."""
    settings = load_settings(config)
    client = TikTokShopClient(settings)
    for shop in load_shops(client, None):
        print(f"{shop.id}\t{shop.name}\t{shop.region}\t{shop.seller_type}\t{shop.code}")


def print_checks(results: Sequence[CheckResult]) -> None:
    """One line per check on stdout.

    Raises:
        ConnectionCheckFailed: when a check failed (exit status 1).
    """
    for result in results:
        print(result.line(), flush=True)
    raise_if_failed(results)


def build_parser() -> argparse.ArgumentParser:
    """Command-line parser."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("link", "print the seller authorization link"),
        ("exchange", "exchange an auth code for tokens (into token_store_path)"),
        ("shops", "list the authorized shops (id, name, region, type, code)"),
        ("check", "check the connection: token, shops, scopes, clock, region (one line each; "
                  "exit status 0 only when every check passed)"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--config", action="append", default=[], metavar="FILE",
                             help="a JSON config file like the tap's (repeatable)")
    sub.choices["link"].add_argument("--state", help="opaque value echoed back in the redirect")
    sub.choices["exchange"].add_argument("--code", help="the auth code (- reads stdin)")
    sub.choices["check"].add_argument(
        "--catalog", metavar="FILE",
        help="a tap catalog: check the scopes of its selected streams (default: every stream)")
    return parser


def run(argv: list[str], read_config: ConfigReader, check: Checker) -> None:
    """Run one command; one-line errors and a non-zero exit, never a traceback.

    ``read_config`` gives the merged settings and ``check`` runs the connection check
    (both come from the tap: see ``tap_tiktokshop.auth_cli``).
    """
    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("TIKTOKSHOP_DEBUG"))
    try:
        config = read_config(args.config)
        if args.command == "check":
            print_checks(check(config, args.catalog))
        else:
            {"link": cmd_link, "exchange": cmd_exchange, "shops": cmd_shops}[args.command](
                args, config)
    except TikTokShopError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {REDACTOR.scrub(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        text = REDACTOR.scrub(" ".join(str(exc).split()))[:500]
        print(f"{PROG}: unexpected error: {type(exc).__name__}: {text} (this is a "
              "bug; run again with TIKTOKSHOP_DEBUG=1 for the traceback and report it)",
              file=sys.stderr)
        sys.exit(1)
