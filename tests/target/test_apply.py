"""Per-item error mapping and call execution (stubbed client)."""

from __future__ import annotations

from target_tiktokshop.apply import Executed, map_item_errors, remember_accepted, send
from target_tiktokshop.planner import Part, PlannedCall
from target_tiktokshop.product_cache import ShopCatalog
from tests.support.stub_client import SHOP, Call, StubClient, make_product
from tiktokshop import codes
from tiktokshop.endpoints import ACTIVATE, INVENTORY_UPDATE, PRICE_UPDATE
from tiktokshop.errors import FatalAPIError
from tiktokshop.transport import APIResponse


def execute(call, *, client, shop, catalog, dry_run: bool) -> Executed:
    """Send one call the way the executor does, then remember what TikTok accepted."""
    done = send(call, client=client, shop=shop, dry_run=dry_run)
    remember_accepted(done, catalog)
    return done

def test_sku_error_maps_to_the_records_of_that_sku_only():
    parts = [Part(1, "S1", "W0"), Part(2, "S1", "W1"), Part(3, "S2", "W0")]
    data = {"errors": [{
        "code": codes.INVENTORY_WAREHOUSES_INCOMPLETE, "message": "Incomplete.",
        "detail": {"sku_id": "S1", "extra_errors": [
            {"code": codes.WAREHOUSE_NOT_FOUND, "message": "No such warehouse.",
             "warehouse_id": "W1"}]},
    }]}
    failed = map_item_errors(parts, data)
    assert set(failed) == {0, 1}
    assert failed[0][0] == codes.INVENTORY_WAREHOUSES_INCOMPLETE
    assert failed[1][0] == codes.WAREHOUSE_NOT_FOUND  # the warehouse-specific code
    assert "warehouse W1: 12052097 No such warehouse." in failed[1][1]


def test_product_errors_of_activate():
    parts = [Part(1, "P1"), Part(2, "P2")]
    data = {"errors": [{"code": codes.PRODUCT_WRONG_STATUS, "message": "Wrong status.",
                        "detail": {"product_id": "P2"}}]}
    assert map_item_errors(parts, data) == {1: (codes.PRODUCT_WRONG_STATUS, "Wrong status.")}


def test_error_naming_nothing_in_the_call_fails_every_record():
    parts = [Part(1, "S1"), Part(2, "S2")]
    failed = map_item_errors(parts, {"errors": [{"code": 1, "message": "Odd."}]})
    assert set(failed) == {0, 1}
    assert "not tied to an item" in failed[0][1]


def test_no_errors_means_all_applied():
    assert map_item_errors([Part(1, "S1")], {}) == {}
    assert map_item_errors([Part(1, "S1")], {"errors": []}) == {}


def _catalog(client: StubClient) -> ShopCatalog:
    catalog = ShopCatalog(client, SHOP)  # type: ignore[arg-type]
    catalog.prefetch(product_ids={"P1"})
    return catalog


def test_execute_maps_item_errors_and_remembers_applied_values():
    client = StubClient([make_product(1, skus=2, quantity=5)])
    catalog = _catalog(client)
    client.handlers["inventory_update"] = lambda call: APIResponse({"errors": [{
        "code": codes.INVENTORY_LOCKED, "message": "Locked.", "detail": {"sku_id": "S1-1"}}]},
        "REQ-W", 200)
    call = PlannedCall("inventory", INVENTORY_UPDATE, {"skus": [
        {"id": "S1-0", "inventory": [{"warehouse_id": "W0", "quantity": 1}]},
        {"id": "S1-1", "inventory": [{"warehouse_id": "W0", "quantity": 2}]},
    ]}, [Part(1, "S1-0", "W0"), Part(2, "S1-1", "W0")], "P1")
    done = execute(call, client=client, shop=SHOP, catalog=catalog, dry_run=False)
    assert [(r.outcome, r.code, r.request_id) for r in done.results] == [
        ("applied", 0, "REQ-W"), ("failed", codes.INVENTORY_LOCKED, "REQ-W")]
    assert done.calls == 1
    assert catalog.products["P1"].skus["S1-0"].inventory == {"W0": 1}
    assert catalog.products["P1"].skus["S1-1"].inventory == {"W0": 5}  # refused: unchanged


def test_failed_call_fails_exactly_its_records_with_tiktok_details():
    client = StubClient([make_product(1)])
    catalog = _catalog(client)

    def refuse(call: Call) -> APIResponse:
        raise FatalAPIError(code=codes.PRODUCT_STATUS_INVALID, message="Bad status.",
                            endpoint="POST /x", request_id="REQ-F")

    client.handlers["inventory_update"] = refuse
    call = PlannedCall("inventory", INVENTORY_UPDATE, {"skus": [
        {"id": "S1-0", "inventory": [{"warehouse_id": "W0", "quantity": 1}]}]},
        [Part(7, "S1-0", "W0")], "P1")
    done = execute(call, client=client, shop=SHOP, catalog=catalog, dry_run=False)
    (result,) = done.results
    assert (result.outcome, result.code, result.message, result.request_id) == (
        "failed", codes.PRODUCT_STATUS_INVALID, "Bad status.", "REQ-F")
    assert "the call failed" in (result.reason or "")


def test_locked_price_is_retried_sku_by_sku():
    client = StubClient([make_product(1, skus=3)])
    catalog = _catalog(client)

    def price_update(call: Call) -> APIResponse:
        if any(sku["id"] == "S1-1" for sku in call.body["skus"]):
            raise FatalAPIError(code=codes.PRICE_LOCKED_BY_PROMOTION, message="Locked.",
                                endpoint="POST /prices", request_id="REQ-L")
        return APIResponse({}, "REQ-OK", 200)

    client.handlers["price_update"] = price_update
    skus = [{"id": f"S1-{k}", "price": {"amount": "1.00", "currency": "GBP"}} for k in range(3)]
    call = PlannedCall("price", PRICE_UPDATE, {"skus": skus},
                       [Part(k + 1, f"S1-{k}") for k in range(3)], "P1")
    done = execute(call, client=client, shop=SHOP, catalog=catalog, dry_run=False)
    assert [(r.outcome, r.code) for r in done.results] == [
        ("applied", 0), ("failed", codes.PRICE_LOCKED_BY_PROMOTION), ("applied", 0)]
    assert done.calls == 4  # the refused call, then one per SKU
    assert catalog.products["P1"].skus["S1-0"].sale_price == "1.00"
    assert catalog.products["P1"].skus["S1-1"].sale_price == "10.00"


def test_dry_run_calls_nothing():
    client = StubClient([make_product(1)])
    catalog = _catalog(client)
    before = len(client.calls)
    call = PlannedCall("activate", ACTIVATE, {"product_ids": ["P1"]}, [Part(1, "P1")])
    done = execute(call, client=client, shop=SHOP, catalog=catalog, dry_run=True)
    assert [r.outcome for r in done.results] == ["planned"]
    assert len(client.calls) == before
