"""Money lands in PostgreSQL as exact numbers: the tap's ``<amount>_value`` JSON numbers
through target-postgres (Meltano) into NUMERIC columns, where sums are exact."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage

from tap_tiktokshop.message_writer import TapMessageWriter
from tap_tiktokshop.tap import TapTikTokShop
from tests.e2e.conftest import ROOT, Meltano, plugin_env
from tests.support.singer_io import BIN
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
OFFLINE = {"app_key": "k", "app_secret": "s", "refresh_token": "r",
           "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}


def pg_env(postgres, database: str) -> dict[str, str]:
    return {"TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_PASSWORD": "unused-trust-auth",
            "TARGET_POSTGRES_DATABASE": database}


def query(postgres, database: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres",
                         dbname=database) as con:
        return con.execute(sql).fetchall()


def test_point_one_plus_point_two_is_point_three_in_postgres(meltano: Meltano, tmp_path: Path,
                                                             postgres) -> None:
    """The tap's own stream (its money step) and writer, piped into target-postgres."""
    postgres.create_database("money_exact")
    stream = TapTikTokShop(config=OFFLINE, parse_env_config=False).streams["withdrawals"]
    writer = TapMessageWriter()
    messages = [SchemaMessage(stream.name, stream.schema, stream.primary_keys)]
    for n, amount in enumerate(("0.1", "0.2")):
        row = stream.add_money({"shop_id": "1", "id": str(n), "amount": amount})
        messages.append(RecordMessage(stream=stream.name, record=row))
    lines = b"".join(bytes(writer.serialize_message(m)) for m in messages)
    assert b'"amount_value":0.1' in lines and b'"amount_value":0.2' in lines
    done = subprocess.run([str(BIN / "meltano"), "invoke", "target-postgres"], input=lines,
                          cwd=ROOT, env={**meltano.env, **pg_env(postgres, "money_exact")},
                          capture_output=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    (total, exact, kind), = query(
        postgres, "money_exact",
        "select sum(amount_value), sum(amount_value) = 0.3, pg_typeof(sum(amount_value))::text "
        "from tiktokshop.withdrawals")
    assert total == Decimal("0.3") and exact is True and kind == "numeric"


def test_finance_lands_exact_and_reconciles_in_postgres(meltano: Meltano, tmp_path: Path,
                                                       postgres) -> None:
    """A real Meltano run of the finance streams: in SQL, every statement's transactions sum
    exactly to its settlement, and the unsettled snapshot arrives with its version."""
    postgres.create_database("money_finance")
    with Sandbox(SandboxOptions(seed=48, shops=2, products=10, orders=150)) as sb:
        every_shop = {k: v for k, v in sb.config().items() if k != "shop_ids"}  # versioned
        env = plugin_env("TAP_TIKTOKSHOP", every_shop, tmp_path)
        env.update(pg_env(postgres, "money_finance"))
        env["TAP_TIKTOKSHOP__SELECT"] = (
            '["statements.*", "statement_transactions.*", "unsettled_transactions.*"]')
        meltano.run("run", "tap-tiktokshop", "target-postgres", env=env)
        dataset = sb.dataset.dump({"statements", "unsettled_transactions"})
    mismatched = query(postgres, "money_finance", """
        select s.shop_id, s.id, s.settlement_amount_value, sum(t.settlement_amount_value)
        from tiktokshop.statements s
        join tiktokshop.statement_transactions t
          on t.shop_id = s.shop_id and t.statement_id = s.id
        group by s.shop_id, s.id, s.settlement_amount_value
        having s.settlement_amount_value <> sum(t.settlement_amount_value)""")
    assert mismatched == []
    (count, total), = query(postgres, "money_finance", "select count(*), "
                            "sum(settlement_amount_value) from tiktokshop.statements")
    assert count == len(dataset["statements"])
    assert total == sum(Decimal(s["settlement_amount"]) for s in dataset["statements"])
    types = dict(query(postgres, "money_finance", """
        select column_name, data_type from information_schema.columns
        where table_schema = 'tiktokshop' and table_name = 'statement_transactions'
          and column_name in ('settlement_amount', 'settlement_amount_value')"""))
    assert types == {"settlement_amount": "text", "settlement_amount_value": "numeric"}
    (live, versions), = query(postgres, "money_finance", "select count(*), "
                              "count(distinct _sdc_table_version) from "
                              "tiktokshop.unsettled_transactions where _sdc_deleted_at is null")
    assert (live, versions) == (len(dataset["unsettled_transactions"]), 1)
