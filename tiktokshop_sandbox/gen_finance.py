"""Finance data of one shop: daily statements of settled orders with their transactions,
one payment per statement, withdrawals, and the orders TikTok has not settled yet.

Sandbox rules (TikTok documents the shapes, not how its books are kept):

* **Settlement.** An order that was ``COMPLETED`` when the dataset was generated is settled
  on the statement of the next 00:00 UTC after its completion (``statement_time``;
  statements are generated daily at 00:00 UTC). Its transaction's amounts come from the
  order, in cents: revenue = the lines' original prices minus seller discounts; fees =
  5% platform commission and 2% transaction fee (plus VAT on them at the shop's region
  rate), negative; shipping = what the buyer paid for shipping minus the carrier's cost.
  Settlement = revenue + fees and taxes + shipping + adjustment. One statement in five also
  carries an adjustment (compensation, penalty...) naming one of its orders. A
  statement's totals are the sums of its transactions, so they reconcile to the cent.
* **Payments.** Each statement is paid by one payment created the day after it. The newest
  ``processing_statements`` statements of a shop are still ``PROCESSING``: no
  ``payment_id``/``payment_time`` yet, their payment ``PROCESSING`` without ``paid_time``.
  Statement k of them (oldest first) is paid when the sandbox's clock passes its due time,
  the sandbox's start plus (k + 1) x ``statement_settle_seconds``, or when the admin route
  ``POST /sandbox/finance/settle`` pays it: the statement becomes ``PAID`` with its
  ``payment_id`` and ``payment_time``, the payment ``PAID`` with its ``paid_time``.
* **Withdrawals** (amounts positive, as in TikTok's example). Every payment paid when the
  dataset is generated settles into the balance (``SETTLE``); about one statement in four
  brings a small platform ``TRANSFER``; every seventh payment the seller withdraws the
  week's settlements (``WITHDRAW``, the newest one still ``PROCESSING``); one withdrawal in
  thirteen fails and is reversed (``REVERSE``).
* **Unsettled transactions** are the paid orders that are not completed yet (on hold,
  awaiting shipment or collection, in transit, delivered), with estimated amounts computed
  like a settlement's.
* **A fixed layout** (``statements`` and ``statement_transactions``, for benchmarks):
  instead of one statement per day, statement k settles the next completed orders in
  completion order, so that each of the first ``statements`` statements has exactly
  ``statement_transactions`` transactions (a statement carrying an adjustment settles one
  order fewer; with one transaction per statement there are no adjustments). It is dated
  the 00:00 UTC after its last order's completion, a day after the previous statement at
  the earliest. Completed orders after those are not settled yet. The shop needs enough
  completed orders (``layout_shortfall``).

Everything is seeded: the same seed and sizes give the same records, except the times a
statement gets paid, which follow the clock or the admin route. The columns are built from
a copy of the orders' columns taken when the dataset is created (orders mutated later keep
their finance as generated); amounts need the order records, so they are computed the
first time a statement, payment or transaction is read, and kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .gen_common import DAY, SHOP_STRIDE, Columns, cents
from .gen_orders import mix
from .gen_shops import SeededShop

#: Leading ranges of the finance ids (distinct from ``gen_common.ID_BASE``'s).
FINANCE_ID_BASE = {
    "statement": 7_238_000_000_000_000_000,
    "transaction": 7_239_000_000_000_000_000,
    "adjustment": 7_241_000_000_000_000_000,
    "unsettled": 7_240_000_000_000_000_000,
    "payment": 3_459_000_000_000_000_000,
    "withdrawal": 3_460_000_000_000_000_000,
}
SETTLED_STATUSES = frozenset({"COMPLETED"})
UNSETTLED_STATUSES = frozenset({"ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING",
                                "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"})
COMMISSION_BP = 500  # basis points of revenue
TRANSACTION_FEE_BP = 200
ADJUSTMENTS = (  # (type, sign)
    ("SHIPPING_FEE_COMPENSATION", 1), ("LOGISTICS_REIMBURSEMENT", 1),
    ("PLATFORM_COMPENSATION", 1), ("PLATFORM_PENALTY", -1), ("SAMPLE_SHIPPING_FEE", -1),
    ("PROMOTION_ADJUSTMENT", -1),
)
SETTLEMENT_DELAY_DAYS = 7  # after delivery (the unsettled transactions' estimate)
ADJUSTMENT_EVERY = 5  # one statement in five carries an adjustment


def signed(value: int) -> str:
    """Cents as the API's decimal string, sign included (``-1234`` -> ``"-12.34"``)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _basis_points(amount: int, points: int) -> int:
    """``amount`` x ``points`` / 10,000, rounded half up (amount >= 0)."""
    return (amount * points + 5_000) // 10_000


