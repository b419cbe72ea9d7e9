"""Run one batch's planned calls: shops in parallel, calls of a shop in ordered stages.

For each shop: look up what the changes need (``product_cache``), plan the calls
(``planner``), then send them (``apply.send``) stage by stage, up to
``WRITES_IN_FLIGHT`` calls of a stage at once, and write each record's results line as
soon as its last call is answered. A run-stopping error (authorization refused) is kept
in ``run.fatal``: nothing more is sent, and what was sent is still reported.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from target_tiktokshop.apply import Executed, PartResult, remember_accepted, send
from target_tiktokshop.changes import Change
from target_tiktokshop.planner import Detail, Plan, PlannedCall, lookup_needs, plan_changes
from target_tiktokshop.results import APPLIED, FAILED, Outcome
from tiktokshop.errors import APIError, AuthorizationError
from tiktokshop.shops import Shop

if TYPE_CHECKING:
    from target_tiktokshop.runtime import Run

#: Write calls in flight per shop. Calls of one stage touch different products; at
#: 50 ms per call and 50 calls/s, about 3 must be in flight to reach the rate limit.
WRITES_IN_FLIGHT = 8


class BatchExecutor:
    """Applies the parsed changes of one batch of one stream (``kind``)."""

    def __init__(self, run: Run, kind: str) -> None:
        self.run = run
        self.kind = kind

    def apply(self, by_shop: dict[str, list[Change]]) -> None:
        """Lookups, plan and writes of one batch, shops in parallel (``max_parallel_shops``)."""
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
                    self.run.results.write(Outcome(change.seq, self.kind, FAILED, change.keys,
                                                   reason=reason))
            else:
                work.append((shop, changes))
        workers = min(len(work), self.run.options.max_parallel_shops)
        if workers <= 1:
            for shop, changes in work:
                self.apply_shop(shop, changes)
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shop") as pool:
            futures = [pool.submit(self.apply_shop, shop, changes) for shop, changes in work]
            errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            raise errors[0]  # type: ignore[misc]

    def apply_shop(self, shop: Shop, changes: Sequence[Change]) -> None:
        """Lookups, plan and writes for one shop (see ``send_stage`` for the writes)."""
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
        self.run_calls(plan, shop)

    def run_calls(self, plan: Plan, shop: Shop) -> None:
        run = self.run
        catalog = run.catalog(shop)
        calls_left: dict[int, int] = defaultdict(int)
        for call in plan.calls:
            for seq in {part.seq for part in call.parts}:
                calls_left[seq] += 1
        collected: dict[int, list[PartResult]] = defaultdict(list)
        for stage in call_stages(plan.calls):
            for call, executed in self.send_stage(stage, shop):
                remember_accepted(executed, catalog)
                run.results.count_calls(self.kind, writes=executed.calls)
                done = set()
                for part, result in zip(call.parts, executed.results, strict=True):
                    collected[part.seq].append(result)
                    done.add(part.seq)
                for seq in sorted(done):
                    calls_left[seq] -= 1
                    if calls_left[seq] == 0:
                        run.results.write(_final(seq, self.kind, collected[seq],
                                                 plan.details[seq]))

    def send_stage(
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
