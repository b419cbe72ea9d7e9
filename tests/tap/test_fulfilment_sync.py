"""packages, package_orders, return_line_items and the full order_line_items against a sandbox."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tap_tiktokshop.fulfilment_streams import SEARCH_NAMES, package_record
from tap_tiktokshop.ordered_fetch import fetch_in_order
from tests.support.singer_io import (
    APP_SECRET,
    BIN,
    PRIMARY_KEYS,
    SingerOutput,
    dataset_keys,
    grouped,
    parse_singer,
    run_tap,
    write_json,
)
from tiktokshop import codes
from tiktokshop.errors import FatalAPIError
from tiktokshop_sandbox import Sandbox, SandboxOptions
from tools.openapi.stream_schemas import PACKAGE_SEARCH_RENAMES

FAST = {"retry_backoff_seconds": 0.01, "lookback_seconds": 600}
NEW_STREAMS = ("packages", "package_orders", "return_line_items")
#: what these tests read (the other streams are tested elsewhere)
SELECTED = {*NEW_STREAMS, "orders", "order_line_items", "returns"}
ORDER_KEYS = {"shop_id", "order_id", "order_status", "order_update_time",
              "order_update_time_iso", "item_tax_amount"}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=23, shops=3, products=30, orders=400,
                                app_secret=APP_SECRET)) as sb:
        yield sb


def tap_config(sandbox: Sandbox, tmp: Path, **extra: Any) -> dict:
    return {**sandbox.config(), **FAST, "token_store_path": str(tmp / "tokens.json"), **extra}


def sync(config: dict, tmp: Path, state: dict | None = None) -> SingerOutput:
    """Run the tap with only ``SELECTED`` streams selected in its catalog."""
    config_path = write_json(tmp / "discover-config.json", config)
    found = subprocess.run([str(BIN / "tap-tiktokshop"), "--config", str(config_path),
                            "--discover"], capture_output=True, text=True, timeout=120,
                           check=True)
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in SELECTED
    catalog_path = write_json(tmp / "catalog.json", catalog)
    out = run_tap(config, tmp, state=state, args=("--catalog", str(catalog_path)))
    assert out.returncode == 0, out.stderr[-2000:]
    assert set(out.counts()) == SELECTED
    return out


def without_iso(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the tap's ``*_iso`` siblings, at every level."""
    if isinstance(record, dict):
        return {k: without_iso(v) for k, v in record.items()
                if not (k.endswith("_time_iso") and k[:-4] in record)}
    if isinstance(record, list):
        return [without_iso(v) for v in record]
    return record


