"""The dbt project, run by Meltano after a real sync of the sandbox
(tests/support/dbt_warehouse.py):

* on DuckDB: `meltano run tap-tiktokshop target-duckdb dbt-duckdb:build`;
* on PostgreSQL: `meltano run tap-tiktokshop target-postgres dbt-postgres:build`, whose marts
  are the DuckDB build's, row for row (the conversion marts aside: PostgreSQL has no
  analytics tables, so they have no rows);
* the demo's HTML report, written from the DuckDB marts, opened in Debian's headless
  Chromium: it renders with no console error, its charts are in the page.

One file, so that the parallel workers (``--dist loadfile``: whole files per worker) build
each warehouse once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import ROOT
from tests.support.dbt_warehouse import (
    MARTS,
    SCHEMA,
    BuiltWarehouse,
    assert_build_passed,
    assert_marts_match_dataset,
)

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


def test_duckdb_build_passes_every_model_and_test(dbt_duckdb: BuiltWarehouse) -> None:
    assert_build_passed(dbt_duckdb)


def test_duckdb_the_adapter_opens_the_loaders_file(dbt_duckdb: BuiltWarehouse) -> None:
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


def test_duckdb_marts_match_the_sandbox(dbt_duckdb: BuiltWarehouse) -> None:
    assert_marts_match_dataset(dbt_duckdb)


def test_duckdb_source_freshness_reads_the_loaders_batch_time(dbt_duckdb: BuiltWarehouse) -> None:
    """`dbt-duckdb:freshness` (run after the build) passes on the data just loaded: every
    source's newest `_sdc_batched_at`, written by target-duckdb (add_metadata_columns)."""
    results = dbt_duckdb.freshness_results()
    assert len(results) == 16
    assert {r["status"] for r in results} == {"pass"}
    assert all(r["max_loaded_at"] for r in results)


def test_duckdb_reconciliation_tests_catch_a_wrong_cent(dbt_duckdb: BuiltWarehouse,
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



# ---------------------------------------------------------------- PostgreSQL
#: Per mart: its key columns (the rows are compared in this order).
MART_KEYS = {
    "mart_daily_sales": "shop_id, sales_date, sku_id",
    "mart_order_profitability": "shop_id, order_id",
    "mart_order_line_profitability": "shop_id, order_id, order_line_item_id",
    "mart_fees_by_type": "shop_id, statement_date, currency, fee_type",
    "mart_payouts": "shop_id, statement_id",
    "mart_payout_balance": "shop_id, currency",
    "mart_stock_cover": "shop_id, sku_id, warehouse_id",
    "mart_fulfilment": "shop_id, shipping_provider_name",
}
#: They read the optional analytics tables, synced into DuckDB only.
CONVERSION_MARTS = ("mart_video_conversion", "mart_product_conversion")


def normalized(value: Any) -> Any:
    """Numbers to 4 decimal places (DuckDB divides in DOUBLE, PostgreSQL in NUMERIC)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, date, datetime)):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).quantize(Decimal("0.0001"))
    return value


@pytest.mark.postgres
def test_postgres_build_passes_every_model_and_test(dbt_postgres: BuiltWarehouse) -> None:
    assert_build_passed(dbt_postgres)


@pytest.mark.postgres
def test_postgres_no_secret_in_the_logs(dbt_postgres: BuiltWarehouse) -> None:
    """The database password (a sensitive setting) and the app secret appear in neither
    Meltano's output nor dbt's log files."""
    logs = dbt_postgres.log + "".join(
        path.read_text() for path in (dbt_postgres.dbt_target.parent / "dbt-logs").glob("*"))
    assert dbt_postgres.env is not None
    for secret in (dbt_postgres.env["DBT_POSTGRES_PASSWORD"],
                   dbt_postgres.env["TAP_TIKTOKSHOP_APP_SECRET"]):
        assert secret not in logs


@pytest.mark.postgres
def test_postgres_marts_match_the_sandbox(dbt_postgres: BuiltWarehouse) -> None:
    assert_marts_match_dataset(dbt_postgres)


@pytest.mark.postgres
def test_postgres_json_columns_unnest_from_jsonb(dbt_postgres: BuiltWarehouse) -> None:
    """The JSON target-postgres writes (objects as jsonb, arrays as jsonb[]) unnests like
    DuckDB's JSON (transform/macros/json.sql): the cancelled lines' array, the orders'
    payment object."""
    dataset = dbt_postgres.dataset
    (lines,), = dbt_postgres.query(
        f"select count(*) from {SCHEMA}.stg_tiktokshop__cancellation_line_items")
    assert lines == sum(len(c.get("cancel_line_items") or []) for c in dataset["cancellations"])
    totals = dict(dbt_postgres.query(
        f"select order_id, payment_total_amount from {SCHEMA}.stg_tiktokshop__orders"))
    assert totals == {o["id"]: Decimal(o["payment"]["total_amount"]) for o in dataset["orders"]}
    kinds = dict(dbt_postgres.query(
        "select table_name || '.' || column_name, udt_name from information_schema.columns "
        "where table_schema = 'tiktokshop' and column_name in ('payment', 'cancel_line_items')"))
    assert kinds == {"orders.payment": "jsonb", "cancellations.cancel_line_items": "_jsonb"}


@pytest.mark.postgres
@pytest.mark.parametrize("mart", [m for m in MARTS if m not in CONVERSION_MARTS])
def test_postgres_marts_equal_the_duckdb_build(mart: str, dbt_postgres: BuiltWarehouse,
                                      dbt_duckdb: BuiltWarehouse) -> None:
    sql = f"select * from {SCHEMA}.{mart} order by {MART_KEYS[mart]}"
    pg = [tuple(normalized(v) for v in row) for row in dbt_postgres.query(sql)]
    duck = [tuple(normalized(v) for v in row) for row in dbt_duckdb.query(sql)]
    assert pg, mart
    assert pg == duck


# ---------------------------------------------------------------- the HTML report
@pytest.fixture(scope="module")
def report(dbt_duckdb: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scripts/report.py` on the DuckDB warehouse dbt built."""
    html = tmp_path_factory.mktemp("report") / "report.html"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "report.py"),
                           str(dbt_duckdb.duckdb_path), "--html", str(html)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Top SKUs by net revenue:" in done.stdout
    assert "Late shipments:" in done.stdout
    return html


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: scripts/ensure-chromium.sh should have "
                        "installed it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count('<svg class="chart"') >= 4


def test_report_renders_in_chromium_without_errors(report: Path, tmp_path: Path) -> None:
    dom = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri(),
                   profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-3000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line
               or "Uncaught" in line]
    assert console == []
    # the page's script ran in the browser and counted the charts it found in the DOM
    charts = re.search(r'<html lang="en" data-charts="(\d+)"', dom.stdout)
    assert charts is not None, dom.stdout[:500]
    assert int(charts.group(1)) == dom.stdout.count('<svg class="chart"') >= 4
    for chart in ("daily-net-sales-0", "fees-by-type-0", "stock-cover"):
        assert f'id="{chart}"' in dom.stdout
    assert dom.stdout.count('class="series"') >= 1
    assert dom.stdout.count('class="bar"') >= 3


def test_report_paints_its_charts(report: Path, tmp_path: Path) -> None:
    """A screenshot of the page is not blank: the charts were painted."""
    shot = tmp_path / "report.png"
    done = chromium(f"--screenshot={shot}", "--window-size=800,1600", report.as_uri(),
                    profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-3000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
