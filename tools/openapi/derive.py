"""Derive the project's JSON schemas from the TikTok Shop OpenAPI snapshot.

Usage (from the repository root)::

    .venv/bin/python -m tools.openapi.derive [SNAPSHOT_DIR] [--check]

``SNAPSHOT_DIR`` defaults to ``../shared/reference/openapi`` (relative to the repository
root); it holds the OpenAPI 3.0 path files of the npm package ``@tts-open-toolkit/cli``
(MIT). The script writes, deterministically (sorted keys, indent 1, trailing newline):

* ``tools/openapi/endpoints.json``: request/response shapes of the endpoints the
  project uses, with every prose keyword (``description``, ``summary``, ``example(s)``,
  ``title``) stripped: only structural JSON Schema keywords are kept;
* ``tap_tiktokshop/schemas/<stream>.json``: the Singer stream schemas built from
  ``endpoints.json`` by :mod:`tools.openapi.stream_schemas`.

``--check`` writes nothing and exits 1 when a generated file differs from what is on
disk. The project never reads the snapshot at run time: only the generated files ship.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tools.openapi import stream_schemas
from tools.openapi.analytics_schemas import ANALYTICS_ENDPOINTS
from tools.openapi.promotion_schemas import PROMOTION_ENDPOINTS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SNAPSHOT = REPO_ROOT.parent / "shared" / "reference" / "openapi"
ENDPOINTS_FILE = Path(__file__).resolve().parent / "endpoints.json"
STREAM_SCHEMA_DIR = REPO_ROOT / "tap_tiktokshop" / "schemas"

ENDPOINTS: tuple[str, ...] = (
    "GET /authorization/202309/shops",
    "GET /logistics/202309/warehouses",
    "POST /product/202309/products/search",
    "POST /product/202312/products/search",
    "POST /product/202502/products/search",
    "GET /product/202309/products/{product_id}",
    "POST /product/202309/products/{product_id}/inventory/update",
    "POST /product/202309/products/{product_id}/prices/update",
    "POST /product/202309/products/activate",
    "POST /product/202309/products/deactivate",
    "POST /product/202309/products/{product_id}/partial_edit",
    "POST /product/202509/products/{product_id}/partial_edit",
    "POST /product/202309/inventory/search",
    "POST /order/202309/orders/search",
    "GET /order/202309/orders",
    "GET /order/202507/orders",
    "POST /return_refund/202309/returns/search",
    "POST /return_refund/202309/cancellations/search",
    "GET /finance/202309/statements",
    "GET /finance/202309/statements/{statement_id}/statement_transactions",
    "GET /finance/202501/statements/{statement_id}/statement_transactions",
    "GET /finance/202309/payments",
    "GET /finance/202309/withdrawals",
    "GET /finance/202507/orders/unsettled",
    "POST /fulfillment/202309/packages/search",
    "GET /fulfillment/202309/packages/{package_id}",
    "GET /logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
    "POST /fulfillment/202309/packages/{package_id}/ship",
    "POST /fulfillment/202309/packages/ship",
    "POST /fulfillment/202309/orders/{order_id}/packages",
    "POST /fulfillment/202309/packages/{package_id}/shipping_info/update",
    # analytics (the daily performance streams): every version the tap calls
    *ANALYTICS_ENDPOINTS,
    # promotions (Search/Get Activity, Search/Get Coupon)
    *PROMOTION_ENDPOINTS,
)
# Endpoints that are derived when the snapshot has them, without failing otherwise.
OPTIONAL_ENDPOINTS = frozenset({"POST /product/202509/products/{product_id}/partial_edit"})

# Structural keywords kept from the snapshot; everything else (prose, examples,
# vendor extensions) is dropped.
KEPT_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "properties",
        "items",
        "enum",
        "required",
        "nullable",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
    }
)
SNAPSHOT_INDEX = "index.json"
_SOURCE_RE = re.compile(r"npm package `(?P<package>[^`]+)` version (?P<version>[0-9][\w.+-]*)")
_LICENSE_RE = re.compile(r"\(license (?P<license>[A-Za-z0-9.-]+)\)")


def strip_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of an OpenAPI schema object with only the structural keywords."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in KEPT_KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: strip_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = strip_schema(value)
        else:
            out[key] = value
    return out


def load_paths(snapshot_dir: Path) -> dict[str, dict[str, Any]]:
    """Merge the ``paths`` objects of every split file of the snapshot."""
    paths: dict[str, dict[str, Any]] = {}
    for file in sorted(snapshot_dir.glob("*.json")):
        if file.name == SNAPSHOT_INDEX:
            continue
        document = json.loads(file.read_text(encoding="utf-8"))
        for path, operations in document.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
    return paths


def read_source(snapshot_dir: Path) -> dict[str, str]:
    """Package name, version and licence of the snapshot, plus the OpenAPI versions."""
    readme = (snapshot_dir / "README.md").read_text(encoding="utf-8")
    found = _SOURCE_RE.search(readme)
    if found is None:
        raise ValueError(f"cannot find the snapshot package and version in {snapshot_dir}")
    source = {"package": found["package"], "version": found["version"]}
    licence = _LICENSE_RE.search(readme)
    if licence is not None:
        source["license"] = licence["license"]
    index = json.loads((snapshot_dir / SNAPSHOT_INDEX).read_text(encoding="utf-8"))
    source["openapi"] = str(index.get("openapi", ""))
    source["info_version"] = str(index.get("info", {}).get("version", ""))
    return source


def _json_schema(content: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Stripped schema of the ``application/json`` entry of a content map, if any."""
    media = (content or {}).get("application/json")
    if media is None or "schema" not in media:
        return None
    return strip_schema(media["schema"])


