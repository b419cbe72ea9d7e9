"""Fetch details concurrently, hand them over in the order of their items."""

from __future__ import annotations

import typing as t
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

Item = t.TypeVar("Item")
Result = t.TypeVar("Result")


def fetch_in_order(pool: ThreadPoolExecutor, ahead: int, items: Iterable[Item],
                   fetch: Callable[[Item], Result]) -> Iterator[tuple[Item, Result]]:
    """``(item, fetch(item))`` in the items' order, with up to ``ahead`` fetches requested
    ahead in ``pool``; closing the generator cancels the ones not started."""
    pending: deque[tuple[Item, Future[Result]]] = deque()
    queue = iter(items)
    try:
        for item in queue:
            pending.append((item, pool.submit(fetch, item)))
            if len(pending) >= ahead:
                break
        while pending:
            item, future = pending.popleft()
            result = future.result()
            following = next(queue, None)
            if following is not None:
                pending.append((following, pool.submit(fetch, following)))
            yield item, result
    finally:
        for _, future in pending:
            future.cancel()
