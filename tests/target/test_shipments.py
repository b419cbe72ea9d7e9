"""The ``shipments`` stream: parsing, planning against orders, and runs against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from target_tiktokshop.changes import Rejected, ShipmentChange, parse_record
from target_tiktokshop.order_cache import OrderState
from target_tiktokshop.product_cache import LookupFailure
from target_tiktokshop.shipment_planner import (
    BATCH_SHIP,
    MARK_SHIPPED,
    SHIP,
    UPDATE_INFO,
    plan_shipments,
)
from tests.support.target_kit import APP_SECRET, dataset, run_inprocess
from tiktokshop_sandbox import Sandbox, SandboxOptions
from tiktokshop_sandbox.gen_orders import PROVIDERS

SHIPMENT_SCHEMA = {"type": "object", "properties": {
    name: {"type": ["string", "null"]}
    for name in ("shop_id", "order_id", "package_id", "tracking_number",
                 "shipping_provider_id", "shipping_provider_name")}}
OPTION = "7091146663229654785"


# ---------------------------------------------------------------------- parsing
@pytest.mark.parametrize(("record", "reason"), [
    ({"shop_id": "1", "tracking_number": "T1", "shipping_provider_id": "9"}, "order_id is missing"),
    ({"shop_id": "1", "order_id": "2", "shipping_provider_id": "9"}, "tracking_number is missing"),
    ({"shop_id": "1", "order_id": "2", "tracking_number": "T1"},
     "shipping_provider_id or shipping_provider_name is required"),
    ({"shop_id": "1", "order_id": "2", "tracking_number": "T1", "shipping_provider_id": "9",
      "shipping_provider_name": "Evri"}, "not both"),
    ({"shop_id": "1", "order_id": "2", "tracking_number": "T 1", "shipping_provider_id": "9"},
     "without spaces"),
    ({"shop_id": "1", "order_id": "../2", "tracking_number": "T1", "shipping_provider_id": "9"},
     "order_id must be an id"),
    ({"shop_id": "1", "order_id": "2", "tracking_number": "T1", "shipping_provider_id": "9",
      "order_line_item_ids": {"a": 1}}, "order_line_item_ids must be a list"),
])
def test_invalid_shipment_records_fail_with_a_reason(record: dict, reason: str) -> None:
    parsed = parse_record("shipments", 1, record)
    assert isinstance(parsed, Rejected) and reason in parsed.reason


def test_a_shipment_record_is_normalised() -> None:
    parsed = parse_record("shipments", 3, {
        "shop_id": 1, "order_id": 2, "package_id": "", "tracking_number": " TRK1 ",
        "shipping_provider_name": " Evri ", "order_line_item_ids": "5, 6,5"})
    assert isinstance(parsed, ShipmentChange)
    assert (parsed.keys.order_id, parsed.keys.package_id, parsed.tracking_number,
            parsed.provider_name, parsed.line_item_ids) == ("2", None, "TRK1", "Evri", ("5", "6"))


# ---------------------------------------------------------------------- planning
class FakeOrders:
    """``ShopOrders`` stand-in: orders given as dicts, providers of one delivery option."""

    def __init__(self, *orders: dict[str, Any]) -> None:
        self.orders = {o["id"]: OrderState.parse(o) for o in orders}

    def order(self, order_id: str) -> OrderState | LookupFailure:
        return self.orders.get(order_id) or LookupFailure(f"order {order_id} was not found")

    def providers(self, option: str) -> list[tuple[str, str]] | LookupFailure:
        return list(PROVIDERS) if option == OPTION else LookupFailure("no such option")


def order(order_id: str, status: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {"id": order_id, "status": status, "delivery_option_id": OPTION,
            "line_items": [{"id": f"{order_id}-{n}", **line} for n, line in enumerate(lines)]}


def shipped(package: str, tracking: str, status: str = "PROCESSING") -> dict[str, Any]:
    return {"package_id": package, "package_status": status, "tracking_number": tracking,
            "shipping_provider_id": PROVIDERS[0][0]}


def change(seq: int, order_id: str, tracking: str = "TRK-1", **extra: Any) -> ShipmentChange:
    record = {"shop_id": "1", "order_id": order_id, "tracking_number": tracking,
              "shipping_provider_name": "Royal Mail", **extra}
    parsed = parse_record("shipments", seq, record)
    assert isinstance(parsed, ShipmentChange), parsed
    return parsed


def test_plan_picks_the_call_per_order_state() -> None:
    orders = FakeOrders(
        order("10", "AWAITING_SHIPMENT", {}, {}),
        order("11", "AWAITING_SHIPMENT", {"package_id": "P11", "package_status": "TO_FULFILL"}),
        order("12", "AWAITING_SHIPMENT", {"package_id": "P12", "package_status": "TO_FULFILL"}),
        order("13", "AWAITING_COLLECTION", shipped("P13", "OLD-1")),
        order("14", "IN_TRANSIT", shipped("P14", "TRK-1", "FULFILLING")),
        order("15", "COMPLETED", shipped("P15", "OLD-2", "COMPLETED")),
        order("16", "UNPAID", {}),
    )
    plan = plan_shipments([change(1, "10"), change(2, "11"), change(3, "12"), change(4, "13"),
                           change(5, "14"), change(6, "15"), change(7, "16"), change(8, "99"),
                           change(9, "10", shipping_provider_name="Nope")],
                          orders, skip_unchanged=True)  # type: ignore[arg-type]
    calls = {call.kind: call for call in plan.calls}
    assert [call.kind for call in plan.calls] == [BATCH_SHIP, MARK_SHIPPED, UPDATE_INFO]
    assert calls[BATCH_SHIP].body == {"packages": [
        {"id": p, "self_shipment": {"tracking_number": "TRK-1",
                                    "shipping_provider_id": PROVIDERS[0][0]}}
        for p in ("P11", "P12")]}
    assert calls[MARK_SHIPPED].body == {"order_line_item_ids": ["10-0", "10-1"],
                                        "tracking_number": "TRK-1",
                                        "shipping_provider_id": PROVIDERS[0][0]}
    assert calls[MARK_SHIPPED].path_params == {"order_id": "10"}
    assert calls[UPDATE_INFO].path_params == {"package_id": "P13"}
    outcomes = {o.seq: o for o in plan.outcomes}
    assert outcomes[5].outcome == "unchanged" and outcomes[5].keys.package_id == "P14"
    assert "COMPLETED" in (outcomes[6].reason or "")
    assert "UNPAID" in (outcomes[7].reason or "")
    assert "not found" in (outcomes[8].reason or "")
    assert "unknown shipping_provider_name 'Nope'" in (outcomes[9].reason or "")
    assert "Royal Mail, Evri, DPD" in (outcomes[9].reason or "")


def test_one_package_to_ship_uses_ship_package_and_last_record_wins() -> None:
    orders = FakeOrders(order("11", "AWAITING_SHIPMENT",
                              {"package_id": "P11", "package_status": "TO_FULFILL"}))
    plan = plan_shipments([change(1, "11", "A-1"), change(2, "11", "A-2")], orders,
                          skip_unchanged=True)  # type: ignore[arg-type]
    assert [(c.kind, c.path_params, c.body["self_shipment"]["tracking_number"])
            for c in plan.calls] == [(SHIP, {"package_id": "P11"}, "A-2")]
    assert [(o.seq, o.outcome, o.superseded_by) for o in plan.outcomes] == [
        (1, "superseded", 2)]


def test_partial_shipments_and_ambiguous_orders() -> None:
    orders = FakeOrders(order("20", "PARTIALLY_SHIPPING", shipped("P20", "X-1"), {}, {}))
    plan = plan_shipments([
        change(1, "20"),  # whole order: one package and open lines -> ambiguous
        change(2, "20", order_line_item_ids=["20-1"]),
        change(3, "20", order_line_item_ids=["20-9"]),
        change(4, "20", package_id="P20", tracking_number="X-1"),
    ], orders, skip_unchanged=True)  # type: ignore[arg-type]
    outcomes = {o.seq: o for o in plan.outcomes}
    assert "give package_id" in (outcomes[1].reason or "")
    assert "20-9 is not a line item" in (outcomes[3].reason or "")
    assert outcomes[4].outcome == "unchanged"
    assert [(c.kind, c.body["order_line_item_ids"]) for c in plan.calls] == [
        (MARK_SHIPPED, ["20-1"])]


# ---------------------------------------------------------------------- runs
@pytest.fixture
def shop_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(seed=3, shops=2, products=20, orders=200,
                                app_secret=APP_SECRET)) as sb:
        yield sb


def messages(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "SCHEMA", "stream": "shipments", "schema": SHIPMENT_SCHEMA,
             "key_properties": []},
            *({"type": "RECORD", "stream": "shipments", "record": r} for r in records)]


def test_shipments_against_the_sandbox(shop_sandbox: Sandbox, tmp_path: Path) -> None:
    data = dataset(shop_sandbox.base_url)
    shop = data["shops"][0]["id"]
    mine = [o for o in data["orders"] if o["shop_id"] == shop]
    waiting = [o for o in mine if o["status"] == "AWAITING_SHIPMENT"][:2]
    in_transit = next(o for o in mine if o["status"] == "AWAITING_COLLECTION")
    package = in_transit["line_items"][0]["package_id"]
    current = in_transit["line_items"][0]["tracking_number"]
    config = {**shop_sandbox.config(), "results_path": str(tmp_path / "results.jsonl")}
    records = [
        {"shop_id": shop, "order_id": waiting[0]["id"], "tracking_number": "NEW-000001",
         "shipping_provider_name": "evri"},
        {"shop_id": shop, "order_id": waiting[1]["id"], "tracking_number": "NEW-000002",
         "shipping_provider_id": PROVIDERS[2][0]},
        {"shop_id": shop, "order_id": in_transit["id"], "package_id": package,
         "tracking_number": "FIX-000003", "shipping_provider_name": "Royal Mail"},
        {"shop_id": shop, "order_id": in_transit["id"], "package_id": package,
         "tracking_number": current, "shipping_provider_name": "Pigeon Post"},
        {"shop_id": shop, "order_id": "1", "tracking_number": "NEW-000005",
         "shipping_provider_name": "Evri"},
    ]
    run = run_inprocess(config, messages(*records))
    assert run.error is not None  # failures beyond max_failures 0
    by_seq = run.by_seq()
    assert [by_seq[n]["outcome"] for n in range(1, 6)] == [
        "applied", "applied", "applied", "failed", "failed"]
    assert by_seq[1]["endpoint"] == "POST /fulfillment/202309/orders/{order_id}/packages"
    assert by_seq[1]["package_id"] and by_seq[1]["order_id"] == waiting[0]["id"]
    assert by_seq[3]["endpoint"].endswith("/packages/{package_id}/shipping_info/update")
    assert by_seq[3]["previous"]["tracking_number"] == current
    assert "Pigeon Post" in by_seq[4]["reason"]
    assert "not found" in by_seq[5]["reason"]
    after = {o["id"]: o for o in dataset(shop_sandbox.base_url)["orders"]}
    first = after[waiting[0]["id"]]
    assert first["status"] == "AWAITING_COLLECTION"
    assert {(li["package_id"], li["tracking_number"], li["shipping_provider_name"])
            for li in first["line_items"]} == {(by_seq[1]["package_id"], "NEW-000001", "Evri")}
    fixed = [li for li in after[in_transit["id"]]["line_items"] if li["package_id"] == package]
    assert {li["tracking_number"] for li in fixed} == {"FIX-000003"}

    again = run_inprocess(config, messages(*records[:3]))
    assert again.error is None
    assert again.outcomes() == ["unchanged", "unchanged", "unchanged"]
