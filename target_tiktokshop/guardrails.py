"""Guardrails against a broken feed: per-record limits and run-level breakers.

Per-record limits (checked by the planner against the current values the product cache
already holds, so they cost no API call): a record that breaks one is not sent; its
results line has the outcome ``refused``, the limit's setting name, and the current and
requested values.

Run-level breakers look at a whole run of one stream: too many inventory records taking
stock to 0, or too many price records refused by ``max_price_change_percent``, and
nothing of that stream is written in the run. To decide over the whole run, inventory
and price writes wait for the end of input while their breaker is on (see
``Limits.holds`` and ``held.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from target_tiktokshop.changes import INVENTORY, PRICES

MAX_PRICE_CHANGE = "max_price_change_percent"
MIN_PRICE = "min_price"
MAX_PRICE = "max_price"
MAX_STOCK_CHANGE = "max_stock_change"
BREAKER_ZERO_STOCK = "breaker_zero_stock_percent"
BREAKER_PRICE_CHANGE = "breaker_price_change_percent"
OVERRIDE_BREAKERS = "override_breakers"
OVERRIDE_ENV = "TARGET_TIKTOKSHOP_OVERRIDE_BREAKERS"
#: A breaker only looks at runs with at least this many records of its stream.
BREAKER_MIN_RECORDS = 20
#: A breaker percentage at which the breaker can never trip (it is off).
BREAKER_OFF = Decimal(100)


def percent_text(value: Decimal) -> str:
    """A percentage for messages: at most one decimal, no trailing zeros (``12.5``, ``80``)."""
    rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:f}".rstrip("0").rstrip(".") if "." in f"{rounded:f}" else f"{rounded:f}"


@dataclass(frozen=True)
class Refusal:
    """Why one record is not sent: the limit it breaks, and the values compared."""

    limit: str  # the setting's name (or the breaker's)
    limit_value: str
    current: Any
    requested: Any
    reason: str

    def record(self) -> dict[str, Any]:
        """The results line's ``guardrail`` object."""
        return {"limit": self.limit, "limit_value": self.limit_value,
                "current": self.current, "requested": self.requested}


@dataclass(frozen=True)
class Limits:
    """The guardrail settings of a run (``None``: that limit is not set)."""

    max_price_change_percent: Decimal | None = Decimal(80)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_stock_change: int | None = None
    breaker_zero_stock_percent: Decimal = Decimal(50)
    breaker_price_change_percent: Decimal = Decimal(20)
    override_breakers: bool = False

    def breaker_percent(self, stream: str) -> Decimal | None:
        """The breaker of a stream, or None when it has none or it is off."""
        if self.override_breakers:
            return None
        percent = {INVENTORY: self.breaker_zero_stock_percent,
                   PRICES: self.breaker_price_change_percent}.get(stream)
        if percent is None or percent >= BREAKER_OFF:
            return None
        if stream == PRICES and self.max_price_change_percent is None:
            return None  # nothing can be refused by a limit that is not set
        return percent

    def holds(self, stream: str) -> bool:
        """True when this stream's writes wait for the end of input (its breaker is on)."""
        return self.breaker_percent(stream) is not None

    # ------------------------------------------------------------------ per record
    def check_stock(self, current: int, requested: int) -> Refusal | None:
        """The stock limit a quantity change breaks, if any."""
        limit = self.max_stock_change
        if limit is None or abs(requested - current) <= limit:
            return None
        return Refusal(
            MAX_STOCK_CHANGE, str(limit), current, requested,
            f"{MAX_STOCK_CHANGE}: the stock would change by {abs(requested - current):,} "
            f"(from {current:,} to {requested:,}); the limit is {limit:,}")

    def check_price(self, name: str, current: str | None, requested: Decimal,
                    currency: str) -> Refusal | None:
        """The price limit a change of price ``name`` (``amount``, ``sale_price``) breaks.

        The absolute bounds come first, then the change against the current value of the
        same field (skipped when TikTok shows no current value for it).
        """
        shown = _money(requested)
        if self.min_price is not None and requested < self.min_price:
            return Refusal(MIN_PRICE, _money(self.min_price), current, shown,
                           f"{MIN_PRICE}: {name} {shown} {currency} is below the minimum "
                           f"{_money(self.min_price)} (current {current or 'unknown'})")
        if self.max_price is not None and requested > self.max_price:
            return Refusal(MAX_PRICE, _money(self.max_price), current, shown,
                           f"{MAX_PRICE}: {name} {shown} {currency} is above the maximum "
                           f"{_money(self.max_price)} (current {current or 'unknown'})")
        limit = self.max_price_change_percent
        before = _decimal(current)
        if limit is None or before is None or before <= 0:
            return None
        change = abs(requested - before) * 100 / before
        if change <= limit:
            return None
        return Refusal(
            MAX_PRICE_CHANGE, percent_text(limit), current, shown,
            f"{MAX_PRICE_CHANGE}: {name} would change by {percent_text(change)}% (from "
            f"{current} to {shown} {currency}); the limit is {percent_text(limit)}%")


#: No limit set and both breakers off (the planner's default, e.g. in unit tests).
NO_LIMITS = Limits(max_price_change_percent=None, breaker_zero_stock_percent=BREAKER_OFF,
                   breaker_price_change_percent=BREAKER_OFF)


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal(text) if text is not None else None
    except ArithmeticError:
        return None
    return value if value is not None and value.is_finite() else None


def _money(value: Decimal) -> str:
    return f"{value:f}"


@dataclass(frozen=True)
class BreakerTrip:
    """A run-level breaker that tripped: which, on what counts."""

    setting: str
    stream: str
    hits: int
    records: int
    percent: Decimal

    @property
    def noun(self) -> str:
        """How messages name the stream's records ("inventory", "price")."""
        return "price" if self.stream == PRICES else self.stream

    @property
    def what(self) -> str:
        if self.setting == BREAKER_ZERO_STOCK:
            return "would set stock to 0"
        return f"were refused by {MAX_PRICE_CHANGE}"

    def describe(self) -> str:
        """Which breaker, on which counts (used in the error line and the results)."""
        share = Decimal(self.hits) * 100 / Decimal(self.records)
        return (f"{self.setting} tripped: {self.hits} of {self.records} {self.noun} records "
                f"({percent_text(share)}%) {self.what}, more than the "
                f"{percent_text(self.percent)}% allowed")

    def refusal(self, current: Any, requested: Any) -> Refusal:
        """The refusal of one record of the stream because of this breaker."""
        return Refusal(self.setting, percent_text(self.percent), current, requested,
                       f"{self.describe()}; no {self.noun} record of this run was "
                       f"written (set {OVERRIDE_BREAKERS}: true to let such a run through)")


def evaluate_breaker(limits: Limits, stream: str, records: int, hits: int) -> BreakerTrip | None:
    """The trip of ``stream``'s breaker for a run with ``records`` counted records, of
    which ``hits`` are zero-stock (inventory) or price-change refusals (prices)."""
    percent = limits.breaker_percent(stream)
    if percent is None or records < BREAKER_MIN_RECORDS:
        return None
    if Decimal(hits) * 100 <= percent * Decimal(records):
        return None
    setting = BREAKER_ZERO_STOCK if stream == INVENTORY else BREAKER_PRICE_CHANGE
    return BreakerTrip(setting, stream, hits, records, percent)
