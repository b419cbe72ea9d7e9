"""The demo's data, through Meltano into DuckDB: every statement's transactions sum to its
settlement to the cent, in SQL on the exact ``*_value`` columns, with no casts.

The sandbox runs with the options ``make demo`` uses (``scripts/demo.py``: seed 1, default
sizes), and the finance streams go through ``meltano run tap-tiktokshop target-duckdb``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e

FINANCE = '["statements.*", "statement_transactions.*"]'


def test_demo_statements_equal_the_sum_of_their_transactions_in_duckdb(
        meltano: Meltano, tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    with Sandbox(SandboxOptions(seed=1)) as sb:
        env = plugin_env("TAP_TIKTOKSHOP", sb.config(), tmp_path)
        env["TARGET_DUCKDB_FILEPATH"] = str(path)
        env["TAP_TIKTOKSHOP__SELECT"] = FINANCE
        meltano.run("run", "tap-tiktokshop", "target-duckdb", env=env)
        dataset = sb.dataset.dump({"statements", "statement_transactions"})

    with duckdb.connect(str(path), read_only=True) as con:
        per_statement = con.execute("""
            select s.shop_id, s.id, s.settlement_amount_value,
                   sum(t.settlement_amount_value), count(t.id)
            from tiktokshop.statements s
            left join tiktokshop.statement_transactions t
              on t.shop_id = s.shop_id and t.statement_id = s.id
            group by s.shop_id, s.id, s.settlement_amount_value""").fetchall()
        kinds = dict(con.execute("""
            select table_name, data_type from information_schema.columns
            where table_schema = 'tiktokshop' and column_name = 'settlement_amount_value'
            """).fetchall())

    # every statement of the sandbox landed, each with transactions
    assert {(shop, sid) for shop, sid, *_ in per_statement} == {
        (s["shop_id"], s["id"]) for s in dataset["statements"]}
    assert all(count > 0 for *_, count in per_statement)
    # numbers, so SUM() works without a cast (target-duckdb types JSON numbers as DOUBLE;
    # PostgreSQL gets NUMERIC: tests/e2e/test_money_postgres.py)
    assert set(kinds) == {"statements", "statement_transactions"}
    assert all(kind in {"DOUBLE", "DECIMAL"} or kind.startswith("DECIMAL(")
               for kind in kinds.values()), kinds
    mismatched = [(shop, sid, settled, total) for shop, sid, settled, total, _ in per_statement
                  if Decimal(str(settled)).quantize(Decimal("0.01"))
                  != Decimal(str(total)).quantize(Decimal("0.01"))]
    assert not mismatched, mismatched
    # and against the sandbox's own figures (TikTok's strings), not only against each other
    expected = {(s["shop_id"], s["id"]): Decimal(s["settlement_amount"])
                for s in dataset["statements"]}
    for shop, sid, settled, *_ in per_statement:
        assert Decimal(str(settled)).quantize(Decimal("0.01")) == expected[(shop, sid)]
