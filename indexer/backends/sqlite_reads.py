"""Reading and searching the embedded index: each read one transaction, so it sees one index
version, a record together with its keys."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from indexer.backends import sqlite_sql as sql
from indexer.backends.base import (
    BackendError,
    Candidate,
    CandidateQuery,
    Filters,
    Health,
    IndexLink,
    IndexStats,
    stale_keys,
)
from indexer.backends.sqlite_file import SqliteIndexFile
from indexer.backends.sqlite_search import candidate_scores, load_candidates
from indexer.backends.sqlite_store import SqliteLinkStore, read_records
from records import Record, Source, record_from_index

BATCH = 1000  # records per read transaction when every record is read
_CHUNK = 500  # ids per IN (…) list


class EmbeddedReads:
    """`RecordSearch` and `ProfileLinks` on the embedded file, and the index's stats and health."""

    def __init__(self, file: SqliteIndexFile) -> None:
        self._file = file

    def get(self, record_ids: Sequence[str]) -> list[Record]:
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, Record] = {}
        with self._file.read() as (con, v):
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows = con.execute(
                    f"SELECT record_id, json FROM records_v{v} "
                    f"WHERE record_id IN ({sql.placeholders(len(chunk))})",
                    chunk,
                )
                for record_id, text in rows:
                    found[record_id] = record_from_index(text)
        return [found[i] for i in wanted if i in found]

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        with self._file.read() as (con, v):
            best, frequencies = candidate_scores(con, v, query)
            return load_candidates(con, v, best, frequencies)

    def count(self, filters: Filters | None = None) -> int:
        where, params = sql.filter_sql(filters)
        with self._file.read() as (con, v):
            row = con.execute(f"SELECT COUNT(*) FROM records_v{v} r WHERE {where}", params)
            return int(row.fetchone()[0])

    def ids(self, source: Source) -> Iterable[str]:
        """Every record id of `source` stored (during a bulk load, in either version), in pages
        of their own transactions (no long read lock)."""
        after = ""
        while True:
            with self._file.read() as (con, v):
                # while a bulk load fills a new version, what is stored is both versions
                versions = [v, *[b for b in [self._file.meta(con, "bulk")] if b is not None]]
                union = " UNION ".join(
                    f"SELECT record_id FROM records_v{x} WHERE source = ? AND record_id > ?"
                    for x in versions
                )
                page = [
                    row[0]
                    for row in con.execute(
                        f"{union} ORDER BY record_id LIMIT ?",
                        [*[Source(source).value, after] * len(versions), 10_000],
                    )
                ]
            yield from page
            if len(page) < 10_000:
                return
            after = page[-1]

    def records(self) -> Iterator[Record]:
        after = 0
        while True:
            with self._file.read() as (con, v):
                page = read_records(con, v, after, BATCH)
            yield from (record for _, record in page)
            if len(page) < BATCH:
                return
            after = page[-1][0]

    def profiles(self, profile_ids: Collection[str]) -> dict[str, list[Record]]:
        wanted = sorted(set(profile_ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        with self._file.read() as (con, v):
            rows = con.execute(
                f"SELECT profile_id, json FROM records_v{v} WHERE profile_id IN ({marks})"
                " ORDER BY profile_id, record_id",
                wanted,
            ).fetchall()
        found: dict[str, list[Record]] = {}
        for profile_id, text in rows:
            found.setdefault(profile_id, []).append(record_from_index(text))
        return found

    def links(self, record_ids: Sequence[str]) -> list[IndexLink]:
        with self._file.read() as (con, v):
            return SqliteLinkStore(con, v).edges_touching(record_ids)

    def stats(self) -> IndexStats:
        by: dict[str, dict[str, int]] = {}
        with self._file.read() as (con, v):
            for source, kind, n in con.execute(
                f"SELECT source, kind, COUNT(*) FROM records_v{v} GROUP BY source, kind"
            ):
                by.setdefault(source, {})[kind] = n
            profiles = con.execute(
                f"SELECT COUNT(*) FROM (SELECT profile_id FROM records_v{v} "
                "GROUP BY profile_id HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            links = con.execute(f"SELECT COUNT(*) FROM links_v{v}").fetchone()[0]
            keys_version = self._file.keys_version(con)
            fir_keys_version = self._file.fir_keys_version(con)
        total = sum(n for kinds in by.values() for n in kinds.values())
        return IndexStats(
            version=v,
            total=total,
            by_source_kind=by,
            profiles=profiles,
            links=links,
            keys_version=keys_version,
            fir_keys_version=fir_keys_version,
        )

    def health(self) -> Health:
        try:
            with self._file.read() as (con, v):
                con.execute(f"SELECT 1 FROM records_v{v} LIMIT 1").fetchall()
                stale = stale_keys(self._file.keys_version(con), self._file.fir_keys_version(con))
        except BackendError as exc:
            return Health(ok=False, detail=exc.detail)
        detail = f"embedded index {self._file.path}, version {v}"
        return Health(ok=True, detail=f"{detail}; {stale}" if stale else detail)
