"""The finance streams against a live sandbox: completeness, reconciliation, the lookback
that picks up paid statements, and the api_version ceiling."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.secret_scan import TOKEN_PREFIX
from tests.support.singer_io import (
    APP_SECRET,
    BIN,
    FINANCE_KEYS,
    finance_keys,
    grouped,
    run_tap,
    write_json,
)
from tests.support.tap_catalog import selected_catalog as catalog
from tiktokshop_sandbox import Sandbox, SandboxOptions

FINANCE = tuple(FINANCE_KEYS)
FAST = {"retry_backoff_seconds": 0.01}
DAY = 86_400


def config_for(sb: Sandbox, tmp: Path, **extra: Any) -> dict[str, Any]:
    return {**sb.config(), **FAST, "token_store_path": str(tmp / "tokens.json"), **extra}


def exact(raw: str) -> dict[str, list[dict[str, Any]]]:
    """The RECORDs of a tap's stdout by stream, numbers parsed as exact Decimals."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in raw.split("\n"):
        if line.startswith('{"type":"RECORD"'):
            message = json.loads(line, parse_float=Decimal)
            out[message["stream"]].append(message["record"])
    return out


def stats(sb: Sandbox) -> dict[str, dict[str, int]]:
    return requests.get(f"{sb.base_url}/sandbox/stats", timeout=10).json()["endpoints"]


def admin(sb: Sandbox, route: str, body: dict) -> Any:
    resp = requests.post(f"{sb.base_url}/sandbox/{route}", json=body, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(seed=31, shops=2, products=20, orders=240,
                                app_secret=APP_SECRET, token_prefix=TOKEN_PREFIX)) as sb:
        yield sb


