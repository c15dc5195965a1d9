"""The one rebuild routine, for every engine: build a new versioned index, fill it, switch the
readers to it, drop the old one, all under one lock (as yente rebuilds behind versioned index
names and an indexing lock).

What differs per engine (a file lock or a lock index; `meta.current` or an alias; tables or
indices) is `IndexVersions`' job; the order of the steps, and what a failure undoes, is here.
Writes made while the new version fills go to both versions (the engine's `start_build` turns
that on), so nothing written during a rebuild is lost; the old version is dropped before the
lock is released, so a batch in flight during the switch lands in both.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from indexer.backends.base import IndexVersions, RebuildResult
from records import Record


def rebuild(versions: IndexVersions, records: Iterable[Record] | None = None) -> RebuildResult:
    """Rebuild from `records` (default: the records the current version holds)."""
    started = time.monotonic()
    with versions.rebuild_lock():
        old, new = versions.start_build()
        try:
            count = versions.fill(new, old, records)
            versions.switch(old, new)
        except BaseException:
            versions.abandon(new)
            raise
        versions.drop(old)
    return RebuildResult(
        old_version=old, new_version=new, records=count, seconds=time.monotonic() - started
    )
