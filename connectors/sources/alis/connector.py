"""ALIS (sources/alis.md): daily CSV exports listed in `index.json`.

Files are immutable once published, so the watermark is the publication time of the newest file
fully processed and no overlap is re-read. `index.json` is asked with `If-Modified-Since`; each
new file is streamed to disk (resumed with `Range` after a broken transfer), checked against its
SHA-256 (downloaded again on mismatch, then quarantined as a whole), and read row by row by header
name. A resumed walk skips the rows it already committed.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.errors import MappingError, RetryableError
from connectors.feeds import from_iso, iso
from connectors.fields import Fields
from connectors.http import decode_json
from connectors.mapping import drop_none, identifier, unique
from matching import identifiers as ids
from records import IdType, Kind, Person, PersonRole, Record, Relation, Source

# A mismatching file is downloaded this many times in all (or the retry policy's attempts, if
# more) before it is quarantined: one bad transfer is common, a run of them means the published
# file itself is most likely corrupt (and the next run tries a quarantined file again anyway).
SHA_ATTEMPTS = 4
PREFETCH = 4  # files downloaded ahead of the one being read
_MISSING = object()
LICENCE_STATUSES = frozenset({"VALID", "EXPIRED", "SUSPENDED", "CANCELLED"})


class IndexEntry:
    __slots__ = ("name", "published", "rows", "sha256")

    def __init__(self, name: str, sha256: str, published: datetime, rows: int | None) -> None:
        self.name, self.sha256, self.published, self.rows = name, sha256, published, rows

    @property
    def key(self) -> tuple[datetime, str]:
        return self.published, self.name


def parse_index(
    source: str, body: Any
) -> tuple[list[IndexEntry], list[tuple[str, str, dict[str, Any]]]]:
    """Index entries in publication order, and the entries too broken to use (for quarantine)."""
    if not isinstance(body, dict) or not isinstance(body.get("files"), list):
        raise RetryableError(source, "index.json has no 'files' list")
    good: list[IndexEntry] = []
    bad: list[tuple[str, str, dict[str, Any]]] = []
    for item in body["files"]:
        if not isinstance(item, dict):
            bad.append(("index.json", "index entry is not an object", {"entry": item}))
            continue
        name, sha, published = item.get("name"), item.get("sha256"), item.get("published")
        rows = item.get("rows")
        try:
            if not isinstance(name, str) or not name or "/" in name or ".." in name:
                raise MappingError("index entry has no usable file name")
            if not isinstance(sha, str) or len(sha) != 64:
                raise MappingError("index entry has no SHA-256")
            when = p.parse_datetime(published if isinstance(published, str) else "", "published")
        except MappingError as exc:
            bad.append((str(name or "index.json"), exc.reason, item))
            continue
        good.append(IndexEntry(name, sha.lower(), when, rows if isinstance(rows, int) else None))
    good.sort(key=lambda e: e.key)
    return good, bad


def read_csv(path: Path, *, skip: int = 0) -> Iterator[tuple[int, Row]]:
    """(row number, row) for each data row after the first `skip`, read by header name.
    Invalid UTF-8 becomes U+FFFD and so a quarantined row, not a lost file."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip() for h in header]
        for number, cells in enumerate(reader, start=1):
            if number <= skip:
                continue
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line
            data: dict[str, Any] = dict(zip(names, cells, strict=False))
            problem = None
            if len(cells) != len(names):
                problem = f"row has {len(cells)} cells, header has {len(names)}"
                data["_cells"] = cells
            yield number, Row(data, collection=path.name.removesuffix(".part"), problem=problem)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class AlisConnector(Connector):
    source = Source.ALIS
    default_page_size = 500
    uses_overlap = False

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        after: tuple[datetime, str] | None = None
        current: str | None = None
        skip_rows = 0
        headers: dict[str, str] = {}
        if cursor is not None:
            when = from_iso(cursor.get("after_published"))
            name = cursor.get("after_name")
            if when is not None and isinstance(name, str):
                after = (when, name)
            current = cursor.get("file") if isinstance(cursor.get("file"), str) else None
            raw_row = cursor.get("row")
            skip_rows = raw_row if isinstance(raw_row, int) and raw_row > 0 else 0
        elif since is not None and not self.retry_native_ids:
            headers["If-Modified-Since"] = format_datetime(since.astimezone(UTC), usegmt=True)
        response = await self.client.request("GET", "/index.json", headers=headers, ok=(200, 304))
        if response.status_code == 304:
            yield Page([], None)
            return
        entries, broken = parse_index(self.source, decode_json(self.source, response))
        if broken:
            yield Page([], _cursor(after, None, 0), quarantine=broken)
        pending = [
            e
            for e in entries
            if (after is None or e.key > after)
            and (since is None or cursor is not None or e.published > since)
        ]
        work = self.work_dir or Path(tempfile.gettempdir())
        work.mkdir(parents=True, exist_ok=True)
        if cursor is None:
            # Files quarantined by an earlier run are tried again first: a corrupt download is
            # usually the network's fault. Their pages resume to the start of this walk.
            resume = _cursor(after, None, 0)
            for entry in entries:
                if entry.name in self.retry_native_ids and entry not in pending:
                    problem = await self._fetch_verified(entry, work)
                    async for page in self._file_pages(entry, work, problem, 0, resume, resume):
                        yield page
        # Files are small and many (one a day): fetch a few ahead while the current one is
        # read, so that the walk is not one round trip per file. Order of processing (and so of
        # checkpoints) stays the publication order.
        ahead: dict[int, asyncio.Task[str | None]] = {}
        try:
            for index, entry in enumerate(pending):
                for j in range(index, min(index + PREFETCH, len(pending))):
                    if j not in ahead:
                        ahead[j] = asyncio.create_task(self._fetch_verified(pending[j], work))
                problem = await ahead.pop(index)
                start = skip_rows if entry.name == current else 0
                done = None if index == len(pending) - 1 else _cursor(entry.key, None, 0)
                async for page in self._file_pages(
                    entry, work, problem, start, _cursor(after, entry.name, 0), done
                ):
                    yield page
                after = entry.key
        finally:
            for task in ahead.values():
                task.cancel()
            await asyncio.gather(*ahead.values(), return_exceptions=True)
        if not pending:
            yield Page([], None)

    async def _file_pages(
        self,
        entry: IndexEntry,
        work: Path,
        problem: str | None,
        start: int,
        within: dict[str, Any],
        done: dict[str, Any] | None,
    ) -> AsyncIterator[Page]:
        """Pages of one file from row `start`: `within` is the cursor while inside it (its row
        filled in), `done` the cursor after it. `problem`: why the download cannot be used."""
        local = work / f"{entry.name}.part"
        if problem is not None:
            payload = {
                "name": entry.name,
                "sha256": entry.sha256,
                "rows": entry.rows,
                "published": entry.published.isoformat(),
            }
            yield Page(
                [], done, watermark=entry.published, quarantine=[(entry.name, problem, payload)]
            )
            return
        batch: list[Row] = []
        for number, row in read_csv(local, skip=start):
            batch.append(Row(row.data, entry.name, row.problem, entry.published))
            if len(batch) >= self.page_size:
                yield Page(batch, {**within, "row": number})
                batch = []
        local.unlink(missing_ok=True)
        yield Page(batch, done, watermark=entry.published, resolved=[entry.name])

    async def _fetch_verified(self, entry: IndexEntry, work: Path) -> str | None:
        """Download until the SHA-256 matches; the reason to quarantine the file otherwise."""
        local = work / f"{entry.name}.part"
        actual = ""
        attempts = max(SHA_ATTEMPTS, self.client.policy.max_attempts)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                local.unlink(missing_ok=True)
                self.client.retries += 1
            await self.client.download(f"/{entry.name}", local)
            actual = sha256_of(local)
            if actual == entry.sha256:
                return None
        local.unlink(missing_ok=True)
        return (
            f"file SHA-256 {actual[:12]}… does not match the index ({entry.sha256[:12]}…) "
            f"after {attempts} downloads"
        )

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("licence_no")
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        if row.problem:
            raise MappingError(row.problem)
        f = Fields.of(row)
        native = f.required_id("licence_no")
        if row.version_hint is None:
            raise MappingError("ALIS row without its file's publication time")
        holder = f.text("holder_name")
        f.need_name((holder,), "holder_name")
        dob = f.birth_date("dob", on=row.version_hint.date())
        issued = f.date("issue_date")
        valid = f.date("valid_upto")
        father = f.text("father_name")
        person = Person(
            role=PersonRole.SUBJECT,
            name=holder,
            relative_name=father,
            relation=Relation.RELATIVE if father else None,
            birth_date=dob,
            birth_year=dob.year if dob else None,
            address=f.text("address"),
        )
        licence = ids.normalise_arms_licence(native)
        # ALIS writes two-letter codes or full names, as each state's export does
        state = f.state_code("state")
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.ARMS_LICENCE,
            status=f.enum("status", LICENCE_STATUSES),
            people=(person,),
            identifiers=unique([identifier(IdType.ARMS_LICENCE, licence, lambda v: v)]),
            state=state,
            district=f.text("district"),
            event_date=issued,
            attributes=drop_none(
                {
                    "weapon_type": f.text("weapon_type"),
                    "weapon_no": f.text("weapon_no"),
                    "valid_upto": valid.isoformat() if valid else None,
                    "issuing_authority": f.text("issuing_authority"),
                    "file": row.collection,
                    "state_as_written": f.text("state") if state is None else None,
                }
            ),
            provenance=self.provenance(native, row.version_hint, fetched_at, row.collection),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _cursor(after: tuple[datetime, str] | None, file: str | None, row: int) -> dict[str, Any]:
    return {
        "after_published": iso(after[0]) if after else None,
        "after_name": after[1] if after else None,
        "file": file,
        "row": row,
    }
