"""The built wheel carries the plugins, the client and the sandbox, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = {"tiktokshop", "tiktokshop_singer", "tiktokshop_sandbox", "tap_tiktokshop",
                    "target_tiktokshop"}


def test_wheel_holds_the_runtime_packages_and_only_the_schemas_they_load(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        (".dist-info", ".data"))}
    assert tops == RUNTIME_PACKAGES
    data = [name for name in names if name.endswith(".json")]
    assert data and all(name.startswith("tap_tiktokshop/schemas/") for name in data), data
    assert not [name for name in names if "openapi" in name or "derive" in name]
    for package in RUNTIME_PACKAGES:
        assert f"{package}/__init__.py" in names
