"""`meltano.yml` defines `tiktokshop-auth` as a utility with the tap's connection settings,
read from the tap's variables, and the tap's token store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tiktokshop.connection import SETTING_SPECS

ROOT = Path(__file__).resolve().parents[2]
COMPARED = ("kind", "value", "sensitive", "options")


def plugins() -> dict[str, dict[str, Any]]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    return {plugin["name"]: plugin for kind in project["plugins"].values() for plugin in kind}


def test_the_utility_reads_the_taps_settings_and_token_store() -> None:
    every = plugins()
    tap, utility = every["tap-tiktokshop"], every["tiktokshop-auth"]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    assert utility in project["plugins"]["utilities"]
    # the tap's namespace: Meltano reads the settings from TAP_TIKTOKSHOP_* and passes them on
    assert utility["namespace"] == tap["namespace"] == "tap_tiktokshop"
    assert utility["executable"] == "tiktokshop-auth"
    assert utility["pip_url"] == tap["pip_url"]
    assert utility["config"]["token_store_path"] == tap["config"]["token_store_path"]
    names = [setting["name"] for setting in utility["settings"]]
    assert names == [spec.name for spec in SETTING_SPECS]
    tap_settings = {setting["name"]: setting for setting in tap["settings"]}
    for setting in utility["settings"]:
        mine = {key: setting.get(key) for key in COMPARED}
        theirs = {key: tap_settings[setting["name"]].get(key) for key in COMPARED}
        assert mine == theirs, setting["name"]

