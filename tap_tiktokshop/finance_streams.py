"""Finance streams: statements with their transactions, payments, withdrawals, and the
transactions TikTok has not settled yet.

**Windows.** Statements, payments and withdrawals are read per shop over a time TikTok
never changes (``statement_time``, ``create_time``), but they change after creation: a
statement goes from ``PROCESSING`` to ``PAID`` and gets its ``payment_id`` and
``payment_time`` days later, a payment or withdrawal gets its final status. TikTok has no
update-time filter for them, so each run re-reads ``finance_lookback_days`` (default 30)
before the shop's bookmark up to the second the sync started. Records are emitted in
ascending order of that time, so the bookmark is always the last emitted record's time:
it only ever covers what was emitted, and a re-read record is upserted on its key.

**Statement transactions.** ``statement_transactions`` holds one row per transaction of
each statement read in the run (Get Transactions by Statement: 202501, or 202309 under a
lower ``api_version``, where TikTok documents it for UK and US local sellers only), with
the transaction's fee, tax, revenue and shipping breakdowns flattened into columns
(``enrichment.flatten_objects``) and its ``statement_id`` and ``statement_time``. The
statement-level totals (settlement, revenue, fees, shipping, adjustments) stay on
``statements``; a statement's transactions sum to them.

The rows are a child stream written inline, just before their statement, like
``order_line_items`` (see ``stream_base.DerivedStream``), rather than a child stream with
its own contexts: the statements' bookmark then never moves past a statement whose
transactions were not all written (a killed run reads the statement, and all its
transactions, again), there is no state entry per statement, and the transactions of the
next statements can be fetched while one is written. They are fetched concurrently
(``product_detail_concurrency`` statements in flight per shop, each paged to its end, the
client's rate limiter spacing the calls per shop and endpoint) and written in the
statements' order.

**Unsettled transactions** are what TikTok expects to settle: a snapshot, read whole on
every run (full table). Rows that settled disappear from TikTok's answer, so the stream
sends ACTIVATE_VERSION (the SDK's full-table versioning): a loader that applies it keeps
only the latest version's rows (see the README); not in a run limited by ``shop_ids``, where
it would delete other shop groups' rows.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from tap_tiktokshop.enrichment import add_iso_times, flatten_objects
from tap_tiktokshop.incremental import AscendingSearchStream, Context
from tap_tiktokshop.ordered_fetch import fetch_in_order
from tap_tiktokshop.paging import Page, WalkStats, iter_ascending
from tap_tiktokshop.progress import summary_fields
from tap_tiktokshop.stream_base import DerivedStream, ShopStream, enrich, logger
from tiktokshop.endpoints import (
    PAYMENTS,
    STATEMENT_TRANSACTIONS,
    STATEMENTS,
    UNSETTLED_TRANSACTIONS,
    WITHDRAWALS,
    Endpoint,
)
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop

DAY = 86_400
#: Every withdrawal type (``types`` is required): withdrawals, settlements, transfers and
#: reversals are all money leaving or reaching the seller's balance.
WITHDRAWAL_TYPES = ("WITHDRAW", "SETTLE", "TRANSFER", "REVERSE")
#: Where each version of Get Transactions by Statement lists the transactions.
TRANSACTION_LISTS = {"202309": "statement_transactions", "202501": "transactions"}
MAX_PAGES = 100_000  # hard stop against a server whose page tokens never end

Item = t.TypeVar("Item")


class Returning(t.Generic[Item]):
    """Iterate a generator and keep its return value (``value``, once it is exhausted)."""

    def __init__(self, generator: Generator[Item, None, t.Any]) -> None:
        self.generator = generator
        self.value: t.Any = None

    def __iter__(self) -> Iterator[Item]:
        self.value = yield from self.generator


def all_pages(fetch: Callable[[str | None], Page], endpoint: str) -> Iterator[dict[str, t.Any]]:
    """Every item of a token-paged list (a page token seen twice is an error, not a loop)."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token)
        yield from page.items
        if not page.next_token:
            return
        if page.next_token in seen or len(seen) >= MAX_PAGES:
            raise FatalAPIError(code=None, message="the same page token came back twice",
                                endpoint=endpoint, hint="pagination loop in the API answer; "
                                "report it with the shop")
        seen.add(page.next_token)
        token = page.next_token


