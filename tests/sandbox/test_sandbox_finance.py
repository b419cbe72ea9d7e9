"""Finance in the sandbox: books that reconcile, records that point at orders and
payments, statements paid by the clock or the admin route, paging, errors, per-shop scopes."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox, SandboxOptions
from tiktokshop_sandbox.dataset import Dataset
from tiktokshop_sandbox.gen_finance import FINANCE_KINDS

from .conftest import Api, error_of

STATEMENTS = "/finance/202309/statements"
PAYMENTS = "/finance/202309/payments"
WITHDRAWALS = "/finance/202309/withdrawals"
UNSETTLED = "/finance/202507/orders/unsettled"
ALL_TYPES = "WITHDRAW,SETTLE,TRANSFER,REVERSE"
AMOUNTS = ("settlement_amount", "revenue_amount", "shipping_cost_amount", "adjustment_amount")


def transactions_path(version: str, statement_id: str) -> str:
    return f"/finance/{version}/statements/{statement_id}/statement_transactions"


@pytest.fixture(scope="module")
def dump() -> dict:
    return Dataset(SandboxOptions(seed=41, shops=2, products=30, orders=400)).dump()


def test_statements_reconcile_with_their_transactions(dump: dict) -> None:
    sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for txn in dump["statement_transactions"]:
        total = sums[(txn["shop_id"], txn["statement_id"])]
        for field in AMOUNTS:
            total[field] += Decimal(txn[field])
        total["fee_amount"] += Decimal(txn["fee_tax_amount"])
        parts = (Decimal(txn["revenue_amount"]) + Decimal(txn["fee_tax_amount"])
                 + Decimal(txn["shipping_cost_amount"]) + Decimal(txn["adjustment_amount"]))
        assert parts == Decimal(txn["settlement_amount"])
        if txn["type"] == "ORDER":  # the breakdowns add up to their totals
            fees = txn["fee_tax_breakdown"]
            assert sum(Decimal(v) for part in fees.values() for v in part.values()) == Decimal(
                txn["fee_tax_amount"])
            for name, total_name in (("revenue_breakdown", "revenue_amount"),
                                     ("shipping_cost_breakdown", "shipping_cost_amount")):
                assert sum(Decimal(v) for v in txn[name].values()) == Decimal(txn[total_name])
    assert len(dump["statements"]) > 20
    for statement in dump["statements"]:
        total = sums[(statement["shop_id"], statement["id"])]
        for field in (*AMOUNTS, "fee_amount"):
            assert total[field] == Decimal(statement[field]), (statement["id"], field)
        assert all(len(statement[f].rsplit(".", 1)[1]) == 2 for f in AMOUNTS)  # cents


def test_finance_points_at_orders_and_payments(dump: dict) -> None:
    orders = {(o["shop_id"], o["id"]): o for o in dump["orders"]}
    kinds = set()
    for txn in dump["statement_transactions"]:
        kinds.add(txn["type"])
        order = orders[(txn["shop_id"], txn.get("order_id") or txn["adjustment_order_id"])]
        assert order["create_time"] == txn["order_create_time"]
    assert "ORDER" in kinds and len(kinds) > 1
    payments = {(p["shop_id"], p["id"]): p for p in dump["payments"]}
    assert len(payments) == len(dump["statements"])  # one payment per statement
    statuses = set()
    for statement in dump["statements"]:
        statuses.add(statement["payment_status"])
        if statement["payment_status"] == "PAID":
            payment = payments[(statement["shop_id"], statement["payment_id"])]
            assert payment["status"] == "PAID"
            assert payment["paid_time"] == statement["payment_time"]
            assert payment["amount"] == {"value": statement["settlement_amount"],
                                         "currency": statement["currency"]}
        else:
            assert "payment_id" not in statement and "payment_time" not in statement
    assert statuses == {"PAID", "PROCESSING"}
    for row in dump["unsettled_transactions"]:
        assert orders[(row["shop_id"], row["order_id"])]["status"] not in ("COMPLETED",
                                                                        "CANCELLED", "UNPAID")
    assert {w["type"] for w in dump["withdrawals"]} >= {"SETTLE", "TRANSFER", "WITHDRAW"}
    for kind in FINANCE_KINDS:
        assert {r["shop_id"] for r in dump[kind]} == {s["id"] for s in dump["shops"]}, kind


def test_same_seed_same_finance() -> None:
    options = SandboxOptions(seed=42, shops=1, products=10, orders=120)
    one, two = Dataset(options).dump(set(FINANCE_KINDS)), Dataset(options).dump(
        set(FINANCE_KINDS))
    assert json.dumps(one) == json.dumps(two)


def test_admin_route_pays_the_oldest_unpaid_statements(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=43, shops=2, products=10, orders=150, processing_statements=3,
                      rate_limit_qps=0)
    api = Api(sb)
    shop = api.shop.id
    unpaid = [s for s in api.ok("GET", STATEMENTS, {"sort_field": "statement_time",
                                                    "page_size": "100"})["statements"]
              if s["payment_status"] == "PROCESSING"]
    assert len(unpaid) == 3
    before = int(time.time())
    paid = api.admin("POST", "finance/settle", {"statements": 2, "shop_id": shop})
    assert paid["statements"] == [s["id"] for s in unpaid[:2]]
    now = {s["id"]: s for s in api.ok("GET", STATEMENTS, {"sort_field": "statement_time",
                                                          "page_size": "100"})["statements"]}
    for statement_id, payment_id in zip(paid["statements"], paid["payments"], strict=True):
        assert now[statement_id]["payment_status"] == "PAID"
        assert now[statement_id]["payment_id"] == payment_id
        assert now[statement_id]["payment_time"] >= before
    assert now[unpaid[2]["id"]]["payment_status"] == "PROCESSING"
    payments = {p["id"]: p for p in api.ok("GET", PAYMENTS, {"sort_field": "create_time",
                                                             "page_size": "100"})["payments"]}
    assert all(payments[p]["status"] == "PAID" for p in paid["payments"])
    other = [s for s in sb.dataset.dump({"statements"})["statements"] if s["shop_id"] != shop]
    assert sum(s["payment_status"] == "PROCESSING" for s in other) == 3  # only that shop
    assert api.admin("POST", "finance/settle", {"statements": 5})["statements"]  # the rest
    for bad in ({}, {"statements": -1}, {"statements": 1, "shop_id": "nope"}):
        resp = api.session.post(f"{sb.base_url}/sandbox/finance/settle", json=bad, timeout=10)
        assert resp.status_code == 400, bad


def test_the_clock_pays_statements_when_due(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=44, shops=1, products=10, orders=100, processing_statements=2,
                      statement_settle_seconds=1, rate_limit_qps=0)
    api = Api(sb)
    query = {"sort_field": "statement_time", "page_size": "100"}
    statuses = [s["payment_status"] for s in api.ok("GET", STATEMENTS, query)["statements"]]
    assert statuses[-2:] == ["PROCESSING", "PROCESSING"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        last = api.ok("GET", STATEMENTS, query)["statements"][-2:]
        if all(s["payment_status"] == "PAID" for s in last):
            break
        time.sleep(0.2)
    assert [s["payment_status"] for s in last] == ["PAID", "PAID"]
    assert last[0]["payment_time"] < last[1]["payment_time"]  # one after the other


def test_paging_sorting_and_filters(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(seed=45, shops=1, products=10, orders=300, rate_limit_qps=0))
    whole = api.ok("GET", STATEMENTS, {"sort_field": "statement_time",
                                       "page_size": "100"})["statements"]
    paged, token = [], None
    while True:
        query = {"sort_field": "statement_time", "page_size": "7"}
        if token:
            query["page_token"] = token
        data = api.ok("GET", STATEMENTS, query)
        paged += data["statements"]
        token = data["next_page_token"]
        if not token:
            break
    assert [s["id"] for s in paged] == [s["id"] for s in whole]
    times = [s["statement_time"] for s in whole]
    assert times == sorted(times)
    desc = api.ok("GET", STATEMENTS, {"sort_field": "statement_time", "sort_order": "DESC",
                                      "page_size": "100"})["statements"]
    assert [s["id"] for s in desc] == [s["id"] for s in reversed(whole)]
    low, high = times[3], times[9]
    window = api.ok("GET", STATEMENTS, {"sort_field": "statement_time", "page_size": "100",
                                        "statement_time_ge": str(low),
                                        "statement_time_lt": str(high)})["statements"]
    assert [s["id"] for s in window] == [s["id"] for s in whole[3:9]]
    unpaid = api.ok("GET", STATEMENTS, {"sort_field": "statement_time", "page_size": "100",
                                        "payment_status": "PROCESSING"})["statements"]
    assert [s["id"] for s in unpaid] == [s["id"] for s in whole if s["payment_status"]
                                         == "PROCESSING"]
    counts = defaultdict(int)
    for txn in api.sandbox.dataset.dump({"statement_transactions"})["statement_transactions"]:
        counts[txn["statement_id"]] += 1
    busiest = max(whole, key=lambda s: counts[s["id"]])
    for version, key in (("202501", "transactions"), ("202309", "statement_transactions")):
        rows, token = [], None
        while True:
            query = {"sort_field": "order_create_time", "page_size": "1"}
            if token:
                query["page_token"] = token
            data = api.ok("GET", transactions_path(version, busiest["id"]), query)
            rows += data[key]
            token = data["next_page_token"]
            if not token:
                break
        assert len(rows) == data["total_count"] >= 2
        created = [r["order_create_time"] for r in rows]
        assert created == sorted(created)
        assert sum(Decimal(r["settlement_amount"]) for r in rows) == Decimal(
            busiest["settlement_amount"])
    types = api.ok("GET", WITHDRAWALS, {"types": "SETTLE", "page_size": "100"})["withdrawals"]
    assert types and {w["type"] for w in types} == {"SETTLE"}
    data = api.ok("GET", UNSETTLED, {"sort_field": "order_create_time", "page_size": "3"})
    assert len(data["transactions"]) == 3 and data["total_count"] > 3
    assert Decimal(data["sum_est_settlement_amount"]) > 0


@pytest.mark.parametrize(("path", "query"), [
    (STATEMENTS, {}),  # sort_field is required
    (STATEMENTS, {"sort_field": "create_time"}),
    (STATEMENTS, {"sort_field": "statement_time", "page_size": "101"}),
    (STATEMENTS, {"sort_field": "statement_time", "statement_time_ge": "yesterday"}),
    (STATEMENTS, {"sort_field": "statement_time", "payment_status": "LOST"}),
    (PAYMENTS, {"sort_field": "statement_time"}),
    (WITHDRAWALS, {}),  # types is required
    (WITHDRAWALS, {"types": "WITHDRAW,REFUND"}),
    (UNSETTLED, {"sort_field": "create_time"}),
    (transactions_path("202501", "7238000000000000001"), {"sort_field": "order_create_time"}),
])
def test_bad_finance_queries_are_refused(sandbox: Sandbox, path: str, query: dict) -> None:
    status, code, message = error_of(Api(sandbox).call("GET", path, query))
    assert (status, code) == (400, codes.INVALID_REQUEST), message


def test_unsettled_transactions_need_202507(sandbox: Sandbox) -> None:
    status, code, _ = error_of(Api(sandbox).call("GET", "/finance/202309/orders/unsettled",
                                                 {"sort_field": "order_create_time"}))
    assert (status, code) == (404, codes.INVALID_VERSION)


def test_a_scope_can_be_taken_away_for_one_shop(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=46, shops=2, products=5, orders=30, rate_limit_qps=0)
    first, second = Api(sb), Api(sb)
    second.cipher = sb.dataset.shops[1].cipher
    query = {"sort_field": "create_time"}
    answer = first.admin("POST", "scopes", {"remove": ["seller.finance.info"],
                                            "shop_id": second.shop.id})
    assert answer["removed_for_shop"] == ["seller.finance.info"]
    assert "seller.finance.info" in answer["granted_scopes"]
    first.ok("GET", PAYMENTS, query)
    status, code, message = error_of(second.call("GET", PAYMENTS, query))
    assert (status, code) == (403, codes.SCOPE_MISSING)
    assert "seller.finance.info" in message
    second.ok("POST", "/order/202309/orders/search", {"page_size": "10"}, {})  # other scopes
    first.admin("POST", "scopes", {"reset": True})
    second.ok("GET", PAYMENTS, query)
    resp = first.session.post(f"{sb.base_url}/sandbox/scopes", timeout=10,
                              json={"remove": ["seller.finance.info"], "shop_id": "123"})
    assert resp.status_code == 400


def test_finance_of_a_large_shop_is_built_quickly() -> None:
    dataset = Dataset(SandboxOptions(seed=47, shops=1, products=200, orders=100_000))
    started = time.monotonic()
    book = dataset.finance(dataset.shops[0])
    first_page = [book.statement(i) for i in range(20)]
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert len(book.statements) > 300 and len(book.unsettled) > 10_000 and first_page
