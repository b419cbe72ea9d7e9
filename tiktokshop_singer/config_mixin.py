"""Config handling shared by the tap and the target: one line naming the bad setting."""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty

from tiktokshop.connection import load_settings
from tiktokshop.errors import ConfigError
from tiktokshop.redact import REDACTOR, install_log_redaction
from tiktokshop_singer.config_errors import parse_env_config, schema_config_error


class SharedConfigMixin:
    """Put before the SDK's Tap/Target in the bases; subclasses add ``load_plugin_settings``."""

    config: t.Any
    config_jsonschema: dict

    def load_plugin_settings(self) -> None:
        """Validate the plugin's own settings (raise ConfigError naming the setting)."""

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Our checks first (one line naming the setting), then the SDK's schema checks."""
        try:
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
        except ConfigValidationError:  # a built-in SDK setting: same one line naming it
            raise schema_config_error(self.config_jsonschema, self.config) from None

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:
        """Settings from <PLUGIN>_* variables; a value of the wrong type is a ConfigError
        naming the setting (the SDK raises a bare ValueError)."""
        schema = cls.config_jsonschema
        cls.append_builtin_config(schema)  # type: ignore[attr-defined]
        return parse_env_config(schema, cls._env_var_prefix)  # type: ignore[attr-defined]
