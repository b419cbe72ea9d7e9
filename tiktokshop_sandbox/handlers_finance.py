"""Finance: Get Statements, Get Transactions by Statement (202309 and 202501), Get
Payments, Get Withdrawals (202309) and Get Unsettled Transactions (202507).

Query rules from the OpenAPI snapshot: ``page_size`` 1-100, default 20; ``sort_field``
required, and only the one documented field (``statement_time``, ``create_time``,
``order_create_time``); ``sort_order`` ``ASC`` (default) or ``DESC``, ties broken by id;
``*_ge`` inclusive, ``*_lt`` exclusive, a missing bound open; Get Withdrawals requires
``types`` (comma-joined: WITHDRAW, SETTLE, TRANSFER, REVERSE) and documents no sort.

Sandbox choices where TikTok is silent (UNCONFIRMED): withdrawals come ascending by
``create_time``; the 202309 transactions are served for every shop (TikTok documents that
version for UK and US local sellers only); a statement id that is not the shop's answers
36009004 (HTTP 400); Get Unsettled Transactions' ``search_time_ge/lt`` filter the orders'
create time and its ``sum_est_*`` cover every page of the result. Every call first pays
the statements whose due time has passed (see ``gen_finance``).
"""

from __future__ import annotations

import time

from .context import Context, check_body_fields, invalid, query_enum, query_page_size
from .gen_finance import FinanceBook, Totals, signed
from .query import Predicate, paged_search, time_range

PAYMENT_STATUSES = ("PAID", "FAILED", "PROCESSING")
WITHDRAWAL_TYPES = ("WITHDRAW", "SETTLE", "TRANSFER", "REVERSE")


def _book(ctx: Context) -> FinanceBook:
    """The shop's finance, with the statements due by now paid."""
    book = ctx.dataset.finance(ctx.require_shop())
    with ctx.dataset.lock:
        book.advance(int(time.time()))
    return book


def _query_time(ctx: Context, name: str) -> int | None:
    raw = ctx.query.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise invalid(f"Invalid param. `{name}` must be a Unix timestamp in seconds.")
    return int(raw)


def _descending(ctx: Context, only: str) -> bool:
    """Check the required ``sort_field`` (only ``only``) and read ``sort_order``."""
    field = ctx.query.get("sort_field")
    if field is None:
        raise invalid("Invalid param. The `sort_field` query parameter is required.")
    if field != only:
        raise invalid(f"Invalid param. `sort_field` only supports `{only}`.")
    return query_enum(ctx.query, "sort_order", ("ASC", "DESC"), "ASC") == "DESC"


def _window(ctx: Context, values: list[int], prefix: str) -> tuple[dict, Predicate | None]:
    ge, lt = _query_time(ctx, f"{prefix}_ge"), _query_time(ctx, f"{prefix}_lt")
    return {f"{prefix}_ge": ge, f"{prefix}_lt": lt}, time_range(values, ge, lt,
                                                              high_inclusive=False)


