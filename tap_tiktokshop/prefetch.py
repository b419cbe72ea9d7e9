"""Reading shops ahead of the SDK, which syncs partitions (shops) one after another.

TikTok limits requests per app, shop and API, so shops can be read in parallel. The SDK
asks a stream for one shop's records at a time; when the first shop is asked for, a
:class:`ShopPrefetcher` starts a reader thread per later shop (a few at a time) and the
stream consumes each shop's :class:`ShopFeed` in partition order. What is emitted, in
which order, and when the state advances do not change: records are still yielded by
the SDK's loop for the shop being synced, in the order the shop's reader made them, and
a shop's bookmark only moves past what was yielded. Items read ahead but never emitted
(a killed run) are read again by the next run.

A reader is a generator of items (its return value is handed to the consumer at the
end). Two ways to buffer what it reads ahead:

* ``spill``: the reader runs to the end in its thread. Up to ``memory_items`` items wait
  in memory, the rest in a private temporary file (pickled: the process reads back only
  what it wrote itself, types intact, at about two thirds of JSON's cost for a
  transaction), so a shop read ahead never holds its whole catalogue in memory. For
  products, where details are fetched one call each at the rate limit and every shop
  should be read at once.
* hand-over: the reader stops when ``memory_items`` items wait, or when the consumer
  reaches the shop, and the consumer goes on with the same generator in its own thread.
  For searches that return full records a page at a time: the first pages of every
  shop are read at once (what makes small incremental syncs fast), while a long backfill
  is read in the SDK's thread, without two threads contending for the interpreter lock.

Closing the prefetcher (the consumer stopped early: an error, ``--test``, a record
limit) closes every feed: readers notice at their next item and stop.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Hashable, Iterator
from typing import IO, Any

logger = logging.getLogger("tap_tiktokshop")

JOIN_SECONDS = 10.0  # how long close() waits for the readers to notice (in all)

Reader = Generator[Any, None, Any]


class FeedClosedError(Exception):
    """The consumer closed the feed: the reader should stop."""


class ShopFeed:
    """A FIFO of one shop's items between its reader thread and the consumer."""

    def __init__(self, memory_items: int, *, spill: bool, hand_over: bool = False) -> None:
        self.memory_items = max(1, memory_items)
        self.spill = spill
        self.hand_over = hand_over
        self.result: Any = None
        self.spilled = 0  # items that went through the file (for logs and tests)
        self._cond = threading.Condition()
        self._memory: deque[Any] = deque()
        self._file: IO[bytes] | None = None
        self._written = 0  # items in the file
        self._read = 0  # items read back from the file
        self._read_at = 0  # file offset of the next item to read
        self._finished = False
        self._error: BaseException | None = None
        self._closed = False
        self._consuming = False
        self._reader: Reader | None = None  # handed over to the consumer

    @property
    def closed(self) -> bool:
        return self._closed

    # ------------------------------------------------------------------ reader side
    def put(self, item: Any) -> None:
        """Queue one item (picklable when the feed may spill).

        Raises:
            FeedClosedError: when the consumer closed the feed.
        """
        with self._cond:
            while True:
                if self._closed:
                    raise FeedClosedError
                if self._written > self._read:  # a backlog on disk: keep the order
                    self._spill(item)
                    break
                if len(self._memory) < self.memory_items or self.hand_over:
                    self._memory.append(item)
                    break
                if self.spill:
                    self._spill(item)
                    break
                self._cond.wait()
            self._cond.notify_all()

    def give_back(self, reader: Reader) -> bool:
        """Hand ``reader`` over to the consumer if it should go on (hand-over feeds)."""
        with self._cond:
            if self._closed:
                raise FeedClosedError
            if not self.hand_over or not (
                    self._consuming or len(self._memory) >= self.memory_items):
                return False
            self._reader = reader
            self._cond.notify_all()
            return True

    def read_here(self, reader: Reader) -> None:
        """The consumer reads everything itself (a shop that was not read ahead)."""
        with self._cond:
            self._consuming, self._reader = True, reader

    def finish(self, result: Any = None) -> None:
        """No more items; ``result`` is handed to the consumer after the last one."""
        with self._cond:
            self.result, self._finished = result, True
            self._cond.notify_all()

    def fail(self, error: BaseException) -> None:
        """No more items; the consumer raises ``error`` after the last one."""
        with self._cond:
            self._error, self._finished = error, True
            self._cond.notify_all()

    def _spill(self, item: Any) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+b", prefix="tap-tiktokshop-")  # noqa: SIM115
        self._file.seek(0, 2)
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._written += 1
        self.spilled += 1

    # ------------------------------------------------------------------ consumer side
    def __iter__(self) -> Iterator[Any]:
        """Every item in order; then raises the reader's error, if any."""
        with self._cond:
            self._consuming = True
        while True:
            reader = None
            with self._cond:
                while (not self._memory and self._read == self._written and not self._finished
                       and self._reader is None):
                    self._cond.wait()
                if self._memory:
                    item = self._memory.popleft()
                elif self._read < self._written:
                    item = self._unspill()
                elif self._reader is not None:
                    reader, self._reader = self._reader, None
                elif self._error is not None:
                    raise self._error
                else:
                    return
                self._cond.notify_all()
            if reader is not None:
                self.result = yield from reader
                return
            yield item

    def _unspill(self) -> Any:
        assert self._file is not None
        self._file.seek(self._read_at)
        item = pickle.load(self._file)  # noqa: S301 - this process's own private file
        self._read_at = self._file.tell()
        self._read += 1
        if self._read == self._written:  # backlog gone: start the file again
            self._file.seek(0)
            self._file.truncate()
            self._read = self._written = self._read_at = 0
        return item

    def close(self) -> None:
        """Stop the reader (at its next item) and drop what is queued."""
        with self._cond:
            self._closed = True
            self._memory.clear()
            if self._file is not None:
                self._file.close()
                self._file = None
            reader, self._reader = self._reader, None
            self._cond.notify_all()
        if reader is not None:
            reader.close()