@pytest.fixture(scope="module")
def full_run(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The finance streams read once at the default api_version (not in the config), for
    every shop of the token (no ``shop_ids``: only such a run sends ACTIVATE_VERSION)."""
    tmp = tmp_path_factory.mktemp("finance")
    config = {k: v for k, v in config_for(sandbox, tmp).items()
              if k not in {"api_version", "shop_ids"}}
    out = run_tap(config, tmp, args=("--catalog", str(catalog(config, tmp, FINANCE))))
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_every_finance_record_of_every_shop(sandbox: Sandbox, full_run: Any) -> None:
    expected = finance_keys(sandbox.dataset.dump(set(FINANCE)))
    for stream, keys in FINANCE_KEYS.items():
        got = full_run.keys(stream, keys)
        assert {tuple(str(v) for v in key) for key in got} == expected[stream], stream
        assert not [k for k, n in grouped(got).items() if n > 1], stream
        assert expected[stream], stream  # the sandbox has some of each
        assert len({r["shop_id"] for r in full_run.records(stream)}) == 2, stream
    # the default api_version is the newest: transactions come from the 202501 version
    calls = stats(sandbox)
    assert calls["GET /finance/202501/statements/{statement_id}/statement_transactions"]["ok"]
    assert "GET /finance/202309/statements/{statement_id}/statement_transactions" not in calls


def test_statements_are_ascending_with_a_bookmark_per_shop(full_run: Any) -> None:
    times: dict[str, list[int]] = defaultdict(list)
    for record in full_run.records("statements"):
        times[record["shop_id"]].append(record["statement_time"])
    assert all(values == sorted(values) for values in times.values())
    partitions = full_run.states()[-1]["bookmarks"]["statements"]["partitions"]
    assert {p["context"]["shop_id"]: p["replication_key_value"] for p in partitions} == {
        shop: max(values) for shop, values in times.items()}


def test_transactions_sum_to_their_statement(sandbox: Sandbox, full_run: Any) -> None:
    records = exact(full_run.raw)
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in records["statement_transactions"]:
        assert row["settlement_amount_value"] == Decimal(row["settlement_amount"])
        sums[(row["shop_id"], row["statement_id"])] += row["settlement_amount_value"]
    statements = records["statements"]
    assert statements
    for statement in statements:
        value = statement["settlement_amount_value"]
        assert isinstance(value, Decimal) and value == Decimal(statement["settlement_amount"])
        assert sums[(statement["shop_id"], statement["id"])] == value, statement["id"]


def test_finance_records_point_at_orders_and_payments(sandbox: Sandbox, full_run: Any) -> None:
    dataset = sandbox.dataset.dump({"orders"})
    orders = {(o["shop_id"], o["id"]) for o in dataset["orders"]}
    for row in full_run.records("statement_transactions"):
        order_id = row.get("order_id") or row.get("adjustment_order_id")
        assert (row["shop_id"], order_id) in orders
        assert row["currency"]
    payments = {(p["shop_id"], p["id"]): p for p in exact(full_run.raw)["payments"]}
    for statement in exact(full_run.raw)["statements"]:
        if statement["payment_status"] == "PAID":
            payment = payments[(statement["shop_id"], statement["payment_id"])]
            assert payment["amount_value"] == statement["settlement_amount_value"]
            assert payment["paid_time"] == statement["payment_time"]
        else:
            assert "payment_id" not in statement
    unsettled = full_run.records("unsettled_transactions")
    assert all((r["shop_id"], r["order_id"]) in orders for r in unsettled)
    assert "fee_tax_breakdown" not in unsettled[0]  # flattened into columns
    assert "platform_commission_amount_value" in unsettled[0]


def test_unsettled_transactions_are_a_versioned_snapshot(full_run: Any) -> None:
    versions = [m for m in full_run.messages if m["type"] == "ACTIVATE_VERSION"]
    assert [m["stream"] for m in versions] == ["unsettled_transactions"]
    position = full_run.messages.index(versions[0])
    records = [(n, m) for n, m in enumerate(full_run.messages)
               if m["type"] == "RECORD" and m["stream"] == "unsettled_transactions"]
    assert records and all(n > position for n, _ in records)
    assert {m["version"] for _, m in records} == {versions[0]["version"]}
    state = full_run.states()[-1]["bookmarks"].get("unsettled_transactions", {})
    assert all("replication_key_value" not in p for p in state.get("partitions", []))


def test_second_run_picks_up_statements_paid_since(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=32, shops=2, products=10, orders=150,
                                processing_statements=3)) as sb:
        config = config_for(sb, tmp_path)
        selected = ("statements", "statement_transactions", "payments")
        cat = catalog(config, tmp_path, selected)
        first = run_tap(config, tmp_path, args=("--catalog", str(cat)))
        assert first.returncode == 0, first.stderr[-3000:]
        unpaid = {r["id"] for r in first.records("statements")
                  if r["payment_status"] == "PROCESSING"}
        assert len(unpaid) == 6  # 3 per shop
        paid = admin(sb, "finance/settle", {"statements": 2})
        assert set(paid["statements"]) < unpaid and len(paid["statements"]) == 4

        state = first.states()[-1]
        second = run_tap(config, tmp_path, state=state, args=("--catalog", str(cat)))
        assert second.returncode == 0, second.stderr[-3000:]
        statements = {r["id"]: r for r in second.records("statements")}
        for statement_id in paid["statements"]:
            assert statements[statement_id]["payment_status"] == "PAID"
            assert statements[statement_id]["payment_id"]
            assert statements[statement_id]["payment_time_iso"].endswith("Z")
        payments = {r["id"]: r for r in second.records("payments")}
        for payment_id in paid["payments"]:
            assert payments[payment_id]["status"] == "PAID" and payments[payment_id]["paid_time"]
        # only the lookback window is read again, and every statement read again comes
        # with its transactions
        bookmarks = {p["context"]["shop_id"]: p["replication_key_value"]
                     for p in state["bookmarks"]["statements"]["partitions"]}
        for record in statements.values():
            assert record["statement_time"] >= bookmarks[record["shop_id"]] - 30 * DAY
        assert len(statements) < len(first.records("statements"))
        with_rows = {r["statement_id"] for r in second.records("statement_transactions")}
        assert with_rows == set(statements)
        final = {p["context"]["shop_id"]: p["replication_key_value"]
                 for p in second.states()[-1]["bookmarks"]["statements"]["partitions"]}
        assert final == bookmarks  # no newer statement: the bookmarks stay where they were


def test_a_lower_api_version_reads_what_exists_at_it(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=33, shops=2, products=10, orders=120)) as sb:
        config = config_for(sb, tmp_path, api_version="202309")
        selected = ("statements", "statement_transactions", "payments", "withdrawals")
        out = run_tap(config, tmp_path, args=("--catalog", str(catalog(config, tmp_path,
                                                                       selected))))
        assert out.returncode == 0, out.stderr[-3000:]
        expected = finance_keys(sb.dataset.dump(set(FINANCE)))
        for stream in selected:
            got = {tuple(str(v) for v in key) for key in out.keys(stream, FINANCE_KEYS[stream])}
            assert got == expected[stream], stream
        calls = stats(sb)
        assert calls["GET /finance/202309/statements/{statement_id}/statement_transactions"]
        assert "GET /finance/202501/statements/{statement_id}/statement_transactions" not in calls
        records = exact(out.raw)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for row in records["statement_transactions"]:
            sums[row["statement_id"]] += row["settlement_amount_value"]
            assert row["currency"]
        for statement in records["statements"]:
            assert sums[statement["id"]] == statement["settlement_amount_value"]


def test_a_selected_stream_above_the_api_version_is_one_line(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed=34, shops=1, products=5, orders=20)) as sb:
        config = config_for(sb, tmp_path, api_version="202309")
        out = run_tap(config, tmp_path)  # no catalog: every stream selected
        assert out.returncode == 2
        errors = [line for line in out.stderr.splitlines() if "error" in line.lower()]
        assert errors == [errors[-1]] and "Traceback" not in out.stderr
        # one line naming every stream above the ceiling (the analytics ones too)
        assert errors[-1].startswith("tap-tiktokshop: error: setting 'api_version': ")
        assert ("stream 'unsettled_transactions' needs API version 202507 or newer "
                "(GET /finance/202507/orders/unsettled)") in errors[-1]
        assert "stream 'live_performance' needs API version 202508 or newer" in errors[-1]
        assert errors[-1].endswith("but api_version is 202309: set api_version to 202508 or "
                                   "newer, or deselect the stream")
        assert '"type":"RECORD"' not in out.raw
        assert stats(sb) == {}  # refused before any call

        probe = subprocess.run([str(BIN / "tap-tiktokshop"), "--config",
                                str(write_json(tmp_path / "test.json", config)), "--test"],
                               capture_output=True, text=True, timeout=120, check=False)
        assert probe.returncode == 0, probe.stderr[-2000:]
        assert "skipping stream 'unsettled_transactions', which needs API version 202507" in (
            probe.stderr)
        assert "GET /finance/202507/orders/unsettled" not in stats(sb)
