"""Shipments from a file (tap-jsonl) pushed through target-tiktokshop, read back by the tap."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import Meltano, plugin_env
from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import APP_SECRET
from tests.support.target_kit import dataset
from tiktokshop_sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.e2e


def rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_shipments_round_trip(meltano: Meltano, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=41, shops=2, products=10, orders=120,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        config = sb.config()
        data = dataset(sb.base_url)
        shop = data["shops"][0]["id"]
        mine = [o for o in data["orders"] if o["shop_id"] == shop]
        waiting = [o for o in mine if o["status"] == "AWAITING_SHIPMENT"][:3]
        shipped = next(o for o in mine if o["status"] == "AWAITING_COLLECTION")
        package = shipped["line_items"][0]["package_id"]
        assert len(waiting) == 3
        shipments = [
            {"shop_id": shop, "order_id": o["id"], "tracking_number": f"E2E-{n:06d}",
             "shipping_provider_name": "DPD"} for n, o in enumerate(waiting)]
        shipments.append({"shop_id": shop, "order_id": shipped["id"], "package_id": package,
                          "tracking_number": "E2E-FIXED1", "shipping_provider_name": "Evri"})
        path = tmp_path / "shipments.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in shipments), encoding="utf-8")
        env = {**plugin_env("TAP_TIKTOKSHOP", config, tmp_path),
               **plugin_env("TARGET_TIKTOKSHOP", config, tmp_path),
               "TARGET_DUCKDB_FILEPATH": str(tmp_path / "shop.duckdb"),
               "TARGET_TIKTOKSHOP_RESULTS_PATH": str(tmp_path / "results.jsonl"),
               "TAP_JSONL_PATH": str(path), "TAP_JSONL_STREAM_NAME": "shipments"}

        meltano.run("run", "tap-jsonl", "target-tiktokshop", env=env)
        results = [json.loads(line) for line in
                   (tmp_path / "results.jsonl").read_text().splitlines()]
        assert [r["outcome"] for r in results] == ["applied"] * 4
        created = {r["order_id"]: r["package_id"] for r in results}
        assert all(created.values())

        meltano.run("run", "tap-jsonl", "target-tiktokshop", env=env)  # the same file again
        again = [json.loads(line)["outcome"] for line in
                 (tmp_path / "results.jsonl").read_text().splitlines()]
        assert again == ["unchanged"] * 4

        time.sleep(1.1)
        meltano.run("run", "tap-tiktokshop", "target-duckdb", env=env)
        db = tmp_path / "shop.duckdb"
        lines = rows(db, "select order_id, package_id, package_status, tracking_number, "
                         "shipping_provider_name from tiktokshop.order_line_items "
                         f"where shop_id = '{shop}'")
        by_order: dict[str, set] = {}
        for line in lines:
            by_order.setdefault(line["order_id"], set()).add(
                (line["package_id"], line["package_status"], line["tracking_number"],
                 line["shipping_provider_name"]))
        for n, order in enumerate(waiting):
            assert by_order[order["id"]] == {
                (created[order["id"]], "PROCESSING", f"E2E-{n:06d}", "DPD")}
        fixed = {t for t in by_order[shipped["id"]] if t[0] == package}
        assert {(t[2], t[3]) for t in fixed} == {("E2E-FIXED1", "Evri")}
        statuses = {r["id"]: r["status"] for r in rows(
            db, f"select id, status from tiktokshop.orders where shop_id = '{shop}'")}
        assert {statuses[o["id"]] for o in waiting} == {"AWAITING_COLLECTION"}
        packages = {r["package_id"]: r for r in rows(
            db, "select package_id, package_status, tracking_number, shipping_provider_name "
                f"from tiktokshop.packages where shop_id = '{shop}'")}
        for n, order in enumerate(waiting):
            landed = packages[created[order["id"]]]
            assert (landed["tracking_number"], landed["shipping_provider_name"]) == (
                f"E2E-{n:06d}", "DPD")
        assert packages[package]["tracking_number"] == "E2E-FIXED1"
