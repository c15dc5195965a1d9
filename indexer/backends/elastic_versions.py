"""A cluster backend's index versions, as the one rebuild routine (`indexer.backends.rebuild`)
steps through them.

The lock is the index `{prefix}-rebuild-lock`, created atomically. `start_build` creates
`v{N+1}` (refreshes off while it fills) and names it in the lock document, so that writers also
write there (they read it once per batch); `switch` turns refreshes back on and swaps the alias
in one `_aliases` call (atomic on the cluster); the old version is dropped before the lock is
deleted, so the dual writes last until then.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from indexer import labels
from indexer.backends import queries as q
from indexer.backends.base import BackendError, RebuildInProgress
from indexer.backends.elastic_index import ElasticIndex, version_of
from indexer.backends.elastic_links import keys_index_body
from indexer.backends.elastic_reads import ElasticReads
from indexer.backends.elastic_writes import BATCH, ElasticWrites
from indexer.documents import to_document
from records import Record


def _lock_body(replicas: int) -> dict[str, Any]:
    """Every write reads the rebuild lock: it has the records' replicas, so that losing the node
    holding it does not stop writes until that node returns."""
    return {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": replicas}},
        "mappings": {"dynamic": False},
    }


class ElasticVersions:
    """`IndexVersions` on a cluster."""

    def __init__(self, index: ElasticIndex, reads: ElasticReads, writes: ElasticWrites) -> None:
        self._index = index
        self._admin = index.engine.admin
        self._docs = index.engine.docs
        self._reads = reads
        self._writes = writes

    @property
    def name(self) -> str:
        return self._index.alias

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        index = self._index
        if not self._admin.create_index(index.lock_index, _lock_body(index.replicas)):
            lock = self._docs.get(index.lock_index, "lock") or {}
            holder = f"{lock.get('holder', 'unknown')} since {lock.get('since', '?')}"
            raise RebuildInProgress(
                f"another rebuild of {index.alias} is running ({holder}); wait for it to finish, "
                f"or, if that process is gone, delete the index {index.lock_index}"
            )
        try:
            self._docs.put(index.lock_index, "lock", index.lock_doc(None), create=False)
            yield
        finally:
            self._admin.delete_index(index.lock_index)

    def start_build(self) -> tuple[int, int]:
        index = self._index
        old = index.current_index()
        versions = index.versions()
        for name in versions.values():
            if name != old:  # a build that died
                self._drop_index(name)
        old_n = version_of(old)
        new_n = max(versions) + 1 if versions else old_n + 1
        new = index.version_index(new_n)
        body = q.index_body(index.shards, index.replicas, refresh_interval="-1")
        self._admin.create_index(index.keys_index(new), keys_index_body(index.replicas))
        self._admin.create_index(new, body)
        self._docs.put(index.lock_index, "lock", index.lock_doc(new), create=False)
        return old_n, new_n

    def fill(self, new: int, old: int, records: Iterable[Record] | None) -> int:
        target = self._index.version_index(new)
        count = 0
        source: Iterable[Record]
        if records is None:
            self._admin.refresh(self._index.alias)
            source = self._reads.records()
        else:
            source = records
        batch: list[Record] = []
        for record in source:
            batch.append(record)
            if len(batch) >= BATCH:
                count += self._fill_batch(target, batch, check_gone=records is not None)
                batch = []
        if batch:
            count += self._fill_batch(target, batch, check_gone=records is not None)
        return count

    def _fill_batch(self, new: str, batch: list[Record], *, check_gone: bool) -> int:
        docs = {r.record_id: to_document(r) for r in labels.classified(batch)}
        if check_gone:
            for record_id in self._index.gone_among(list(docs)):
                docs.pop(record_id, None)
        _, _, failed = self._writes.write_labelled(new, list(docs.values()))
        if failed:
            raise BackendError(f"rebuild could not write {failed[0][0]}: {failed[0][1]}")
        return len(docs)

    def switch(self, old: int, new: int) -> None:
        old_index, new_index = self._index.version_index(old), self._index.version_index(new)
        self._admin.put_settings(new_index, {"index": {"refresh_interval": q.REFRESH_INTERVAL}})
        self._admin.refresh(new_index)
        self._admin.update_aliases(
            [
                {"remove": {"index": old_index, "alias": self._index.alias}},
                {"add": {"index": new_index, "alias": self._index.alias}},
            ]
        )

    def drop(self, version: int) -> None:
        self._drop_index(self._index.version_index(version))

    def abandon(self, new: int) -> None:
        self.drop(new)  # the lock, with its `building`, goes when the rebuild lock is released

    def _drop_index(self, name: str) -> None:
        self._admin.delete_index(name)
        self._admin.delete_index(self._index.keys_index(name))
