"""Helpers of the reliability tests: sandboxes with distinctive secrets, subprocess runs,
tap output signatures, target input built from a sandbox dataset, figures for the report.

Figures measured by the tests (faults injected, kills survived, records lost, duplicates,
secrets scanned) are collected in ``FIGURES``; ``conftest`` prints them at the end of the
pytest run (section "reliability figures") and writes them as JSON to
``$RELIABILITY_FIGURES`` when that is set. ``RELIABILITY_FULL=1`` selects the long versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX
from tests.support.singer_io import (
    PRIMARY_KEYS,
    PROMOTION_KEYS,
    SingerOutput,
    analytics_keys,
    parse_singer,
)
from tiktokshop_sandbox import Sandbox, SandboxOptions

BIN = Path(sys.executable).parent
FULL = os.environ.get("RELIABILITY_FULL") == "1"
#: figures reported at the end of the run: {test area: {figure: value}}
FIGURES: dict[str, dict[str, Any]] = {}
#: fast retries: faults are retried in milliseconds (Retry-After: 1 still applies to 429)
FAST = {"retry_backoff_seconds": 0.02}


def record_figures(area: str, **values: Any) -> None:
    """Add figures to the end-of-run report."""
    FIGURES.setdefault(area, {}).update(values)


@contextmanager
def sandbox(**options: Any) -> Iterator[Sandbox]:
    """A started sandbox with the distinctive app secret and token prefix, and a week of
    analytics (these tests are about paging, tokens and faults: a week exercises the
    analytics streams, 60 days would only add calls)."""
    opts = SandboxOptions(**{"app_secret": APP_SECRET, "token_prefix": TOKEN_PREFIX,
                             "analytics_days": 7, **options})
    with Sandbox(opts) as sb:
        yield sb


def admin(sb: Sandbox, path: str, body: dict | None = None) -> Any:
    """Call a sandbox admin route (GET without a body, POST with one)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(sb.base_url + path, data=data,
                                     method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def plugin_config(sb: Sandbox, tmp: Path, name: str = "tap", **extra: Any) -> dict[str, Any]:
    """A plugin config for the sandbox with its own token store in ``tmp``."""
    return {**sb.config(), **FAST, "token_store_path": str(tmp / f"{name}-tokens.json"),
            **extra}


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def clean_env() -> dict[str, str]:
    """The environment for plugin subprocesses: no plugin settings or debug switches."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("TAP_TIKTOKSHOP", "TARGET_TIKTOKSHOP", "TIKTOKSHOP_"))
            and k not in ("LOGLEVEL", "SINGER_SDK_LOG_CONFIG")}


def run(args: list[str], *, stdin: str = "", timeout: float = 180,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a console script of this project to completion (bounded)."""
    return subprocess.run([str(BIN / args[0]), *args[1:]], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env={**clean_env(), **(env or {})},
                          check=False)


def error_lines(stderr: str, prog: str) -> list[str]:
    """Lines a user reads as errors: ``prog: error...`` lines and ERROR log lines."""
    return [line for line in stderr.splitlines()
            if line.startswith(f"{prog}: ") or "| ERROR " in line or "Traceback" in line]


def assert_one_error_line(stderr: str, prog: str, *fragments: str) -> str:
    """Exactly one error line, the last line, containing every fragment; no traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = error_lines(stderr, prog)
    assert len(errors) == 1, errors
    last = stderr.strip().splitlines()[-1]
    assert last == errors[0], (last, errors)
    assert last.startswith(f"{prog}: error: "), last
    for fragment in fragments:
        assert fragment in last, (fragment, last)
    return last


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.02) -> None:
    """Poll ``predicate`` until true (bounded)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


#: the field that dates each stream's records (derived rows carry their parent's)
TIME_FIELD = {"products": "update_time", "orders": "update_time", "returns": "update_time",
              "cancellations": "update_time", "product_skus": "product_update_time",
              "order_line_items": "order_update_time", "packages": "update_time",
              "package_orders": "package_update_time",
              "return_line_items": "return_update_time",
              "statements": "statement_time", "statement_transactions": "statement_time",
              "payments": "create_time", "withdrawals": "create_time"}
#: the incremental parent of each stream (derived rows follow their parent's bookmark)
BOOKMARK_STREAM = {"products": "products", "product_skus": "products", "orders": "orders",
                   "order_line_items": "orders", "returns": "returns",
                   "cancellations": "cancellations", "packages": "packages",
                   "package_orders": "packages", "return_line_items": "returns"}


def tap(config: dict[str, Any], tmp: Path, *, state: dict | None = None,
        args: tuple[str, ...] = (), timeout: float = 300) -> SingerOutput:
    """Run tap-tiktokshop to completion in a clean environment."""
    command = ["tap-tiktokshop", "--config", str(write_json(tmp / "tap-config.json", config)),
               *args]
    if state is not None:
        command += ["--state", str(write_json(tmp / "tap-state.json", state))]
    result = run(command, timeout=timeout)
    messages = parse_singer(result.stdout) if result.returncode == 0 else []
    return SingerOutput(messages, result.stderr, result.returncode, result.stdout)


def signature(stream: str, record: dict[str, Any]) -> tuple:
    """Primary key plus update time: what "the same output" means for a stream."""
    return (*(record.get(k) for k in PRIMARY_KEYS[stream]), record.get(TIME_FIELD.get(stream, "")))


def signatures(messages: list[dict[str, Any]]) -> dict[str, Counter]:
    """Per stream, how many times each (primary key, update time) was emitted."""
    out: dict[str, Counter] = {stream: Counter() for stream in PRIMARY_KEYS}
    for message in messages:
        if message.get("type") == "RECORD":
            out[message["stream"]][signature(message["stream"], message["record"])] += 1
    return out


def expected_signatures(dataset: dict[str, Any]) -> dict[str, set]:
    """What a complete sync of a sandbox dataset emits, as :func:`signature` sets."""
    out: dict[str, set] = {"shops": {(s["id"], None) for s in dataset["shops"]},
                           "warehouses": {(w["shop_id"], w["id"], None)
                                          for w in dataset["warehouses"]}}
    out["products"] = {(p["shop_id"], p["id"], p["update_time"]) for p in dataset["products"]}
    out["product_skus"] = {
        (p["shop_id"], p["id"], sku["id"], stock.get("warehouse_id") or "", p["update_time"])
        for p in dataset["products"] for sku in p.get("skus") or []
        for stock in (sku.get("inventory") or [{}])}
    out["orders"] = {(o["shop_id"], o["id"], o["update_time"]) for o in dataset["orders"]}
    out["order_line_items"] = {(o["shop_id"], o["id"], item["id"], o["update_time"])
                               for o in dataset["orders"] for item in o.get("line_items") or []}
    out["returns"] = {(r["shop_id"], r["return_id"], r["update_time"])
                      for r in dataset["returns"]}
    out["cancellations"] = {(c["shop_id"], c["cancel_id"], c["update_time"])
                            for c in dataset["cancellations"]}
    out["return_line_items"] = {(r["shop_id"], r["return_id"], line["return_line_item_id"],
                                 r["update_time"])
                                for r in dataset["returns"]
                                for line in r.get("return_line_items") or []}
    out["packages"] = {(p["shop_id"], p["package_id"], p["update_time"])
                       for p in dataset["packages"]}
    out["package_orders"] = {(p["shop_id"], p["package_id"], o["id"], p["update_time"])
                             for p in dataset["packages"] for o in p.get("orders") or []}
    # Finance streams re-read ``finance_lookback_days`` (not ``lookback_seconds``) before
    # their bookmarks, so they are not in BOOKMARK_STREAM: their repeats are not held to
    # the seconds of lookback checked for the other streams.
    statement_times = {(s["shop_id"], s["id"]): s["statement_time"]
                       for s in dataset["statements"]}
    out["statements"] = {(s["shop_id"], s["id"], s["statement_time"])
                         for s in dataset["statements"]}
    out["statement_transactions"] = {
        (t["shop_id"], t["statement_id"], t["id"],
         statement_times[(t["shop_id"], t["statement_id"])])
        for t in dataset["statement_transactions"]}
    out["payments"] = {(p["shop_id"], p["id"], p["create_time"]) for p in dataset["payments"]}
    out["withdrawals"] = {(w["shop_id"], w["id"], w["create_time"])
                          for w in dataset["withdrawals"]}
    out["unsettled_transactions"] = {(u["shop_id"], u["id"], None)
                                     for u in dataset["unsettled_transactions"]}
    # full-table and by-day streams: the key alone (the tap emits the ids as text)
    for stream, keys in PROMOTION_KEYS.items():
        out[stream] = {(*(str(row[k]) for k in keys), None) for row in dataset[stream]}
    for stream, rows in analytics_keys(dataset).items():
        out[stream] = {(*key, None) for key in rows}
    return out


def canonical_records(messages: list[dict[str, Any]]) -> dict[str, Counter]:
    """Per stream, the multiset of whole records (canonical JSON)."""
    out: dict[str, Counter] = {stream: Counter() for stream in PRIMARY_KEYS}
    for message in messages:
        if message.get("type") == "RECORD":
            out[message["stream"]][json.dumps(message["record"], sort_keys=True,
                                              default=str)] += 1
    return out


def bookmarks(state: dict[str, Any] | None) -> dict[tuple[str, str], int]:
    """``{(stream, shop_id): replication_key_value}`` of a tap STATE value."""
    out: dict[tuple[str, str], int] = {}
    for stream, entry in ((state or {}).get("bookmarks") or {}).items():
        for partition in entry.get("partitions") or []:
            value = partition.get("replication_key_value")
            if isinstance(value, int):
                out[(stream, str(partition["context"]["shop_id"]))] = value
    return out


def product_view(dataset: dict[str, Any]) -> dict[str, Any]:
    """The product fields the target writes, per product (no timestamps)."""
    view = {}
    for product in dataset["products"]:
        view[product["id"]] = {
            "status": product.get("status"),
            "title": product.get("title"),
            "description": product.get("description"),
            "skus": {sku["id"]: {
                "seller_sku": sku.get("seller_sku"),
                "price": (sku.get("price") or {}).get("sale_price"),
                "currency": (sku.get("price") or {}).get("currency"),
                "list_price": (sku.get("list_price") or {}).get("amount"),
                "inventory": {i["warehouse_id"]: i.get("quantity")
                              for i in sku.get("inventory") or []},
            } for sku in product.get("skus") or []},
        }
    return view


def target_input(dataset: dict[str, Any], *, inventory: int, prices: int, products: int,
                 invalid: bool = True) -> tuple[list[dict[str, Any]], dict[int, str | None]]:
    """Singer messages changing the given numbers of SKUs/products of a sandbox dataset.

    Returns the messages and ``{seq: None for a valid record, or a reason fragment}``.
    Changes are spread over every shop; every third inventory record names its SKU by
    ``seller_sku`` only. Values always differ from the current ones.
    """
    live = [p for p in dataset["products"] if p["status"] == "ACTIVATE" and p.get("skus")]
    live.sort(key=lambda p: (p["shop_id"], p["id"]))
    shops = sorted({p["shop_id"] for p in live})
    by_shop = {shop: [p for p in live if p["shop_id"] == shop] for shop in shops}
    spread = [by_shop[shops[i % len(shops)]][i // len(shops)]
              for i in range(min(len(live), 3 * max(inventory, prices, products)))
              if i // len(shops) < len(by_shop[shops[i % len(shops)]])]
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": s, "key_properties": [], "schema": {
            "type": "object", "properties": {}}} for s in ("inventory", "prices", "products")]
    expected: dict[int, str | None] = {}

    def add(stream: str, record: dict[str, Any], reason: str | None = None) -> None:
        messages.append({"type": "RECORD", "stream": stream, "record": record})
        expected[len(expected) + 1] = reason

    for n, product in enumerate(spread[:inventory]):
        sku = product["skus"][0]
        stock = sku.get("inventory") or []
        if n % 3 == 2 and len(stock) == 1:
            add("inventory", {"shop_id": product["shop_id"], "seller_sku": sku["seller_sku"],
                              "quantity": (stock[0].get("quantity") or 0) + 11 + n})
            continue
        record = {"shop_id": product["shop_id"], "product_id": product["id"],
                  "sku_id": sku["id"], "quantity": 5000 + n}
        if stock:
            record["warehouse_id"] = stock[0]["warehouse_id"]
        add("inventory", record)
    for n, product in enumerate(spread[inventory:inventory + prices]):
        sku = product["skus"][-1]
        # a change within the target's max_price_change_percent (80% by default)
        price = Decimal(sku["price"]["sale_price"]) * Decimal("1.2") + Decimal(n + 1) / 100
        add("prices", {"shop_id": product["shop_id"], "product_id": product["id"],
                       "sku_id": sku["id"], "amount": f"{price:.2f}",
                       "currency": sku["price"]["currency"]})
    for n, product in enumerate(spread[inventory + prices:inventory + prices + products]):
        if n % 2:
            add("products", {"shop_id": product["shop_id"], "product_id": product["id"],
                             "status": "SELLER_DEACTIVATED"})
        else:
            add("products", {"shop_id": product["shop_id"], "product_id": product["id"],
                             "title": f"Reliability title {n} ünïcödé ✓"})
    if invalid:
        first = spread[0]
        add("inventory", {"shop_id": first["shop_id"], "product_id": first["id"],
                          "sku_id": first["skus"][0]["id"], "quantity": -3},
            "quantity must be 0 or more")
        add("inventory", {"shop_id": first["shop_id"], "seller_sku": "NO-SUCH-SKU-42",
                          "quantity": 1}, "unknown seller_sku")
        add("prices", {"shop_id": first["shop_id"], "product_id": first["id"],
                       "sku_id": first["skus"][0]["id"], "amount": "3.00",
                       "currency": "XXX"}, "currency")
        add("inventory", {"shop_id": "999000999", "seller_sku": "X", "quantity": 1},
            "not authorized")
    messages.append({"type": "STATE", "value": {"bookmarks": {"reliability": {"n": 1}}}})
    return messages, expected


def lines(messages: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def read_results(path: Path) -> list[dict[str, Any]]:
    """Complete JSON lines of a results file (a torn last line after a kill is skipped)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out

