"""Long runs: memory, threads and open files stay flat over a large sync and a large push.

The tap syncs ``SOAK_ORDERS`` orders and the target pushes ``SOAK_INVENTORY`` inventory
records, both against the sandbox as a separate process on 127.0.0.1. A sampler reads the
plugin's ``/proc`` entries (resident memory, threads, open file descriptors) every
``INTERVAL`` seconds, next to how far the run has got. Each figure's peak after 15% of the
run may exceed its value around 10% (the highest between 5% and 15%) by at most 10%:
growth past the warm-up would be a leak.

``make test`` runs small sizes (seconds); the full run (about 15 minutes)::

    SOAK_ORDERS=1000000 SOAK_INVENTORY=1000000 .venv/bin/python -m pytest -m soak -s
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.harness import SandboxProcess
from tests.support.reliability_kit import BIN, clean_env, record_figures, write_json

pytestmark = pytest.mark.soak
ORDERS = int(os.environ.get("SOAK_ORDERS", "40000"))
INVENTORY = int(os.environ.get("SOAK_INVENTORY", "40000"))
INTERVAL = 0.1
GROWTH = 1.10
#: The target's batch (records staged before a write): the default at full size; at the
#: small CI sizes smaller, so that 10% of the run already spans several batches.
BATCH_ROWS = 10_000 if INVENTORY >= 200_000 else max(250, INVENTORY // 40)
FIGURES = ("rss_mib", "threads", "fds")


@dataclass(frozen=True)
class Sample:
    progress: int  # records written (tap) or input lines sent (target) so far
    rss_mib: float
    threads: int
    fds: int


def read_proc(pid: int) -> tuple[float, int, int] | None:
    """(resident MiB, threads, open file descriptors) of a live process, or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"]), fds


class Sampler(threading.Thread):
    """Samples a process every INTERVAL seconds until it ends."""

    def __init__(self, pid: int, progress: Callable[[], int]) -> None:
        super().__init__(daemon=True)
        self.pid, self.progress = pid, progress
        self.samples: list[Sample] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            figures = read_proc(self.pid)
            if figures is not None:
                self.samples.append(Sample(self.progress(), *figures))
            self.done.wait(INTERVAL)


@contextmanager
def watched(proc: subprocess.Popen, progress: Callable[[], int]) -> Iterator[Sampler]:
    """Sample ``proc`` while the block runs; kill it after 30 minutes or on leaving early."""
    sampler = Sampler(proc.pid, progress)
    sampler.start()
    timer = threading.Timer(1800, proc.kill)
    timer.start()
    try:
        yield sampler
    finally:
        timer.cancel()
        sampler.done.set()
        sampler.join(5)
        if proc.poll() is None:
            proc.kill()


def flat(samples: list[Sample], total: int) -> dict[str, tuple[float, float]]:
    """Per figure: (its value at 10% of the run, its peak after), asserting the bound.

    Thread pools come and go between batches, so "the value at 10%" is the highest one
    sampled between 5% and 15% of the run, and it is compared with the highest after that.
    """
    early = [s for s in samples if total * 0.05 <= s.progress <= total * 0.15]
    later = [s for s in samples if s.progress > total * 0.15]
    assert early and len(later) >= 5, "too few samples to judge"
    out = {}
    for name in FIGURES:
        at_ten = max(getattr(s, name) for s in early)
        peak = max(getattr(s, name) for s in later)
        out[name] = (at_ten, peak)
        slack = 0 if name == "rss_mib" else 1
        assert peak <= at_ten * GROWTH + slack, (name, at_ten, peak)
    return out


def report(area: str, size: int, seconds: float, figures: dict, **extra: int) -> None:
    record_figures(area, records=size, seconds=round(seconds, 1), **extra, **{
        f"{name}_at_10pct": round(at_ten, 1) for name, (at_ten, _) in figures.items()}, **{
        f"{name}_peak_after": round(peak, 1) for name, (_, peak) in figures.items()})


