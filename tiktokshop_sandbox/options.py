"""Options of the sandbox, shared by the command line and the Python API."""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import time
from dataclasses import dataclass, field

DEFAULT_APP_KEY = "6sbxk3y7tts01"
DEFAULT_APP_SECRET = "sbx0secret7f3c9e1d5a2b8c4e6f0a1b2c3d"
DEFAULT_SERVICE_ID = "7301234567890123999"
PRODUCT_SEARCH_CAP = 10_000
REFRESH_ROTATIONS = ("lenient", "strict")
#: Set to 1 to make ``strict`` the default (this project's own tests do, tests/conftest.py).
STRICT_ENV = "TIKTOKSHOP_SANDBOX_STRICT"
#: Set to 1 to make ``gzip`` the default (this project's own tests do, tests/conftest.py).
GZIP_ENV = "TIKTOKSHOP_SANDBOX_GZIP"


def _is_date(text: str) -> bool:
    """True for a real calendar date written ``YYYY-MM-DD``."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def strict_by_default() -> bool:
    """``strict`` unless asked: off, or on when the environment says so."""
    return os.environ.get(STRICT_ENV, "").strip() == "1"


def gzip_by_default() -> bool:
    """``gzip`` unless asked: off, or on when the environment says so."""
    return os.environ.get(GZIP_ENV, "").strip() == "1"


@dataclass
class SandboxOptions:
    """Everything that shapes one sandbox instance.

    ``returns`` / ``cancellations`` default to ~10% of ``orders`` (per shop).
    ``product_search_cap`` is internal (no command-line flag): tests lower it to
    exercise the 10,000-result cap of Search Products quickly. ``token_prefix`` (internal)
    starts every access token, refresh token and auth code: tests set a distinctive one to
    find any token that leaks into output. ``token_faults`` (internal) also injects faults
    into the token host routes (off by default: ``fault_rate`` covers business requests).
    ``strict`` refuses what the reference marks required but the live API most likely
    accepts (a GET without ``content-type``, body fields or query parameters the snapshot
    does not define); off, the sandbox answers like the live API most likely does, so
    other clients can use it. This project's client tests run it strict.
    ``gzip``: compress answers (``Content-Encoding: gzip``) for a client that accepts it,
    as a server behind a compressing gateway does; a client that reads the raw stream
    must decode it. Off by default (on with ``TIKTOKSHOP_SANDBOX_GZIP=1``, as this
    project's tests run it).
    ``chaos_seed`` makes searches misbehave reproducibly (see ``chaos``; None: off).
    ``processing_statements`` (internal): how many of each shop's newest statements are not
    paid yet; they are paid one after another, ``statement_settle_seconds`` (internal)
    apart, from the sandbox's start (see ``gen_finance``).
    ``statements`` and ``statement_transactions`` (both or neither): each shop's finance has
    exactly that many statements of that many transactions (for benchmarks; the shop needs
    enough completed orders, see ``gen_finance``); None: one statement per day of settled
    orders.
    ``clock_skew_seconds`` (internal; also ``POST /sandbox/clock``): the sandbox's clock
    runs this far ahead of the machine's (behind when negative). It dates the ``Date``
    header, the request ``timestamp`` window, and tokens: a client's clock seen from a
    server whose clock differs.
    ``analytics_rate_limit_qps``: the rate limit of the analytics endpoints (per app, shop
    and endpoint, like ``rate_limit_qps`` for the others; 0 disables). Off by default here,
    in the in-process sandbox that tests, benchmarks and ``make demo`` start (they ask for
    a limit when they test it); the command line enforces 1 request/s unless told
    otherwise. ``config()`` hands the limit to the tap (``rate_limit_qps_analytics``).
    ``analytics_days``: days of analytics history per shop, up to the day before
    ``analytics_today`` (default: the last day of the dataset's orders, so that every
    day's figures come from its orders; see ``analytics_book``). ``promotion_activities`` and
    ``coupons`` (internal): how many of each a shop has.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    shops: int = 2
    products: int = 50
    orders: int = 200
    returns: int | None = None
    cancellations: int | None = None
    warehouses: int = 2
    latency_ms: int = 0
    rate_limit_qps: float = 50.0
    fault_rate: float = 0.0
    token_ttl: int = 604_800
    app_key: str = DEFAULT_APP_KEY
    app_secret: str = DEFAULT_APP_SECRET
    service_id: str = DEFAULT_SERVICE_ID
    refresh_rotation: str = "lenient"
    product_search_cap: int = PRODUCT_SEARCH_CAP
    token_prefix: str = "ROW_"
    token_faults: bool = False
    strict: bool = field(default_factory=strict_by_default)
    gzip: bool = field(default_factory=gzip_by_default)
    chaos_seed: int | None = None
    processing_statements: int = 3
    statement_settle_seconds: int = 3600
    clock_skew_seconds: float = 0.0
    analytics_rate_limit_qps: float = 0.0
    analytics_days: int = 60
    analytics_today: str | None = None
    promotion_activities: int = 12
    coupons: int = 8
    statements: int | None = None
    statement_transactions: int | None = None

    @property
    def finance_layout(self) -> tuple[int, int] | None:
        """``(statements, transactions per statement)`` when fixed, else None."""
        if self.statements is None or self.statement_transactions is None:
            return None
        return self.statements, self.statement_transactions

    def __post_init__(self) -> None:
        self.validate()

    @property
    def returns_per_shop(self) -> int:
        return self.orders // 10 if self.returns is None else self.returns

    @property
    def cancellations_per_shop(self) -> int:
        return self.orders // 10 if self.cancellations is None else self.cancellations

    def validate(self) -> None:
        """Raise ValueError on impossible combinations (the CLI maps it to exit 2)."""
        checks = [
            (0 <= self.port <= 65535, "port must be in 0..65535"),
            (self.shops >= 1, "shops must be >= 1"),
            (self.products >= 1, "products must be >= 1"),
            (self.orders >= 0, "orders must be >= 0"),
            (self.warehouses >= 1, "warehouses must be >= 1"),
            (self.latency_ms >= 0, "latency-ms must be >= 0"),
            (self.rate_limit_qps >= 0, "rate-limit-qps must be >= 0 (0 disables)"),
            (self.analytics_rate_limit_qps >= 0,
             "analytics-rate-limit-qps must be >= 0 (0 disables)"),
            (self.analytics_days >= 1, "analytics-days must be >= 1"),
            (self.analytics_today is None or _is_date(self.analytics_today),
             "analytics-today must be a date YYYY-MM-DD"),
            (self.promotion_activities >= 0, "promotion_activities must be >= 0"),
            (self.coupons >= 0, "coupons must be >= 0"),
            (0.0 <= self.fault_rate <= 1.0, "fault-rate must be in 0..1"),
            (self.token_ttl >= 1, "token-ttl must be >= 1 second"),
            (self.refresh_rotation in REFRESH_ROTATIONS, "refresh-rotation: lenient|strict"),
            (0 <= self.returns_per_shop <= self.orders, "returns must be in 0..orders"),
            (0 <= self.cancellations_per_shop <= self.orders, "cancellations must be in 0..orders"),
            (self.product_search_cap >= 1, "product_search_cap must be >= 1"),
            (self.processing_statements >= 0, "processing_statements must be >= 0"),
            (self.statement_settle_seconds >= 1, "statement_settle_seconds must be >= 1"),
            ((self.statements is None) == (self.statement_transactions is None),
             "statements and statement-transactions go together"),
            (self.statements is None or self.statements >= 1, "statements must be >= 1"),
            (self.statement_transactions is None or self.statement_transactions >= 1,
             "statement-transactions must be >= 1"),
            (bool(self.app_key) and bool(self.app_secret), "app key and secret are required"),
            (bool(re.fullmatch(r"[A-Za-z0-9_-]{1,32}", self.token_prefix)),
             "token_prefix must be 1-32 URL-safe characters"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def now(self) -> float:
        """The sandbox's clock (Unix seconds): the machine's plus ``clock_skew_seconds``."""
        return time.time() + self.clock_skew_seconds

    def replace(self, **changes: object) -> SandboxOptions:
        return dataclasses.replace(self, **changes)
