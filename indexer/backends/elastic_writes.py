"""Writing to a cluster backend: guarded bulk writes, links settled in the write path.

Writes: `_bulk` in batches. A newer-version-wins guard reads the stored `version` and `checksum`
by realtime multi-get, then writes with `if_seq_no`/`if_primary_term` (or `create` for new ids),
so a concurrent writer cannot slip in between: its write makes ours conflict, and we re-read and
retry. Per item: 429/502/503/504 and rejected executions are retried with backoff; conflicts are
re-read and retried; anything else (a mapping error) is reported in `BulkResult.failed` with the
engine's reason. An item is counted as indexed only on a 2xx for that item.

Links: decided in the write path, as on the embedded backend, through the realtime link-key
index (`indexer.backends.elastic_links`): a record is linked and carries its profile id as soon as
its batch is written, whichever process wrote it.

Refresh policy: bulk writes never ask for a refresh (that is what makes a sync slow). The index's
own `refresh_interval` (1 s; 30 s during a full sync, `bulk_load`) makes writes searchable soon
after; `flush()` refreshes at once.

Writers resolve the alias to concrete index names once per batch (`ElasticIndex.targets`): while a
rebuild fills a new version, every write goes there too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from indexer import labels
from indexer.backends import queries as q
from indexer.backends.base import BulkResult
from indexer.backends.elastic_index import ElasticIndex
from indexer.backends.elastic_labels import ElasticLabelLookup
from indexer.backends.elastic_links import register_keys
from indexer.documents import IndexDocument, to_document, to_documents
from indexer.links import LinkEngine, cluster_label
from records import Record

BATCH = 500  # documents per _bulk: ~1-2 MB requests, well under http.max_content_length
RETRYABLE = frozenset({429, 502, 503, 504})
ATTEMPTS = 4
BACKOFF_S = 0.5
BULK_REFRESH = "30s"  # refresh interval during a full sync (`ElasticWrites.bulk_load`)


class ElasticWrites:
    """`RecordWrites` on a cluster."""

    def __init__(self, index: ElasticIndex) -> None:
        self._index = index
        self._engine = index.engine
        self._docs = index.engine.docs

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        docs, failed = to_documents(labels.classified(records))
        targets = self._index.targets()
        if len(targets) > 1:
            self._index.ungone([d.record_id for d in docs])
        indexed = skipped = 0
        for n, index in enumerate(targets):
            for start in range(0, len(docs), BATCH):
                done, stale, errors = self.write_labelled(index, docs[start : start + BATCH])
                if n == 0:
                    indexed += done
                    skipped += stale
                    failed.extend(errors)
        return BulkResult(indexed=indexed, skipped=skipped, failed=tuple(failed))

    def write_labelled(
        self, index: str, docs: Sequence[IndexDocument]
    ) -> tuple[int, int, list[tuple[str, str]]]:
        """`_write_batch` with the case labels of the documents' FIRs (`indexer.labels`), then
        the stored records sharing a FIR with a labelled one labelled too."""
        lookup = ElasticLabelLookup(self._engine, index)
        labelled = labels.label_batch([d.record for d in docs], lookup)
        docs = [d if r is d.record else to_document(r) for d, r in zip(docs, labelled, strict=True)]
        done, stale, failed, written = self._write_batch(index, docs)
        followers = labels.spread(written, lookup)
        if followers:
            _, _, errors, _ = self._write_batch(index, [to_document(r) for r in followers])
            failed.extend(errors)
        return done, stale, failed

    def _write_batch(
        self, index: str, docs: Sequence[IndexDocument]
    ) -> tuple[int, int, list[tuple[str, str]], list[Record]]:
        """Write, register link keys, link: (indexed, skipped as stale, failed, the records
        written)."""
        done, stale, failed, written = self._write(index, docs)
        added = [
            (k, d.record_id) for d, old in written for k in sorted(d.link_keys - (old or set()))
        ]
        removed = [
            (k, d.record_id) for d, old in written for k in sorted((old or set()) - d.link_keys)
        ]
        register_keys(self._docs, self._index.keys_index(index), added, removed)
        if written:
            LinkEngine(self._index.link_store(index)).relink(
                [doc.record for doc, _ in written],
                fresh=[doc.record_id for doc, old in written if old is None],
                left_keys={k for k, _ in removed},
            )
        return done, stale, failed, [doc.record for doc, _ in written]

    def _write(
        self, index: str, docs: Sequence[IndexDocument]
    ) -> tuple[int, int, list[tuple[str, str]], list[tuple[IndexDocument, frozenset[str] | None]]]:
        """Guarded bulk write of `docs` to `index`: (indexed, skipped as stale, failed, and the
        documents written with the link keys they replaced, None for a new record)."""
        by_id = {d.record_id: d for d in docs}
        pending = dict(by_id)
        done = stale = 0
        failed: list[tuple[str, str]] = []
        written: list[tuple[IndexDocument, frozenset[str] | None]] = []
        last_error: dict[str, str] = {}
        for attempt in range(ATTEMPTS):
            if not pending:
                break
            if attempt:
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
            operations, unchanged, older, old_keys = self._operations(index, pending)
            done += unchanged
            stale += older
            pending = {}
            if not operations:
                break
            for item in self._docs.bulk(operations)["items"]:
                outcome = next(iter(item.values()))
                status = int(outcome.get("status", 500))
                record_id = str(outcome["_id"])
                if 200 <= status < 300:
                    done += 1
                    written.append((by_id[record_id], old_keys.get(record_id)))
                    continue
                error = outcome.get("error") or {}
                reason = f"HTTP {status} {error.get('type', 'error')}: {error.get('reason', '')}"
                retryable = (
                    status in RETRYABLE
                    or status == 409  # a concurrent write: re-read the version and try again
                    or error.get("type") == "es_rejected_execution_exception"
                )
                if retryable:
                    pending[record_id] = by_id[record_id]
                    last_error[record_id] = reason
                else:
                    failed.append((record_id, reason[:500]))
        failed.extend(
            (i, f"gave up after {ATTEMPTS} attempts: {last_error[i]}"[:500]) for i in pending
        )
        return done, stale, failed, written

    def _operations(
        self, index: str, pending: dict[str, IndexDocument]
    ) -> tuple[list[dict[str, Any]], int, int, dict[str, frozenset[str]]]:
        """Bulk operations for the documents newer than what `index` holds; also how many were
        already stored unchanged, and how many are older than the stored version."""
        stored = {
            d["_id"]: d
            for d in self._docs.mget(
                index, sorted(pending), ["version", "checksum", "links", "profile_id", "link_keys"]
            )
        }
        operations: list[dict[str, Any]] = []
        old_keys: dict[str, frozenset[str]] = {}
        unchanged = older = 0
        for record_id, doc in pending.items():
            old = stored.get(record_id)
            if old is None:
                operations.append({"create": {"_index": index, "_id": record_id}})
                operations.append(q.document_body(doc, profile_id=cluster_label([record_id])))
                continue
            source = old["_source"]
            if source["version"] > doc.version:
                older += 1
                continue
            if source["version"] == doc.version and source.get("checksum") == q.checksum(doc):
                unchanged += 1
                continue
            old_keys[record_id] = frozenset(source.get("link_keys") or ())
            operations.append(
                {
                    "index": {
                        "_index": index,
                        "_id": record_id,
                        "if_seq_no": old["_seq_no"],
                        "if_primary_term": old["_primary_term"],
                    }
                }
            )
            # links and profile carry over; relinking after the write corrects them
            operations.append(
                q.document_body(
                    doc,
                    profile_id=source.get("profile_id") or cluster_label([record_id]),
                    links=source.get("links") or [],
                )
            )
        return operations, unchanged, older, old_keys

    def delete(self, record_ids: Sequence[str]) -> BulkResult:
        wanted = list(dict.fromkeys(record_ids))
        targets = self._index.targets()
        if len(targets) > 1:
            self._index.mark_gone(wanted)
        deleted = 0
        failed: list[tuple[str, str]] = []
        for n, index in enumerate(targets):
            stored = {
                d["_id"]: frozenset(d["_source"].get("link_keys") or ())
                for d in self._docs.mget(index, wanted, ["link_keys"])
            }
            if not stored:
                continue
            # unlink first, while the records still hold their links
            LinkEngine(self._index.link_store(index)).relink(
                [], removed=list(stored), left_keys=set().union(*stored.values())
            )
            operations = [{"delete": {"_index": index, "_id": i}} for i in stored]
            result = self._docs.bulk(operations)
            gone: list[str] = []
            for item in result["items"]:
                outcome = item["delete"]
                status = int(outcome.get("status", 500))
                if 200 <= status < 300 or status == 404:
                    gone.append(str(outcome["_id"]))
                    deleted += 1 if n == 0 and status != 404 else 0
                elif n == 0:
                    error = outcome.get("error") or {}
                    failed.append((str(outcome["_id"]), f"HTTP {status} {error.get('reason', '')}"))
            removed = [(k, i) for i in gone for k in sorted(stored[i])]
            register_keys(self._docs, self._index.keys_index(index), [], removed)
        return BulkResult(deleted=deleted, failed=tuple(failed))

    def flush(self) -> None:
        """Make every write so far searchable now, rather than within `refresh_interval`."""
        for index in self._index.targets():
            self._engine.admin.refresh(index)

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """A full sync: the current index refreshes every `BULK_REFRESH` instead of every
        second while it runs (each refresh writes a small segment that merges then rewrite),
        then at once. Not -1: a sync killed mid-way would leave writes unsearchable until
        something refreshed. Replicas stay: dropping them would lose the load with a node.
        Linking reads by realtime get and the label look-up refreshes before it searches, so
        what is written is the same. During a rebuild (its new index has refreshes off until
        it switches) nothing is changed."""
        targets = self._index.targets()
        if len(targets) > 1:
            yield
            return
        admin = self._engine.admin
        admin.put_settings(targets[0], {"index": {"refresh_interval": BULK_REFRESH}})
        try:
            yield
        finally:
            admin.put_settings(targets[0], {"index": {"refresh_interval": q.REFRESH_INTERVAL}})
            admin.refresh(targets[0])
