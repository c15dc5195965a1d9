"""Typed configuration: `icjs.toml` plus `ICJS_…` environment overrides."""

from config.settings import (
    ApiSettings,
    AuthSettings,
    ConfigError,
    SearchSettings,
    Settings,
    SourceSettings,
    StateSettings,
    SyncSettings,
    load_settings,
)

__all__ = [
    "ApiSettings",
    "AuthSettings",
    "ConfigError",
    "SearchSettings",
    "Settings",
    "SourceSettings",
    "StateSettings",
    "SyncSettings",
    "load_settings",
]
