"""Run one batch's planned calls: shops in parallel, calls of a shop in ordered stages.

For each shop: look up what the changes need (``product_cache``), plan the calls
(``planner``), then send them (``apply.send``) stage by stage, up to
``WRITES_IN_FLIGHT`` calls of a stage at once, and write each record's results line as
soon as its last call is answered. A run-stopping error (authorization refused) is kept
in ``run.fatal``: nothing more is sent, and what was sent is still reported.

The changes held for a run-level breaker (``whole_run=True``) are planned for every
shop first, only to count what the breaker looks at; the breaker then decides over the
whole run whether anything is sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from target_tiktokshop.apply import Executed, PartResult, remember_accepted, send
from target_tiktokshop.changes import SHIPMENTS, Change
from target_tiktokshop.guardrails import BreakerTrip, evaluate_breaker
from target_tiktokshop.planner import Detail, Plan, PlannedCall, lookup_needs, plan_changes
from target_tiktokshop.results import APPLIED, FAILED, REFUSED, Outcome
from target_tiktokshop.shipment_planner import SHIP_KINDS, order_ids, plan_shipments
from tiktokshop.errors import APIError, AuthorizationError
from tiktokshop.shops import Shop

if TYPE_CHECKING:
    from target_tiktokshop.runtime import Run

logger = logging.getLogger("target_tiktokshop.executor")

#: Write calls in flight per shop. Calls of one stage touch different products; at
#: 50 ms per call and 50 calls/s, about 3 must be in flight to reach the rate limit.
WRITES_IN_FLIGHT = 8
Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchExecutor:
    """Applies the parsed changes of one batch of one stream (``kind``)."""

    def __init__(self, run: Run, kind: str, *, chunk_size: int = 10_000) -> None:
        self.run = run
        self.kind = kind
        self.chunk_size = max(1, chunk_size)  # changes per plan of held changes

    def apply(self, by_shop: dict[str, list[Change]], *, whole_run: bool = False) -> None:
        """Lookups, plan and writes of one batch, shops in parallel (``max_parallel_shops``).

        ``whole_run``: the changes are the whole run's (held for the stream's breaker):
        every shop is planned before anything is sent, and nothing is sent when the
        breaker trips.
        """
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
        if whole_run:
            self.apply_run(work)
        else:
            self._each_shop(self.apply_shop, work)

    def _each_shop(self, job: Callable[[Shop, Item], Result],
                   work: Sequence[tuple[Shop, Item]]) -> list[Result]:
        """``job`` for each shop, up to ``max_parallel_shops`` at once; results in order."""
        workers = min(len(work), self.run.options.max_parallel_shops)
        if workers <= 1:
            return [job(shop, item) for shop, item in work]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shop") as pool:
            futures = [pool.submit(job, shop, item) for shop, item in work]
            errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            raise errors[0]  # type: ignore[misc]
        return [future.result() for future in futures]

    def apply_shop(self, shop: Shop, changes: Sequence[Change]) -> None:
        """Lookups, plan and writes for one shop (see ``send_stage`` for the writes)."""
        plan = self.plan_shop(shop, changes)
        if plan is not None:
            self.finish_shop(shop, plan)

    def plan_shop(self, shop: Shop, changes: Sequence[Change]) -> Plan | None:
        """Lookups and plan for one shop (None when the authorization stopped the run)."""
        run, options = self.run, self.run.options
        if self.kind == SHIPMENTS:
            return self.plan_shipments(shop, changes)
        catalog = run.catalog(shop)
        before = catalog.lookup_calls
        try:
            catalog.prefetch(*lookup_needs(self.kind, changes,
                                           skip_unchanged=options.skip_unchanged))
        except AuthorizationError as exc:
            run.fatal = exc
            return None
        finally:
            run.results.count_calls(self.kind, lookups=catalog.lookup_calls - before)
        return plan_changes(self.kind, changes, catalog, skip_unchanged=options.skip_unchanged,
                            limits=options.guardrails)

    def plan_shipments(self, shop: Shop, changes: Sequence[Change]) -> Plan | None:
        """Order lookups and plan of shipment records (no guardrails apply to them)."""
        run = self.run
        orders = run.orders(shop)
        before = orders.lookup_calls
        try:
            orders.prefetch(order_ids(changes))  # type: ignore[arg-type]
            return plan_shipments(changes, orders,  # type: ignore[arg-type]
                                  skip_unchanged=run.options.skip_unchanged)
        except AuthorizationError as exc:
            run.fatal = exc
            return None
        finally:
            run.results.count_calls(self.kind, lookups=orders.lookup_calls - before)

    def finish_shop(self, shop: Shop, plan: Plan) -> None:
        """Write the outcomes decided at planning, then make the plan's calls."""
        self.run.results.write_all(plan.outcomes)
        self.run_calls(plan, shop)

    def apply_run(self, work: Sequence[tuple[Shop, Sequence[Change]]]) -> None:
        """The whole run's held changes, in two passes of ``chunk_size`` changes per shop
        (so a plan never holds more than a batch): first the breaker's counts, then the
        outcomes, with the calls unless the breaker tripped. The second pass plans again
        with the lookups of the first (cached, no new call)."""
        run = self.run
        counts = self._each_shop(self._count_shop, work)
        if run.fatal:  # nothing was sent: every record is "not attempted"
            return
        trip = evaluate_breaker(run.options.guardrails, self.kind,
                                sum(records for records, _ in counts),
                                sum(hits for _, hits in counts))
        if trip is not None:
            run.trips.append(trip)
            logger.error("%s; nothing of stream '%s' is written in this run",
                         trip.describe(), self.kind)
        self._each_shop(partial(self._settle_shop, trip=trip), work)

    def _count_shop(self, shop: Shop, changes: Sequence[Change]) -> tuple[int, int]:
        """(records, hits) of the shop's changes for the breaker."""
        records = hits = 0
        for chunk in _chunks(changes, self.chunk_size):
            plan = self.plan_shop(shop, chunk)
            if plan is None:
                break
            records += plan.breaker_records
            hits += len(plan.breaker_hits)
        return records, hits

    def _settle_shop(self, shop: Shop, changes: Sequence[Change], *,
                     trip: BreakerTrip | None) -> None:
        """Write (or, when ``trip``, refuse) the shop's changes chunk by chunk."""
        for chunk in _chunks(changes, self.chunk_size):
            plan = None if self.run.fatal else self.plan_shop(shop, chunk)
            if plan is None:
                return
            if trip is None:
                self.finish_shop(shop, plan)
            else:
                self.run.results.write_all([*plan.outcomes, *_breaker_refusals(plan, trip)])

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
                if call.kind in SHIP_KINDS and not run.options.dry_run:
                    forget_orders(run, shop, plan, call)
                run.results.count_calls(self.kind, writes=executed.calls,
                                        lookups=executed.lookups)
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
            {call.product_id} if call.product_id else set()) | set((call.params or {}).values())
        if stage and (call.kind != stage[0].kind or products & touched):
            yield stage
            stage, touched = [], set()
        stage.append(call)
        touched |= products
    if stage:
        yield stage


