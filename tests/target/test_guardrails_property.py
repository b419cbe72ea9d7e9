"""Property: whatever the feed and the guardrail settings, a refused record never reaches
the API, what is applied respects every limit, a tripped breaker writes nothing of its
stream, and every record gets exactly one results line.

The whole target runs in-process (Singer input, sinks, hold, planner, executor) against a
stub client that records every write call.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import defaultdict
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from target_tiktokshop.guardrails import BREAKER_PRICE_CHANGE, BREAKER_ZERO_STOCK
from target_tiktokshop.run_errors import BreakerTrippedError, TooManyFailuresError
from target_tiktokshop.runtime import Run
from target_tiktokshop.settings import load_options
from target_tiktokshop.target import TargetTikTokShop
from tests.support.stub_client import SHOP, StubClient, make_product
from tests.support.target_kit import read_results
from tiktokshop.connection import load_settings
from tiktokshop.transport import APIResponse

BASE = {"app_key": "k", "app_secret": "secret-value", "refresh_token": "refresh-value",
        "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}
QUANTITIES = (0, 5, 40, 120, 300)
PRICES = ("4.00", "10.00", "25.00", "60.00", "99.90")
PRODUCTS = 16  # 32 SKUs, 40 SKU-warehouse pairs: enough for a breaker (20 records)
TWO_WAREHOUSES = 4  # the last products are stocked in two warehouses


def catalog() -> list[dict[str, Any]]:
    """``PRODUCTS`` products of 2 SKUs, the last ``TWO_WAREHOUSES`` in two warehouses."""
    products = []
    for pid in range(PRODUCTS):
        product = make_product(pid, skus=2,
                               warehouses=1 if pid < PRODUCTS - TWO_WAREHOUSES else 2,
                               price=PRICES[pid % 5], quantity=QUANTITIES[pid % 5])
        for k, sku in enumerate(product["skus"]):
            sku["price"]["tax_exclusive_price"] = str(
                (Decimal(PRICES[(pid + k) % 5]) / Decimal("1.2")).quantize(Decimal("0.01")))
            for w, stock in enumerate(sku["inventory"]):
                stock["quantity"] = QUANTITIES[(pid + k + w) % 5]
        products.append(product)
    return products


class Stub(StubClient):
    """The stub catalogue, plus Get Authorized Shops and the transport's own methods."""

    seller_type: str | None = None

    def call(self, endpoint: Any, **kwargs: Any) -> APIResponse:
        if endpoint.name == "authorized_shops":
            return APIResponse({"shops": [{"id": SHOP.id, "cipher": SHOP.cipher,
                                           "seller_type": self.seller_type}]}, "REQ", 200)
        return super().call(endpoint, **kwargs)

    def reserve_connections(self, count: int) -> None:
        """Connection pools are the real transport's concern."""

    def close(self) -> None:
        """Nothing to close."""


def stub_target(stub: Stub) -> type[TargetTikTokShop]:
    class StubTarget(TargetTikTokShop):
        @cached_property
        def run(self) -> Run:
            run = Run(load_settings(self.config), load_options(self.config))
            run._client = stub  # type: ignore[assignment]
            run.results.start()
            return run

    return StubTarget


def inventory(pid: int, k: int, w: int, quantity: int, by_seller_sku: bool) -> dict:
    """A stock record; ``w`` 2 names a warehouse the SKU is not stocked in (it fails)."""
    if w < 2 and pid < PRODUCTS - TWO_WAREHOUSES:
        w = 0
    keys = ({"seller_sku": f"SSKU-{pid}-{k}"} if by_seller_sku
            else {"product_id": f"P{pid}", "sku_id": f"S{pid}-{k}"})
    return {"stream": "inventory", "record": {"shop_id": SHOP.id, **keys,
                                              "warehouse_id": f"W{w}", "quantity": quantity}}


def price(pid: int, k: int, cents: int, by_seller_sku: bool) -> dict:
    keys = ({"seller_sku": f"SSKU-{pid}-{k}"} if by_seller_sku
            else {"product_id": f"P{pid}", "sku_id": f"S{pid}-{k}"})
    return {"stream": "prices", "record": {"shop_id": SHOP.id, **keys,
                                           "amount": f"{cents / 100:.2f}", "currency": "GBP"}}


RECORD = st.one_of(
    st.builds(inventory, st.integers(0, PRODUCTS - 1), st.integers(0, 1),
              st.sampled_from((0, 1, 1, 2)),
              st.sampled_from((0, 0, 0, 1, 5, 39, 41, 150, 400)), st.booleans()),
    st.builds(price, st.integers(0, PRODUCTS - 1), st.integers(0, 1),
              st.integers(100, 20_000), st.booleans()),
)
# small feeds, and feeds big enough for the breakers (20 records of a stream)
RECORDS = st.one_of(st.lists(RECORD, max_size=20), st.lists(RECORD, min_size=60, max_size=120))
LIMITS = st.fixed_dictionaries({
    "max_price_change_percent": st.sampled_from((None, 10, 150.5, 10**6)),  # None: 80
    "min_price": st.sampled_from((None, "5.00")),
    "max_price": st.sampled_from((None, 90)),
    "max_stock_change": st.sampled_from((None, 1, 35, 200)),
    "breaker_zero_stock_percent": st.sampled_from((0, 10, 50, 100)),
    "breaker_price_change_percent": st.sampled_from((0, 20, 100)),
    "override_breakers": st.sampled_from((False, False, True)),
    "dry_run": st.booleans(),
    "batch_size_rows": st.sampled_from((3, 10_000)),
})


