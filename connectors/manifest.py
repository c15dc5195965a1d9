"""Source manifests: the JSON a simulator (ours or anyone's) writes, merged over `[sources.*]`.

    {"cctns": {"url": "...", "api_key": "..."}, "eprisons": {"url": "...", "client_id": "...",
     "client_secret": "..."}, "alis": {"url": "...", "username": "...", "password": "..."}, ...}

Field names are those of `config.SourceSettings`. Keys we do not know (another implementation's
extras) are ignored and named in the warnings, never fatal; values are never echoed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config import ConfigError, SourceSettings
from records import source_names

_FIELDS = frozenset(SourceSettings.model_fields)


def load_manifest(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"manifest {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"manifest {str(path)!r} is not readable JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"manifest {str(path)!r} should map source names to objects")
    return data


def merge_sources(
    configured: dict[str, SourceSettings], manifest: dict[str, dict[str, Any]]
) -> tuple[dict[str, SourceSettings], list[str]]:
    """Configured sources with manifest entries laid over them; and warnings."""
    warnings: list[str] = []
    merged = dict(configured)
    for name, entry in manifest.items():
        if name not in source_names():
            warnings.append(f"manifest names unknown source {name!r}: ignored")
            continue
        unknown = sorted(set(entry) - _FIELDS)
        if unknown:
            warnings.append(f"manifest {name}: ignored unknown keys {', '.join(unknown)}")
        base = merged.get(name, SourceSettings())
        values = {k: getattr(base, k) for k in _FIELDS}
        values.update({k: v for k, v in entry.items() if k in _FIELDS})
        try:
            merged[name] = SourceSettings.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(x) for x in first["loc"])
            raise ConfigError(f"manifest {name}.{key}: {first['msg']}") from None
    return merged, warnings