def _vat(amount: int, rate: Decimal) -> int:
    return int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class Txn:
    """One statement (or unsettled) transaction, every amount in cents."""

    id: int
    type: str
    order_id: str
    order_create_time: int
    subtotal: int = 0  # before any discount
    seller_discount: int = 0  # negative
    commission: int = 0  # negative
    transaction_fee: int = 0  # negative
    vat: int = 0  # negative
    actual_shipping: int = 0  # negative: the carrier's cost
    customer_shipping: int = 0  # what the buyer paid for shipping
    adjustment: int = 0
    customer_payment: int = 0  # supplementary: what the buyer paid in all
    platform_discount: int = 0  # supplementary, negative
    sales_tax: int = 0  # supplementary
    adjustment_id: str = ""
    delivery_time: int = 0
    status: str = ""

    @property
    def revenue(self) -> int:
        return self.subtotal + self.seller_discount

    @property
    def fee_tax(self) -> int:
        return self.commission + self.transaction_fee + self.vat

    @property
    def shipping_cost(self) -> int:
        return self.actual_shipping + self.customer_shipping

    @property
    def settlement(self) -> int:
        return self.revenue + self.fee_tax + self.shipping_cost + self.adjustment


@dataclass
class Totals:
    """A statement's sums, in cents."""

    revenue: int = 0
    fee_tax: int = 0
    shipping_cost: int = 0
    adjustment: int = 0
    settlement: int = 0

    def add(self, txn: Txn) -> None:
        self.revenue += txn.revenue
        self.fee_tax += txn.fee_tax
        self.shipping_cost += txn.shipping_cost
        self.adjustment += txn.adjustment
        self.settlement += txn.settlement


@dataclass
class OrderSnapshot:
    """The orders' columns as they were when the dataset was generated."""

    ids: list[str]
    create: list[int]
    update: list[int]
    status: list[str]

    @classmethod
    def of(cls, orders: Columns) -> OrderSnapshot:
        return cls(list(orders.ids), list(orders.create), list(orders.update),
                   list(orders.status))


def order_txn(seed: int, shop: SeededShop, order: dict, txn_id: int) -> Txn:
    """The settlement of one order (see the module docstring), in cents."""
    lines = order.get("line_items") or []
    payment = order.get("payment") or {}
    subtotal = sum(cents(line["original_price"]) for line in lines)
    seller_discount = sum(cents(line["seller_discount"]) for line in lines)
    revenue = subtotal - seller_discount
    commission = _basis_points(revenue, COMMISSION_BP)
    transaction_fee = _basis_points(revenue, TRANSACTION_FEE_BP)
    return Txn(
        id=txn_id, type="ORDER", order_id=order["id"],
        order_create_time=order["create_time"], subtotal=subtotal,
        seller_discount=-seller_discount, commission=-commission,
        transaction_fee=-transaction_fee,
        vat=-_vat(commission + transaction_fee, shop.region.vat),
        actual_shipping=-(250 + mix(seed, int(order["id"]), 31) % 250),
        customer_shipping=cents(payment.get("shipping_fee") or "0"),
        customer_payment=cents(payment.get("total_amount") or "0"),
        platform_discount=-sum(cents(line["platform_discount"]) for line in lines),
        sales_tax=cents(payment.get("tax") or "0"),
        delivery_time=order.get("delivery_time") or 0,
    )


def carries_adjustment(statement: int) -> bool:
    """Whether statement ``statement`` (its index in the shop) also carries an adjustment."""
    return statement % ADJUSTMENT_EVERY == ADJUSTMENT_EVERY // 2


def layout_shortfall(orders: OrderSnapshot, statements: int, per_statement: int) -> int:
    """How many more completed orders the fixed layout needs than the shop has (0: none)."""
    needed = sum(_layout_sizes(statements, per_statement))
    have = sum(1 for status in orders.status if status in SETTLED_STATUSES)
    return max(0, needed - have)