def messages(records: list[dict]) -> str:
    schemas = [{"type": "SCHEMA", "stream": s, "key_properties": [],
                "schema": {"type": "object", "properties": {}}} for s in ("inventory", "prices")]
    return "".join(json.dumps(m) + "\n" for m in
                   [*schemas, *({"type": "RECORD", **r} for r in records)])


def breaks_limits(line: dict[str, Any], limits: dict[str, Any]) -> list[str]:
    """The per-record limits a line's value breaks against its previous value."""
    value, previous = line["value"] or {}, line["previous"] or {}
    broken = []
    if line["stream"] == "inventory":
        limit = limits["max_stock_change"]
        if limit is not None and abs(value["quantity"] - previous["quantity"]) > limit:
            broken.append("max_stock_change")
        return broken
    amount = Decimal(value["amount"])
    if limits["min_price"] is not None and amount < Decimal(limits["min_price"]):
        broken.append("min_price")
    if limits["max_price"] is not None and amount > Decimal(limits["max_price"]):
        broken.append("max_price")
    percent = limits["max_price_change_percent"] or 80  # the default when not set
    current = previous.get("amount")
    if current is not None and Decimal(current) > 0 and \
            abs(amount - Decimal(current)) * 100 / Decimal(current) > Decimal(str(percent)):
        broken.append("max_price_change_percent")
    return broken


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=RECORDS, limits=LIMITS, seller_type=st.sampled_from((None, "CROSS_BORDER")))
def test_refused_records_never_reach_the_api(records, limits, seller_type):
    stub = Stub(catalog())
    stub.seller_type = seller_type
    initial = {(s["id"], stock["warehouse_id"]): stock["quantity"]
               for p in stub.products for s in p["skus"] for stock in s["inventory"]}
    with tempfile.TemporaryDirectory() as tmp:
        results_path = Path(tmp) / "results.jsonl"
        config = {**BASE, "results_path": str(results_path),
                  **{k: v for k, v in limits.items() if v is not None}}
        target = stub_target(stub)(config=config)
        error = None
        try:
            target.listen(io.StringIO(messages(records)))
        except (BreakerTrippedError, TooManyFailuresError) as exc:
            error = exc
        lines = read_results(results_path)

    # exactly one results line per record
    assert sorted(line["seq"] for line in lines) == list(range(1, len(records) + 1))
    assert [line["stream"] for line in sorted(lines, key=lambda x: x["seq"])] == [
        r["stream"] for r in records]

    writes = [c for c in stub.calls if c.endpoint in ("inventory_update", "price_update")]
    if limits["dry_run"]:
        assert writes == []
    tripped = {trip.stream for trip in getattr(error, "trips", [])}
    for stream in sorted(tripped):
        event(f"breaker tripped: {stream}")
    if tripped:
        assert not limits["override_breakers"]
    for stream, endpoint in (("inventory", "inventory_update"), ("prices", "price_update")):
        if stream in tripped:  # a tripped breaker writes nothing of its stream
            assert [c for c in writes if c.endpoint == endpoint] == []
            assert all(line["outcome"] not in ("applied", "planned")
                       for line in lines if line["stream"] == stream)

    # Every value sent is an applied record's, in input order, one per SKU (and warehouse)
    # and record: so a refused record's value never reaches the API. Update Inventory also
    # re-sends the current quantity of a SKU's other warehouses; those change nothing.
    applied = sorted((line for line in lines if line["outcome"] == "applied"),
                     key=lambda line: line["seq"])
    expected_stock: dict[tuple[str, str], list[int]] = defaultdict(list)
    expected_price: dict[str, list[str]] = defaultdict(list)
    for line in applied:
        if line["stream"] == "inventory":
            expected_stock[(line["sku_id"], line["warehouse_id"])].append(
                line["value"]["quantity"])
        else:
            expected_price[line["sku_id"]].append(line["value"]["amount"])
    current = dict(initial)
    sent_stock: dict[tuple[str, str], list[int]] = defaultdict(list)
    sent_price: dict[str, list[str]] = defaultdict(list)
    for call in writes:
        for sku in call.body["skus"]:
            if call.endpoint == "price_update":
                sent_price[sku["id"]].append(sku["price"]["amount"])
                continue
            for entry in sku["inventory"]:
                key = (sku["id"], entry["warehouse_id"])
                if entry["quantity"] != current[key]:
                    sent_stock[key].append(entry["quantity"])
                    current[key] = entry["quantity"]
    assert dict(sent_stock) == dict(expected_stock)
    assert dict(sent_price) == dict(expected_price)

    for line in lines:
        limit = (line["guardrail"] or {}).get("limit")
        if line["outcome"] in ("applied", "planned"):  # what goes through respects the limits
            assert breaks_limits(line, limits) == [], line
        if line["outcome"] == "refused":
            assert limit is not None and line["reason"].startswith(limit)
            if limit in (BREAKER_ZERO_STOCK, BREAKER_PRICE_CHANGE):
                assert line["stream"] in tripped
            else:
                assert limit in breaks_limits(line, limits), line
