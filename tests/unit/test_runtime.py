"""icjs's collector settings: applied on request, in a fresh process (never on import)."""

import subprocess
import sys

from config.runtime import GC_THRESHOLDS


def _thresholds(code: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import gc\n{code}\nprint(gc.get_threshold(), gc.get_freeze_count() > 0)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_importing_changes_nothing_and_tune_gc_applies_the_settings() -> None:
    default = _thresholds("import config.runtime")
    assert str(GC_THRESHOLDS) not in default and default.endswith("False")
    assert _thresholds("from config.runtime import tune_gc; tune_gc()") == f"{GC_THRESHOLDS} True"
    assert _thresholds("import api.app; api.app.app_from_environment").endswith("False")
