"""Batch sinks: validate, resolve, plan and apply one batch of a stream, shop by shop.

Every record of a batch leaves with exactly one results line, whatever happens: the
planner settles invalid, unchanged and superseded records, calls settle the rest, and
a final sweep reports anything left (a run-stopping error, or a bug) as failed.
"""

from __future__ import annotations

import typing as t
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from singer_sdk.sinks import BatchSink

from target_tiktokshop.apply import Executed, PartResult, remember_accepted, send
from target_tiktokshop.planner import Detail, Plan, PlannedCall, lookup_needs, plan_changes
from target_tiktokshop.records import (
    INVENTORY,
    PRICES,
    PRODUCTS,
    Change,
    Keys,
    Rejected,
    parse_record,
    record_keys,
)
from target_tiktokshop.results import APPLIED, FAILED, Outcome
from tiktokshop.errors import APIError, AuthorizationError
from tiktokshop.shops import Shop

if t.TYPE_CHECKING:
    from target_tiktokshop.runtime import Run
    from target_tiktokshop.target import TargetTikTokShop

Entry = tuple[int, dict[str, t.Any]]  # (sequence number, raw record)
#: Write calls in flight per shop. Calls of one stage touch different products; at
#: 50 ms per call and 50 calls/s, about 3 must be in flight to reach the rate limit.
WRITES_IN_FLIGHT = 8


class TikTokShopSink(BatchSink):
    """Base sink: stages records with their sequence number, applies them per batch."""

    kind: t.ClassVar[str]

    def __init__(self, target: TargetTikTokShop, *args: t.Any, **kwargs: t.Any) -> None:
        self.run: Run = target.run
        self._staged: list[Entry] = []
        super().__init__(target, *args, **kwargs)

    def get_validator(self) -> None:
        """No JSON-schema validation: it would stop the run at the first bad record;
        ``records.parse_record`` checks every record and reports it instead."""
        return None

    def start_batch(self, context: dict) -> None:
        self._staged = context.setdefault("records", [])

    def process_record(self, record: dict, context: dict) -> None:
        context.setdefault("records", []).append((self.run.next_seq(), record))

    def abandon(self, reason: str) -> None:
        """Report every staged record as failed (the run stops before applying them)."""
        for seq, record in self._staged:
            if not self.run.results.has_line(seq):
                self._write(Outcome(seq, self.kind, FAILED, record_keys(record), reason=reason))
        self._staged = []

    def _write(self, outcome: Outcome) -> None:
        self.run.results.write(outcome)

    # ------------------------------------------------------------------ batch
    def process_batch(self, context: dict) -> None:
        entries: list[Entry] = context.get("records", [])
        by_shop: dict[str, list[Change]] = defaultdict(list)
        for seq, record in entries:
            parsed = parse_record(self.kind, seq, record)
            if isinstance(parsed, Rejected):
                self._write(Outcome(seq, self.kind, FAILED, record_keys(record),
                                    reason=parsed.reason))
            else:
                by_shop[parsed.keys.shop_id or ""].append(parsed)
        try:
            self._apply(by_shop)
        finally:
            self._sweep(entries)
            self._staged = []

    def _apply(self, by_shop: dict[str, list[Change]]) -> None:
        if not by_shop or self.run.fatal:
            return
        try:
            shops = self.run.shops()
        except (APIError, AuthorizationError) as exc:
            self.run.fatal = exc
            return
        work = []
        for shop_id, changes in by_shop.items():
            shop = shops.get(shop_id)
            if shop is None:
                reason = self.run.shop_problem(shop_id)
                for change in changes:
                    self._write(Outcome(change.seq, self.kind, FAILED, change.keys, reason=reason))
            else:
                work.append((shop, changes))
        workers = min(len(work), self.run.options.max_parallel_shops)
        if workers <= 1:
            for shop, changes in work:
                self._apply_shop(shop, changes)
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shop") as pool:
            futures = [pool.submit(self._apply_shop, shop, changes) for shop, changes in work]
            errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            raise errors[0]  # type: ignore[misc]

    def _apply_shop(self, shop: Shop, changes: Sequence[Change]) -> None:
        """Lookups, plan and writes for one shop (see ``_send_stage`` for the writes)."""
        run, options = self.run, self.run.options
        catalog = run.catalog(shop)
        before = catalog.lookup_calls
        try:
            catalog.prefetch(*lookup_needs(self.kind, changes,
                                           skip_unchanged=options.skip_unchanged))
        except AuthorizationError as exc:
            run.fatal = exc
            return
        finally:
            run.results.count_calls(self.kind, lookups=catalog.lookup_calls - before)
        plan = plan_changes(self.kind, changes, catalog, skip_unchanged=options.skip_unchanged)
        self.run.results.write_all(plan.outcomes)
        self._run_calls(plan, shop)

    def _run_calls(self, plan: Plan, shop: Shop) -> None:
        run = self.run
        catalog = run.catalog(shop)
        calls_left: dict[int, int] = defaultdict(int)
        for call in plan.calls:
            for seq in {part.seq for part in call.parts}:
                calls_left[seq] += 1
        collected: dict[int, list[PartResult]] = defaultdict(list)
        for stage in call_stages(plan.calls):
            for call, executed in self._send_stage(stage, shop):
                remember_accepted(executed, catalog)
                run.results.count_calls(self.kind, writes=executed.calls)
                done = set()
                for part, result in zip(call.parts, executed.results, strict=True):
                    collected[part.seq].append(result)
                    done.add(part.seq)
                for seq in sorted(done):
                    calls_left[seq] -= 1
                    if calls_left[seq] == 0:
                        self._write(_final(seq, self.kind, collected[seq], plan.details[seq]))

    def _send_stage(
        self, stage: list[PlannedCall], shop: Shop
    ) -> Iterator[tuple[PlannedCall, Executed]]:
        """``(call, result)`` in the stage's order; calls of a stage touch different
        products, so up to ``WRITES_IN_FLIGHT`` of them are in flight at once (the
        client's rate limiter still spaces them). Stops sending after a run-stopping
        error; calls already sent are still reported."""
        run = self.run
        if run.fatal:
            return
        if len(stage) == 1 or run.options.dry_run or WRITES_IN_FLIGHT <= 1:
            for call in stage:
                if run.fatal:
                    return
                try:
                    executed = send(call, client=run.client, shop=shop,
                                    dry_run=run.options.dry_run)
                except AuthorizationError as exc:
                    run.fatal = exc
                    return
                yield call, executed
            return
        workers = min(WRITES_IN_FLIGHT, len(stage))
        run.client.reserve_connections(workers * run.options.max_parallel_shops + 2)
        pending: deque[tuple[PlannedCall, Future[Executed]]] = deque()
        queue = iter(stage)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix=f"writes-{shop.id}") as pool:
            try:
                for call in queue:
                    pending.append((call, pool.submit(send, call, client=run.client,
                                                      shop=shop, dry_run=False)))
                    if len(pending) >= workers * 2:
                        break
                while pending:
                    call, future = pending.popleft()
                    if future.cancelled():
                        continue
                    try:
                        executed = future.result()
                    except AuthorizationError as exc:
                        run.fatal = run.fatal or exc
                        executed = None
                    if run.fatal:  # send nothing more; what was sent is still reported
                        for _, other in pending:
                            other.cancel()
                    else:
                        nxt = next(queue, None)
                        if nxt is not None:
                            pending.append((nxt, pool.submit(send, nxt, client=run.client,
                                                             shop=shop, dry_run=False)))
                    if executed is not None:
                        yield call, executed
            finally:
                for _, future in pending:
                    future.cancel()

    def _sweep(self, entries: list[Entry]) -> None:
        """Give every record of the batch still without a line a failed one."""
        if self.run.fatal:
            reason = f"not attempted: {self.run.fatal}"
        else:
            reason = "not confirmed: the batch stopped on an unexpected error (see the log)"
        for seq, record in entries:
            if not self.run.results.has_line(seq):
                keys: Keys = record_keys(record) if isinstance(record, dict) else Keys()
                self._write(Outcome(seq, self.kind, FAILED, keys, reason=reason))


