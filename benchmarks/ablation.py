"""What each CPU optimisation of the tap is worth: the orders backfill with one undone.

    .venv/bin/python -m benchmarks.ablation [--orders 20000] [--runs 3]

Runs the tap (orders only, like scenario 2) on one sandbox with every optimisation,
then with each one undone in turn (the code as it was, taken from ``git show HEAD:`` for
the record walk and the drift check), interleaved, and prints the median CPU seconds of
each variant next to the bare-script floor. ``python -m benchmarks.ablation tap VARIANT
ARGS...`` is the tap entry point it runs for one variant.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from benchmarks.harness import PYTHON, ROOT, SandboxProcess, Tap, run_measured, write_json

VARIANTS = {
    "all": "every optimisation",
    "sdk-prune": "SDK's record message path (pruning walk) again",
    "sdk-conform": "SDK's ROOT_ONLY conformance again (and its message path)",
    "old-iso-walk": "add_iso_times and iso_utc as before (HEAD)",
    "old-drift": "drift check as before (HEAD)",
    "line-items-built": "line-item rows built even when the stream is not selected",
    "netrc": "requests looks for ~/.netrc on every call again",
}


def _module_from_head(path: str, name: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, check=True,  # noqa: S603, S607
                            capture_output=True, text=True).stdout
    module = types.ModuleType(name)
    exec(compile(source, f"HEAD:{path}", "exec"), module.__dict__)  # noqa: S102 - our own code
    return module


def undo(variant: str) -> None:
    """Put one optimisation back to how it was (in this process)."""
    from singer_sdk import Stream
    from singer_sdk.helpers.conform import TypeConformanceLevel

    from tap_tiktokshop import client, streams
    from tiktokshop import transport

    if variant in ("sdk-prune", "sdk-conform"):
        client.TikTokShopStream._generate_record_messages = Stream._generate_record_messages
    if variant == "sdk-conform":
        client.TikTokShopStream.TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY
        client.TikTokShopStream.conform = lambda self, row: row
    if variant == "old-iso-walk":
        client.add_iso_times = _module_from_head("tap_tiktokshop/records.py",
                                                 "old_records").add_iso_times
    if variant == "old-drift":
        client.DriftReporter = _module_from_head("tap_tiktokshop/drift.py",
                                                 "old_drift").DriftReporter
    if variant == "line-items-built":
        def transform(self, shop, record):  # type: ignore[no-untyped-def]
            self.line_items.emit(streams.order_line_item_rows(shop.id, record))
            return record

        streams.OrdersStream.transform = transform
    if variant == "netrc":
        original_new = transport.TikTokShopClient._new_session.__func__

        def new_session(cls, pool_size):  # type: ignore[no-untyped-def]
            session = original_new(cls, pool_size)
            session.auth = None
            return session

        transport.TikTokShopClient._new_session = classmethod(new_session)


def tap_main(argv: list[str]) -> None:
    undo(argv[0])
    sys.argv = ["tap-tiktokshop", *argv[1:]]
    from tap_tiktokshop.tap import main

    main()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "tap":
        tap_main(args[1:])
        return 0
    parser = argparse.ArgumentParser(prog="benchmarks.ablation")
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", choices=sorted(VARIANTS))
    opts = parser.parse_args(args)
    variants = ["all", *(opts.only or [v for v in VARIANTS if v != "all"])]
    workdir = Path(tempfile.mkdtemp(prefix="ablation-"))
    sandbox = SandboxProcess(workdir, "ablation", seed=2, shops=1, products=200,
                             orders=opts.orders, latency_ms=0, rate_limit_qps=0).start()
    try:
        config = {**sandbox.config(), "rate_limit_qps": 0,
                  "token_store_path": str(workdir / "tokens.json")}
        config_path = write_json(workdir / "tap.json", config)
        catalog = Tap(workdir).catalog(config_path, {"orders"})
        cpu: dict[str, list[float]] = {name: [] for name in ["floor", *variants]}
        for run in range(opts.runs):
            floor = run_measured([PYTHON, "-m", "benchmarks.floor_orders",
                                  str(write_json(workdir / "floor.json", sandbox.config()))],
                                 stderr_path=workdir / "floor.stderr").check("floor")
            cpu["floor"].append(floor.cpu)
            for name in variants:
                done = run_measured(
                    [PYTHON, "-m", "benchmarks.ablation", "tap", name, "--config",
                     str(config_path), "--catalog", str(catalog)],
                    stderr_path=workdir / f"{name}.stderr").check(name)
                cpu[name].append(done.cpu)
            sys.stdout.write(f"run {run + 1}/{opts.runs} done\n")
            sys.stdout.flush()
    finally:
        sandbox.stop()
    base = statistics.median(cpu["all"])
    floor_cpu = statistics.median(cpu["floor"])
    lines = [f"orders: {opts.orders:,}; median CPU seconds of {opts.runs} runs",
             f"{'variant':<18} {'CPU s':>7} {'vs all':>8} {'x floor':>8}  what",
             f"{'floor':<18} {floor_cpu:7.2f} {'':>8} {1:8.2f}  bare script, same calls"]
    for name in variants:
        value = statistics.median(cpu[name])
        lines.append(f"{name:<18} {value:7.2f} {value - base:+8.2f} {value / floor_cpu:8.2f}"
                     f"  {VARIANTS[name]}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