def long_enough(records: int) -> pytest.MarkDecorator:
    """pytest-timeout's bound for a run of this size (the default 300 s would cut the
    documented full-size run short): 5 ms per record on top of the default."""
    return pytest.mark.timeout(300 + records // 200)


@long_enough(ORDERS)
def test_tap_memory_threads_and_files_stay_flat_over_a_long_sync(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path, "soak-tap", seed=9, shops=1, products=1, orders=ORDERS,
                        latency_ms=0, rate_limit_qps=0) as sandbox:
        config = {**sandbox.config(), "token_store_path": str(tmp_path / "tokens.json"),
                  "rate_limit_qps": 0}
        catalog = tmp_path / "catalog.json"
        discovered = subprocess.run(
            [str(BIN / "tap-tiktokshop"), "--config", str(write_json(tmp_path / "c.json",
                                                                     config)), "--discover"],
            capture_output=True, text=True, check=True, timeout=120, env=clean_env())
        doc = json.loads(discovered.stdout)
        for stream in doc["streams"]:
            for entry in stream["metadata"]:
                if entry["breadcrumb"] == []:
                    entry["metadata"]["selected"] = stream["tap_stream_id"] in (
                        "orders", "order_line_items")
        write_json(catalog, doc)
        records = [0]
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(BIN / "tap-tiktokshop"), "--config", str(tmp_path / "c.json"), "--catalog",
             str(catalog)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env())
        with watched(proc, lambda: records[0]) as sampler:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(b'{"type":"RECORD","stream":"orders"'):
                    records[0] += 1
            assert proc.wait() == 0
        took = time.monotonic() - started
    assert records[0] == ORDERS
    report("soak.tap", ORDERS, took, flat(sampler.samples, ORDERS))


def inventory_lines(products: list[dict], count: int) -> Iterator[bytes]:
    """A SCHEMA line, then ``count`` stock updates cycling over every stocked SKU."""
    yield json.dumps({"type": "SCHEMA", "stream": "inventory", "key_properties": [],
                      "schema": {"type": "object", "properties": {}}}).encode() + b"\n"
    targets = [(p["shop_id"], p["id"], sku["id"], stock["warehouse_id"])
               for p in products if p["status"] == "ACTIVATE"
               for sku in p.get("skus") or [] for stock in sku.get("inventory") or []]
    for n in range(count):
        shop_id, product_id, sku_id, warehouse_id = targets[n % len(targets)]
        yield json.dumps({"type": "RECORD", "stream": "inventory", "record": {
            "shop_id": shop_id, "product_id": product_id, "sku_id": sku_id,
            "warehouse_id": warehouse_id, "quantity": n % 5000}},
            separators=(",", ":")).encode() + b"\n"


@long_enough(INVENTORY)
def test_target_memory_threads_and_files_stay_flat_over_a_long_push(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path, "soak-target", seed=10, shops=2, products=300, orders=0,
                        latency_ms=0, rate_limit_qps=0) as sandbox:
        products = sandbox.dataset("products")["products"]
        config = {**sandbox.config(), "token_store_path": str(tmp_path / "tokens.json"),
                  "rate_limit_qps": 0, "results_path": str(tmp_path / "results.jsonl"),
                  "max_failures": INVENTORY, "batch_size_rows": BATCH_ROWS,
                  # writes batch by batch during the run (with a breaker on, inventory
                  # writes wait for the end of input, so threads and sockets would only
                  # appear at the end: nothing to compare with)
                  "override_breakers": True}
        sent = [0]
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(BIN / "target-tiktokshop"), "--config",
             str(write_json(tmp_path / "target.json", config))],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=clean_env())
        with watched(proc, lambda: sent[0]) as sampler:
            assert proc.stdin is not None
            for n, line in enumerate(inventory_lines(products, INVENTORY)):
                proc.stdin.write(line)
                sent[0] = n
            proc.stdin.close()
            assert proc.wait() == 0
        took = time.monotonic() - started
    with (tmp_path / "results.jsonl").open() as results:
        assert sum(1 for _ in results) == INVENTORY
    report("soak.target", INVENTORY, took, flat(sampler.samples, INVENTORY),
           batch_size_rows=BATCH_ROWS)
