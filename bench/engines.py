"""Where a benchmark's index lives on each engine it measures."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from config import SearchSettings


def search_settings(engine: str, path: Path, label: str) -> SearchSettings:
    """A new index for a benchmark run on `engine`: the embedded file `path`, or on the cluster
    `ICJS_TEST_<ENGINE>_URL` names, under an index prefix of its own (`icjs-<label>-<random>`),
    so that runs sharing a node never read each other's records."""
    if engine == "embedded":
        return SearchSettings(backend="embedded", path=path)
    url = os.environ[f"ICJS_TEST_{engine.upper()}_URL"]
    prefix = f"icjs-{label}-{uuid.uuid4().hex[:8]}"
    return SearchSettings(backend=engine, url=url, index_prefix=prefix)  # type: ignore[arg-type]
