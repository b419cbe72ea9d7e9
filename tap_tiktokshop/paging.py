"""Walking TikTok's time-filtered searches without losing records.

``iter_ascending`` reads a search sorted ascending by ``update_time`` over ``[start, end)``
by *seeking*: after each page it starts a fresh query at the last second it saw
(``_ge`` is inclusive) and skips the ids it already emitted at that second. Unlike
following ``next_page_token`` through one long query, this cannot skip a record when
another record changes mid-search and the server's offsets shift. Page tokens are still
followed while a page makes no progress (more than a page of records in one second).

``windows_under_cap`` cuts ``[start, end]`` until each product search window holds at most
10,000 results (TikTok refuses to page further).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tiktokshop.errors import FatalAPIError

MAX_PAGES_PER_QUERY = 100_000  # hard stop against a server that never ends a query


@dataclass
class Page:
    """One page of a search answer."""

    items: list[dict[str, Any]]
    next_token: str
    total: int | None = None


@dataclass
class WalkStats:
    """What a walk saw, for logs and benchmarks."""

    pages: int = 0
    emitted: int = 0
    deferred: int = 0  # changed during the sync: picked up by a later window or run
    repeated: int = 0  # returned again by a seek at the same second (not emitted twice)
    seen_ids: set[str] = field(default_factory=set, repr=False)


FetchAscending = Callable[[int, int, str | None], Page]


def iter_ascending(
    fetch: FetchAscending,
    start: int,
    end: int,
    *,
    key: str = "update_time",
    id_key: str = "id",
    stats: WalkStats | None = None,
    endpoint: str = "search",
) -> Iterator[dict[str, Any]]:
    """Yield every record with ``start <= key < end`` in ascending ``key`` order.

    Records whose key is ``>= end`` changed after the sync started: they are left for
    the next run (counted in ``stats.deferred``), which keeps the yielded keys sorted.
    """
    stats = stats or WalkStats()
    cursor = start
    at_cursor: set[str] = set()
    token: str | None = None
    tokens_seen: set[str] = set()
    while cursor < end:
        page = fetch(cursor, end, token)
        stats.pages += 1
        progressed = False
        for record in page.items:
            value = record.get(key)
            if not isinstance(value, int) or value >= end:
                stats.deferred += 1
                continue
            record_id = str(record.get(id_key))
            if value == cursor and record_id in at_cursor:
                stats.repeated += 1
                continue
            if value > cursor:
                cursor, at_cursor, progressed = value, set(), True
            at_cursor.add(record_id)
            stats.emitted += 1
            yield record
        if not page.next_token:
            return
        if progressed:
            token, tokens_seen = None, set()
            continue
        if page.next_token in tokens_seen or len(tokens_seen) >= MAX_PAGES_PER_QUERY:
            raise FatalAPIError(code=None, message="the same page token came back twice",
                                endpoint=endpoint, hint="pagination loop in the API answer; "
                                "report it with the shop and time range")
        tokens_seen.add(page.next_token)
        token = page.next_token


class WindowTooLarge(Exception):
    """A search window matched more results than the API will page through."""

    def __init__(self, total: int | None) -> None:
        super().__init__(f"window holds {total} results")
        self.total = total


def windows_under_cap(
    read: Callable[[int, int], list[dict[str, Any]]],
    start: int,
    end: int,
    logger: logging.Logger,
) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
    """Yield ``(a, b, records)`` for inclusive windows covering ``[start, end]`` in order.

    ``read(a, b)`` returns the window's records or raises :class:`WindowTooLarge` (from the
    search's ``total_count`` or TikTok's 12052180 while paging); such a window is halved
    and each half read in turn.
    """
    stack = [(start, end)]
    while stack:
        a, b = stack.pop()
        try:
            records = read(a, b)
        except WindowTooLarge as exc:
            if a >= b:
                raise FatalAPIError(
                    code=None, message=f"{exc.total} products updated in the same second ({a})",
                    endpoint="product search",
                    hint="TikTok returns at most 10,000 results per search and one second "
                         "cannot be split further; report this shop and second",
                ) from None
            middle = (a + b) // 2
            logger.info("Product search window %d-%d holds %s results; splitting it",
                        a, b, exc.total)
            stack.append((middle + 1, b))
            stack.append((a, middle))
            continue
        yield a, b, records
