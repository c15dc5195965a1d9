"""Writing to the embedded index: each batch one transaction, links settled before it commits,
and applied to both versions while a rebuild fills a new one."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexer import labels
from indexer.backends.base import BulkResult
from indexer.backends.sqlite_file import SqliteIndexFile
from indexer.backends.sqlite_store import SqliteLabelLookup, SqliteLinkStore, write_documents
from indexer.documents import IndexDocument, to_document, to_documents
from indexer.links import LinkEngine
from records import Record


class EmbeddedWrites:
    """`RecordWrites` on the embedded file."""

    def __init__(self, file: SqliteIndexFile) -> None:
        self._file = file

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        docs, failed = to_documents(labels.classified(records))
        if not docs:
            return BulkResult(failed=tuple(failed))
        with self._file.write() as con:
            targets = self._file.upsert_targets(con)
            building = self._file.meta(con, "building")
            indexed = 0
            if building is not None:  # written again after a delete: no longer gone
                con.executemany(
                    f"DELETE FROM gone_v{building} WHERE record_id = ?",
                    [(d.record_id,) for d in docs],
                )
            for v in targets:
                written, unchanged = write_labelled(con, v, docs)
                if v == targets[0]:
                    indexed = written + unchanged
        return BulkResult(indexed=indexed, failed=tuple(failed), skipped=len(docs) - indexed)

    def delete(self, record_ids: Sequence[str]) -> BulkResult:
        wanted = list(dict.fromkeys(record_ids))
        deleted: set[str] = set()  # from any version (a bulk load's may hold it alone)
        with self._file.write() as con:
            targets = self._file.targets(con)
            if len(targets) > 1:
                con.executemany(
                    f"INSERT OR IGNORE INTO gone_v{targets[1]} VALUES (?)", [(i,) for i in wanted]
                )
            for v in targets:
                store = SqliteLinkStore(con, v)
                left = store.link_keys_of(wanted)  # read before the rows go
                gone = store.delete_records(wanted)
                LinkEngine(store).relink([], removed=gone, left_keys=left)
                deleted.update(gone)
        return BulkResult(deleted=len(deleted))

    def flush(self) -> None:
        """Writes are searchable at commit; only fold the WAL back into the file."""
        self._file.pragma("PRAGMA wal_checkpoint(PASSIVE)")


def write_labelled(
    con: sqlite3.Connection, v: int, docs: Sequence[IndexDocument]
) -> tuple[int, int]:
    """Write `docs` into version `v` with the case labels of their FIRs (`indexer.labels`), link
    them, and label the stored records that share a FIR with a labelled one. Returns how many
    were written and how many were already stored unchanged."""
    lookup = SqliteLabelLookup(con, v)
    docs = _relabelled(docs, labels.label_batch([d.record for d in docs], lookup))
    written, unchanged, new, left = write_documents(con, v, docs)
    LinkEngine(SqliteLinkStore(con, v)).relink(written, fresh=new, left_keys=left)
    followers = labels.spread(written, lookup)
    if followers:
        again, _, _, left = write_documents(con, v, [to_document(r) for r in followers])
        LinkEngine(SqliteLinkStore(con, v)).relink(again, left_keys=left)
    return len(written), unchanged


def _relabelled(docs: Sequence[IndexDocument], records: Sequence[Record]) -> list[IndexDocument]:
    """`docs` with the document rebuilt for each record whose labels changed."""
    return [d if r is d.record else to_document(r) for d, r in zip(docs, records, strict=True)]
