"""One sandbox synced by Meltano into DuckDB and into PostgreSQL, each followed by the dbt
project's `build` (`meltano run tap-tiktokshop target-<db> dbt-<db>:build`), once per test
session: the dbt and report tests share them (tests/e2e/test_dbt.py: one file, so that
parallel workers, which take whole files, build each warehouse once).

DuckDB gets two syncs: the modelled streams from `start_date` (the sandbox's orders go back
a year), then the two analytics streams the conversion marts read from the sandbox's first
analytics day (the tap asks for each day from `start_date`), followed by the dbt build.
PostgreSQL gets the first sync only: its conversion marts show the models' other branch, no
analytics tables, no rows.

The fixtures are imported by tests/e2e/conftest.py (pytest finds fixtures there).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tiktokshop_sandbox import Sandbox, SandboxOptions

#: The streams the dbt project models (the sync selects only these).
MODELLED_STREAMS = (
    "shops", "warehouses", "products", "product_skus", "orders", "order_line_items",
    "returns", "return_line_items", "cancellations", "packages", "package_orders",
    "statements", "statement_transactions", "payments", "withdrawals",
    "unsettled_transactions")
#: The optional analytics streams the conversion marts read.
ANALYTICS_STREAMS = ("video_performance_daily", "product_performance_daily")
ANALYTICS_DAYS = 10
MARTS = ("mart_daily_sales", "mart_order_profitability", "mart_order_line_profitability",
         "mart_fees_by_type", "mart_payouts", "mart_payout_balance", "mart_stock_cover",
         "mart_fulfilment", "mart_video_conversion", "mart_product_conversion")
#: Where dbt builds the models (the plugins' `schema` setting).
SCHEMA = "analytics"
PG_DATABASE = "tiktokshop_dbt"


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse after `meltano run ... dbt-<db>:build`."""

    kind: str  # "duckdb" or "postgres"
    analytics: bool  # the analytics streams were synced
    dataset: dict[str, list[dict]]
    dbt_target: Path  # dbt's target/ directory of the run (run_results.json)
    log: str  # Meltano's output
    duckdb_path: Path | None = None
    pg_port: int | None = None
    env: dict[str, str] | None = None  # the run's settings, to run dbt again

    def query(self, sql: str) -> list[tuple]:
        """Rows of a query against the warehouse."""
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
                return con.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.pg_port, user="postgres",
                             dbname=PG_DATABASE) as con:
            return con.execute(sql).fetchall()

    def run_results(self) -> list[dict[str, Any]]:
        """dbt's result of every node of the `build` (run_results.json)."""
        return json.loads((self.dbt_target / "run_results.json").read_text())["results"]

    def freshness_results(self) -> list[dict[str, Any]]:
        """dbt's result of every source of `source freshness` (sources.json)."""
        return json.loads((self.dbt_target / "sources.json").read_text())["results"]


def _select_env(streams: tuple[str, ...]) -> dict[str, str]:
    return {"TAP_TIKTOKSHOP__SELECT": json.dumps([f"{s}.*" for s in streams])}


def _analytics_start(sandbox: Sandbox) -> str:
    """The sandbox's first day of analytics (its admin route), as a start_date."""
    with urllib.request.urlopen(f"{sandbox.base_url}/sandbox/analytics", timeout=30) as answer:
        first = json.load(answer)["first_day"]
    return f"{first}T00:00:00Z"


