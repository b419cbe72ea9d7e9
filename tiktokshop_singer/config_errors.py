"""Configuration problems as one line naming the setting.

The Meltano SDK reports an environment variable that is not a number, or a built-in SDK
setting of the wrong type, as a bare ``ValueError`` or a multi-line validation error;
these helpers turn them into the project's one-line :class:`ConfigError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from tiktokshop.connection import SECRET_SETTINGS
from tiktokshop.errors import ConfigError

_KINDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false",
          "string": "a string", "array": "a list", "object": "a JSON object"}


def _show(setting: str, value: Any) -> str:
    if setting in SECRET_SETTINGS:
        return type(value).__name__
    text = repr(float(value)) if type(value).__name__ == "Decimal" else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def schema_config_error(schema: Mapping[str, Any], config: Mapping[str, Any]) -> ConfigError:
    """The first JSON-schema problem of a config, as a ConfigError naming the setting."""
    from singer_sdk.plugin_base import JSONSchemaValidator

    errors = sorted(JSONSchemaValidator(dict(schema)).iter_errors(dict(config)),
                    key=lambda e: [str(p) for p in e.path])
    if not errors:
        return ConfigError("config", "failed the plugin's schema validation")
    error = errors[0]
    setting = ".".join(str(p) for p in error.path) or "config"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) \
            else [error.validator_value]
        kinds = " or ".join(_KINDS.get(str(w), str(w)) for w in wanted if w != "null")
        return ConfigError(setting, f"must be {kinds}, got {_show(setting, error.instance)}")
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value if v is not None)
        return ConfigError(setting, f"must be one of {allowed}, got "
                                    f"{_show(setting, error.instance)}")
    message = error.message if setting not in SECRET_SETTINGS else error.validator
    return ConfigError(setting, f"is invalid: {message}")


_WHOLE = re.compile(r"[+-]?\d+")


def _types(prop: Any) -> set[str]:
    types = prop.get("type") if isinstance(prop, Mapping) else None
    return {types} if isinstance(types, str) else set(types or [])


def coerce_numeric_strings(schema: Mapping[str, Any],
                           config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of type number or integer (and not string) given as strings, as numbers.

    Meltano passes a number setting declared ``kind: string`` (the only kind that works
    for fractions from every source, see README "Settings through Meltano") as a string,
    and the SDK leaves a number from an environment variable as a string: both would fail
    the schema's type check. Returns only the changed settings; an empty string is unset
    (``None``).

    Raises:
        ConfigError: naming the setting when its string is not a (whole) number.
    """
    changed: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        value = config.get(name)
        types = _types(prop)
        if not isinstance(value, str) or "string" in types or not types & {"number",
                                                                           "integer"}:
            continue
        text = value.strip()
        if not text:
            changed[name] = None
        elif _WHOLE.fullmatch(text):
            changed[name] = int(text)
        elif "number" not in types:
            raise ConfigError(name, f"must be a whole number, got {_show(name, value)}")
        else:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ConfigError(name, f"must be a number, got {_show(name, value)}")
            changed[name] = number
    return changed


def parse_env_config(schema: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The SDK's environment-variable config parsing, with a ConfigError naming the setting
    (instead of a bare ``ValueError``) when a variable cannot be read as its type."""
    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    from singer_sdk.configuration._dict_config import parse_environment_config

    try:
        return parse_environment_config(dict(schema), prefix)
    except ValueError:  # int('abc'), invalid JSON for arrays and objects
        for name, prop in (schema.get("properties") or {}).items():
            try:
                parse_environment_config({"properties": {name: prop}}, prefix)
            except ValueError:
                variable = prefix + name.upper().replace("-", "_")
                types = prop.get("type") if isinstance(prop, Mapping) else None
                wanted = [types] if isinstance(types, str) else list(types or [])
                kinds = " or ".join(_KINDS.get(str(w), str(w)) for w in wanted if w != "null")
                raise ConfigError(name, f"the environment variable {variable} must be "
                                        f"{kinds or 'valid'}") from None
        raise