class FinanceListStream(AscendingSearchStream):
    """A finance list filtered and sorted (ascending) by its creation time.

    The window is the bookmark minus ``finance_lookback_days`` (or ``start_date``) up to
    the second the sync started; records are walked like orders (``iter_ascending``), but
    through one query's page tokens: their times never change, so no record moves within
    the result.
    """

    replication_key: str
    page_size = 100  # the documented maximum (1-100) of every finance list

    def _window_from(self, bookmark: t.Any) -> tuple[int, int]:
        if isinstance(bookmark, int | float) and not isinstance(bookmark, bool):
            start = max(0, int(bookmark) - self.tiktok.options.finance_lookback_days * DAY)
        else:
            start = self.tiktok.options.start_epoch
        return start, self.tiktok.options.sync_end

    def search(self, shop: Shop, ge: int, lt: int, token: str | None) -> Page:
        """One page of ``[ge, lt)`` on the replication key, ascending."""
        key = self.replication_key
        data = self.call(self.endpoint, shop, params={
            "page_size": self.page_size, "page_token": token, "sort_field": key,
            "sort_order": "ASC", f"{key}_ge": ge, f"{key}_lt": lt}).data
        return Page(list(data.get(self.list_key) or []), data.get("next_page_token") or "",
                    data.get("total_count"))

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[t.Any, None, WalkStats]:
        """Every record of the window, ascending; returns the walk's stats."""
        start, end = window
        stats = WalkStats()
        yield from iter_ascending(
            self.counting(shop, start, lambda ge, lt, token: self.search(shop, ge, lt, token)),
            start, end, key=self.replication_key, id_key=self.id_key, stats=stats,
            endpoint=self.endpoint.label(self.tiktok.settings.api_version),
            seek=False)  # creation and statement times never change: follow the tokens
        return stats

    def log_walk(self, shop: Shop, start: int, end: int, stats: WalkStats) -> None:
        """One summary line per shop and stream (its figures also as structured extras)."""
        logger.info("%s shop %s: %d records from %d pages for %s [%d, %d)%s", self.name,
                    shop.id, stats.emitted, stats.pages, self.replication_key, start, end,
                    f"; {stats.deferred} outside the window" if stats.deferred else "",
                    extra=summary_fields(self.end_progress(shop), stats,
                                         self.replication_key, start, end))


class StatementsStream(FinanceListStream):
    """Daily statements, each written right after its transactions (when selected)."""

    name = "statements"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    replication_key = "statement_time"
    endpoint = STATEMENTS
    list_key = "statements"
    # Transactions are the slow part (calls at the rate limit, as product details): shops
    # are read at once, to the end; a statement read ahead carries all its transactions,
    # so past 20 per shop they wait for their shop's turn on disk.
    PREFETCH_SHOPS = 8
    PREFETCH_MEMORY_ITEMS = 20
    PREFETCH_SPILL = True

    @property
    def transactions(self) -> DerivedStream:
        """The ``statement_transactions`` stream object."""
        return t.cast("DerivedStream", self.tiktok.streams["statement_transactions"])

    def generate_child_contexts(self, record: dict, context: Context) -> Iterable[dict | None]:
        """No per-record child syncs: transactions are written inline."""
        return iter(())

    def get_records(self, context: Context) -> Iterable[dict]:
        """The window's statements, ascending; each statement's transactions first."""
        transactions = self.transactions
        transactions.begin()
        shop = self.shop(context)
        start, end = self.window(context)
        progress = self.progress(shop)
        progress.start()
        with self.read_ahead(context) as feed:
            for statement, rows in feed:
                if rows is not None:
                    transactions.emit(rows)
                progress.tick()
                yield enrich(statement, shop.id)
        self.log_walk(shop, start, end, feed.result or WalkStats())

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[t.Any, None, WalkStats]:
        """``[statement, transaction rows or None]`` in the statements' order."""
        statements = Returning(super().produce(shop, window))
        if not self.transactions.selected:
            for statement in statements:
                yield [statement, None]
            return statements.value or WalkStats()
        workers = self.tiktok.options.detail_concurrency
        self.client.reserve_connections(workers * (self.PREFETCH_SHOPS + 1) + 4)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix=f"statement-transactions-{shop.id}") as pool:
            # Twice as many statements asked for as there are workers: a statement whose
            # pages come back slowly does not leave the other workers idle.
            for statement, rows in fetch_in_order(pool, workers * 2, statements,
                                                  lambda s: self.transaction_rows(shop, s)):
                yield [statement, rows]
        return statements.value or WalkStats()

    def transaction_rows(self, shop: Shop, statement: dict[str, t.Any]) -> list[dict]:
        """Every transaction of one statement, as flat rows (every page of the answer)."""
        statement_id = str(statement.get("id") or "")
        if not statement_id:
            raise FatalAPIError(code=None, message="a statement in the answer has no id",
                                endpoint=STATEMENTS.label(self.tiktok.settings.api_version),
                                hint="report it with the shop")
        api_version = self.tiktok.settings.api_version
        list_key = TRANSACTION_LISTS[STATEMENT_TRANSACTIONS.version_for(api_version)]
        currency: list[t.Any] = [statement.get("currency")]

        def page(token: str | None) -> Page:
            data = self.call(STATEMENT_TRANSACTIONS, shop, path_params={
                "statement_id": statement_id}, params={
                "page_size": 100, "page_token": token, "sort_field": "order_create_time",
                "sort_order": "ASC"}).data
            currency[0] = data.get("currency") or currency[0]
            return Page(list(data.get(list_key) or []), data.get("next_page_token") or "",
                        data.get("total_count"))

        rows = []
        for transaction in all_pages(page, STATEMENT_TRANSACTIONS.label(api_version)):
            row = flatten_objects(dict(transaction))
            row["shop_id"] = shop.id
            row["statement_id"] = statement_id
            row["statement_time"] = statement.get("statement_time")
            if row.get("currency") is None:
                row["currency"] = currency[0]
            rows.append(add_iso_times(row))
        return rows