def _sync_and_build(meltano: Any, sandbox: Sandbox | None, env: dict[str, str], loader: str,
                    transformer: str, *after: str) -> str:
    """The modelled streams' sync, the analytics sync (with a ``sandbox``), then
    `<transformer>:build` (and the `after` commands); Meltano's output."""
    dbt = [f"{transformer}:build", *(f"{transformer}:{command}" for command in after)]
    modelled = {**env, **_select_env(MODELLED_STREAMS)}
    if sandbox is None:
        done = meltano.run("run", "tap-tiktokshop", loader, *dbt, env=modelled)
        return done.stdout + done.stderr
    meltano.run("run", "tap-tiktokshop", loader, env=modelled)
    analytics = {**env, **_select_env(ANALYTICS_STREAMS),
                 "TAP_TIKTOKSHOP_START_DATE": _analytics_start(sandbox),
                 "TAP_TIKTOKSHOP_RATE_LIMIT_QPS_ANALYTICS": "0"}
    done = meltano.run("run", "tap-tiktokshop", loader, *dbt, env=analytics)
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def dbt_sandbox() -> Iterator[Sandbox]:
    """The sandbox both warehouses are synced from (two shops, 200 orders each)."""
    options = SandboxOptions(seed=16, shops=2, products=25, orders=200,
                             analytics_days=ANALYTICS_DAYS, analytics_rate_limit_qps=0)
    with Sandbox(options) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def dbt_duckdb(tmp_path_factory: pytest.TempPathFactory, meltano_plugins: None,
               dbt_sandbox: Sandbox) -> BuiltWarehouse:
    """The syncs into a fresh DuckDB file, then `dbt-duckdb:build` and `:freshness`."""
    from tests.e2e.conftest import Meltano, plugin_env

    tmp = tmp_path_factory.mktemp("dbt-duckdb")
    path = tmp / "warehouse.duckdb"
    env = {**plugin_env("TAP_TIKTOKSHOP", dbt_sandbox.config(), tmp),
           "TARGET_DUCKDB_FILEPATH": str(path), "DBT_DUCKDB_PATH": str(path),
           "DBT_DUCKDB_TARGET_PATH": str(tmp / "dbt-target"),
           "DBT_DUCKDB_LOG_PATH": str(tmp / "dbt-logs")}
    log = _sync_and_build(Meltano(tmp), dbt_sandbox, env, "target-duckdb", "dbt-duckdb",
                          "freshness")
    return BuiltWarehouse("duckdb", True, dbt_sandbox.dataset.dump(), tmp / "dbt-target", log,
                          duckdb_path=path, env=env)


@pytest.fixture(scope="session")
def dbt_postgres(tmp_path_factory: pytest.TempPathFactory, meltano_plugins: None,
                 dbt_sandbox: Sandbox, postgres) -> BuiltWarehouse:
    """The modelled streams' sync into a new PostgreSQL database, then `dbt-postgres:build`
    (no analytics sync, and the freshness check runs on DuckDB only: the same YAML)."""
    from tests.e2e.conftest import Meltano, plugin_env

    tmp = tmp_path_factory.mktemp("dbt-postgres")
    postgres.create_database(PG_DATABASE)
    env = {**plugin_env("TAP_TIKTOKSHOP", dbt_sandbox.config(), tmp),
           "TARGET_POSTGRES_PORT": str(postgres.port),
           "TARGET_POSTGRES_PASSWORD": "unused-trust-auth",
           "TARGET_POSTGRES_DATABASE": PG_DATABASE,
           "DBT_POSTGRES_PORT": str(postgres.port), "DBT_POSTGRES_DATABASE": PG_DATABASE,
           "DBT_POSTGRES_PASSWORD": "unused-trust-auth",
           "DBT_POSTGRES_TARGET_PATH": str(tmp / "dbt-target"),
           "DBT_POSTGRES_LOG_PATH": str(tmp / "dbt-logs")}
    log = _sync_and_build(Meltano(tmp), None, env, "target-postgres", "dbt-postgres")
    return BuiltWarehouse("postgres", False, dbt_sandbox.dataset.dump(), tmp / "dbt-target",
                          log, pg_port=postgres.port, env=env)


# ---------------------------------------------------------------- expectations
# Figures computed in Python from the sandbox's own dataset, to hold the SQL to.

def expected_net_sales(dataset: dict[str, list[dict]]) -> dict[str, Decimal]:
    """Net sales per shop: lines sold (order neither cancelled nor unpaid, line not
    cancelled), list price minus the seller's discount."""
    totals: dict[str, Decimal] = {}
    for order in dataset["orders"]:
        if order["status"] in ("CANCELLED", "UNPAID"):
            continue
        for line in order.get("line_items") or []:
            if line.get("display_status") == "CANCELLED" or line.get("cancel_reason"):
                continue
            net = Decimal(line["original_price"]) - Decimal(line.get("seller_discount") or "0")
            totals[order["shop_id"]] = totals.get(order["shop_id"], Decimal(0)) + net
    return totals


def expected_settlements(dataset: dict[str, list[dict]]) -> dict[str, Decimal]:
    """The statements' settlement amounts per shop."""
    totals: dict[str, Decimal] = {}
    for statement in dataset["statements"]:
        shop = statement["shop_id"]
        totals[shop] = totals.get(shop, Decimal(0)) + Decimal(statement["settlement_amount"])
    return totals