def derive_operation(operation: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters, request body and 200 response of one OpenAPI operation."""
    query: dict[str, Any] = {}
    path_params: list[str] = []
    headers: list[str] = []
    for param in operation.get("parameters", []):
        name, where = param["name"], param["in"]
        if where == "query":
            query[name] = {
                "required": bool(param.get("required", False)),
                "schema": strip_schema(param.get("schema", {})),
            }
        elif where == "path":
            path_params.append(name)
        elif where == "header":
            headers.append(name)
    body = operation.get("requestBody")
    ok = operation.get("responses", {}).get("200", {})
    return {
        "query": query,
        "path_params": path_params,
        "headers": headers,
        "request_body": _json_schema(body.get("content")) if body else None,
        "response": _json_schema(ok.get("content")),
    }


def derive_endpoints(
    snapshot_dir: Path, wanted: Iterable[str] = ENDPOINTS
) -> tuple[dict[str, Any], list[str]]:
    """Return the ``endpoints.json`` document and the wanted keys the snapshot lacks."""
    paths = load_paths(snapshot_dir)
    document: dict[str, Any] = {"_source": read_source(snapshot_dir)}
    missing: list[str] = []
    for key in wanted:
        method, path = key.split(" ", 1)
        operation = paths.get(path, {}).get(method.lower())
        if operation is None:
            missing.append(key)
            continue
        document[key] = derive_operation(operation)
    return document, missing


def render_json(document: Any) -> str:
    """The one serialisation used for every generated file (byte-stable)."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def generated_files(snapshot_dir: Path) -> tuple[dict[Path, str], list[str]]:
    """Every generated file (path -> text) and the wanted endpoints that are missing."""
    document, missing = derive_endpoints(snapshot_dir)
    files = {ENDPOINTS_FILE: render_json(document)}
    streams = stream_schemas.build_stream_schemas(document)
    for name, schema in streams.items():
        files[STREAM_SCHEMA_DIR / f"{name}.json"] = render_json(schema)
    return files, missing


def _outdated(files: Mapping[Path, str]) -> list[Path]:
    return [
        path
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def _write(files: Mapping[Path, str]) -> None:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        print(f"wrote {path.relative_to(REPO_ROOT)} ({len(text.encode())} bytes)")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "snapshot",
        nargs="?",
        type=Path,
        default=DEFAULT_SNAPSHOT,
        help="folder of the OpenAPI snapshot (default: ../shared/reference/openapi)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a generated file is missing or out of date",
    )
    parser.add_argument(
        "--money",
        action="store_true",
        help="write nothing; list the amounts of money each stream gets a <name>_value for",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    snapshot = args.snapshot.resolve()
    if not snapshot.is_dir():
        print(f"snapshot folder not found: {snapshot}", file=sys.stderr)
        return 2
    if args.money:
        document, _ = derive_endpoints(snapshot)
        for stream, fields in stream_schemas.money_report(document).items():
            print(f"{stream}: {', '.join(fields) or '-'}")
        return 0
    files, missing = generated_files(snapshot)
    for key in missing:
        level = "note" if key in OPTIONAL_ENDPOINTS else "error"
        print(f"{level}: endpoint missing from the snapshot: {key}", file=sys.stderr)
    if any(key not in OPTIONAL_ENDPOINTS for key in missing):
        return 2
    if args.check:
        stale = _outdated(files)
        for path in stale:
            print(f"out of date: {path.relative_to(REPO_ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    _write(files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
