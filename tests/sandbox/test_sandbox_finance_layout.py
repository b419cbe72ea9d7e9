"""A fixed finance layout (``--statements N --statement-transactions M``, for benchmarks)
and the stats' ``peak_in_flight`` (how many calls of an endpoint a client had open at once).
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from itertools import pairwise

import pytest

from tiktokshop_sandbox import Sandbox, SandboxOptions
from tiktokshop_sandbox.dataset import Dataset
from tiktokshop_sandbox.gen_common import DAY
from tiktokshop_sandbox.gen_finance import carries_adjustment

from .conftest import Api
from .test_sandbox_cli import command

STATEMENTS = "/finance/202309/statements"


@pytest.mark.parametrize("per_statement", [1, 7])
def test_every_statement_has_the_asked_number_of_transactions(per_statement: int) -> None:
    options = SandboxOptions(seed=5, shops=2, products=10, orders=600, statements=12,
                             statement_transactions=per_statement)
    dataset = Dataset(options)
    dump = dataset.dump(kinds={"statements", "statement_transactions"})
    counts = Counter((t["shop_id"], t["statement_id"]) for t in dump["statement_transactions"])
    assert len(dump["statements"]) == 2 * 12
    for shop in dataset.shops:
        statements = [s for s in dump["statements"] if s["shop_id"] == shop.id]
        assert [counts[shop.id, s["id"]] for s in statements] == [per_statement] * 12
        times = [s["statement_time"] for s in statements]
        assert all(later - earlier >= DAY for earlier, later in pairwise(times))
        assert all(t % DAY == 0 for t in times)  # 00:00 UTC, as TikTok's daily statements
        book = dataset.finance(shop)
        for n in range(len(statements)):
            txns = book.transactions(n)
            kinds = Counter(t.type for t in txns)
            adjusted = per_statement > 1 and carries_adjustment(n)
            assert kinds["ORDER"] == per_statement - adjusted
            settled = book.statements.extra["orders"][n]
            last_done = max(dataset.orders[shop.id].update[i] for i in settled)
            assert times[n] > last_done  # settled after its orders were completed


def test_the_default_dataset_is_unchanged_without_the_layout() -> None:
    plain = Dataset(SandboxOptions(seed=41, shops=2, products=30, orders=400))
    statements = plain.dump(kinds={"statements"})["statements"]
    assert len(statements) > 20
    assert all(s["statement_time"] % DAY == 0 for s in statements)
    per_day = Counter((s["shop_id"], s["statement_time"]) for s in statements)
    assert set(per_day.values()) == {1}  # one statement per day of completed orders


def test_too_few_completed_orders_is_a_one_line_error() -> None:
    with pytest.raises(ValueError, match=r"need \d+ more completed orders .* \(raise orders\)"):
        Dataset(SandboxOptions(seed=5, shops=1, products=10, orders=50, statements=40,
                               statement_transactions=10))
    with pytest.raises(ValueError, match="go together"):
        SandboxOptions(statements=3)
    result = subprocess.run([*command(), "--orders", "50", "--statements", "40",
                             "--statement-transactions", "10"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "error:" in last and "more completed orders" in last


def test_peak_in_flight_counts_the_calls_open_at_once(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=6, shops=1, products=5, orders=300, latency_ms=300,
                      rate_limit_qps=0)
    api = Api(sb)
    query = {"sort_field": "statement_time", "page_size": "5"}
    api.ok("GET", STATEMENTS, query)
    assert api.admin("GET", "stats")["peak_in_flight"] == {f"GET {STATEMENTS}": 1}
    api.admin("POST", "stats/reset")
    barrier = threading.Barrier(4)

    def one_call() -> None:
        barrier.wait(timeout=10)
        Api(sb, token=api.token).ok("GET", STATEMENTS, query)

    threads = [threading.Thread(target=one_call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stats = api.admin("GET", "stats")
    assert stats["endpoints"][f"GET {STATEMENTS}"] == {"ok": 4}
    assert 2 <= stats["peak_in_flight"][f"GET {STATEMENTS}"] <= 4  # 300 ms each, together