def get_statements(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    page_size = query_page_size(ctx.query, 1, 100, 20)
    desc = _descending(ctx, "statement_time")
    book = _book(ctx)
    cols = book.statements
    filters, window = _window(ctx, cols.create, "statement_time")
    status = ctx.query.get("payment_status")
    if status is not None and status not in PAYMENT_STATUSES:
        raise invalid("Invalid param. Unsupported value for `payment_status`.")
    predicates: list[Predicate | None] = [window]
    if status is not None:
        predicates.append(lambda i: cols.status[i] == status)
    filters["payment_status"] = status
    page, token, _ = paged_search(ctx, cols, filters, predicates, cols.create, desc, page_size)
    return {"statements": [book.statement(i) for i in page], "next_page_token": token}


def get_statement_transactions(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    page_size = query_page_size(ctx.query, 1, 100, 20)
    desc = _descending(ctx, "order_create_time")
    book = _book(ctx)
    statement_id = ctx.params["statement_id"]
    idx = book.statements.pos.get(statement_id)
    if idx is None:
        raise invalid("Invalid param. The statement does not exist or does not belong to "
                      "this shop.")
    cols = book.transaction_columns(idx)
    page, token, total = paged_search(ctx, cols, {"statement_id": statement_id}, [],
                                      cols.create, desc, page_size)
    txns = book.transactions(idx)
    by_id = {txn.id: txn for txn in txns}
    chosen = [by_id[cols.id_ints[i]] for i in page]
    totals = book.totals(idx)
    if ctx.version >= "202501":
        return {
            "id": statement_id,
            "create_time": book.statements.create[idx],
            "currency": book.currency,
            "status": "SETTLED",
            "total_settlement_amount": signed(totals.settlement),
            "total_settlement_breakdown": _breakdown(totals),
            "total_reserve_amount": "0.00",
            "payable_amount": signed(totals.settlement),
            "transactions": [book.transaction_202501(txn) for txn in chosen],
            "next_page_token": token,
            "total_count": total,
        }
    return {
        "statement_id": statement_id,
        "statement_time": book.statements.create[idx],
        "currency": book.currency,
        "settlement_amount": signed(totals.settlement),
        "revenue_amount": signed(totals.revenue),
        "net_sales_amount": signed(totals.revenue),
        "fee_amount": signed(totals.fee_tax),
        "shipping_cost_amount": signed(totals.shipping_cost),
        "adjustment_amount": signed(totals.adjustment),
        "statement_transactions": [book.transaction_202309(txn) for txn in chosen],
        "next_page_token": token,
        "total_count": total,
    }


def _breakdown(totals: Totals) -> dict:
    return {"total_revenue_amount": signed(totals.revenue),
            "total_fee_tax_amount": signed(totals.fee_tax),
            "total_shipping_cost_amount": signed(totals.shipping_cost),
            "total_adjustment_amount": signed(totals.adjustment)}


def get_payments(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    page_size = query_page_size(ctx.query, 1, 100, 20)
    desc = _descending(ctx, "create_time")
    book = _book(ctx)
    cols = book.payments
    filters, window = _window(ctx, cols.create, "create_time")
    page, token, _ = paged_search(ctx, cols, filters, [window], cols.create, desc, page_size)
    return {"payments": [book.payment(i) for i in page], "next_page_token": token}


def get_withdrawals(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    page_size = query_page_size(ctx.query, 1, 100, 20)
    raw = ctx.query.get("types")
    if raw is None:
        raise invalid("Invalid param. The `types` query parameter is required.")
    types = sorted(set(raw.split(",")))
    if not all(kind in WITHDRAWAL_TYPES for kind in types):
        raise invalid("Invalid param. Unsupported value in `types`.")
    book = _book(ctx)
    cols = book.withdrawals
    filters, window = _window(ctx, cols.create, "create_time")
    kinds = cols.extra.get("kind", [])
    predicates: list[Predicate | None] = [window, lambda i: kinds[i] in types]
    filters["types"] = types
    page, token, total = paged_search(ctx, cols, filters, predicates, cols.create, False,
                                      page_size)
    return {"withdrawals": [book.withdrawal(i) for i in page], "next_page_token": token,
            "total_count": total}


def get_unsettled_transactions(ctx: Context) -> dict:
    check_body_fields(ctx.body, set())
    page_size = query_page_size(ctx.query, 1, 100, 20)
    desc = _descending(ctx, "order_create_time")
    book = _book(ctx)
    cols = book.unsettled
    filters, window = _window(ctx, cols.create, "search_time")
    page, token, total = paged_search(ctx, cols, filters, [window], cols.create, desc,
                                      page_size)
    matching = [i for i in range(len(cols)) if window is None or window(i)]
    sums = Totals()
    for i in matching:
        sums.add(book.unsettled_txn(i))
    return {
        "transactions": [book.unsettled_record(i) for i in page],
        "next_page_token": token,
        "total_count": total,
        "sum_est_revenue_amount": signed(sums.revenue),
        "sum_est_fee_amount": signed(sums.fee_tax),
        "sum_est_adjustment_amount": signed(sums.adjustment),
        "sum_est_settlement_amount": signed(sums.settlement),
    }
