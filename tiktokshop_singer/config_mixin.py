"""Config handling shared by the tap and the target: one line naming the bad setting."""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import ConfigValidationError

from tiktokshop.connection import load_settings
from tiktokshop.errors import ConfigError
from tiktokshop.redact import REDACTOR, install_log_redaction
from tiktokshop_singer.config_errors import (
    coerce_numeric_strings,
    parse_env_config,
    schema_config_error,
)


class classproperty(property):
    """A read-only property of the class, also read through an instance.

    The SDK declares ``_env_var_config`` with one of these; its own helper lives in a
    private module (``singer_sdk.helpers._classproperty``), so the override uses this.
    """

    def __get__(self, obj: t.Any, objtype: type | None = None) -> t.Any:
        return super().__get__(objtype if objtype is not None else type(obj))


class SharedConfigMixin:
    """Put before the SDK's Tap/Target in the bases; subclasses add ``load_plugin_settings``."""

    config: t.Any
    config_jsonschema: dict
    _config: dict[str, t.Any]

    def load_plugin_settings(self) -> None:
        """Validate the plugin's own settings (raise ConfigError naming the setting)."""

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Our checks first (one line naming the setting), then the SDK's schema checks.

        Numeric strings of number/integer settings become numbers first (Meltano passes
        fractional settings as strings: ``coerce_numeric_strings``); ``_config`` is the
        dict the SDK validates and ``config`` shows."""
        try:
            schema = self.config_jsonschema
            self.append_builtin_config(schema)  # type: ignore[attr-defined]
            numbers = coerce_numeric_strings(schema, self._config)
            if numbers:
                self._config = {**self._config, **numbers}
            self.settings = load_settings(self.config)
            self.load_plugin_settings()
        except ConfigError as exc:
            if raise_errors:
                raise
            return [str(exc)]
        REDACTOR.add(*self.settings.secrets())
        install_log_redaction(REDACTOR)
        try:
            return super()._validate_config(raise_errors=raise_errors)  # type: ignore[misc]
        except ConfigValidationError as exc:  # a built-in SDK setting: one line naming it
            schema = exc.schema if exc.schema is not None else self.config_jsonschema
            raise schema_config_error(schema, self.config) from None

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:
        """Settings from <PLUGIN>_* variables; a value of the wrong type is a ConfigError
        naming the setting (the SDK raises a bare ValueError)."""
        schema = cls.config_jsonschema
        cls.append_builtin_config(schema)  # type: ignore[attr-defined]
        return parse_env_config(schema, cls._env_var_prefix)  # type: ignore[attr-defined]
