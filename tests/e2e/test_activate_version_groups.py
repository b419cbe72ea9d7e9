"""ACTIVATE_VERSION with shop groups, through Meltano and target-postgres: two groups
(``tap-tiktokshop-group-a``/``-b``, each with its own ``shop_ids``) with
``emit_activate_version_messages`` on load the full-table streams into the same tables one
after the other, and neither deletes (or marks deleted) the other's rows; a run of every
shop still versions the tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.e2e.test_money_postgres import pg_env, query
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
FULL_TABLE = ("shops", "warehouses", "unsettled_transactions")
SELECT = '["shops.*", "warehouses.*", "unsettled_transactions.*"]'
DATABASE = "activate_groups"


def shop_counts(postgres, table: str, where: str = "true") -> Counter:
    return Counter(dict(query(postgres, DATABASE, f"select shop_id, count(*) from "
                                                  f"tiktokshop.{table} where {where} "
                                                  f"group by shop_id")))


def test_groups_with_activate_version_keep_each_others_rows(meltano: Meltano, tmp_path: Path,
                                                            postgres) -> None:
    postgres.create_database(DATABASE)
    with Sandbox(SandboxOptions(seed=61, shops=2, products=5, orders=60)) as sb:
        shops = sb.config()["shop_ids"]
        dataset = sb.dataset.dump({"shops", "warehouses", "unsettled_transactions"})
        env = pg_env(postgres, DATABASE)
        for prefix, group in (("TAP_TIKTOKSHOP_GROUP_A", shops[:1]),
                              ("TAP_TIKTOKSHOP_GROUP_B", shops[1:]),
                              ("TAP_TIKTOKSHOP", None)):
            config = {k: v for k, v in sb.config().items() if k != "shop_ids"}
            if group is not None:
                config["shop_ids"] = group
            env.update(plugin_env(prefix, config, tmp_path))
            env[f"{prefix}_EMIT_ACTIVATE_VERSION_MESSAGES"] = "true"
            env[f"{prefix}__SELECT"] = SELECT
        runs = [meltano.run("run", f"tap-tiktokshop-group-{g}", "target-postgres", env=env)
                for g in ("a", "b")]

        expected = {"shops": Counter(str(s["id"]) for s in dataset["shops"]),
                    "warehouses": Counter(str(w["shop_id"]) for w in dataset["warehouses"]),
                    "unsettled_transactions": Counter(
                        str(u["shop_id"]) for u in dataset["unsettled_transactions"])}
        assert all(set(expected[table]) == set(shops) for table in FULL_TABLE), expected
        for table in FULL_TABLE:
            assert shop_counts(postgres, table) == expected[table], table  # none hard-deleted
            assert shop_counts(postgres, table, "_sdc_deleted_at is null") == expected[table]
        for run in runs:
            for stream in FULL_TABLE:
                assert f"Stream '{stream}': no ACTIVATE_VERSION because shop_ids" in run.stderr

        # Every shop in one run (no shop_ids): the tables are versioned again, and a row
        # that left TikTok's answer since would be marked deleted.
        meltano.run("run", "tap-tiktokshop", "target-postgres", env=env)
    for table in FULL_TABLE:
        assert shop_counts(postgres, table, "_sdc_deleted_at is null") == expected[table]
        (versions,), = query(postgres, DATABASE, f"select count(distinct _sdc_table_version) "
                                                 f"from tiktokshop.{table} "
                                                 f"where _sdc_deleted_at is null")
        assert versions == 1, table
