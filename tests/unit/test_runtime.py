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


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_quiet_collector_settles_when_no_request_is_in_flight_or_after_max_deferred() -> None:
    out = _run(
        "import gc\n"
        "from config.runtime import QuietCollector\n"
        "c = QuietCollector()\n"
        "c.started(); c.started(); c.finished()\n"
        "first = c.settlings\n"
        "c.finished()\n"
        "quiet = c.settlings\n"
        "c.started()\n"
        "for _ in range(QuietCollector.MAX_DEFERRED):\n"
        "    c.started(); c.finished()\n"
        "print(first, quiet, c.settlings, gc.get_freeze_count() > 0, len(gc.get_objects(0)))\n"
    )
    # nothing while another request is in flight; once quiet; once after MAX_DEFERRED busy ones
    assert out.split()[:4] == ["0", "1", "2", "True"]


def test_frozen_cycles_are_reclaimed_by_the_policy_s_full_collections() -> None:
    """Cycles alive when frozen and dropped later (a cache's evicted entries) would stay frozen
    forever; the policy's full collections bound them (no API here: see
    tests/integration/api/test_collector_policy.py for a real worker)."""
    code = (
        "import collections, gc\n"
        "from config.runtime import QuietCollector, tune_gc\n"
        "class Small(QuietCollector):\n"
        "    FLOOR = 10_000\n"
        "    NEVER_FULL = {never}\n"
        "    def settle(self):\n"
        "        if self.NEVER_FULL:\n"
        "            gc.collect(); gc.freeze(); return\n"
        "        super().settle()\n"
        "tune_gc()\n"
        "c = Small()\n"
        "recent = collections.deque(maxlen=8)\n"
        "most = 0\n"
        "for n in range(300):\n"
        "    c.started()\n"
        "    node = {{'parts': [[i] for i in range(1_000)]}}\n"
        "    node['self'] = node\n"
        "    recent.append(node)\n"
        "    c.finished()\n"
        "    if n % 10 == 9:\n"
        "        most = max(most, gc.get_freeze_count())\n"
        "gc.unfreeze()\n"
        "print(most, gc.collect(), c.full_collections)\n"
    )
    bounded = [int(x) for x in _run(code.format(never=False)).split()]
    leaking = [int(x) for x in _run(code.format(never=True)).split()]
    # without full collections every evicted cycle (292 of 1,002 objects) is held to the end
    assert leaking[1] >= 292 * 1_000 and leaking[2] == 0
    assert bounded[2] >= 1 and bounded[1] < leaking[1] / 3
    assert bounded[0] < leaking[0] - 100_000