class StatementTransactionsStream(DerivedStream):
    """One row per transaction of each statement read (written with ``statements``)."""

    name = "statement_transactions"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "statement_id", "id"]
    replication_key = None
    parent_stream_type = StatementsStream
    endpoints: t.ClassVar[tuple[Endpoint, ...]] = (STATEMENT_TRANSACTIONS,)


class PaymentsStream(FinanceListStream):
    """Payments to the seller's bank account (their status and paid time change later)."""

    name = "payments"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    replication_key = "create_time"
    endpoint = PAYMENTS
    list_key = "payments"


class WithdrawalsStream(FinanceListStream):
    """Withdrawals, settlements, transfers and reversals of the seller's balance.

    Get Withdrawals documents no sort order, so each window is read whole (every page),
    sorted by ``(create_time, id)``, and only then emitted: the bookmark still only covers
    what was emitted. Withdrawals are few (a handful a week), so this stays small.
    """

    name = "withdrawals"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    replication_key = "create_time"
    endpoint = WITHDRAWALS
    list_key = "withdrawals"

    def produce(self, shop: Shop, window: tuple[int, int]) -> Generator[t.Any, None, WalkStats]:
        """The window's withdrawals in ``(create_time, id)`` order."""
        start, end = window
        stats = WalkStats()
        label = self.endpoint.label(self.tiktok.settings.api_version)
        progress = self.progress(shop)

        def page(token: str | None) -> Page:
            stats.pages += 1
            data = self.call(self.endpoint, shop, params={
                "types": list(WITHDRAWAL_TYPES), "page_size": self.page_size,
                "page_token": token, "create_time_ge": start, "create_time_lt": end}).data
            if token is None:
                progress.expect(data.get("total_count"))
            return Page(list(data.get(self.list_key) or []), data.get("next_page_token") or "",
                        data.get("total_count"))

        by_id: dict[str, dict[str, t.Any]] = {}
        if start < end:
            for item in all_pages(page, label):
                created = item.get("create_time")
                if isinstance(created, int) and start <= created < end and item.get("id"):
                    by_id[str(item["id"])] = item
                else:
                    stats.deferred += 1
        for item in sorted(by_id.values(), key=lambda w: (w["create_time"], str(w["id"]))):
            stats.emitted += 1
            yield item
        return stats


class UnsettledTransactionsStream(ShopStream):
    """What TikTok expects to settle, per shop: a snapshot read whole on every run."""

    name = "unsettled_transactions"
    primary_keys: t.ClassVar[list[str]] = ["shop_id", "id"]
    replication_key = None
    endpoint = UNSETTLED_TRANSACTIONS
    page_size = 100

    def wants_activate_version(self) -> bool:
        """Always: rows that settled leave TikTok's answer, and only a new table version
        tells a loader to drop them (the SDK sends it before the stream's records; not in
        a run limited by ``shop_ids``: ``TikTokShopStream.emit_activate_version_messages``)."""
        return True

    def get_records(self, context: Context) -> Iterable[dict]:
        """Every unsettled transaction of the shop, breakdowns flattened."""
        shop = self.shop(context)

        def page(token: str | None) -> Page:
            data = self.call(self.endpoint, shop, params={
                "page_size": self.page_size, "page_token": token,
                "sort_field": "order_create_time", "sort_order": "ASC"}).data
            if token is None:
                progress.expect(data.get("total_count"))
            return Page(list(data.get("transactions") or []), data.get("next_page_token") or "",
                        data.get("total_count"))

        progress = self.progress(shop)
        progress.start()
        for transaction in all_pages(page, self.endpoint.label(self.tiktok.settings.api_version)):
            progress.tick()
            yield enrich(flatten_objects(transaction), shop.id)
        self.end_progress(shop)
        logger.info("%s shop %s: %d unsettled transactions", self.name, shop.id,
                    progress.records, extra={**progress.fields(), "log_event": "shop_done"})
