"""Position paging (offsets, page numbers) made safe against a live table.

e-Prisons, Sarathi, NCRP and IVFRT page by position over rows ordered by update time. Deep
positions shift whenever a row earlier in the order is updated (it jumps to the end) or
inserted, so a plain `page=1,2,3…` walk skips rows. Instead every page moves the change-feed
lower bound up to the newest update time it saw and restarts the position near zero: only rows
at or after that time can then shift us, and those are the ones still ahead.

- Offset sources (e-Prisons) skip exactly the rows already seen at the new lower bound.
- Page-number sources cannot skip part of a page, so they re-read those few rows; the engine's
  id+version de-duplication absorbs them. A page made entirely of rows at the current bound
  moves to the next page instead, so a burst of same-second updates larger than a page still
  ends.

The cursor is `{"since": iso | None, "skip": n}`: enough for another process to resume.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import Page, Row
from connectors.feeds import from_iso, iso


@dataclass(frozen=True)
class Fetched:
    rows: list[Row]
    total: int | None
    last: bool  # the source says no page follows for this query


Fetch = Callable[[datetime | None, int], Awaitable[Fetched]]
RowTime = Callable[[Row], datetime | None]


async def walk_positions(
    fetch: Fetch,
    row_time: RowTime,
    *,
    since: datetime | None,
    cursor: dict[str, Any] | None,
    page_size: int,
    exact_offsets: bool,
) -> AsyncIterator[Page]:
    """Walk with a moving lower bound. `fetch(since, skip)` returns rows from position `skip`
    (a multiple of `page_size` for page-number sources)."""
    skip = 0
    if cursor is not None:
        since = from_iso(cursor.get("since"))
        raw_skip = cursor.get("skip")
        skip = raw_skip if isinstance(raw_skip, int) and raw_skip >= 0 else 0
    total: int | None = None
    while True:
        fetched = await fetch(since, skip)
        if total is None:
            total = fetched.total
        if not fetched.rows:
            yield Page([], None, total)
            return
        times = [t for t in (row_time(r) for r in fetched.rows) if t is not None]
        newest = max(times) if times else None
        if newest is not None and (since is None or newest > since):
            ties = sum(1 for t in times if t == newest)
            since, skip = newest, (ties if exact_offsets else 0)
        else:
            skip += len(fetched.rows) if exact_offsets else page_size
        done = fetched.last
        yield Page(fetched.rows, None if done else {"since": iso(since), "skip": skip}, total)
        if done:
            return
