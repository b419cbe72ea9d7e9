"""Running the plugins as real subprocesses and reading their Singer output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


@contextmanager
def bounded(proc: subprocess.Popen, seconds: float) -> Iterator[subprocess.Popen]:
    """Kill ``proc`` after ``seconds`` whatever happens; on the way out make sure it is
    gone and close its stdout (a test never waits on a stuck child for ever)."""
    watchdog = threading.Timer(seconds, proc.kill)
    watchdog.start()
    try:
        yield proc
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
# Distinctive secret values: no test output may ever contain them.
APP_SECRET = "SANDBOX-APP-SECRET-7f3b9c1e5a"


@dataclass
class SingerOutput:
    """Parsed stdout of a tap."""

    messages: list[dict[str, Any]]
    stderr: str = ""
    returncode: int = 0
    raw: str = field(default="", repr=False)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"] for m in self.messages
                if m.get("type") == "RECORD" and m.get("stream") == stream]

    def counts(self) -> Counter:
        return Counter(m["stream"] for m in self.messages if m.get("type") == "RECORD")

    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    def keys(self, stream: str, key_props: list[str]) -> list[tuple]:
        return [tuple(r.get(k) for k in key_props) for r in self.records(stream)]


def parse_singer(text: str) -> list[dict[str, Any]]:
    """Every line must be a Singer message (stdout carries nothing else).

    Lines end at "\n" only, as Singer readers split them: the tap writes text as UTF-8,
    and ``str.splitlines`` would also split inside strings at U+2028, U+2029 and U+0085.
    """
    messages = []
    for line in text.split("\n"):
        if line.strip():
            message = json.loads(line)
            assert message.get("type") in {"SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION",
                                           "BATCH"}, line[:200]
            messages.append(message)
    return messages


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def run_tap(config: dict[str, Any], tmp: Path, *, state: dict | None = None,
            args: tuple[str, ...] = (), timeout: float = 300,
            env: dict[str, str] | None = None) -> SingerOutput:
    """Run tap-tiktokshop to completion."""
    command = [str(BIN / "tap-tiktokshop"), "--config", str(write_json(tmp / "config.json",
                                                                       config)), *args]
    if state is not None:
        command += ["--state", str(write_json(tmp / "state.json", state))]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})}, check=False)
    messages = parse_singer(result.stdout) if result.returncode == 0 else []
    return SingerOutput(messages, result.stderr, result.returncode, result.stdout)


def dataset_keys(dataset: dict[str, list[dict]]) -> dict[str, set[tuple]]:
    """Primary keys the sandbox holds, per tap stream."""
    skus = set()
    for product in dataset["products"]:
        for sku in product.get("skus") or []:
            warehouses = [i.get("warehouse_id") for i in sku.get("inventory") or []] or [""]
            for warehouse in warehouses:
                skus.add((product["shop_id"], product["id"], sku["id"], warehouse))
    items = {(o["shop_id"], o["id"], li["id"]) for o in dataset["orders"]
             for li in o.get("line_items") or []}
    return {
        "shops": {(s["id"],) for s in dataset["shops"]},
        "warehouses": {(w["shop_id"], w["id"]) for w in dataset["warehouses"]},
        "products": {(p["shop_id"], p["id"]) for p in dataset["products"]},
        "product_skus": skus,
        "orders": {(o["shop_id"], o["id"]) for o in dataset["orders"]},
        "order_line_items": items,
        "returns": {(r["shop_id"], r["return_id"]) for r in dataset["returns"]},
        "cancellations": {(c["shop_id"], c["cancel_id"]) for c in dataset["cancellations"]},
        "return_line_items": {(r["shop_id"], r["return_id"], line["return_line_item_id"])
                              for r in dataset["returns"]
                              for line in r.get("return_line_items") or []},
        "packages": {(p["shop_id"], p["package_id"]) for p in dataset["packages"]},
        "package_orders": {(p["shop_id"], p["package_id"], o["id"])
                           for p in dataset["packages"] for o in p.get("orders") or []},
        **finance_keys(dataset),
        **{stream: {tuple(str(row[k]) for k in keys) for row in dataset[stream]}
           for stream, keys in PROMOTION_KEYS.items()},
        **analytics_keys(dataset),
    }


#: The analytics streams' keys. The sandbox's lists have the streams' names and the API's
#: fields: the tap's ``product_id``/``sku_id``/``video_id``/``live_id`` is the item's ``id``.
ANALYTICS_KEYS = {"shop_performance_daily": ["shop_id", "date"],
                  "product_performance_daily": ["shop_id", "product_id", "date"],
                  "sku_performance_daily": ["shop_id", "sku_id", "date"],
                  "video_performance_daily": ["shop_id", "video_id", "date"],
                  "live_performance": ["shop_id", "live_id"]}
ANALYTICS_IDS = frozenset({"product_id", "sku_id", "video_id", "live_id"})


def analytics_keys(dataset: dict[str, list[dict]]) -> dict[str, set[tuple]]:
    """Primary keys of the analytics streams the sandbox holds (as text, like the tap)."""
    return {stream: {tuple(str(row["id" if k in ANALYTICS_IDS else k]) for k in keys)
                     for row in dataset[stream]}
            for stream, keys in ANALYTICS_KEYS.items()}


#: The promotion streams' keys (the sandbox's lists have the same names and key fields).
PROMOTION_KEYS = {"promotion_activities": ["shop_id", "activity_id"],
                  "coupons": ["shop_id", "id"]}
FINANCE_KEYS = {"statements": ["shop_id", "id"],
                "statement_transactions": ["shop_id", "statement_id", "id"],
                "payments": ["shop_id", "id"], "withdrawals": ["shop_id", "id"],
                "unsettled_transactions": ["shop_id", "id"]}


def finance_keys(dataset: dict[str, list[dict]]) -> dict[str, set[tuple]]:
    """Primary keys of the finance streams the sandbox holds (its lists have the names and
    the key fields of the streams)."""
    return {stream: {tuple(str(row[k]) for k in keys) for row in dataset[stream]}
            for stream, keys in FINANCE_KEYS.items()}


PRIMARY_KEYS = {
    "shops": ["shop_id"], "warehouses": ["shop_id", "id"], "products": ["shop_id", "id"],
    "product_skus": ["shop_id", "product_id", "sku_id", "warehouse_id"],
    "orders": ["shop_id", "id"], "order_line_items": ["shop_id", "order_id", "id"],
    "returns": ["shop_id", "return_id"], "cancellations": ["shop_id", "cancel_id"],
    "return_line_items": ["shop_id", "return_id", "return_line_item_id"],
    "packages": ["shop_id", "package_id"], "package_orders": ["shop_id", "package_id", "order_id"],
    **FINANCE_KEYS,
    **PROMOTION_KEYS,
    **ANALYTICS_KEYS,
}


def grouped(keys: list[tuple]) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for key in keys:
        out[key] += 1
    return out