def _layout_sizes(statements: int, per_statement: int) -> list[int]:
    """Orders settled by each statement of the fixed layout (one fewer beside an adjustment)."""
    return [per_statement - 1 if per_statement > 1 and carries_adjustment(n) else per_statement
            for n in range(statements)]


def _fixed_groups(orders: OrderSnapshot, settled: list[int], statements: int,
                  per_statement: int) -> list[tuple[int, list[int]]]:
    """``(day, orders)`` of each statement of the fixed layout, in completion order."""
    settled = sorted(settled, key=lambda i: (orders.update[i], i))
    groups: list[tuple[int, list[int]]] = []
    position, previous = 0, 0
    for size in _layout_sizes(statements, per_statement):
        members = settled[position:position + size]
        if len(members) < size:
            raise ValueError(f"statements: {statements} statements of {per_statement} "
                             "transactions need more completed orders (raise orders)")
        position += size
        previous = max(orders.update[members[-1]] // DAY + 1, previous + 1)
        groups.append((previous, members))
    return groups


@dataclass
class FinanceBook:
    """One shop's finance: columns for searching, records built on demand."""

    seed: int
    shop: SeededShop
    order: Callable[[int], dict]
    started: int
    settle_seconds: int
    statements: Columns = field(default_factory=Columns)
    payments: Columns = field(default_factory=Columns)
    withdrawals: Columns = field(default_factory=Columns)
    unsettled: Columns = field(default_factory=Columns)
    adjustments: bool = True  # one statement in five carries one (carries_adjustment)
    paid_at: list[int] = field(default_factory=list)  # per statement/payment; 0: not yet
    due: dict[int, int] = field(default_factory=dict)  # unpaid statement -> when it is paid
    _txns: dict[int, list[Txn]] = field(default_factory=dict)
    _txn_columns: dict[int, Columns] = field(default_factory=dict)
    _totals: dict[int, Totals] = field(default_factory=dict)
    _unsettled: dict[int, Txn] = field(default_factory=dict)

    # ------------------------------------------------------------------ generation
    @classmethod
    def build(cls, seed: int, shop: SeededShop, orders: OrderSnapshot,
              order: Callable[[int], dict], *, started: int, settle_seconds: int,
              processing: int, layout: tuple[int, int] | None = None) -> FinanceBook:
        """The shop's book; ``layout`` is ``(statements, transactions per statement)``
        (see the module docstring), None for one statement per day."""
        book = cls(seed, shop, order, started, settle_seconds)
        settled: list[int] = []
        for idx, status in enumerate(orders.status):
            if status in SETTLED_STATUSES:
                settled.append(idx)
            elif status in UNSETTLED_STATUSES:
                book.unsettled.append(FINANCE_ID_BASE["unsettled"] + shop.idx * SHOP_STRIDE
                                      + idx, orders.create[idx], orders.create[idx],
                                      "UNSETTLED", order=idx, order_status=status)
        if layout is None:
            by_day: dict[int, list[int]] = {}
            for idx in settled:
                by_day.setdefault(orders.update[idx] // DAY + 1, []).append(idx)
            groups = sorted(by_day.items())
        else:
            groups = _fixed_groups(orders, settled, *layout)
            if layout[1] == 1:
                book.adjustments = False
        pending_from = len(groups) - max(0, min(processing, len(groups)))
        counter = 0
        for n, (day, group) in enumerate(groups):
            counter += 1_000 + mix(seed, shop.idx, day, 37) % 9_000
            when = day * DAY
            paid = n < pending_from
            members = sorted(group, key=lambda i: (orders.create[i], i))
            book.statements.append(FINANCE_ID_BASE["statement"] + shop.idx * SHOP_STRIDE
                                   + counter, when, when, "PAID" if paid else "PROCESSING",
                                   orders=members)
            created = when + DAY
            book.payments.append(FINANCE_ID_BASE["payment"] + shop.idx * SHOP_STRIDE + counter,
                                 created, created, "PAID" if paid else "PROCESSING")
            book.paid_at.append(created + 3_600 * (2 + mix(seed, shop.idx, day, 39) % 20)
                                if paid else 0)
            if not paid:
                book.due[n] = started + (n - pending_from + 1) * settle_seconds
        book._build_withdrawals()
        return book

    def _build_withdrawals(self) -> None:
        """Withdrawal rows from the paid payments (amounts are read when built)."""
        base = FINANCE_ID_BASE["withdrawal"] + self.shop.idx * SHOP_STRIDE
        rows: list[tuple[int, str, str, list[int]]] = []  # (time, type, status, statements)
        week: list[int] = []
        paid = [n for n in range(len(self.statements)) if self.paid_at[n]]
        for n in paid:
            rows.append((self.paid_at[n], "SETTLE", "SUCCESS", [n]))
            if mix(self.seed, self.shop.idx, n, 43) % 4 == 0:
                rows.append((self.statements.create[n] + 7_200, "TRANSFER", "SUCCESS", []))
            week.append(n)
            if len(week) == 7:
                when = self.paid_at[n] + 86_400
                if mix(self.seed, self.shop.idx, n, 47) % 13 == 0:
                    rows.append((when, "WITHDRAW", "FAILED", list(week)))
                    rows.append((when + 3_600, "REVERSE", "SUCCESS", list(week)))
                else:
                    rows.append((when, "WITHDRAW", "SUCCESS", list(week)))
                week = []
        rows.sort(key=lambda row: row[0])
        withdrawals = [i for i, row in enumerate(rows) if row[1] == "WITHDRAW"]
        counter = 0
        for i, (when, kind, status, members) in enumerate(rows):
            counter += 1 + mix(self.seed, self.shop.idx, i, 53) % 97
            if withdrawals and i == withdrawals[-1] and status == "SUCCESS":
                status = "PROCESSING"
            self.withdrawals.append(base + counter, when, when, status, kind=kind,
                                    statements=members, n=i)

    # ------------------------------------------------------------------ amounts
    def transactions(self, idx: int) -> list[Txn]:
        """Statement ``idx``'s transactions, ascending by order create time."""
        found = self._txns.get(idx)
        if found is None:
            found = []
            members = self.statements.extra["orders"][idx]
            base = FINANCE_ID_BASE["transaction"] + self.shop.idx * SHOP_STRIDE
            for order_idx in members:
                found.append(order_txn(self.seed, self.shop, self.order(order_idx),
                                       base + 2 * order_idx))
            if members and self.adjustments and carries_adjustment(idx):
                kind, sign = ADJUSTMENTS[idx // ADJUSTMENT_EVERY % len(ADJUSTMENTS)]
                first = found[0]
                pick = mix(self.seed, self.shop.idx, idx, 41)
                adjustment = Txn(
                    id=base + 2 * members[0] + 1, type=kind, order_id=first.order_id,
                    order_create_time=first.order_create_time,
                    adjustment=sign * (100 + pick % 1_900),
                    adjustment_id=str(FINANCE_ID_BASE["adjustment"]
                                      + self.shop.idx * SHOP_STRIDE + members[0]))
                found.append(adjustment)
            found.sort(key=lambda txn: (txn.order_create_time, txn.id))
            self._txns[idx] = found
        return found

    def transaction_columns(self, idx: int) -> Columns:
        """Statement ``idx``'s transactions as a searchable table (by order create time)."""
        cols = self._txn_columns.get(idx)
        if cols is None:
            txns = self.transactions(idx)
            cols = Columns.from_lists([t.id for t in txns], [t.order_create_time for t in txns],
                                      [t.order_create_time for t in txns],
                                      [t.type for t in txns])
            self._txn_columns[idx] = cols
        return cols

    def totals(self, idx: int) -> Totals:
        totals = self._totals.get(idx)
        if totals is None:
            totals = Totals()
            for txn in self.transactions(idx):
                totals.add(txn)
            self._totals[idx] = totals
        return totals

    def unsettled_txn(self, idx: int) -> Txn:
        txn = self._unsettled.get(idx)
        if txn is None:
            order = self.order(self.unsettled.extra["order"][idx])
            txn = order_txn(self.seed, self.shop, order, self.unsettled.id_ints[idx])
            txn.status = self.unsettled.extra["order_status"][idx]
            self._unsettled[idx] = txn
        return txn

    # ------------------------------------------------------------------ payment
    def advance(self, now: int) -> list[int]:
        """Pay every statement whose due time has passed (hold the dataset lock)."""
        ready = sorted(n for n, due in self.due.items() if due <= now)
        for n in ready:
            self._pay(n, self.due[n])
        return ready

    def settle(self, count: int, now: int) -> list[int]:
        """Pay the ``count`` oldest unpaid statements now (hold the dataset lock)."""
        chosen = sorted(self.due)[:count]
        for n in chosen:
            self._pay(n, now)
        return chosen

    def _pay(self, n: int, when: int) -> None:
        del self.due[n]
        self.paid_at[n] = max(when, self.payments.create[n])
        self.statements.status[n] = "PAID"
        self.payments.status[n] = "PAID"
        self.statements.version += 1
        self.payments.version += 1

    # ------------------------------------------------------------------ records
    @property
    def currency(self) -> str:
        return self.shop.currency

    def statement(self, idx: int) -> dict:
        """Get Statements item."""
        totals = self.totals(idx)
        record = {
            "id": self.statements.ids[idx],
            "statement_time": self.statements.create[idx],
            "currency": self.currency,
            "settlement_amount": signed(totals.settlement),
            "revenue_amount": signed(totals.revenue),
            "net_sales_amount": signed(totals.revenue),
            "fee_amount": signed(totals.fee_tax),
            "shipping_cost_amount": signed(totals.shipping_cost),
            "adjustment_amount": signed(totals.adjustment),
            "payment_status": self.statements.status[idx],
        }
        if self.statements.status[idx] == "PAID":
            record["payment_id"] = self.payments.ids[idx]
            record["payment_time"] = self.paid_at[idx]
        return record

    def payment(self, idx: int) -> dict:
        """Get Payments item (one per statement, same index)."""
        amount = signed(self.totals(idx).settlement)
        money = {"value": amount, "currency": self.currency}
        record = {
            "id": self.payments.ids[idx],
            "create_time": self.payments.create[idx],
            "status": self.payments.status[idx],
            "amount": dict(money),
            "settlement_amount": dict(money),
            "payment_amount_before_exchange": dict(money),
            "reserve_amount": {"value": "0.00", "currency": self.currency},
            "exchange_rate": "1.000000",
            "bank_account": "*" * 11 + f"{mix(self.seed, self.shop.idx, 59) % 10_000:04d}",
        }
        if self.payments.status[idx] == "PAID":
            record["paid_time"] = self.paid_at[idx]
        return record

    def withdrawal(self, idx: int) -> dict:
        """Get Withdrawals item."""
        kind = self.withdrawals.extra["kind"][idx]
        members = self.withdrawals.extra["statements"][idx]
        if kind == "TRANSFER":
            amount = 100 + mix(self.seed, self.shop.idx, self.withdrawals.extra["n"][idx],
                               61) % 900
        else:
            amount = sum(self.totals(n).settlement for n in members)
        return {
            "id": self.withdrawals.ids[idx],
            "create_time": self.withdrawals.create[idx],
            "type": kind,
            "status": self.withdrawals.status[idx],
            "amount": signed(amount),
            "currency": self.currency,
        }

    def transaction_202501(self, txn: Txn) -> dict:
        """A transaction of Get Transactions by Statement 202501."""
        record = {
            "id": str(txn.id),
            "type": txn.type,
            "order_create_time": txn.order_create_time,
            "settlement_amount": signed(txn.settlement),
            "revenue_amount": signed(txn.revenue),
            "fee_tax_amount": signed(txn.fee_tax),
            "shipping_cost_amount": signed(txn.shipping_cost),
            "adjustment_amount": signed(txn.adjustment),
            "reserve_amount": "0.00",
        }
        if txn.type == "ORDER":
            record.update(
                order_id=txn.order_id,
                revenue_breakdown={
                    "subtotal_before_discount_amount": signed(txn.subtotal),
                    "seller_discount_amount": signed(txn.seller_discount)},
                fee_tax_breakdown={
                    "fee": {"platform_commission_amount": signed(txn.commission),
                            "transaction_fee_amount": signed(txn.transaction_fee)},
                    "tax": {"vat_amount": signed(txn.vat)}},
                shipping_cost_breakdown={
                    "actual_shipping_fee_amount": signed(txn.actual_shipping),
                    "customer_paid_shipping_fee_amount": signed(txn.customer_shipping)},
                supplementary_component={
                    "customer_payment_amount": signed(txn.customer_payment),
                    "platform_discount_amount": signed(txn.platform_discount),
                    "sales_tax_amount": signed(txn.sales_tax)})
        else:
            record.update(adjustment_id=txn.adjustment_id, adjustment_order_id=txn.order_id)
        return record

    def transaction_202309(self, txn: Txn) -> dict:
        """A transaction of Get Transactions by Statement 202309 (flat, with currency)."""
        record = {
            "id": str(txn.id),
            "type": txn.type,
            "currency": self.currency,
            "order_create_time": txn.order_create_time,
            "settlement_amount": signed(txn.settlement),
            "revenue_amount": signed(txn.revenue),
            "fee_amount": signed(txn.fee_tax),
            "shipping_cost_amount": signed(txn.shipping_cost),
            "adjustment_amount": signed(txn.adjustment),
        }
        if txn.type == "ORDER":
            record.update(
                order_id=txn.order_id,
                gross_sales_amount=signed(txn.subtotal),
                seller_discount_amount=signed(txn.seller_discount),
                net_sales_amount=signed(txn.revenue),
                platform_commission_amount=signed(txn.commission),
                transaction_fee_amount=signed(txn.transaction_fee),
                actual_shipping_fee_amount=signed(txn.actual_shipping),
                customer_paid_shipping_fee_amount=signed(txn.customer_shipping),
                customer_payment_amount=signed(txn.customer_payment),
                platform_discount_amount=signed(txn.platform_discount),
                sales_tax_amount=signed(txn.sales_tax))
        else:
            record.update(adjustment_id=txn.adjustment_id, adjustment_order_id=txn.order_id)
        return record

    def unsettled_record(self, idx: int) -> dict:
        """Get Unsettled Transactions item (estimated amounts)."""
        txn = self.unsettled_txn(idx)
        record = {
            "id": self.unsettled.ids[idx],
            "type": "ORDER",
            "status": "UNSETTLED",
            "order_id": txn.order_id,
            "order_create_time": txn.order_create_time,
            "currency": self.currency,
            "est_revenue_amount": signed(txn.revenue),
            "est_fee_tax_amount": signed(txn.fee_tax),
            "est_shipping_cost_amount": signed(txn.shipping_cost),
            "est_adjustment_amount": "0.00",
            "est_settlement_amount": signed(txn.settlement),
            "revenue_breakdown": {
                "subtotal_before_discount_amount": signed(txn.subtotal),
                "seller_discount_amount": signed(txn.seller_discount)},
            "fee_tax_breakdown": {
                "fee": {"platform_commission_amount": signed(txn.commission),
                        "transaction_fee_amount": signed(txn.transaction_fee)},
                "tax": {"vat_amount": signed(txn.vat)}},
            "shipping_cost_breakdown": {
                "actual_shipping_fee_amount": signed(txn.actual_shipping),
                "customer_paid_shipping_fee_amount": signed(txn.customer_shipping)},
        }
        if txn.status == "DELIVERED" and txn.delivery_time:
            record["order_delivery_time"] = txn.delivery_time
            record["estimated_settlement"] = str(txn.delivery_time
                                                 + SETTLEMENT_DELAY_DAYS * DAY)
            record["unsettled_reason"] = "Within the settlement period after delivery"
        else:
            record["estimated_settlement"] = f"{SETTLEMENT_DELAY_DAYS} days after delivery"
            record["unsettled_reason"] = "The order has not been delivered yet"
        return record


#: The finance lists of ``GET /sandbox/dataset`` (API shapes; transactions in the 202501
#: shape with their ``statement_id``).
FINANCE_KINDS = ("statements", "statement_transactions", "payments", "withdrawals",
                 "unsettled_transactions")


def dump_finance(book: FinanceBook, want: set[str] | frozenset[str]) -> dict[str, list[dict]]:
    """The wanted finance lists of one shop, each record with its ``shop_id``."""
    shop_id = book.shop.id
    out: dict[str, list[dict]] = {kind: [] for kind in FINANCE_KINDS if kind in want}
    statements = range(len(book.statements))
    if "statements" in out:
        out["statements"] = [{**book.statement(i), "shop_id": shop_id} for i in statements]
    if "statement_transactions" in out:
        out["statement_transactions"] = [
            {**book.transaction_202501(txn), "statement_id": book.statements.ids[i],
             "shop_id": shop_id}
            for i in statements for txn in book.transactions(i)]
    if "payments" in out:
        out["payments"] = [{**book.payment(i), "shop_id": shop_id}
                           for i in range(len(book.payments))]
    if "withdrawals" in out:
        out["withdrawals"] = [{**book.withdrawal(i), "shop_id": shop_id}
                              for i in range(len(book.withdrawals))]
    if "unsettled_transactions" in out:
        out["unsettled_transactions"] = [{**book.unsettled_record(i), "shop_id": shop_id}
                                         for i in range(len(book.unsettled))]
    return out
