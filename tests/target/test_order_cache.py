"""Order lookups of the ``shipments`` stream (``ShopOrders``) with a stubbed client: how a
Get Order Detail answer that lacks requested ids is read."""

from __future__ import annotations

from collections.abc import Callable

from target_tiktokshop.order_cache import OrderState, ShopOrders
from target_tiktokshop.product_cache import LookupFailure
from tests.support.stub_client import SHOP, Call, StubClient
from tiktokshop import codes
from tiktokshop.errors import FatalAPIError
from tiktokshop.transport import APIResponse

KNOWN = {str(n): {"id": str(n), "status": "AWAITING_SHIPMENT", "delivery_option_id": "D1",
                  "line_items": [{"id": f"{n}-0"}]} for n in range(100, 110)}


def detail(parse: Callable[[list[str]], list[str]],
           unknown: str = "empty") -> Callable[[Call], APIResponse]:
    """A Get Order Detail handler: ``parse`` turns the requested ids into the ids the server
    looks up; an unknown id is left out of the answer (``unknown="empty"``) or fails the
    call with 21008111 (``unknown="error"``)."""

    def answer(call: Call) -> APIResponse:
        ids = list((call.params or {})["ids"])
        orders = []
        for order_id in parse(ids):
            if order_id in KNOWN:
                orders.append(KNOWN[order_id])
            elif unknown == "error":
                raise FatalAPIError(code=codes.ORDER_NOT_OWNED, message="The order or package "
                                    "does not belong to the current seller.",
                                    endpoint="GET /order/202309/orders", request_id="REQ-x")
        return APIResponse({"orders": orders}, "REQ-orders", 200)

    return answer


def orders_with(handler: Callable[[Call], APIResponse]) -> tuple[ShopOrders, StubClient]:
    client = StubClient([], handlers={"order_detail": handler})
    return ShopOrders(client, SHOP), client  # type: ignore[arg-type]


def requested(client: StubClient) -> list[list[str]]:
    return [list((c.params or {})["ids"]) for c in client.calls]


def test_when_every_id_is_answered_one_call_reads_them() -> None:
    orders, client = orders_with(detail(lambda ids: ids))
    orders.prefetch(["100", "101", "102"])
    assert requested(client) == [["100", "101", "102"]]
    assert orders.lookup_calls == 1
    for order_id in ("100", "101", "102"):
        state = orders.order(order_id)
        assert isinstance(state, OrderState) and state.id == order_id
    assert orders.lookup_calls == 1  # cached: no further call


def test_a_server_reading_the_list_as_one_id_still_finds_every_order() -> None:
    # The whole comma-joined string taken as one (unknown) id: code 0, no orders.
    orders, client = orders_with(detail(lambda ids: [",".join(ids)]))
    orders.prefetch(["100", "101", "102"])
    assert requested(client) == [["100", "101", "102"], ["100"], ["101"], ["102"]]
    for order_id in ("100", "101", "102"):
        assert isinstance(orders.order(order_id), OrderState)


def test_only_the_ids_a_multi_id_answer_lacks_are_read_again() -> None:
    # A server that answers only the first id of a list.
    orders, client = orders_with(detail(lambda ids: ids[:1]))
    orders.prefetch(["100", "101", "102"])
    assert requested(client) == [["100", "101", "102"], ["101"], ["102"]]
    assert all(isinstance(orders.order(o), OrderState) for o in ("100", "101", "102"))


def test_an_unknown_order_still_ends_not_found_with_the_same_reason() -> None:
    orders, client = orders_with(detail(lambda ids: ids))
    orders.prefetch(["100", "999", "101"])
    assert requested(client) == [["100", "999", "101"], ["999"]]
    missing = orders.order("999")
    assert isinstance(missing, LookupFailure)
    assert missing.reason == f"order 999 was not found in shop {SHOP.id}"
    assert isinstance(orders.order("100"), OrderState)
    assert orders.lookup_calls == 2


def test_an_unknown_order_refused_with_21008111_is_found_out_id_by_id() -> None:
    orders, client = orders_with(detail(lambda ids: ids, unknown="error"))
    orders.prefetch(["100", "999"])
    assert requested(client) == [["100", "999"], ["100"], ["999"]]
    missing = orders.order("999")
    assert isinstance(missing, LookupFailure) and missing.code == codes.ORDER_NOT_OWNED
    assert missing.reason == f"order 999 was not found in shop {SHOP.id}"
    assert isinstance(orders.order("100"), OrderState)


def test_a_single_unknown_order_is_not_found_after_one_call() -> None:
    orders, client = orders_with(detail(lambda ids: ids))
    missing = orders.order("999")
    assert isinstance(missing, LookupFailure)
    assert missing.reason == f"order 999 was not found in shop {SHOP.id}"
    assert requested(client) == [["999"]]
