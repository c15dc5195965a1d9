"""Indian name matching and identifier normalisation.

The hot modules may be compiled with mypyc by `make` (`scripts/compile_matching.py`): the same
source, faster. When any compiled module is older than its source (an edit since the last
build), all of them run from source, with a warning, until the build is redone (`make`): a stale
build must never answer for edited code, and compiled and source modules cannot be mixed
(compiled ones call each other natively). `ICJS_MATCHING_SOURCE=1` always runs the source
(profilers and debuggers see into it).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).resolve().parent


def _builds() -> dict[str, Path]:
    """Compiled module name → its extension file, in this package's directory."""
    out: dict[str, Path] = {}
    for path in _HERE.iterdir():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            if path.name.endswith(suffix):
                out[path.name[: -len(suffix)]] = path
    return out


def _stale(builds: dict[str, Path]) -> list[str]:
    return sorted(
        name
        for name, built in builds.items()
        if (_HERE / f"{name}.py").exists()
        and (_HERE / f"{name}.py").stat().st_mtime > built.stat().st_mtime
    )


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Loads this package's modules from their `.py` files, never from an extension."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        source = _HERE / f"{name}.py"
        if package != __name__ or not source.exists():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def _choose() -> None:
    builds = _builds()
    if not builds:
        return
    stale = _stale(builds)
    if stale:
        warnings.warn(
            f"matching: compiled modules older than their source ({', '.join(stale)}); running "
            "the source (slower) until they are rebuilt: `make`, or "
            "`python scripts/compile_matching.py`",
            RuntimeWarning,
            stacklevel=3,
        )
    if stale or os.environ.get("ICJS_MATCHING_SOURCE"):
        sys.meta_path.insert(0, _SourceFirst())


def compiled() -> bool:
    """Whether the name matcher runs compiled (benchmarks and `/health` say so)."""
    module = sys.modules.get(f"{__name__}.similarity")
    if module is None:
        module = importlib.import_module(f"{__name__}.similarity")
    file = module.__file__ or ""
    return any(file.endswith(s) for s in importlib.machinery.EXTENSION_SUFFIXES)


_choose()
