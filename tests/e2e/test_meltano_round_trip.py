"""Stock and prices from an independent source (tap-jsonl) pushed back through target-tiktokshop."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.support.secret_scan import TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.singer_io import APP_SECRET
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e


def sku_rows(path: Path) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(
            "select shop_id, product_id, sku_id, warehouse_id, quantity, price, currency, "
            "product_status from tiktokshop.product_skus order by 1, 2, 3, 4")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_round_trip_stock_and_prices(meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=31, shops=2, products=8, orders=5,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        config = sb.config()
        env = {**plugin_env("TAP_TIKTOKSHOP", config, tmp_path),
               **plugin_env("TARGET_TIKTOKSHOP", config, tmp_path),
               "TARGET_DUCKDB_FILEPATH": str(tmp_path / "shop.duckdb"),
               "TARGET_TIKTOKSHOP_RESULTS_PATH": str(tmp_path / "results.jsonl")}
        logs: list[str] = []  # every Meltano run's output, scanned for secrets at the end

        def melt(*args: str, env: dict[str, str]) -> None:
            done = meltano.run(*args, env=env)
            logs.append(done.stdout + done.stderr)

        melt("run", "tap-tiktokshop", "target-duckdb", env=env)
        before = [r for r in sku_rows(tmp_path / "shop.duckdb")
                  if r["product_status"] == "ACTIVATE" and r["warehouse_id"]]
        assert len(before) >= 4
        chosen = before[:6]
        stock = [{"shop_id": r["shop_id"], "product_id": r["product_id"], "sku_id": r["sku_id"],
                  "warehouse_id": r["warehouse_id"], "quantity": (r["quantity"] or 0) + 7}
                 for r in chosen]
        prices = {(r["shop_id"], r["sku_id"]): {
            "shop_id": r["shop_id"], "product_id": r["product_id"], "sku_id": r["sku_id"],
            "amount": str(Decimal(r["price"]) + Decimal("1.25")), "currency": r["currency"]}
            for r in chosen}

        jsonl = {"TAP_JSONL_PATH": str(write_jsonl(tmp_path / "stock.jsonl", stock)),
                 "TAP_JSONL_STREAM_NAME": "inventory"}
        melt("run", "tap-jsonl", "target-tiktokshop", env={**env, **jsonl})
        outcomes = [json.loads(line)["outcome"] for line in
                    (tmp_path / "results.jsonl").read_text().splitlines()]
        assert outcomes == ["applied"] * len(stock)

        jsonl = {"TAP_JSONL_PATH": str(write_jsonl(tmp_path / "prices.jsonl",
                                                   list(prices.values()))),
                 "TAP_JSONL_STREAM_NAME": "prices"}
        melt("run", "tap-jsonl", "target-tiktokshop", env={**env, **jsonl})
        outcomes = [json.loads(line)["outcome"] for line in
                    (tmp_path / "results.jsonl").read_text().splitlines()]
        assert outcomes == ["applied"] * len(prices)

        time.sleep(1.1)
        melt("run", "tap-tiktokshop", "target-duckdb", env=env)
        after = {(r["shop_id"], r["sku_id"], r["warehouse_id"]): r
                 for r in sku_rows(tmp_path / "shop.duckdb")}
        for row in stock:
            landed = after[(row["shop_id"], row["sku_id"], row["warehouse_id"])]
            assert landed["quantity"] == row["quantity"]
            assert Decimal(landed["price"]) == Decimal(prices[(row["shop_id"],
                                                               row["sku_id"])]["amount"])
        results = (tmp_path / "results.jsonl").read_text()
        assert APP_SECRET not in results and config["refresh_token"] not in results
        stores = sorted(tmp_path.glob("*-tokens.json"))
        assert len(stores) == 2  # the tap's and the target's
        assert_no_secrets({"results": results, "logs": "".join(logs)},
                          secrets_of(config, token_stores=stores), prefixes=[TOKEN_PREFIX])