@pytest.fixture(scope="module")
def full_sync(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("full")
    return sync(tap_config(sandbox, tmp), tmp), sandbox.dataset.dump()


def test_new_streams_match_the_sandbox_for_every_shop(full_sync) -> None:
    out, dataset = full_sync
    expected = dataset_keys(dataset)
    for stream in NEW_STREAMS:
        got = out.keys(stream, PRIMARY_KEYS[stream])
        assert set(got) == expected[stream], stream
        assert len(got) == len(expected[stream]), stream  # no duplicates
        assert {key[0] for key in got} == {s["id"] for s in dataset["shops"]}, stream
    tags = {r["split_and_combine_tag"] for r in out.records("packages")}
    assert tags == {"DEFAULT", "SPLIT", "COMBINE"}  # combined and split packages covered
    assert any(n > 1 for n in grouped(
        [(r["shop_id"], r["package_id"]) for r in out.records("package_orders")]).values())


def test_package_records_are_the_detail_with_time_siblings(full_sync) -> None:
    out, dataset = full_sync
    details = {(p["shop_id"], p["package_id"]): p for p in dataset["packages"]}
    for record in out.records("packages"):
        assert without_iso(record) == details[(record["shop_id"], record["package_id"])]
        assert record["update_time_iso"].endswith("Z")
    rows = {(r["shop_id"], r["package_id"], r["order_id"]): r
            for r in out.records("package_orders")}
    for package in dataset["packages"]:
        for order in package["orders"]:
            row = rows[(package["shop_id"], package["package_id"], order["id"])]
            assert row["skus"] == order["skus"]
            assert row["package_status"] == package["package_status"]
            assert row["package_update_time"] == package["update_time"]


def test_packages_and_orders_agree(full_sync) -> None:
    """Every line item naming a package is listed by that package, and nothing else is."""
    out, _ = full_sync
    by_line = {(r["shop_id"], r["id"]): r["package_id"] for r in out.records("order_line_items")
               if r.get("package_id")}
    listed = {(p["shop_id"], line_id): p["package_id"] for p in out.records("packages")
              for line_id in p["order_line_item_ids"]}
    assert by_line == listed
    orders = {(o["shop_id"], o["id"]): o for o in out.records("orders")}
    for row in out.records("package_orders"):
        order = orders[(row["shop_id"], row["order_id"])]
        assert row["package_id"] in {p["id"] for p in order["packages"]}


def test_order_line_items_carry_every_line_field(full_sync) -> None:
    out, dataset = full_sync
    rows = {(r["shop_id"], r["order_id"], r["id"]): r for r in out.records("order_line_items")}
    schema = json.loads((Path(__file__).parents[2] / "tap_tiktokshop" / "schemas" /
                         "order_line_items.json").read_text())["properties"]
    taxed = 0
    for order in dataset["orders"]:
        for line in order["line_items"]:
            row = rows[(order["shop_id"], order["id"], line["id"])]
            for name, value in line.items():
                assert name in schema, name
                assert row[name] == value, (name, row[name], value)
            assert row["order_status"] == order["status"]
            assert row["order_update_time"] == order["update_time"]
            if line.get("item_tax"):
                taxed += 1
                assert Decimal(row["item_tax_amount"]) == sum(
                    Decimal(t["tax_amount"]) for t in line["item_tax"])
            else:
                assert row["item_tax_amount"] is None
    assert taxed  # the US shop's lines carry sales tax
    new = {"package_id", "tracking_number", "shipping_provider_id", "rts_time", "sku_image",
           "sku_type", "is_dangerous_good", "handling_duration_days", "item_tax",
           "cancel_reason", "cancel_user"}
    assert new <= {name for r in rows.values() for name in r}
    assert set(schema) - ORDER_KEYS >= new


def test_return_line_items_flatten_refund_amounts(full_sync) -> None:
    out, dataset = full_sync
    rows = {(r["shop_id"], r["return_id"], r["return_line_item_id"]): r
            for r in out.records("return_line_items")}
    line_items = {(r["shop_id"], r["id"]) for r in out.records("order_line_items")}
    for record in dataset["returns"]:
        for line in record["return_line_items"]:
            row = rows[(record["shop_id"], record["return_id"], line["return_line_item_id"])]
            for name, value in line["refund_amount"].items():
                assert row[name] == value, name
            assert "refund_amount" not in row
            assert row["order_line_item_id"] == line["order_line_item_id"]
            assert row["return_update_time"] == record["update_time"]
            assert row["order_id"] == record["order_id"]
            assert (row["shop_id"], row["order_line_item_id"]) in line_items  # joinable


def test_packages_are_ascending_with_one_bookmark_per_shop(full_sync, sandbox) -> None:
    out, _ = full_sync
    by_shop: dict[str, list[int]] = {}
    for record in out.records("packages"):
        by_shop.setdefault(record["shop_id"], []).append(record["update_time"])
    for times in by_shop.values():
        assert times == sorted(times)
    final = out.states()[-1]["bookmarks"]["packages"]["partitions"]
    assert {p["context"]["shop_id"]: p["replication_key_value"] for p in final} == {
        shop: max(times) for shop, times in by_shop.items()}
    assert set(by_shop) == set(sandbox.config()["shop_ids"])


def test_each_package_row_is_written_before_its_package(full_sync) -> None:
    out, _ = full_sync
    written: set[tuple] = set()
    for message in out.messages:
        if message["type"] != "RECORD":
            continue
        record = message["record"]
        if message["stream"] == "package_orders":
            written.add((record["shop_id"], record["package_id"]))
        elif message["stream"] == "packages":
            assert (record["shop_id"], record["package_id"]) in written


def test_second_run_emits_changed_packages_only(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=31, shops=2, products=20, orders=300,
                                app_secret=APP_SECRET)) as sb:
        config = tap_config(sb, tmp_path)
        first = sync(config, tmp_path)
        state = first.states()[-1]
        before = {(p["shop_id"], p["package_id"]): p for p in sb.dataset.dump()["packages"]}
        changed = sb.dataset.mutate(packages=4, orders=3)
        time.sleep(1.1)  # a sync reads up to the second before it starts
        second = sync(config, tmp_path, state)
        after = {(p["shop_id"], p["package_id"]): p for p in sb.dataset.dump()["packages"]}
    moved = {key for key, p in after.items()
             if key not in before or before[key]["update_time"] != p["update_time"]}
    assert {key[1] for key in moved} == set(changed["packages"])
    assert any(key in before and before[key]["package_status"] != after[key]["package_status"]
               for key in moved)  # a package status moved, not only its update time
    emitted = {(r["shop_id"], r["package_id"]): r for r in second.records("packages")}
    assert moved <= set(emitted)
    for key in moved:
        assert without_iso(emitted[key]) == {**after[key]}
    bookmarks = {p["context"]["shop_id"]: p["replication_key_value"]
                 for p in state["bookmarks"]["packages"]["partitions"]}
    for key, record in emitted.items():
        if key not in moved:  # only the lookback overlap may repeat
            assert record["update_time"] >= bookmarks[record["shop_id"]] - 600
    rows = {(r["shop_id"], r["package_id"]) for r in second.records("package_orders")}
    assert rows == set(emitted)