Produce = Callable[[Hashable, Any], Reader]


class ShopPrefetcher:
    """Reads planned shops ahead, a few at a time, in the order they will be consumed.

    ``produce(key, window)`` returns the shop's reader: a generator of items whose
    return value is handed to the consumer (as ``feed.result``); an exception it raises
    is raised in the consumer after the items before it.
    """

    def __init__(self, produce: Produce, *, max_running: int, memory_items: int,
                 spill: bool, hand_over: bool = False, name: str) -> None:
        self.produce = produce
        self.max_running = max(1, max_running)
        self.memory_items = memory_items
        self.spill = spill
        self.hand_over = hand_over
        self.name = name
        self._lock = threading.Lock()
        self._pending: deque[tuple[Hashable, Any]] = deque()
        self._feeds: dict[Hashable, tuple[Any, ShopFeed]] = {}
        self._threads: dict[Hashable, threading.Thread] = {}
        self._running = 0
        self._closed = False

    def plan(self, jobs: list[tuple[Hashable, Any]]) -> None:
        """Shops (key, window) in the order they will be consumed; starts the first ones."""
        with self._lock:
            self._pending.extend(jobs)
            self._start_more_locked()

    def take(self, key: Hashable, window: Any) -> ShopFeed:
        """The feed of ``key`` for ``window``; a shop not read ahead (or read for another
        window) is read now: in the consumer's thread for hand-over feeds."""
        with self._lock:
            entry = self._feeds.get(key)
            if entry is not None and entry[0] != window:
                logger.info("%s: shop %s was read ahead for %s, not %s; reading it again",
                            self.name, key, entry[0], window)
                entry[1].close()
                entry = None
            if entry is None:
                self._pending = deque(job for job in self._pending if job[0] != key)
                if self.hand_over:
                    feed = self._new_feed()
                    feed.read_here(self.produce(key, window))
                    self._feeds[key] = (window, feed)
                else:
                    self._start_locked(key, window)
                entry = self._feeds[key]
            return entry[1]

    def release(self, key: Hashable) -> None:
        """The consumer is done with ``key``."""
        with self._lock:
            entry = self._feeds.pop(key, None)
            thread = self._threads.pop(key, None)
        if entry is not None:
            entry[1].close()
        if thread is not None:
            thread.join(JOIN_SECONDS)

    @property
    def idle(self) -> bool:
        """Nothing planned or held."""
        with self._lock:
            return not self._pending and not self._feeds

    def close(self) -> None:
        """Stop every reader and drop every feed (bounded wait for the threads)."""
        with self._lock:
            self._closed = True
            self._pending.clear()
            feeds = [feed for _, feed in self._feeds.values()]
            self._feeds.clear()
            threads = list(self._threads.values())
            self._threads.clear()
        for feed in feeds:
            feed.close()
        deadline = time.monotonic() + JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            logger.warning("%s: read-ahead threads are still finishing their requests",
                           self.name)

    # ------------------------------------------------------------------ readers
    def _new_feed(self) -> ShopFeed:
        feed = ShopFeed(self.memory_items, spill=self.spill, hand_over=self.hand_over)
        if self._closed:
            feed.close()
        return feed

    def _start_more_locked(self) -> None:
        while not self._closed and self._pending and self._running < self.max_running:
            key, window = self._pending.popleft()
            if key not in self._feeds:
                self._start_locked(key, window)

    def _start_locked(self, key: Hashable, window: Any) -> None:
        feed = self._new_feed()
        self._feeds[key] = (window, feed)
        thread = threading.Thread(target=self._run, args=(key, window, feed), daemon=True,
                                  name=f"{self.name}-{key}")
        self._threads[key] = thread
        self._running += 1
        thread.start()

    def _run(self, key: Hashable, window: Any, feed: ShopFeed) -> None:
        reader: Reader | None = None
        try:
            reader = self.produce(key, window)
            while not feed.give_back(reader):
                feed.put(next(reader))
            reader = None  # the consumer goes on with it
        except StopIteration as stop:
            feed.finish(stop.value)
        except FeedClosedError:
            pass
        except BaseException as exc:  # handed to the consumer, raised in its thread
            feed.fail(exc)
        finally:
            if reader is not None:
                reader.close()
            with self._lock:
                self._running -= 1
                self._start_more_locked()
