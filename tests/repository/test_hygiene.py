"""What is committed: no stray files, nothing big that is not reference data or a fixture.

A 194 KB benchmark trace was once committed as a file named ``--config`` (a command's
option taken for an output path). These checks keep that from happening again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 100 * 1024
#: Large files that are meant to be committed: OpenAPI-derived data and test fixtures.
BIG_ALLOWED = ("tools/openapi/", "tiktokshop/openapi/", "/fixtures/")


def committed_files() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                          check=True, timeout=60)
    return [name for name in done.stdout.decode().split("\0") if name]


def test_no_file_at_the_root_is_named_like_an_option() -> None:
    stray = [name for name in committed_files() if name.split("/")[0].startswith("-")]
    assert stray == [], f"committed files named like command-line options: {stray}"
    on_disk = [p.name for p in ROOT.iterdir() if p.name.startswith("-")]
    assert on_disk == [], f"files named like command-line options at the root: {on_disk}"


def test_no_big_committed_file_outside_reference_data_and_fixtures() -> None:
    big = []
    for name in committed_files():
        path = ROOT / name
        if path.is_file() and path.stat().st_size > MAX_BYTES \
                and not any(part in "/" + name for part in BIG_ALLOWED):
            big.append(f"{name} ({path.stat().st_size // 1024} KB)")
    assert big == [], f"committed files over 100 KB (scratch output goes to ignored paths): {big}"
