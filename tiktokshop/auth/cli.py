"""tiktokshop-auth: authorize shops and keep their tokens.

    tiktokshop-auth link     --config config.json [--state S]   print the authorization link
    tiktokshop-auth exchange --config config.json --code CODE   store tokens in token_store_path
    tiktokshop-auth shops    --config config.json               list the token's authorized shops

Config files are the plugins' JSON configs (several --config files merge, later wins).
Settings can also come from TIKTOKSHOP_<SETTING> environment variables.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tiktokshop.auth.tokens import TokenManager
from tiktokshop.connection import SETTING_SPECS, load_settings
from tiktokshop.errors import ConfigError, TikTokShopError
from tiktokshop.redact import REDACTOR
from tiktokshop.shops import load_shops
from tiktokshop.transport import TikTokShopClient

ENV_PREFIX = "TIKTOKSHOP_"


def read_config(paths: list[str]) -> dict[str, Any]:
    """Merge JSON config files and TIKTOKSHOP_* environment variables (env wins)."""
    config: dict[str, Any] = {}
    for path in paths:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("--config", f"file not found: {path}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError("--config", f"{path} is not valid JSON ({exc.msg})") from None
        if not isinstance(loaded, dict):
            raise ConfigError("--config", f"{path} must hold a JSON object")
        config.update(loaded)
    for name in (spec.name for spec in SETTING_SPECS):
        value = os.environ.get(ENV_PREFIX + name.upper())
        if value:
            config[name] = value
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
    code = args.code or os.environ.get(ENV_PREFIX + "AUTH_CODE") or config.get("auth_code")
    if args.code == "-":
        code = sys.stdin.readline().strip()
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


def build_parser() -> argparse.ArgumentParser:
    """Command-line parser."""
    parser = argparse.ArgumentParser(prog="tiktokshop-auth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("link", cmd_link, "print the seller authorization link"),
        ("exchange", cmd_exchange, "exchange an auth code for tokens (into token_store_path)"),
        ("shops", cmd_shops, "list the authorized shops (id, name, region, type, code)"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--config", action="append", default=[], metavar="FILE")
        command.set_defaults(func=func)
    sub.choices["link"].add_argument("--state", help="opaque value echoed back in the redirect")
    sub.choices["exchange"].add_argument("--code", help="the auth code (- reads stdin)")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors, non-zero exit, never a traceback."""
    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("TIKTOKSHOP_DEBUG"))
    try:
        args.func(args, read_config(args.config))
    except TikTokShopError as exc:
        if debug:
            raise
        print(f"tiktokshop-auth: error: {REDACTOR.scrub(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        text = REDACTOR.scrub(" ".join(str(exc).split()))[:500]
        print(f"tiktokshop-auth: unexpected error: {type(exc).__name__}: {text} (this is a "
              "bug; run again with TIKTOKSHOP_DEBUG=1 for the traceback and report it)",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
