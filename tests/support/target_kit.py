"""Helpers for the target tests: Singer input, running the target, reading results."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from target_tiktokshop.target import TargetTikTokShop

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parents[1] / "target" / "fixtures"
# Distinctive secrets: no output of any test may contain them.
APP_SECRET = "TGT-APP-SECRET-c0ffee-5e7a1b"

INVENTORY_SCHEMA = {
    "type": "object",
    "properties": {
        "shop_id": {"type": ["string", "null"]},
        "product_id": {"type": ["string", "null"]},
        "sku_id": {"type": ["string", "null"]},
        "seller_sku": {"type": ["string", "null"]},
        "warehouse_id": {"type": ["string", "null"]},
        "quantity": {"type": ["integer", "null"]},
    },
}
PRICES_SCHEMA = {
    "type": "object",
    "properties": {
        "shop_id": {"type": ["string", "null"]},
        "product_id": {"type": ["string", "null"]},
        "sku_id": {"type": ["string", "null"]},
        "seller_sku": {"type": ["string", "null"]},
        "amount": {"type": ["string", "number", "null"]},
        "currency": {"type": ["string", "null"]},
        "list_price_amount": {"type": ["string", "number", "null"]},
    },
}
PRODUCTS_SCHEMA = {
    "type": "object",
    "properties": {
        "shop_id": {"type": ["string", "null"]},
        "product_id": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
    },
}
SCHEMAS = {"inventory": INVENTORY_SCHEMA, "prices": PRICES_SCHEMA, "products": PRODUCTS_SCHEMA}


def schema(stream: str, schema_of: str | None = None, keys: list[str] | None = None) -> dict:
    """A SCHEMA message (``schema_of`` picks the JSON schema of another stream)."""
    return {"type": "SCHEMA", "stream": stream, "schema": SCHEMAS[schema_of or stream],
            "key_properties": keys or []}


def record(stream: str, **fields: Any) -> dict:
    return {"type": "RECORD", "stream": stream, "record": fields}


def state(value: dict) -> dict:
    return {"type": "STATE", "value": value}


def lines(messages: list[dict]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def render_fixture(name: str, ids: dict[str, str]) -> str:
    """A ``fixtures/<name>.singer`` file with ``${NAME}`` placeholders filled in."""
    text = (FIXTURES / f"{name}.singer").read_text(encoding="utf-8")
    for key, value in ids.items():
        text = text.replace("${" + key + "}", value)
    assert "${" not in text, f"unfilled placeholder in {name}.singer"
    return text


@dataclass
class Run:
    """Output of one target run."""

    returncode: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]]
    error: BaseException | None = None

    @property
    def states(self) -> list[dict]:
        """State values on stdout (a Singer target writes each as a bare JSON line)."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def by_seq(self) -> dict[int, dict[str, Any]]:
        return {line["seq"]: line for line in self.results}

    def outcomes(self) -> list[str]:
        return [line["outcome"] for line in sorted(self.results, key=lambda r: r["seq"])]


def read_results(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def run_subprocess(config: dict[str, Any], messages: list[dict] | str, tmp: Path,
                   *, timeout: float = 60) -> Run:
    """Run ``target-tiktokshop --config`` as a real process with Singer input on stdin."""
    config_path = tmp / f"config-{os.getpid()}-{len(list(tmp.iterdir()))}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_TIKTOKSHOP_")}
    env.pop("TIKTOKSHOP_DEBUG", None)
    proc = subprocess.run(
        [str(BIN / "target-tiktokshop"), "--config", str(config_path)],
        input=messages if isinstance(messages, str) else lines(messages),
        capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr,
               read_results(Path(config["results_path"])))


def run_inprocess(config: dict[str, Any], messages: list[dict] | str,
                  target_class: type[TargetTikTokShop] = TargetTikTokShop) -> Run:
    """Run the target in this process (faster; errors are returned, not printed)."""
    target = target_class(config=dict(config), validate_config=True)
    out, err = io.StringIO(), io.StringIO()
    error: BaseException | None = None
    text = messages if isinstance(messages, str) else lines(messages)
    with redirect_stdout(out), redirect_stderr(err):
        try:
            target.listen(io.StringIO(text))
        except Exception as exc:
            error = exc
    return Run(0 if error is None else 1, out.getvalue(), err.getvalue(),
               read_results(Path(config["results_path"])), error)


def admin(base_url: str, path: str, body: dict | None = None) -> Any:
    """Call a sandbox admin route (loopback only)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def dataset(base_url: str) -> dict[str, Any]:
    return admin(base_url, "/sandbox/dataset")


def stats(base_url: str) -> dict[str, dict[str, int]]:
    return admin(base_url, "/sandbox/stats")["endpoints"]


def calls_to(base_url: str, fragment: str) -> int:
    """Requests whose endpoint template contains ``fragment`` (all outcomes)."""
    return sum(sum(outcomes.values()) for endpoint, outcomes in stats(base_url).items()
               if fragment in endpoint)


def products_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in data["products"]}


def pick(data: dict[str, Any], *, shop: int = 0, status: str = "ACTIVATE", skus: int = 1,
         warehouses: int | None = None, skip: int = 0) -> dict[str, Any]:
    """A product of the given shop with at least ``skus`` SKUs (and exactly ``warehouses``
    warehouses per SKU when given); ``skip`` picks a later match."""
    shop_id = data["shops"][shop]["id"]
    matches = [
        p for p in data["products"]
        if p["shop_id"] == shop_id and p["status"] == status and len(p["skus"]) >= skus
        and (warehouses is None or len(p["skus"][0]["inventory"]) == warehouses)
    ]
    assert len(matches) > skip, "the seeded dataset has no such product"
    return matches[skip]