def call_stages(calls: Sequence[PlannedCall]) -> Iterator[list[PlannedCall]]:
    """Runs of consecutive calls of one kind that touch different products.

    The calls of a stage may be sent in parallel; stages go one after another (e.g.
    Partial Edits before Activate / Deactivate), so two calls for the same product are
    never in flight together and keep their planned order.
    """
    stage: list[PlannedCall] = []
    touched: set[str] = set()
    for call in calls:
        products = set(call.body.get("product_ids") or ()) | (
            {call.product_id} if call.product_id else set())
        if stage and (call.kind != stage[0].kind or products & touched):
            yield stage
            stage, touched = [], set()
        stage.append(call)
        touched |= products
    if stage:
        yield stage


def _final(seq: int, stream: str, results: list[PartResult], detail: Detail) -> Outcome:
    """One record's outcome from its parts: any failure fails it, else applied/planned."""
    failed = [r for r in results if r.outcome == FAILED]
    applied = [r for r in results if r.outcome == APPLIED]
    chosen = (failed or applied or results)[0]
    return Outcome(
        seq, stream, chosen.outcome, detail.keys, reason=chosen.reason,
        code=chosen.code, message=chosen.message, request_id=chosen.request_id,
        endpoint=chosen.endpoint, value=detail.value, previous=detail.previous,
    )


class InventorySink(TikTokShopSink):
    """The ``inventory`` stream: available quantity per SKU and warehouse."""

    kind = INVENTORY


class PricesSink(TikTokShopSink):
    """The ``prices`` stream: sale price (and list price) per SKU."""

    kind = PRICES


class ProductsSink(TikTokShopSink):
    """The ``products`` stream: status, title and description per product."""

    kind = PRODUCTS


class IgnoredStreamSink(BatchSink):
    """A stream the target does not know, skipped because ``unknown_streams`` is 'ignore'."""

    def __init__(self, target: TargetTikTokShop, *args: t.Any, **kwargs: t.Any) -> None:
        self.run: Run = target.run
        super().__init__(target, *args, **kwargs)
        if self.run.warn_once(f"ignored:{self.stream_name}"):
            self.logger.warning(
                "Ignoring stream '%s': not one of %s (unknown_streams is 'ignore')",
                self.stream_name, ", ".join((INVENTORY, PRICES, PRODUCTS)))

    def get_validator(self) -> None:
        return None

    def process_record(self, record: dict, context: dict) -> None:
        self.run.results.stream(self.stream_name).ignored += 1

    def process_batch(self, context: dict) -> None:
        """Nothing to write."""


SINKS: dict[str, type[TikTokShopSink]] = {
    INVENTORY: InventorySink, PRICES: PricesSink, PRODUCTS: ProductsSink,
}
__all__ = ["SINKS", "IgnoredStreamSink", "TikTokShopSink"]
