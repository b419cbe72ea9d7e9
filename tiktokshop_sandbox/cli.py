"""``tiktokshop-sandbox``: run the local TikTok Shop Open API emulator.

Writes the tap/target config to ``--config-out`` (atomically, mode 0600), then
prints one line ``tiktokshop-sandbox listening on http://HOST:PORT`` and serves
until SIGINT/SIGTERM (exit 0). Secrets only ever go into the config file. Bad
arguments: argparse's usage + one error line, exit 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .options import (
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SERVICE_ID,
    GZIP_ENV,
    REFRESH_ROTATIONS,
    STRICT_ENV,
    SandboxOptions,
    gzip_by_default,
    strict_by_default,
)
from .server import Sandbox


def _bounded(kind: Callable[[str], Any], low: float | None = None,
             high: float | None = None) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}") from exc
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"[{'' if low is None else low}, {'' if high is None else high}]"
            raise argparse.ArgumentTypeError(f"{text} is outside {span}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tiktokshop-sandbox",
        description="Local emulator of the TikTok Shop Open API (202309+) and its token host.")
    add = p.add_argument
    add("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    add("--port", type=_bounded(int, 0, 65535), default=0, help="0 = pick a free port")
    add("--seed", type=int, default=1, help="dataset seed (default 1)")
    add("--shops", type=_bounded(int, 1, 1000), default=2)
    add("--products", type=_bounded(int, 1, 10_000_000), default=50, help="per shop")
    add("--orders", type=_bounded(int, 0, 10_000_000), default=200, help="per shop")
    add("--returns", type=_bounded(int, 0), default=None, help="per shop (default 10%% of orders)")
    add("--cancellations", type=_bounded(int, 0), default=None,
        help="per shop (default 10%% of orders)")
    add("--warehouses", type=_bounded(int, 1, 100), default=2, help="per shop")
    add("--latency-ms", type=_bounded(int, 0, 600_000), default=0)
    add("--rate-limit-qps", type=_bounded(float, 0), default=50.0,
        help="per app+shop+endpoint; 0 disables (default 50)")
    add("--analytics-rate-limit-qps", type=_bounded(float, 0), default=1.0,
        help="the same for the analytics endpoints; 0 disables (default 1, the reference's "
             "'complex analytics: 0.2-1 request/second')")
    add("--analytics-days", type=_bounded(int, 1, 3_650), default=60,
        help="days of analytics history per shop, up to yesterday (default 60)")
    add("--analytics-today", default=None, metavar="YYYY-MM-DD",
        help="the analytics date (latest_available_date is the day before; default the "
             "sandbox clock's date)")
    add("--fault-rate", type=_bounded(float, 0, 1), default=0.0,
        help="fraction of business requests answered with a retryable fault")
    add("--token-ttl", type=_bounded(int, 1), default=604_800, help="access token lifetime (s)")
    add("--app-key", default=DEFAULT_APP_KEY)
    add("--app-secret", default=DEFAULT_APP_SECRET)
    add("--service-id", default=DEFAULT_SERVICE_ID)
    add("--refresh-rotation", choices=REFRESH_ROTATIONS, default="lenient")
    add("--strict", action="store_true", default=strict_by_default(),
        help="refuse what the reference marks required but the live API most likely accepts: "
             "a GET without content-type, unknown body fields and query parameters (default "
             f"off, on with {STRICT_ENV}=1)")
    add("--gzip", action="store_true", default=gzip_by_default(),
        help="compress answers with gzip for clients that accept it, like a compressing "
             f"gateway (default off, on with {GZIP_ENV}=1)")
    add("--chaos-seed", type=int, default=None,
        help="make order, return, cancellation and package searches misbehave like a live "
             "search can (pages out of order, repeated, short or empty, wrong totals, update "
             "times moving), reproducibly from this seed; default off")
    add("--statements", type=_bounded(int, 1, 100_000), default=None,
        help="per shop, each with --statement-transactions transactions, settling the "
             "completed orders in completion order (needs enough --orders; default one "
             "statement per day of completed orders)")
    add("--statement-transactions", type=_bounded(int, 1, 100_000), default=None,
        help="transactions per statement (with --statements)")
    add("--config-out", type=Path, default=None,
        help="write the tap/target config JSON here (mode 0600)")
    return p


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    return SandboxOptions(
        host=args.host, port=args.port, seed=args.seed, shops=args.shops,
        products=args.products, orders=args.orders, returns=args.returns,
        cancellations=args.cancellations, warehouses=args.warehouses,
        latency_ms=args.latency_ms, rate_limit_qps=args.rate_limit_qps,
        fault_rate=args.fault_rate, token_ttl=args.token_ttl, app_key=args.app_key,
        app_secret=args.app_secret, service_id=args.service_id,
        refresh_rotation=args.refresh_rotation, strict=args.strict, gzip=args.gzip,
        chaos_seed=args.chaos_seed,
        analytics_rate_limit_qps=args.analytics_rate_limit_qps,
        analytics_days=args.analytics_days, analytics_today=args.analytics_today,
        statements=args.statements, statement_transactions=args.statement_transactions,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = options_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sandbox = Sandbox(options).start()
    except OSError as exc:
        print(f"tiktokshop-sandbox: cannot listen on {options.host}:{options.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a dataset the options cannot make (e.g. too few orders)
        parser.error(str(exc))
    try:
        if args.config_out is not None:
            try:
                sandbox.write_config(args.config_out)
            except OSError as exc:
                print(f"tiktokshop-sandbox: cannot write {args.config_out}: "
                      f"{exc.strerror or exc}", file=sys.stderr)
                return 1
        print(f"tiktokshop-sandbox listening on {sandbox.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
