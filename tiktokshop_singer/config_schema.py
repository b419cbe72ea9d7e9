"""The plugins' JSON schema for the connection settings, built from the settings model."""

from __future__ import annotations

from singer_sdk import typing as th

from tiktokshop.connection import SETTING_SPECS, SettingSpec

_TYPES: dict[str, th.JSONTypeHelper] = {
    "string": th.StringType,
    "integer": th.IntegerType,
    "number": th.NumberType,
    "string_list": th.ArrayType(th.StringType),
}


def setting_property(spec: SettingSpec) -> th.Property:
    """One setting as a Singer SDK property (secrets marked ``secret``: writeOnly)."""
    return th.Property(
        spec.name,
        _TYPES[spec.kind],
        required=spec.required,
        secret=spec.secret,
        default=spec.default,
        allowed_values=list(spec.choices) or None,
        description=spec.description,
    )


CONNECTION_SETTINGS = th.PropertiesList(*(setting_property(spec) for spec in SETTING_SPECS))