def expected_fees(dataset: dict[str, list[dict]]) -> dict[str, Decimal]:
    """Every fee and tax type of the statement transactions, summed over all shops."""
    totals: dict[str, Decimal] = {}
    for transaction in dataset["statement_transactions"]:
        breakdown = transaction.get("fee_tax_breakdown") or {}
        for group in ("fee", "tax"):
            for name, amount in (breakdown.get(group) or {}).items():
                if Decimal(amount):
                    totals[name] = totals.get(name, Decimal(0)) + Decimal(amount)
    return totals


def expected_views_and_orders(dataset: dict[str, list[dict]]) -> dict[str, tuple[int, int]]:
    """Per shop: the videos' views and the products' orders over the analytics days."""
    out: dict[str, tuple[int, int]] = {}
    for video in dataset["video_performance_daily"]:
        views, orders = out.get(video["shop_id"], (0, 0))
        out[video["shop_id"]] = (views + int(video.get("views") or 0), orders)
    for product in dataset["product_performance_daily"]:
        views, orders = out.get(product["shop_id"], (0, 0))
        figures = product.get("overall_performance") or {}
        out[product["shop_id"]] = (views, orders + int(figures.get("orders") or 0))
    return out


def cents(value: Any) -> Decimal:
    """A money value rounded to the cent (DuckDB and PostgreSQL give Decimals)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_build_passed(warehouse: BuiltWarehouse) -> None:
    """Every model, data test and reconciliation test of the build passed (no warning)."""
    results = warehouse.run_results()
    failed = [(r["unique_id"], r["status"]) for r in results
              if r["status"] not in ("success", "pass")]
    assert failed == []
    ids = {r["unique_id"] for r in results}
    for mart in MARTS:
        assert f"model.tiktokshop.{mart}" in ids
    for check in ("assert_statement_settlement_equals_transactions",
                  "assert_daily_sales_net_equals_order_lines"):
        assert f"test.tiktokshop.{check}" in ids
    assert sum(r["unique_id"].startswith("test.") for r in results) >= 100


def assert_marts_match_dataset(warehouse: BuiltWarehouse) -> None:
    """The marts hold the figures the sandbox's dataset gives, computed in Python."""
    dataset = warehouse.dataset
    net = dict(warehouse.query(
        f"select shop_id, sum(net_sales) from {SCHEMA}.mart_daily_sales group by shop_id"))
    assert {shop: cents(v) for shop, v in net.items()} == {
        shop: cents(v) for shop, v in expected_net_sales(dataset).items()}
    settled = dict(warehouse.query(
        f"select shop_id, sum(settlement_amount) from {SCHEMA}.mart_payouts group by shop_id"))
    assert {shop: cents(v) for shop, v in settled.items()} == {
        shop: cents(v) for shop, v in expected_settlements(dataset).items()}
    fees = dict(warehouse.query(
        f"select fee_type, sum(amount) from {SCHEMA}.mart_fees_by_type group by fee_type"))
    assert {k: cents(v) for k, v in fees.items()} == {
        k: cents(v) for k, v in expected_fees(dataset).items()}
    (orders, settled_orders), = warehouse.query(
        f"select count(*), count(case when is_settled then 1 end) "
        f"from {SCHEMA}.mart_order_profitability")
    assert orders == len(dataset["orders"])
    assert settled_orders == sum(t.get("type") == "ORDER"
                                 for t in dataset["statement_transactions"])
    (packages,), = warehouse.query(f"select sum(packages) from {SCHEMA}.mart_fulfilment")
    assert packages == len(dataset["packages"])
    views = dict(warehouse.query(
        f"select shop_id, sum(views) from {SCHEMA}.mart_video_conversion group by shop_id"))
    orders = dict(warehouse.query(
        f"select shop_id, sum(orders) from {SCHEMA}.mart_product_conversion group by shop_id"))
    if warehouse.analytics:
        expected = expected_views_and_orders(dataset)
        assert {shop: (views.get(shop, 0), orders.get(shop, 0)) for shop in expected} == expected
        assert all(views_orders[0] > 0 for views_orders in expected.values())
    else:  # no analytics table: the optional sources' models select no rows
        assert (views, orders) == ({}, {})
    (stock,), = warehouse.query(f"select sum(stock_on_hand) from {SCHEMA}.mart_stock_cover")
    assert stock == sum(i["quantity"] for p in dataset["products"] for s in p["skus"]
                        for i in s.get("inventory") or [])
