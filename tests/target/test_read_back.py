"""Writes unsafe to repeat: after an unknown outcome, read back, never blindly replay.

Activate, Deactivate and the shipping calls are not repeated by the client after a
failure that may come after TikTok applied them; the target reads back what the call was
to change: applied items are reported applied, untouched items are sent once more, and
the rest fail with the original error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from target_tiktokshop.apply import Executed, remember_accepted, send
from target_tiktokshop.planner import Part, PlannedCall
from target_tiktokshop.product_cache import ShopCatalog
from target_tiktokshop.shipment_planner import BATCH_SHIP, MARK_SHIPPED
from tests.support.stub_client import SHOP, Call, StubClient, make_product
from tests.support.target_kit import (
    APP_SECRET,
    admin,
    dataset,
    record,
    run_inprocess,
    schema,
    stats,
)
from tiktokshop import codes
from tiktokshop.endpoints import BATCH_SHIP_PACKAGES, DEACTIVATE, MARK_PACKAGE_SHIPPED
from tiktokshop.errors import FatalAPIError, OutcomeUnknownError
from tiktokshop.transport import APIResponse
from tiktokshop_sandbox import Sandbox, SandboxOptions

DEACTIVATE_LABEL = "POST /product/202309/products/deactivate"


def unknown() -> OutcomeUnknownError:
    return OutcomeUnknownError(code=codes.INTERNAL_ERROR, message="Internal error",
                               endpoint=DEACTIVATE_LABEL, http_status=500, request_id="REQ-U")


def deactivate_call(*product_ids: str) -> PlannedCall:
    return PlannedCall("deactivate", DEACTIVATE, {"product_ids": list(product_ids)},
                       [Part(n + 1, pid) for n, pid in enumerate(product_ids)])


def catalog_of(client: StubClient) -> ShopCatalog:
    catalog = ShopCatalog(client, SHOP)  # type: ignore[arg-type]
    catalog.prefetch(product_ids={p["id"] for p in client.products})
    return catalog


def execute(client: StubClient, catalog: ShopCatalog, call: PlannedCall) -> Executed:
    done = send(call, client=client, shop=SHOP, dry_run=False)  # type: ignore[arg-type]
    remember_accepted(done, catalog)
    return done


def test_deactivate_is_read_back_applied_resent_or_failed() -> None:
    client = StubClient([make_product(1, status="SELLER_DEACTIVATED"), make_product(2),
                         make_product(3)])
    catalog = catalog_of(client)
    deactivations: list[list[str]] = []

    def deactivate(call: Call) -> APIResponse:
        deactivations.append(call.body["product_ids"])
        if len(deactivations) == 1:
            raise unknown()
        return APIResponse({}, "REQ-2", 200)

    def detail(call: Call) -> APIResponse:
        if call.path_params["product_id"] == "P3":
            raise FatalAPIError(code=codes.INTERNAL_ERROR, message="down", endpoint="GET /p")
        return client._detail(call)

    client.handlers.update(deactivate=deactivate, product_detail=detail)
    done = execute(client, catalog, deactivate_call("P1", "P2", "P3"))
    assert [r.outcome for r in done.results] == ["applied", "applied", "failed"]
    assert deactivations == [["P1", "P2", "P3"], ["P2"]]  # only the untouched one again
    failed = done.results[2]
    assert failed.code == codes.INTERNAL_ERROR and "may have been applied" in failed.reason
    assert (done.calls, done.lookups) == (2, 3)  # the call and the second; 3 read-backs
    assert catalog.products["P2"].status == "SELLER_DEACTIVATED"
    assert catalog.products["P3"].status == "ACTIVATE"


def test_a_second_unknown_outcome_is_read_back_but_not_sent_a_third_time() -> None:
    client = StubClient([make_product(2)])
    sent = []

    def deactivate(call: Call) -> APIResponse:
        sent.append(call.body)
        raise unknown()

    client.handlers["deactivate"] = deactivate
    done = execute(client, catalog_of(client), deactivate_call("P2"))
    assert len(sent) == 2
    assert [r.outcome for r in done.results] == ["failed"]
    assert "not repeated" in done.results[0].reason


def test_mark_shipped_read_back_finds_the_package_it_created() -> None:
    client = StubClient([])

    def mark(call: Call) -> APIResponse:
        raise unknown()

    def order_detail(call: Call) -> APIResponse:
        assert call.params == {"ids": ["O1"]}
        lines = [{"id": "L1", "package_id": "PKG9", "tracking_number": "TRK-1"},
                 {"id": "L2", "package_id": "PKG9", "tracking_number": "TRK-1"},
                 {"id": "L3", "package_id": None}]
        return APIResponse({"orders": [{"id": "O1", "line_items": lines}]}, "REQ-O", 200)

    client.handlers.update(mark_package_shipped=mark, order_detail=order_detail)
    call = PlannedCall(MARK_SHIPPED, MARK_PACKAGE_SHIPPED,
                       {"order_line_item_ids": ["L1", "L2"], "tracking_number": "TRK-1",
                        "shipping_provider_id": "SP1"}, [Part(4, "O1")],
                       params={"order_id": "O1"})
    done = send(call, client=client, shop=SHOP, dry_run=False)  # type: ignore[arg-type]
    assert [(r.outcome, r.package_id) for r in done.results] == [("applied", "PKG9")]
    assert [c.endpoint for c in client.calls] == ["mark_package_shipped", "order_detail"]


def test_batch_ship_resends_only_the_packages_still_waiting() -> None:
    client = StubClient([])
    batches: list[list[str]] = []

    def batch(call: Call) -> APIResponse:
        batches.append([p["id"] for p in call.body["packages"]])
        if len(batches) == 1:
            raise unknown()
        return APIResponse({"errors": []}, "REQ-B", 200)

    def package(call: Call) -> APIResponse:
        package_id = call.path_params["package_id"]
        shown: dict[str, Any] = {
            "A": {"package_status": "PROCESSING", "tracking_number": "T-A"},
            "B": {"package_status": "TO_FULFILL"},
            "C": {"package_status": "PROCESSING", "tracking_number": "SOMEONE-ELSE"},
        }[package_id]
        return APIResponse({"package_id": package_id, **shown}, "REQ-P", 200)

    client.handlers.update(batch_ship_packages=batch, package_detail=package)
    body = {"packages": [{"id": p, "self_shipment": {"tracking_number": f"T-{p}",
                                                      "shipping_provider_id": "SP"}}
                         for p in "ABC"]}
    call = PlannedCall(BATCH_SHIP, BATCH_SHIP_PACKAGES, body,
                       [Part(n, p) for n, p in enumerate("ABC", 1)])
    done = send(call, client=client, shop=SHOP, dry_run=False)  # type: ignore[arg-type]
    assert batches == [["A", "B", "C"], ["B"]]
    assert [r.outcome for r in done.results] == ["applied", "applied", "failed"]


# ------------------------------------------------------------- against the sandbox
@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(seed=5, shops=1, products=6, orders=0,
                                app_secret=APP_SECRET)) as sb:
        yield sb


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_a_lost_answer_is_read_back_as_applied_and_not_sent_twice(
        sandbox: Sandbox, tmp_path: Path, kind: str) -> None:
    """The sandbox applies the deactivation, then loses the answer (a gateway timing out
    after the API did the work): the record is applied, with one Deactivate call."""
    data = dataset(sandbox.base_url)
    live = next(p for p in data["products"] if p["status"] == "ACTIVATE")
    admin(sandbox.base_url, "/sandbox/faults",
          {"lose_answers": {DEACTIVATE_LABEL: {"count": 1, "kind": kind}}})
    config = {**sandbox.config(), "results_path": str(tmp_path / "results.jsonl"),
              "max_retries": 2, "retry_backoff_seconds": 0}
    run = run_inprocess(config, [schema("products"), record(
        "products", shop_id=live["shop_id"], product_id=live["id"],
        status="SELLER_DEACTIVATED")])
    assert run.error is None, run.stderr[-2000:]
    assert run.outcomes() == ["applied"]
    assert sum(stats(sandbox.base_url)[DEACTIVATE_LABEL].values()) == 1
    after = {p["id"]: p for p in dataset(sandbox.base_url)["products"]}
    assert after[live["id"]]["status"] == "SELLER_DEACTIVATED"
