"""Contract drift: TikTok adds fields every month and leaves optional ones out.

A sandbox whose answers are altered in-process (``DriftingSandbox``) gives every order and
product an unknown top-level field and an unknown nested field, and leaves optional fields
out. The tap must succeed with every record, keep every field it knows, and name each
unknown field once in the log ("... which is not in the schema", from
``tap_tiktokshop/drift.py``): unknown top-level fields are dropped, nested ones kept.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from tests.support.reliability_kit import plugin_config, record_figures, tap
from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.singer_io import PRIMARY_KEYS, dataset_keys
from tiktokshop_sandbox import Sandbox, SandboxOptions
from tiktokshop_sandbox.context import Request, Response

#: (stream, list key in the answer, endpoint path pattern)
ALTERED = (("orders", "orders", re.compile(r"^/order/\d+/orders/search$")),
           ("returns", "return_orders", re.compile(r"^/return_refund/\d+/returns/search$")))
DROPPED_OPTIONAL = {"orders": ("buyer_message", "seller_note", "warehouse_id"),
                    "returns": (), "products": ("description", "external_product_id")}
PRODUCT_DETAIL = re.compile(r"^/product/\d+/products/\d+$")


class DriftingSandbox(Sandbox):
    """The sandbox, with next month's API: extra fields everywhere, optional ones missing."""

    drift = False

    def dispatch(self, req: Request) -> Response:
        resp = super().dispatch(req)
        payload = resp.payload
        if not self.drift or not isinstance(payload, dict) or payload.get("code") != 0:
            return resp
        data = payload.get("data")
        if not isinstance(data, dict):
            return resp
        for stream, key, pattern in ALTERED:
            if pattern.match(req.path):
                data = copy.deepcopy(data)  # never alter the dataset itself
                for item in data.get(key) or []:
                    _alter(stream, item)
        if PRODUCT_DETAIL.match(req.path):
            data = copy.deepcopy(data)
            _alter("products", data)
            for sku in data.get("skus") or []:
                sku["rlb_sku_badge"] = {"kind": "NEW", "since": 202601}
        return Response(resp.status, {**payload, "data": data}, resp.headers, resp.drop)


def _alter(stream: str, item: dict[str, Any]) -> None:
    item["rlb_new_top_level"] = {"added": "2026-01", "values": [1, 2, 3]}
    for name in DROPPED_OPTIONAL[stream]:
        item.pop(name, None)
    nested = {"orders": "payment", "products": "audit"}.get(stream)
    if nested and isinstance(item.get(nested), dict):
        item[nested]["rlb_new_nested"] = "2026-01"
    if stream == "returns":
        item["rlb_new_nested_list"] = [{"x": 1}]


def _without(record: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k not in names}
    for key in ("payment", "audit"):
        if isinstance(out.get(key), dict):
            out[key] = {k: v for k, v in out[key].items() if k != "rlb_new_nested"}
    if isinstance(out.get("skus"), list):
        out["skus"] = [{k: v for k, v in s.items() if k != "rlb_sku_badge"} for s in out["skus"]]
    return out


def test_unknown_and_missing_fields_are_tolerated_and_reported_once(tmp_path: Path) -> None:
    options = SandboxOptions(seed=58, shops=2, products=15, orders=120, app_secret=APP_SECRET,
                             token_prefix=TOKEN_PREFIX)
    with DriftingSandbox(options) as sb:
        config = plugin_config(sb, tmp_path)
        clean = tap(config, tmp_path)
        assert clean.returncode == 0, clean.stderr[-2000:]
        assert "not in the schema" not in clean.stderr  # the sandbox matches the schemas
        sb.drift = True
        drifted = tap(config, tmp_path)
        assert drifted.returncode == 0, drifted.stderr[-3000:]
        expected = dataset_keys(sb.dataset.dump())

    for stream in PRIMARY_KEYS:  # every record is there
        assert set(drifted.keys(stream, PRIMARY_KEYS[stream])) == expected[stream], stream
    for stream in ("orders", "returns", "products"):
        got = {tuple(r[k] for k in PRIMARY_KEYS[stream]): r for r in drifted.records(stream)}
        for record in clean.records(stream):
            key = tuple(record[k] for k in PRIMARY_KEYS[stream])
            drifted_record = got[key]
            assert "rlb_new_top_level" not in drifted_record  # unknown top level: dropped
            dropped = DROPPED_OPTIONAL[stream]
            assert _without(drifted_record, dropped) == _without(record, dropped), key
            for name in dropped:
                assert drifted_record.get(name) is None
    assert all(r["payment"]["rlb_new_nested"] == "2026-01"  # unknown nested: kept
               for r in drifted.records("orders"))
    assert all(s["rlb_sku_badge"] == {"kind": "NEW", "since": 202601}
               for r in drifted.records("products") if r["status"] not in ("FREEZE", "DELETED")
               for s in r["skus"])
    assert drifted.records("product_skus") == clean.records("product_skus")
    assert drifted.records("order_line_items") == clean.records("order_line_items")

    reports = Counter(re.findall(r"Stream '(\w+)': TikTok sent field '([^']+)', which is not in "
                                 r"the schema", drifted.stderr))
    wanted = {("orders", "rlb_new_top_level"), ("orders", "payment.rlb_new_nested"),
              ("returns", "rlb_new_top_level"), ("returns", "rlb_new_nested_list"),
              ("products", "rlb_new_top_level"), ("products", "audit.rlb_new_nested"),
              ("products", "skus[].rlb_sku_badge")}
    assert set(reports) == wanted, reports
    assert all(n == 1 for n in reports.values()), reports  # once per field, not per record
    assert not any(name in drifted.stderr for names in DROPPED_OPTIONAL.values()
                   for name in names)  # missing optional fields need no word
    assert "Traceback" not in drifted.stderr and "| ERROR " not in drifted.stderr
    record_figures("drift", records=sum(drifted.counts().values()),
                   unknown_fields_reported=len(reports), reports_per_field=1,
                   optional_fields_removed=sum(len(v) for v in DROPPED_OPTIONAL.values()))
    assert_no_secrets({"stdout": clean.raw + drifted.raw, "stderr": drifted.stderr,
                       "state": json.dumps(drifted.states())},
                      secrets_of(config, token_stores=[Path(config["token_store_path"])]),
                      prefixes=[TOKEN_PREFIX])