def test_package_changed_during_the_sync_is_left_for_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """A package that moves between the search and its detail (its detail is newer than the
    sync's end) is not emitted, and the next run, resumed from the state, emits it."""
    from tap_tiktokshop.fulfilment_streams import PackagesStream
    from tap_tiktokshop.tap import TapTikTokShop

    def sync(config: dict, state: dict | None = None) -> list[dict]:
        tap = TapTikTokShop(config=config, state=state, parse_env_config=False)
        for name, stream in tap.streams.items():
            stream.selected = name in ("packages", "package_orders")
        tap.sync_all()
        return parse_singer(capsys.readouterr().out)

    with Sandbox(SandboxOptions(seed=37, shops=1, products=10, orders=80)) as sb:
        shop = sb.dataset.shops[0]
        dataset = sb.dataset
        cols = dataset.package_columns(shop)
        target = cols.ids[min(range(len(cols)), key=lambda i: cols.update[i])]
        real_detail = PackagesStream._detail

        def detail(self: PackagesStream, shop_: Any, summary: dict) -> Any:
            if summary["id"] == target:  # the package moves right after the search saw it
                with dataset.lock:
                    dataset._advance_order(shop, cols.extra["order"][cols.pos[target]],
                                           {"orders": [], "packages": []})
            return real_detail(self, shop_, summary)

        monkeypatch.setattr(PackagesStream, "_detail", detail)
        config = tap_config(sb, tmp_path)
        first = sync(config)
        monkeypatch.setattr(PackagesStream, "_detail", real_detail)
        ids = [m["record"]["package_id"] for m in first
               if m["type"] == "RECORD" and m["stream"] == "packages"]
        assert target not in ids
        assert len(ids) == len(cols) - 1
        state = [m["value"] for m in first if m["type"] == "STATE"][-1]
        time.sleep(1.1)
        second = sync(config, state)
        again = [m["record"] for m in second
                 if m["type"] == "RECORD" and m["stream"] == "packages"]
        assert target in {r["package_id"] for r in again}
        assert {r["package_id"] for r in again} <= set(ids) | {target}


def test_a_package_without_detail_is_emitted_from_the_search(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
        caplog: pytest.LogCaptureFixture) -> None:
    from tap_tiktokshop.tap import TapTikTokShop
    from tiktokshop.transport import TikTokShopClient

    with Sandbox(SandboxOptions(seed=41, shops=1, products=10, orders=40)) as sb:
        gone = sb.dataset.dump()["packages"][0]
        real_call = TikTokShopClient.call

        def call(self: TikTokShopClient, endpoint: Any, **kwargs: Any) -> Any:
            if endpoint.name == "package_detail" and \
                    kwargs["path_params"]["package_id"] == gone["package_id"]:
                raise FatalAPIError(code=codes.ORDER_NOT_OWNED, message="gone",
                                    endpoint="GET /fulfillment/202309/packages/{package_id}")
            return real_call(self, endpoint, **kwargs)

        monkeypatch.setattr(TikTokShopClient, "call", call)
        tap = TapTikTokShop(config=tap_config(sb, tmp_path), parse_env_config=False)
        for name, stream in tap.streams.items():
            stream.selected = name in ("packages", "package_orders")
        tap.sync_all()
        records = [m["record"] for m in parse_singer(capsys.readouterr().out)
                   if m["type"] == "RECORD" and m["stream"] == "packages"]
    fallback = next(r for r in records if r["package_id"] == gone["package_id"])
    assert fallback["package_status"] == gone["package_status"]
    assert fallback["order_line_item_ids"] == gone["order_line_item_ids"]
    assert "recipient_address" not in fallback  # only what the search gives
    assert any(gone["package_id"] in r.getMessage() and "no detail" in r.getMessage()
               for r in caplog.records)


def test_package_record_takes_the_search_fields_the_detail_lacks() -> None:
    assert SEARCH_NAMES == PACKAGE_SEARCH_RENAMES  # the schema and the tap agree
    summary = {"id": "1", "status": "PROCESSING", "update_time": 5, "tracking_number": "T"}
    assert package_record(summary, {"package_id": "1", "package_status": "FULFILLING",
                                    "update_time": 9}) == {
        "package_id": "1", "package_status": "FULFILLING", "update_time": 9,
        "tracking_number": "T"}
    assert package_record(summary, None) == {"package_id": "1", "package_status": "PROCESSING",
                                             "update_time": 5, "tracking_number": "T"}


def test_details_are_fetched_concurrently_and_emitted_in_order() -> None:
    workers = 4
    barrier = threading.Barrier(workers, timeout=10)  # breaks unless 4 fetches overlap
    first_wave = set(range(workers))

    def fetch(item: int) -> int:
        if item in first_wave:
            barrier.wait()
        time.sleep(0.001 * (item % 3))
        return item * 10

    with ThreadPoolExecutor(max_workers=workers) as pool:
        got = list(fetch_in_order(pool, workers * 2, range(40), fetch))
    assert got == [(i, i * 10) for i in range(40)]
