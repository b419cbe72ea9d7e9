"""Shops read ahead in parallel: order kept, memory bounded, errors and early stops."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tap_tiktokshop.prefetch import FeedClosedError, ShopFeed, ShopPrefetcher
from tap_tiktokshop.tap import TapTikTokShop
from target_tiktokshop.executor import call_stages
from target_tiktokshop.planner import Part, PlannedCall
from tests.support.singer_io import APP_SECRET
from tiktokshop.endpoints import ACTIVATE, INVENTORY_UPDATE, PARTIAL_EDIT
from tiktokshop_sandbox import Sandbox, SandboxOptions


def _produce_into(feed: ShopFeed, items: list, delay: float = 0.0) -> threading.Thread:
    def run() -> None:
        try:
            for item in items:
                feed.put(item)
                if delay:
                    time.sleep(delay)
        except FeedClosedError:
            return
        feed.finish("done")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_spilling_feed_keeps_fifo_order_and_bounds_memory() -> None:
    feed = ShopFeed(3, spill=True)
    items = [[n, {"id": str(n)}] for n in range(50)]
    _produce_into(feed, items).join(5)  # the producer never waits: the rest is on disk
    assert feed.spilled == 47
    assert len(feed._memory) == 3
    assert list(feed) == items
    assert feed.result == "done"


def test_spilled_items_come_back_with_their_types() -> None:
    """What goes through the file is what a reader made: tuples, Decimals, int keys."""
    feed = ShopFeed(1, spill=True)
    items = [("product", {"id": "1", "price": Decimal("0.10"), 7: None}),
             ("sku", {"ids": ("a", "b"), "at": 1717000000})] * 3
    _produce_into(feed, items).join(5)
    assert feed.spilled == 5
    got = list(feed)
    assert got == items
    assert [type(item) for item in got] == [tuple] * 6
    assert isinstance(got[-2][1]["price"], Decimal)


def test_spilling_feed_with_interleaved_consumption() -> None:
    feed = ShopFeed(2, spill=True)
    items = [[n] for n in range(200)]
    _produce_into(feed, items, delay=0.0005)
    got = []
    for item in feed:
        got.append(item)
        if len(got) % 7 == 0:
            time.sleep(0.003)
    assert got == items


def test_blocking_feed_makes_the_producer_wait() -> None:
    feed = ShopFeed(2, spill=False)
    thread = _produce_into(feed, list(range(10)))
    time.sleep(0.1)
    assert thread.is_alive() and len(feed._memory) == 2  # waiting for the consumer
    assert list(feed) == list(range(10))
    thread.join(5)
    assert feed.spilled == 0


def test_error_comes_after_the_items_before_it() -> None:
    feed = ShopFeed(5, spill=False)
    feed.put(1)
    feed.put(2)
    feed.fail(RuntimeError("boom"))
    items = iter(feed)
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(RuntimeError, match="boom"):
        next(items)


def test_closing_a_feed_stops_a_waiting_producer() -> None:
    feed = ShopFeed(1, spill=False)
    thread = _produce_into(feed, list(range(100)))
    time.sleep(0.05)
    feed.close()
    thread.join(5)
    assert not thread.is_alive()
    with pytest.raises(FeedClosedError):
        feed.put(1)


def test_prefetcher_runs_shops_a_few_at_a_time_and_hands_them_in_order() -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def produce(key, window):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        for n in range(window):
            yield (key, n)
        with lock:
            running[0] -= 1
        return key

    prefetcher = ShopPrefetcher(produce, max_running=2, memory_items=100, spill=True,
                                name="t")
    prefetcher.plan([(k, 3) for k in "abcde"])
    for key in "abcde":
        feed = prefetcher.take(key, 3)
        assert list(feed) == [(key, n) for n in range(3)]
        assert feed.result == key
        prefetcher.release(key)
    assert prefetcher.idle
    assert peak[0] == 2
    prefetcher.close()


def test_hand_over_reads_ahead_a_little_then_the_consumer_goes_on() -> None:
    threads: dict[str, set[str]] = {"a": set(), "b": set()}

    def produce(key, window):
        for n in range(window):
            threads[key].add(threading.current_thread().name)
            yield n
        return f"{key} done"

    prefetcher = ShopPrefetcher(produce, max_running=4, memory_items=3, spill=False,
                                hand_over=True, name="ho")
    prefetcher.plan([("b", 10)])
    time.sleep(0.2)  # b reads 3 items ahead, then stops
    feed_a = prefetcher.take("a", 5)  # the first shop: read in this thread
    assert list(feed_a) == list(range(5)) and feed_a.result == "a done"
    assert threads["a"] == {threading.current_thread().name}
    prefetcher.release("a")
    feed_b = prefetcher.take("b", 10)
    assert len(feed_b._memory) == 3
    assert list(feed_b) == list(range(10)) and feed_b.result == "b done"
    assert threads["b"] == {"ho-b", threading.current_thread().name}
    prefetcher.release("b")
    assert prefetcher.idle
    prefetcher.close()


def test_prefetcher_reads_again_when_the_window_differs() -> None:
    def produce(key, window):
        yield window

    prefetcher = ShopPrefetcher(produce, max_running=4, memory_items=10, spill=True,
                                name="t")
    prefetcher.plan([("a", 1)])
    assert list(prefetcher.take("a", 2)) == [2]
    prefetcher.close()


def test_reader_error_comes_after_its_items() -> None:
    def produce(key, window):
        yield 1
        raise RuntimeError("boom")

    for hand_over in (False, True):
        prefetcher = ShopPrefetcher(produce, max_running=1, memory_items=10, spill=False,
                                    hand_over=hand_over, name="t")
        prefetcher.plan([("x", None)])
        items = iter(prefetcher.take("x", None))
        assert next(items) == 1
        with pytest.raises(RuntimeError, match="boom"):
            next(items)
        prefetcher.close()


def test_prefetcher_close_stops_every_reader() -> None:
    started = threading.Event()
    closed = []

    def produce(key, window):
        started.set()
        try:
            yield from range(10_000)
        finally:
            closed.append(key)

    prefetcher = ShopPrefetcher(produce, max_running=3, memory_items=2, spill=False,
                                name="stop-test")
    prefetcher.plan([(k, None) for k in "xyz"])
    started.wait(5)
    feed = prefetcher.take("x", None)
    assert next(iter(feed)) == 0
    prefetcher.close()
    time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name.startswith("stop-test")]
    assert sorted(closed) == ["x", "y", "z"]  # every reader's generator was closed


@pytest.fixture(scope="module")
def slow_sandbox():
    options = SandboxOptions(seed=13, shops=3, products=120, orders=450, latency_ms=20,
                             app_secret=APP_SECRET)
    with Sandbox(options) as sb:
        yield sb


def _tap(sandbox: Sandbox, tmp_path: Path) -> TapTikTokShop:
    config = {**sandbox.config(), "token_store_path": str(tmp_path / "tokens.json")}
    return TapTikTokShop(config=config, parse_env_config=False)


def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "read-ahead" in t.name
            or t.name.startswith("product-detail")]


@pytest.mark.parametrize("stream_name", ["products", "orders"])
def test_closing_the_generator_early_stops_the_read_ahead(
        slow_sandbox: Sandbox, tmp_path: Path, stream_name: str) -> None:
    tap = _tap(slow_sandbox, tmp_path)
    stream = tap.streams[stream_name]
    records = iter(stream.get_records(stream.partitions[0]))
    first = next(records)
    assert first["shop_id"] == stream.partitions[0]["shop_id"]
    later = {str(c["shop_id"]) for c in stream.partitions[1:]}
    assert set(stream._prefetcher._feeds) >= later, "later shops are read meanwhile"
    if stream_name == "products":  # readers that run to the end: still busy
        assert _read_ahead_threads()
    records.close()  # what the SDK does at a record limit or --test
    assert stream._prefetcher is None
    deadline = time.monotonic() + 10
    while _read_ahead_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _read_ahead_threads()


def test_every_shop_in_order_with_the_read_ahead(slow_sandbox: Sandbox, tmp_path: Path) -> None:
    tap = _tap(slow_sandbox, tmp_path)
    stream = tap.streams["products"]
    dump = slow_sandbox.dataset.dump(kinds={"products"})["products"]
    for context in stream.partitions:
        got = [(p["update_time"], p["id"]) for p in stream.get_records(context)]
        expected = sorted((p["update_time"], p["id"]) for p in dump
                          if p["shop_id"] == context["shop_id"])
        assert got == expected
    assert not _read_ahead_threads()


def test_write_stages_never_hold_one_product_twice() -> None:
    def inv(product: str) -> PlannedCall:
        return PlannedCall("inventory", INVENTORY_UPDATE, {"skus": []}, [Part(1, "s")], product)

    def edit(product: str) -> PlannedCall:
        return PlannedCall("edit", PARTIAL_EDIT, {"title": "t"}, [Part(1, product)], product)

    def activate(*products: str) -> PlannedCall:
        return PlannedCall("activate", ACTIVATE, {"product_ids": list(products)},
                           [Part(1, p) for p in products])

    calls = [inv("a"), inv("b"), inv("a"), edit("a"), edit("b"), activate("a", "c"),
             activate("d")]
    stages = [[(c.kind, c.product_id or tuple(c.body["product_ids"])) for c in stage]
              for stage in call_stages(calls)]
    assert stages == [
        [("inventory", "a"), ("inventory", "b")], [("inventory", "a")],
        [("edit", "a"), ("edit", "b")], [("activate", ("a", "c")), ("activate", ("d",))],
    ]
