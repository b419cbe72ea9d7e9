"""The API client (``tiktokshop``) works without the Singer SDK."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Runs in a fresh interpreter where importing singer_sdk fails, as if it were not installed.
PROBE = textwrap.dedent("""
    import importlib, pkgutil, sys

    class NoSinger:
        def find_spec(self, name, path=None, target=None):
            if name == "singer_sdk" or name.startswith("singer_sdk."):
                raise ImportError(f"singer_sdk is not installed (blocked: {name})")
            return None

    sys.meta_path.insert(0, NoSinger())
    import tiktokshop
    names = ["tiktokshop"] + [m.name for m in pkgutil.walk_packages(
        tiktokshop.__path__, "tiktokshop.")]
    for name in names:
        importlib.import_module(name)
    assert "singer_sdk" not in sys.modules, "singer_sdk was imported"
    print(len(names))
""")


def test_every_client_module_imports_without_singer_sdk() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) >= 15  # every module was walked, not just the package


def test_the_probe_notices_a_singer_import() -> None:
    """The blocker is real: a module that imports singer_sdk fails under it."""
    probe = PROBE.replace("import tiktokshop\n",
                          "import tiktokshop, tiktokshop_singer.config_schema\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "singer_sdk is not installed" in done.stderr
