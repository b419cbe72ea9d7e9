"""The Meltano Hub definitions (meltano-hub/) and meltano.yml's two plugin entries agree
with what the plugins report in ``--about --format=json``: setting names, kinds, defaults,
sensitive settings, options and capabilities."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tiktokshop.connection import SECRET_SETTINGS
from tools.meltano_hub import definitions
from tools.meltano_hub.generate import PLUGINS, Plugin, about, project_plugin, render

IDS = [plugin.name for plugin in PLUGINS]


@pytest.fixture(scope="module")
def abouts() -> dict[str, dict[str, Any]]:
    return {plugin.name: about(plugin) for plugin in PLUGINS}


@pytest.mark.parametrize("plugin", PLUGINS, ids=IDS)
def test_hub_file_is_generated_from_about(plugin: Plugin,
                                          abouts: dict[str, dict[str, Any]]) -> None:
    expected = render(plugin, abouts[plugin.name], project_plugin(plugin))
    assert plugin.path.read_text(encoding="utf-8") == expected, (
        f"{plugin.path} is out of date: run `python -m tools.meltano_hub.generate`")


@pytest.mark.parametrize("plugin", PLUGINS, ids=IDS)
def test_hub_file_matches_about(plugin: Plugin, abouts: dict[str, dict[str, Any]]) -> None:
    info = abouts[plugin.name]
    hub = yaml.safe_load(plugin.path.read_text(encoding="utf-8"))
    properties = info["settings"]["properties"]
    assert [s["name"] for s in hub["settings"]] == list(properties)
    assert definitions.differences(definitions.setting_definitions(info), hub["settings"]) == []
    assert sorted(hub["capabilities"]) == sorted(info["capabilities"])
    assert (hub["name"], hub["namespace"]) == (info["name"], project_plugin(plugin)["namespace"])
    for setting in hub["settings"]:
        assert setting["label"] and setting["kind"], setting["name"]
        assert setting.get("description"), setting["name"]
        assert setting.get("sensitive", False) == (setting["name"] in SECRET_SETTINGS)
        default = properties[setting["name"]].get("default")
        assert setting.get("value") == default, setting["name"]


@pytest.mark.parametrize("plugin", PLUGINS, ids=IDS)
def test_meltano_yml_matches_about(plugin: Plugin, abouts: dict[str, dict[str, Any]]) -> None:
    info, entry = abouts[plugin.name], project_plugin(plugin)
    problems = definitions.differences(definitions.setting_definitions(info), entry["settings"])
    assert problems == [], "meltano.yml disagrees with --about:\n" + "\n".join(problems)
    assert sorted(entry["capabilities"]) == sorted(info["capabilities"])
    definitions.check_groups(info, entry["settings_group_validation"])
    secrets = {s["name"] for s in entry["settings"] if s.get("sensitive")}
    assert secrets == set(SECRET_SETTINGS)


@pytest.mark.parametrize(("prop", "kind"), [
    ({"type": ["number", "null"]}, "string"),  # Meltano 4.4.1's kind: decimal is broken
    ({"type": ["number", "string", "null"]}, "string"),
    ({"type": ["integer", "null"]}, "integer"),
    ({"type": ["boolean", "null"]}, "boolean"),
    ({"type": ["string", "null"], "format": "date-time"}, "date_iso8601"),
    ({"type": ["string", "null"], "enum": ["a", "b"]}, "options"),
    ({"type": ["array", "null"], "items": {"type": "string"}}, "array"),
    ({"type": ["object", "null"]}, "object"),
    ({"type": "string"}, "string"),
])
def test_kind_of(prop: dict[str, Any], kind: str) -> None:
    assert definitions.kind_of(prop) == kind


def test_kind_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="no Meltano kind"):
        definitions.kind_of({"type": ["integer", "boolean"]})


def test_differences_name_each_problem() -> None:
    expected = [{"name": "a", "kind": "integer", "value": 1},
                {"name": "b", "kind": "string", "sensitive": True}]
    actual = [{"name": "a", "kind": "decimal", "value": 1}, {"name": "b"}, {"name": "c"}]
    assert definitions.differences(expected, actual) == [
        "a: kind is 'decimal', expected 'integer'",
        "b: sensitive is False, expected True",
        "c: not a setting of the plugin",
    ]


def test_groups_must_name_settings_and_hold_the_required_ones() -> None:
    info = {"name": "tap-x", "settings": {"properties": {"a": {}, "b": {}, "c": {}},
                                          "required": ["a"]}}
    definitions.check_groups(info, [["a", "b"], ["a", "c"]])
    with pytest.raises(ValueError, match="unknown settings"):
        definitions.check_groups(info, [["a", "z"]])
    with pytest.raises(ValueError, match="lacks the required"):
        definitions.check_groups(info, [["b"]])
