"""The dbt project on PostgreSQL, run by Meltano after a real sync of the same sandbox:
`meltano run tap-tiktokshop target-postgres dbt-postgres:build`; its marts are the DuckDB
build's, row for row (the conversion marts aside: PostgreSQL has no analytics tables, so
they have no rows)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.dbt_warehouse import (
    MARTS,
    SCHEMA,
    BuiltWarehouse,
    assert_build_passed,
    assert_marts_match_dataset,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
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


def test_build_passes_every_model_and_test(dbt_postgres: BuiltWarehouse) -> None:
    assert_build_passed(dbt_postgres)


def test_no_secret_in_the_logs(dbt_postgres: BuiltWarehouse) -> None:
    """The database password (a sensitive setting) and the app secret appear in neither
    Meltano's output nor dbt's log files."""
    logs = dbt_postgres.log + "".join(
        path.read_text() for path in (dbt_postgres.dbt_target.parent / "dbt-logs").glob("*"))
    assert dbt_postgres.env is not None
    for secret in (dbt_postgres.env["DBT_POSTGRES_PASSWORD"],
                   dbt_postgres.env["TAP_TIKTOKSHOP_APP_SECRET"]):
        assert secret not in logs


def test_marts_match_the_sandbox(dbt_postgres: BuiltWarehouse) -> None:
    assert_marts_match_dataset(dbt_postgres)


def test_json_columns_unnest_from_jsonb(dbt_postgres: BuiltWarehouse) -> None:
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


@pytest.mark.parametrize("mart", [m for m in MARTS if m not in CONVERSION_MARTS])
def test_marts_equal_the_duckdb_build(mart: str, dbt_postgres: BuiltWarehouse,
                                      dbt_duckdb: BuiltWarehouse) -> None:
    sql = f"select * from {SCHEMA}.{mart} order by {MART_KEYS[mart]}"
    pg = [tuple(normalized(v) for v in row) for row in dbt_postgres.query(sql)]
    duck = [tuple(normalized(v) for v in row) for row in dbt_duckdb.query(sql)]
    assert pg, mart
    assert pg == duck
