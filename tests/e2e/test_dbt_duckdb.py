"""The dbt project on DuckDB, run by Meltano after a real sync of the sandbox:
`meltano run tap-tiktokshop target-duckdb dbt-duckdb:build` (tests/support/dbt_warehouse.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import ROOT
from tests.support.dbt_warehouse import (
    SCHEMA,
    BuiltWarehouse,
    assert_build_passed,
    assert_marts_match_dataset,
)

pytestmark = pytest.mark.e2e


def test_build_passes_every_model_and_test(dbt_duckdb: BuiltWarehouse) -> None:
    assert_build_passed(dbt_duckdb)


def test_the_adapter_opens_the_loaders_file(dbt_duckdb: BuiltWarehouse) -> None:
    """dbt-duckdb's duckdb is the loader's 1.0.0: the models sit beside the loaded tables
    in the file target-duckdb wrote."""
    version = subprocess.run(
        [str(ROOT / ".meltano/transformers/dbt-duckdb/venv/bin/python"), "-c",
         "import duckdb; print(duckdb.__version__)"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert version == "1.0.0"
    schemas = {row[0] for row in dbt_duckdb.query(
        "select distinct table_schema from information_schema.tables")}
    assert {"tiktokshop", SCHEMA} <= schemas


def test_marts_match_the_sandbox(dbt_duckdb: BuiltWarehouse) -> None:
    assert_marts_match_dataset(dbt_duckdb)


def test_source_freshness_reads_the_loaders_batch_time(dbt_duckdb: BuiltWarehouse) -> None:
    """`dbt-duckdb:freshness` (run after the build) passes on the data just loaded: every
    source's newest `_sdc_batched_at`, written by target-duckdb (add_metadata_columns)."""
    results = dbt_duckdb.freshness_results()
    assert len(results) == 16
    assert {r["status"] for r in results} == {"pass"}
    assert all(r["max_loaded_at"] for r in results)


def test_reconciliation_tests_catch_a_wrong_cent(dbt_duckdb: BuiltWarehouse,
                                                 tmp_path: Path) -> None:
    """The reconciliation tests' SQL, as the build compiled it, finds a cent changed in a
    copy of the warehouse: one statement transaction's settlement and one sold order line's
    seller discount (in the staging tables they read)."""
    compiled = dbt_duckdb.dbt_target / "compiled" / "tiktokshop" / "tests"
    checks = {name: (compiled / f"{name}.sql").read_text() for name in (
        "assert_statement_settlement_equals_transactions",
        "assert_daily_sales_net_equals_order_lines")}
    copy = tmp_path / "copy" / dbt_duckdb.duckdb_path.name  # the SQL names the catalog
    copy.parent.mkdir()                                       # after the file
    shutil.copy(dbt_duckdb.duckdb_path, copy)
    with duckdb.connect(str(copy)) as con:
        for sql in checks.values():  # the build's data passes
            assert con.execute(sql).fetchall() == []
        transactions = f"{SCHEMA}.stg_tiktokshop__statement_transactions"
        con.execute(f"""update {transactions} set settlement_amount = settlement_amount + 0.01
                        where transaction_id = (select min(transaction_id)
                                                from {transactions})""")
        con.execute(f"""update {SCHEMA}.stg_tiktokshop__order_line_items
                        set seller_discount = seller_discount + 0.01
                        where order_line_item_id = (
                            select min(order_line_item_id) from {SCHEMA}.int_order_lines
                            where is_sale)""")
        found = {name: con.execute(sql).fetchall() for name, sql in checks.items()}
    assert {name: len(rows) for name, rows in found.items()} == {name: 1 for name in checks}
