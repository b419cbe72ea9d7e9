"""The main job, end to end: TikTok Shop -> Meltano -> DuckDB, then rows per table.

With TikTok credentials in the environment (TAP_TIKTOKSHOP_APP_KEY, TAP_TIKTOKSHOP_APP_SECRET
and TAP_TIKTOKSHOP_REFRESH_TOKEN, or the same names in .env) it syncs the real shops.
Without them it starts the local sandbox (a TikTok Shop API emulator on 127.0.0.1) and
syncs its shops, then checks that every row arrived. Then it builds the dbt models
(transform/) on the file, prints a summary from the marts and writes output/report.html.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANALYTICS = ("shop_performance_daily", "product_performance_daily", "sku_performance_daily",
             "video_performance_daily", "live_performance")
STREAM_TABLES = ("shops", "warehouses", "products", "product_skus", "orders",
                 "order_line_items", "returns", "return_line_items", "cancellations",
                 "packages", "package_orders", "statements", "statement_transactions",
                 "payments", "withdrawals", "unsettled_transactions",
                 "promotion_activities", "coupons", *ANALYTICS)
#: Streams whose sandbox list is flat in ``GET /sandbox/dataset``: rows = its length.
FLAT = ("statements", "statement_transactions", "payments", "withdrawals",
        "unsettled_transactions", "promotion_activities", "coupons", *ANALYTICS)


def has_credentials() -> bool:
    """True when TikTok credentials are set in the environment or in .env."""
    names = ("TAP_TIKTOKSHOP_APP_KEY", "TAP_TIKTOKSHOP_APP_SECRET")
    if all(os.environ.get(n) for n in names):
        return True
    env_file = ROOT / ".env"
    if env_file.exists():
        keys = {line.split("=", 1)[0].strip() for line in env_file.read_text().splitlines()
                if "=" in line and not line.lstrip().startswith("#")}
        return all(n in keys for n in names)
    return False


def sandbox_env(config: dict, workdir: Path) -> dict[str, str]:
    """Meltano settings for the sandbox, as TAP_TIKTOKSHOP_* environment variables."""
    env = {f"TAP_TIKTOKSHOP_{k.upper()}": (json.dumps(v) if isinstance(v, list) else str(v))
           for k, v in config.items()}
    env["TAP_TIKTOKSHOP_TOKEN_STORE_PATH"] = str(workdir / "tokens.json")
    # The demo sandbox serves analytics without a rate limit (below): a first run reads a
    # year of days per shop and analytics stream, minutes at TikTok's 1 request/s.
    env.setdefault("TAP_TIKTOKSHOP_RATE_LIMIT_QPS_ANALYTICS", "0")
    return env


def meltano_run(env: dict[str, str], duckdb_path: Path) -> None:
    """`meltano run tap-tiktokshop target-duckdb` (installs the plugins on first use)."""
    full_env = {**os.environ, **env, "TARGET_DUCKDB_FILEPATH": str(duckdb_path)}
    command = [str(BIN / "meltano"), "run", "tap-tiktokshop", "target-duckdb"]
    if env:  # sandbox: a fresh emulator each time, so start from scratch
        command.insert(2, "--full-refresh")
        full_env["MELTANO_ENVIRONMENT"] = "sandbox"
    print("$ " + " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=ROOT, env=full_env, check=False)
    if result.returncode != 0:
        sys.exit(f"demo: meltano run failed with exit code {result.returncode}")


def row_counts(duckdb_path: Path) -> dict[str, int]:
    """Rows per table in the DuckDB file."""
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema='tiktokshop'"
        ).fetchall()}
        return {t: con.execute(f'select count(*) from tiktokshop."{t}"').fetchone()[0]
                for t in STREAM_TABLES if t in tables}


def expected_counts(base_url: str) -> dict[str, int]:
    """Rows the sandbox holds, per stream (from its admin dataset route)."""
    with urllib.request.urlopen(f"{base_url}/sandbox/dataset", timeout=60) as resp:
        data = json.load(resp)
    skus = sum(max(1, len(s.get("inventory") or [])) for p in data["products"]
               for s in p.get("skus") or [])
    items = sum(len(o.get("line_items") or []) for o in data["orders"])
    return_lines = sum(len(r.get("return_line_items") or []) for r in data["returns"])
    package_orders = sum(len(p.get("orders") or []) for p in data["packages"])
    return {"shops": len(data["shops"]), "warehouses": len(data["warehouses"]),
            "products": len(data["products"]), "product_skus": skus,
            "orders": len(data["orders"]), "order_line_items": items,
            "returns": len(data["returns"]), "return_line_items": return_lines,
            "cancellations": len(data["cancellations"]), "packages": len(data["packages"]),
            "package_orders": package_orders, **{name: len(data[name]) for name in FLAT}}


def report(counts: dict[str, int], expected: dict[str, int] | None) -> int:
    """Print rows per table; non-zero when a sandbox count does not match."""
    print("\nRows landed in DuckDB (schema tiktokshop):")
    bad = 0
    for table in STREAM_TABLES:
        got = counts.get(table, 0)
        line = f"  {table:<26} {got:>7}"
        if expected is not None:
            want = expected[table]
            line += f"  (sandbox holds {want}: {'ok' if got == want else 'MISMATCH'})"
            bad += got != want
        print(line)
    return 1 if bad else 0


def build_models(duckdb_path: Path) -> int:
    """`meltano run dbt-duckdb:build` (installs dbt on first use) on the file just synced
    (transform/, README: "Models"), then the summary from the marts and output/report.html."""
    command = [str(BIN / "meltano"), "run", "dbt-duckdb:build"]
    print("\n$ " + " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=ROOT, check=False,
                            env={**os.environ, "DBT_DUCKDB_PATH": str(duckdb_path)})
    if result.returncode != 0:
        print(f"demo: dbt build failed with exit code {result.returncode}", file=sys.stderr)
        return 1
    from report import write_report  # scripts/report.py, beside this file

    html = ROOT / "output" / "report.html"
    print("\nSummary (dbt marts, schema analytics):")
    for line in write_report(duckdb_path, html):
        print("  " + line)
    print(f"Report: {html.relative_to(ROOT)} (open it in a browser)")
    return 0


def main() -> int:
    """Run the demo."""
    output = ROOT / "output"
    output.mkdir(exist_ok=True)
    if has_credentials():
        duckdb_path = output / "tiktokshop.duckdb"
        print("demo: TikTok credentials found: syncing your shops")
        meltano_run({}, duckdb_path)
        return report(row_counts(duckdb_path), None) or build_models(duckdb_path)

    from tiktokshop_sandbox import Sandbox, SandboxOptions

    print("demo: no TikTok credentials set: starting the local sandbox (TikTok Shop API "
          "emulator on 127.0.0.1)")
    duckdb_path = output / "sandbox.duckdb"
    duckdb_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(
            SandboxOptions(seed=1, analytics_rate_limit_qps=0)) as sandbox:
        meltano_run(sandbox_env(sandbox.config(), Path(tmp)), duckdb_path)
        counted = report(row_counts(duckdb_path), expected_counts(sandbox.base_url))
    return counted or build_models(duckdb_path)


if __name__ == "__main__":
    sys.exit(main())