def forget_orders(run: Run, shop: Shop, plan: Plan, call: PlannedCall) -> None:
    """Drop the orders a shipping call touched from the cache (re-read when needed)."""
    orders = run.orders(shop)
    for part in call.parts:
        order_id = plan.details[part.seq].keys.order_id
        if order_id:
            orders.forget(order_id)


def _chunks(changes: Sequence[Change], size: int) -> Iterator[Sequence[Change]]:
    for start in range(0, len(changes), size):
        yield changes[start:start + size]


def _breaker_refusals(plan: Plan, trip: BreakerTrip) -> list[Outcome]:
    """A ``refused`` outcome for every record the plan would have sent."""
    outcomes = []
    for seq in sorted({part.seq for call in plan.calls for part in call.parts}):
        detail = plan.details[seq]
        refusal = trip.refusal(_main(detail.previous), _main(detail.value))
        outcomes.append(Outcome(seq, plan.stream, REFUSED, detail.keys, reason=refusal.reason,
                                value=detail.value, previous=detail.previous,
                                guardrail=refusal.record()))
    return outcomes


def _main(values: dict[str, Any] | None) -> Any:
    """The quantity or amount of a value/previous object."""
    if not values:
        return None
    return values.get("quantity", values.get("amount"))


def _final(seq: int, stream: str, results: list[PartResult], detail: Detail) -> Outcome:
    """One record's outcome from its parts: any failure fails it, else applied/planned."""
    failed = [r for r in results if r.outcome == FAILED]
    applied = [r for r in results if r.outcome == APPLIED]
    chosen = (failed or applied or results)[0]
    keys = detail.keys.resolved(package_id=chosen.package_id) if chosen.package_id \
        else detail.keys
    return Outcome(
        seq, stream, chosen.outcome, keys, reason=chosen.reason,
        code=chosen.code, message=chosen.message, request_id=chosen.request_id,
        endpoint=chosen.endpoint, value=detail.value, previous=detail.previous,
    )
