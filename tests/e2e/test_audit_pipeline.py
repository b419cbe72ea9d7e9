"""The audit trail through real Meltano: target-tiktokshop's results files land in DuckDB
(``meltano run tap-tiktokshop-results target-duckdb``), one row per results line, and join
with what tap-tiktokshop reads back."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.support.secret_scan import TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.singer_io import APP_SECRET
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def results_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def query(path: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_results_files_land_in_the_warehouse_and_join_with_the_tap(
        meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=33, shops=2, products=8, orders=0,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        config = sb.config()
        warehouse = tmp_path / "shop.duckdb"
        results = tmp_path / "output" / "target-tiktokshop-results.jsonl"
        env = {**plugin_env("TAP_TIKTOKSHOP", config, tmp_path),
               **plugin_env("TARGET_TIKTOKSHOP", config, tmp_path),
               "TARGET_DUCKDB_FILEPATH": str(warehouse),
               "TARGET_TIKTOKSHOP_RESULTS_PATH": str(results),
               "TARGET_TIKTOKSHOP_MAX_FAILURES": "10",  # the run reports, and exits 0
               "TARGET_TIKTOKSHOP_MAX_STOCK_CHANGE": "500",
               "TAP_TIKTOKSHOP_RESULTS_PATH": str(tmp_path / "output" / "*.jsonl"),
               # the tap reads products only: what the pushed stock is checked against
               "TAP_TIKTOKSHOP__SELECT": json.dumps(["products.*", "product_skus.*"])}
        logs: list[str] = []

        def melt(*args: str, extra: dict[str, str] | None = None) -> None:
            done = meltano.run(*args, env={**env, **(extra or {})})
            logs.append(done.stdout + done.stderr)

        melt("run", "tap-tiktokshop", "target-duckdb")
        skus = query(warehouse, "select shop_id, product_id, sku_id, warehouse_id, quantity "
                                "from tiktokshop.product_skus where warehouse_id is not null "
                                "and product_status = 'ACTIVATE' order by 1, 2, 3, 4")
        assert len(skus) >= 4
        key = ("shop_id", "product_id", "sku_id", "warehouse_id")
        feed = [  # applied, applied, unchanged, refused (max_stock_change), failed (invalid)
            {**{k: skus[0][k] for k in key}, "quantity": (skus[0]["quantity"] or 0) + 7},
            {**{k: skus[1][k] for k in key}, "quantity": (skus[1]["quantity"] or 0) + 3},
            {**{k: skus[2][k] for k in key}, "quantity": skus[2]["quantity"] or 0},
            {**{k: skus[3][k] for k in key}, "quantity": (skus[3]["quantity"] or 0) + 900},
            {"shop_id": skus[0]["shop_id"], "seller_sku": "X", "quantity": -1},
        ]
        stock = {"TAP_JSONL_PATH": str(write_jsonl(tmp_path / "stock.jsonl", feed)),
                 "TAP_JSONL_STREAM_NAME": "inventory"}
        melt("run", "tap-jsonl", "target-tiktokshop", extra=stock)
        first = results_lines(results)
        assert sorted(line["outcome"] for line in first) == [
            "applied", "applied", "failed", "refused", "unchanged"]

        melt("run", "tap-tiktokshop-results", "target-duckdb")
        rows = query(warehouse, "select * from tiktokshop.write_results order by seq")
        assert len(rows) == len(first)  # one row per results line
        for row, line in zip(rows, sorted(first, key=lambda x: x["seq"]), strict=True):
            assert (row["run_id"], row["seq"], row["outcome"], row["stream"],
                    row["schema_version"], row["code"], row["reason"]) == (
                line["run_id"], line["seq"], line["outcome"], line["stream"],
                line["schema_version"], line["code"], line["reason"])
            for name in ("value", "previous", "guardrail"):  # objects as JSON text
                assert (json.loads(row[name]) if row[name] is not None else None) == line[name]
        refused = query(warehouse, "select json_extract_string(guardrail, '$.limit') as lim, "
                                   "json_extract(guardrail, '$.requested')::int as requested "
                                   "from tiktokshop.write_results where outcome = 'refused'")
        assert refused == [{"lim": "max_stock_change", "requested": feed[3]["quantity"]}]

        # what was pushed, joined with what the tap reads back
        time.sleep(1.1)
        melt("run", "tap-tiktokshop", "target-duckdb")
        joined = query(warehouse, """
            select r.seq, json_extract(r.value, '$.quantity')::int as pushed,
                   s.quantity as read_back
            from tiktokshop.write_results r
            join tiktokshop.product_skus s
              on s.shop_id = r.shop_id and s.sku_id = r.sku_id
             and s.warehouse_id = r.warehouse_id
            where r.outcome in ('applied', 'unchanged') order by r.seq""")
        assert len(joined) == 3
        assert all(row["pushed"] == row["read_back"] for row in joined), joined

        # a second target run rewrites the results file; the table keeps both runs
        feed2 = [{**{k: skus[4 % len(skus)][k] for k in key}, "quantity": 42}]
        stock2 = {"TAP_JSONL_PATH": str(write_jsonl(tmp_path / "stock2.jsonl", feed2)),
                  "TAP_JSONL_STREAM_NAME": "inventory"}
        melt("run", "tap-jsonl", "target-tiktokshop", extra=stock2)
        second = results_lines(results)
        assert len(second) == 1 and second[0]["run_id"] != first[0]["run_id"]
        melt("run", "tap-tiktokshop-results", "target-duckdb")
        runs = query(warehouse, "select run_id, count(*) as n from tiktokshop.write_results "
                                "group by run_id order by n")
        assert runs == [{"run_id": second[0]["run_id"], "n": 1},
                        {"run_id": first[0]["run_id"], "n": len(first)}]

        stores = sorted(tmp_path.glob("*-tokens.json"))
        assert_no_secrets({"results": results.read_text(), "logs": "".join(logs)},
                          secrets_of(config, token_stores=stores), prefixes=[TOKEN_PREFIX])
