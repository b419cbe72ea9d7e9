"""Walking TikTok's time-filtered searches without losing records.

``iter_ascending`` reads a search sorted ascending by ``update_time`` over ``[start, end)``
by *seeking*: after each page it starts a fresh query at the last second it saw
(``_ge`` is inclusive) and skips the ids it already emitted at that second. Unlike
following ``next_page_token`` through one long query, this cannot skip a record when
another record changes mid-search and the server's offsets shift. Page tokens are still
followed while a page makes no progress (more than a page of records in one second).

A real search is not always tidy (TikTok warns that update times move while a search
runs), so the walk does not trust the server's order or paging:

* each page is sorted by ``(update_time, id)`` before any record is yielded, so records
  out of order inside a page come out in order and the bookmark only moves forward;
* a record seen again (the same id and update time on a later page) is not yielded twice;
* a record older than the cursor that was not seen before (a page that broke the sort)
  is yielded all the same: dropping it would lose it. The stream keeps its bookmark
  from moving backwards for it (``IncrementalShopStream._increment_stream_state``);
* short and empty pages that carry a next token are followed, but a walk that brings no
  new record for ``MAX_IDLE_PAGES`` pages in a row stops with a clear error instead of
  looping (page tokens that never repeat but never progress).

``windows_under_cap`` cuts ``[start, end]`` until each product search window holds at most
10,000 results (TikTok refuses to page further).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tiktokshop.errors import FatalAPIError

MAX_PAGES_PER_QUERY = 100_000  # hard stop against a server that never ends a query
#: Pages in a row without a new record before the walk is declared stuck.
MAX_IDLE_PAGES = 50
#: Recently yielded (id, update time) pairs remembered to recognise a record seen again
#: (at least this many: whole pages are remembered and forgotten).
RECENT_RECORDS = 5_000


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
    repeated: int = 0  # returned again (same id and time): not emitted twice
    late: int = 0  # older than the cursor and not seen before: emitted, bookmark kept
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
    seek: bool = True,
) -> Iterator[dict[str, Any]]:
    """Yield every record with ``start <= key < end`` in ascending ``key`` order.

    Records whose key is ``>= end`` changed after the sync started: they are left for
    the next run (counted in ``stats.deferred``), which keeps the yielded keys sorted.

    ``seek=False`` is for a ``key`` a record never changes (a creation or statement time):
    no record can move within the result while the walk pages, so one query is followed
    by its page tokens (a seek re-reads the last second's records: one page more per
    walk). Everything else (sorting, repeats, late records, idle pages) is the same.
    """
    stats = stats or WalkStats()
    cursor = start
    query_from = start  # the query the page token belongs to starts here
    at_cursor: set[str] = set()
    # The (id, time) pairs yielded, one set per page, the oldest pages forgotten once the
    # others hold RECENT_RECORDS. Only a record older than the cursor is looked up there:
    # one at the cursor was yielded since the cursor got there (``at_cursor``), and one
    # past it cannot have been yielded (the cursor never moves back).
    recent: deque[set[tuple[str, int]]] = deque()
    remembered = 0
    token: str | None = None
    tokens_seen: set[str] = set()
    idle = 0
    while cursor < end:
        page = fetch(query_from, end, token)
        stats.pages += 1
        progressed = False
        yielded: set[tuple[str, int]] = set()
        for record in sorted(page.items, key=lambda r: _order_key(r, key, id_key)):
            value = record.get(key)
            if not isinstance(value, int) or value >= end or value < start:
                stats.deferred += 1  # outside the window (changed since, or not asked for)
                continue
            record_id = str(record.get(id_key))
            seen = (record_id, value)
            if value > cursor:
                cursor, at_cursor, progressed = value, {record_id}, True
            elif value == cursor:
                if record_id in at_cursor:
                    stats.repeated += 1
                    continue
                at_cursor.add(record_id)
            elif seen in yielded or any(seen in page_seen for page_seen in recent):
                stats.repeated += 1
                continue
            else:
                stats.late += 1
            yielded.add(seen)
            stats.emitted += 1
            yield record
        if yielded:
            recent.append(yielded)
            remembered += len(yielded)
            while remembered - len(recent[0]) >= RECENT_RECORDS:
                remembered -= len(recent.popleft())
        if not page.next_token:
            return
        idle = 0 if yielded else idle + 1
        if idle >= MAX_IDLE_PAGES:
            raise FatalAPIError(
                code=None, endpoint=endpoint,
                message=f"{idle} pages in a row brought no new record (the search keeps "
                        f"answering with a next page token but makes no progress at {key} "
                        f"{cursor})",
                hint="the API's paging is stuck; the records before this point were written "
                     "and the next run resumes from the last STATE; report the shop and time",
            )
        if progressed and seek:
            token, tokens_seen, query_from = None, set(), cursor
            continue
        if page.next_token in tokens_seen or len(tokens_seen) >= MAX_PAGES_PER_QUERY:
            raise FatalAPIError(code=None, message="the same page token came back twice",
                                endpoint=endpoint, hint="pagination loop in the API answer; "
                                "report it with the shop and time range")
        tokens_seen.add(page.next_token)
        token = page.next_token


def _order_key(record: dict[str, Any], key: str, id_key: str) -> tuple[int, str]:
    value = record.get(key)
    return (value if isinstance(value, int) else -1, str(record.get(id_key)))


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
