"""Write the literal path segments of the whole OpenAPI snapshot for the sandbox's router.

``/product/202405/products/diagnoses`` is an endpoint of its own, not Get Product with
the id ``diagnoses``: the sandbox's router refuses to take a segment that is a literal
anywhere in TikTok's API for an id placeholder. The list is derived from the snapshot::

    .venv/bin/python -m tools.openapi.path_literals [SNAPSHOT_DIR] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.openapi.derive import DEFAULT_SNAPSHOT, REPO_ROOT

TARGET = REPO_ROOT / "tiktokshop_sandbox" / "path_literals.py"
HEADER = '''"""Literal path segments (after the version) of every TikTok Shop API path.

Generated from the OpenAPI snapshot by ``python -m tools.openapi.path_literals``; do not
edit. The router never takes one of these for an id placeholder.
"""

PATH_LITERALS = frozenset({
'''


def literals(snapshot: Path) -> list[str]:
    """Every literal segment after ``/{category}/{version}/`` in the snapshot's paths."""
    found: set[str] = set()
    for spec in sorted(snapshot.glob("*.json")):
        for path in (json.loads(spec.read_text(encoding="utf-8")).get("paths") or {}):
            found.update(s for s in path.strip("/").split("/")[2:] if not s.startswith("{"))
    return sorted(found)


def render(names: list[str]) -> str:
    lines, line = [], "   "
    for name in names:
        item = f' "{name}",'
        if len(line) + len(item) > 96:
            lines.append(line)
            line = "   "
        line += item
    lines.append(line)
    return HEADER + "\n".join(lines) + "\n})\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("snapshot", nargs="?", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render(literals(args.snapshot))
    if args.check:
        stale = TARGET.read_text(encoding="utf-8") != text
        if stale:
            print(f"out of date: {TARGET.relative_to(REPO_ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
