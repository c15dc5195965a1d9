"""What the sync machinery needs to know about a source beyond its connector: one descriptor
per source, in its folder (`connectors/sources/<name>/__init__.py`), listed once in
`connectors.registry.SOURCES`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connectors.base import Connector
from records import Kind

Auth = Literal["api_key", "oauth", "basic"]


@dataclass(frozen=True)
class SourceDescriptor:
    name: str  # `Source` value, `[sources.<name>]` in the settings, the sync state's key
    kinds: tuple[Kind, ...]  # what its records are about
    auth: Auth  # X-API-Key; OAuth2 client credentials at /oauth/token; HTTP basic
    connector: type[Connector]  # pages, mapping and contract constants, in the same folder
    # the app that stands in for it in tests and the demo ("module:Class"), None when none does
    simulator: str | None = None
