"""A tap catalog with only some streams selected (the tap's own discovery, edited)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.singer_io import BIN, write_json


def selected_catalog(config: dict[str, Any], tmp: Path, streams: tuple[str, ...]) -> Path:
    """Run ``--discover`` and select only ``streams``; returns the catalog file."""
    found = subprocess.run([str(BIN / "tap-tiktokshop"), "--config",
                            str(write_json(tmp / "discover.json", config)), "--discover"],
                           capture_output=True, text=True, check=True, timeout=120)
    document = json.loads(found.stdout)
    for entry in document["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return write_json(tmp / "catalog.json", document)
