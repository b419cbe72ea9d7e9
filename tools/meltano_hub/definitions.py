"""A plugin's ``--about --format=json`` as Meltano setting definitions and a Hub definition.

The same mapping serves the Hub files and the check of ``meltano.yml``, so the two cannot
drift from ``--about`` or from each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Fields of a setting that must agree between ``--about``, the Hub files and meltano.yml.
COMPARED_FIELDS = ("kind", "value", "sensitive", "options")

# Meltano 4.4.1 casts a string value of a `kind: decimal` setting (environment variable,
# .env, system database) to decimal.Decimal and then cannot write the plugin's config
# ("Object of type Decimal is not JSON serializable"); `kind: integer` refuses 0.5. A
# number setting is therefore `kind: string`: Meltano passes what it is given, and the
# plugins read a numeric string as the number (tiktokshop_singer.config_errors
# .coerce_numeric_strings). The Hub's documented kinds have no decimal either.
NUMBER_KIND = "string"

_WORDS = {"api": "API", "url": "URL", "id": "ID", "ids": "IDs", "qps": "QPS"}


def label_of(name: str, prop: Mapping[str, Any]) -> str:
    """The SDK's title for its built-in settings, else the name in words."""
    title = prop.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    words = [_WORDS.get(word, word) for word in name.split("_")]
    first = words[0] if words[0] in _WORDS.values() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def _types(prop: Mapping[str, Any]) -> set[str]:
    types = prop.get("type")
    return {types} if isinstance(types, str) else set(types or [])


def kind_of(prop: Mapping[str, Any]) -> str:
    """The Meltano setting kind for a JSON-schema property of the plugin's config."""
    types = _types(prop) - {"null"}
    if prop.get("enum"):
        return "options"
    if "number" in types:  # also ["number", "string"]: decimal strings are accepted
        return NUMBER_KIND
    if types == {"integer"}:
        return "integer"
    if types == {"boolean"}:
        return "boolean"
    if types == {"array"}:
        return "array"
    if types == {"object"}:
        return "object"
    if types == {"string"} and prop.get("format") in ("date-time", "date"):
        return "date_iso8601"
    if types == {"string"}:
        return "string"
    raise ValueError(f"no Meltano kind for the schema type {sorted(types)}")


def setting_definition(name: str, prop: Mapping[str, Any]) -> dict[str, Any]:
    """One setting as Meltano (and the Hub) define it."""
    setting: dict[str, Any] = {"name": name, "label": label_of(name, prop), "kind": kind_of(prop)}
    description = prop.get("description")
    if isinstance(description, str) and description.strip():
        setting["description"] = " ".join(description.split())
    if prop.get("secret") or prop.get("writeOnly"):
        setting["sensitive"] = True
    if prop.get("default") is not None:
        setting["value"] = prop["default"]
    if setting["kind"] == "options":
        setting["options"] = [{"label": str(v), "value": v} for v in prop["enum"]
                              if v is not None]
    return setting


def setting_definitions(about: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every setting of ``--about``, in its order."""
    properties = about["settings"]["properties"]
    return [setting_definition(name, prop) for name, prop in properties.items()]


def compared(setting: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that must agree (options by value only; a missing kind is string)."""
    fields = {key: setting.get(key) for key in COMPARED_FIELDS}
    fields["kind"] = fields["kind"] or "string"
    fields["sensitive"] = bool(fields["sensitive"])
    if fields["options"] is not None:
        fields["options"] = [option["value"] for option in fields["options"]]
    return fields


def differences(expected: Sequence[Mapping[str, Any]],
                actual: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where a list of settings differs from the expected one (names, then fields)."""
    wanted = {setting["name"]: setting for setting in expected}
    have = {setting["name"]: setting for setting in actual}
    problems = [f"{name}: missing" for name in wanted if name not in have]
    problems += [f"{name}: not a setting of the plugin" for name in have if name not in wanted]
    for name in wanted.keys() & have.keys():
        mine, theirs = compared(have[name]), compared(wanted[name])
        problems += [f"{name}: {key} is {mine[key]!r}, expected {theirs[key]!r}"
                     for key in COMPARED_FIELDS if mine[key] != theirs[key]]
    return sorted(problems)


def check_groups(about: Mapping[str, Any], groups: Sequence[Sequence[str]]) -> None:
    """Each settings group names settings of the plugin, including every required one."""
    properties = about["settings"]["properties"]
    required = set(about["settings"].get("required") or [])
    if not groups:
        raise ValueError(f"{about['name']}: settings_group_validation is empty")
    for group in groups:
        unknown = [name for name in group if name not in properties]
        if unknown:
            raise ValueError(f"{about['name']}: settings_group_validation names unknown "
                             f"settings {unknown}")
        if not required <= set(group):
            raise ValueError(f"{about['name']}: a settings group lacks the required "
                             f"settings {sorted(required - set(group))}")


def hub_definition(about: Mapping[str, Any], *, plugin: Mapping[str, Any],
                   variant: str, pip_url: str, label: str) -> dict[str, Any]:
    """The Meltano Hub definition of a plugin.

    Args:
        about: the plugin's ``--about --format=json``.
        plugin: the plugin's entry in meltano.yml (namespace, executable and
            settings_group_validation: the credential alternatives ``--about`` cannot say).
        variant: the Hub variant name.
        pip_url: what ``pip install`` takes to install the plugin.
        label: the human-readable name.
    """
    groups = [list(group) for group in plugin.get("settings_group_validation") or []]
    check_groups(about, groups)
    return {
        "name": about["name"],
        "variant": variant,
        "namespace": plugin["namespace"],
        "label": label,
        "description": about["description"],
        "pip_url": pip_url,
        "executable": plugin.get("executable") or about["name"],
        "keywords": ["meltano_sdk"],
        "capabilities": sorted(about["capabilities"]),
        "settings_group_validation": groups,
        "settings": setting_definitions(about),
    }
