"""The Elasticsearch / OpenSearch backend: same contract as the embedded one, for clusters.

Index lifecycle: versions are indices `{prefix}-records-v{N}` behind the alias
`{prefix}-records`; every read and write goes through the alias. A rebuild holds a lock (the
index `{prefix}-rebuild-lock`, created atomically: creating an existing index fails), fills
`v{N+1}` while writers also write there (they read the lock's `building` field once per batch),
swaps the alias in one `_aliases` call (atomic on the cluster), deletes `v{N}`, then the lock.

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
own `refresh_interval` (1 s) makes writes searchable soon after; `flush()` refreshes at once (call
it at the end of a sync batch or run when searches must see the writes immediately). A rebuild
fills its new index with refreshes off and turns them back on before the swap.

Writers resolve the alias to concrete index names once per batch; the rebuild keeps its lock
(and with it the dual writes) until the old index is deleted, so a batch in flight during the
swap lands in both versions.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from config import SearchSettings
from indexer import labels
from indexer.backends import queries as q
from indexer.backends.base import (
    BackendError,
    BulkResult,
    Candidate,
    CandidateQuery,
    Filters,
    Health,
    IndexStats,
    Link,
    RebuildInProgress,
    RebuildResult,
    stale_keys,
)
from indexer.backends.elastic_labels import ElasticLabelLookup
from indexer.backends.elastic_links import (
    KEYS_INDEX_BODY,
    ElasticLinkStore,
    register_keys,
)
from indexer.backends.engines import Engine, engine_for
from indexer.documents import (
    IndexDocument,
    min_shared_grams,
    query_grams,
    to_document,
    to_documents,
)
from indexer.links import LinkEngine, cluster_label
from records import Record, Source

BATCH = 500  # documents per _bulk: ~1-2 MB requests, well under http.max_content_length
RETRYABLE = frozenset({429, 502, 503, 504})
ATTEMPTS = 4
BACKOFF_S = 0.5
_PAGE = 1000


class ElasticBackend:
    def __init__(self, engine: Engine, *, prefix: str, shards: int = 1, replicas: int = 0) -> None:
        self._engine = engine
        self._prefix = prefix
        self._alias = f"{prefix}-records"
        self._lock_index = f"{prefix}-rebuild-lock"
        self._shards = shards
        self._replicas = replicas
        if not self._engine.alias_targets(self._alias):
            first = self._version_index(1)
            self._engine.create_index(self._keys_index(first), KEYS_INDEX_BODY)
            self._engine.create_index(first, q.index_body(shards, replicas))
            if not self._engine.alias_targets(self._alias):
                self._engine.update_aliases([{"add": {"index": first, "alias": self._alias}}])

    @classmethod
    def from_settings(cls, settings: SearchSettings) -> ElasticBackend:
        return cls(
            engine_for(settings),
            prefix=settings.index_prefix,
            shards=settings.shards,
            replicas=settings.replicas,
        )

    def _version_index(self, n: int) -> str:
        return f"{self._alias}-v{n}"

    def _keys_index(self, records_index: str) -> str:
        """The link-key index that belongs to one records index version."""
        return f"{self._prefix}-linkkeys-v{records_index.rsplit('-v', 1)[-1]}"

    def _store(self, index: str) -> ElasticLinkStore:
        return ElasticLinkStore(self._engine, index, self._keys_index(index))

    def _current_index(self) -> str:
        targets = self._engine.alias_targets(self._alias)
        if len(targets) != 1:
            raise BackendError(f"alias {self._alias} points to {targets or 'nothing'}")
        return targets[0]

    def _versions(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for name in self._engine.indices(f"{self._alias}-v*"):
            suffix = name.rsplit("-v", 1)[-1]
            if suffix.isdigit():
                out[int(suffix)] = name
        return out

    def _building(self) -> str | None:
        lock = self._engine.get(self._lock_index, "lock") if self._lock_exists() else None
        building = lock.get("building") if lock else None
        return str(building) if building else None

    def _lock_exists(self) -> bool:
        return bool(self._engine.indices(self._lock_index))

    def _targets(self) -> list[str]:
        """Concrete indices every write goes to: current, and the one a rebuild is filling."""
        current = self._current_index()
        building = self._building()
        return [current] if building in (None, current) else [current, str(building)]

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        docs, failed = to_documents(labels.classified(records))
        targets = self._targets()
        if len(targets) > 1:
            self._ungone([d.record_id for d in docs])
        indexed = skipped = 0
        for n, index in enumerate(targets):
            for start in range(0, len(docs), BATCH):
                done, stale, errors = self._write_labelled(index, docs[start : start + BATCH])
                if n == 0:
                    indexed += done
                    skipped += stale
                    failed.extend(errors)
        return BulkResult(indexed=indexed, skipped=skipped, failed=tuple(failed))

    def _write_labelled(
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
        register_keys(self._engine, self._keys_index(index), added, removed)
        if written:
            LinkEngine(self._store(index)).relink(
                [doc.record for doc, _ in written],
                fresh=[doc.record_id for doc, old in written if old is None],
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
            for item in self._engine.bulk(operations)["items"]:
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
            for d in self._engine.mget(
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
        targets = self._targets()
        if len(targets) > 1:
            self._mark_gone(wanted)
        deleted = 0
        failed: list[tuple[str, str]] = []
        for n, index in enumerate(targets):
            stored = {
                d["_id"]: frozenset(d["_source"].get("link_keys") or ())
                for d in self._engine.mget(index, wanted, ["link_keys"])
            }
            if not stored:
                continue
            # unlink first, while the records still hold their links
            LinkEngine(self._store(index)).relink([], removed=list(stored))
            operations = [{"delete": {"_index": index, "_id": i}} for i in stored]
            result = self._engine.bulk(operations)
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
            register_keys(self._engine, self._keys_index(index), [], removed)
        return BulkResult(deleted=deleted, failed=tuple(failed))

    def flush(self) -> None:
        """Make every write so far searchable now, rather than within `refresh_interval`."""
        for index in self._targets():
            self._engine.refresh(index)

    # -- reads ------------------------------------------------------------------------------

    def get(self, record_ids: Sequence[str]) -> list[Record]:
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), _PAGE):
            for doc in self._engine.mget(self._alias, wanted[start : start + _PAGE], ["record"]):
                found[doc["_id"]] = Record.model_validate(doc["_source"]["record"])
        return [found[i] for i in wanted if i in found]

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        searches: list[dict[str, Any]] = []
        if query.name_keys:
            key_query = q.key_query(
                query.filters, query.name_keys, query.boost_keys, query.boost_weight
            )
            searches.append(q.search_body(key_query, query.limit, q.KEY_SEARCH_FIELDS))
        if query.near_keys and query.near_limit:
            near = q.near_query(
                query.filters,
                query.near_keys,
                query.name_keys,
                query.boost_keys,
                query.boost_weight,
                query.near_weight,
            )
            searches.append(q.search_body(near, query.near_limit))
        id_clauses = q.identifier_clauses(query.identifiers)
        if id_clauses:
            searches.append(q.search_body(q.within(query.filters, id_clauses), query.limit))
        grams = query_grams(query.name_text) if query.name_text else frozenset()
        if grams:
            need = min_shared_grams(len(grams))
            fuzzy = q.within(query.filters, q.fuzzy_clauses(grams), need)
            searches.append(q.search_body(fuzzy, query.limit))
        if not searches:
            return []
        body: list[dict[str, Any]] = []
        for search in searches:
            body.extend([{"index": self._alias}, search])
        if query.name_keys:
            body.extend([{"index": self._alias}, q.frequencies_body(query.name_keys)])
        result = self._engine.msearch(body)
        scores: dict[str, float] = {}
        sources: dict[str, dict[str, Any]] = {}
        held: dict[str, frozenset[str]] = {}
        frequency: dict[str, int] = {}
        for response in result["responses"]:
            if "error" in response:
                error = response["error"]
                raise BackendError(f"candidate search failed: {error.get('type', error)}")
            if "aggregations" in response:
                buckets = response["aggregations"]["keys"]["buckets"]
                frequency = {k: int(b["doc_count"]) for k, b in buckets.items()}
                continue
            for hit in response["hits"]["hits"]:
                scores[hit["_id"]] = scores.get(hit["_id"], 0.0) + float(hit["_score"] or 0.0)
                source = hit["_source"]
                sources[hit["_id"]] = source
                if "all_keys" in source:
                    held[hit["_id"]] = query.name_keys.intersection(source["all_keys"])
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: query.limit]
        return [
            Candidate(
                record=Record.model_validate(sources[i]["record"]),
                retrieval_score=score,
                profile_id=sources[i].get("profile_id"),
                key_frequency=min(
                    (frequency[k] for k in held.get(i, ()) if frequency.get(k)), default=None
                ),
            )
            for i, score in best
        ]

    def count(self, filters: Filters | None = None) -> int:
        clauses = q.filter_clauses(filters)
        query = {"bool": clauses} if clauses else {"match_all": {}}
        return self._engine.count(self._alias, {"query": query})

    def _scan(self, query: dict[str, Any], source: list[str] | bool) -> Iterator[dict[str, Any]]:
        """Every matching document in `record_id` order (search_after: no scroll context)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": query,
                "size": _PAGE,
                "sort": [{"record_id": "asc"}],
                "_source": source,
            }
            if after is not None:
                body["search_after"] = after
            hits = self._engine.search(self._alias, body)["hits"]["hits"]
            yield from hits
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    def ids(self, source: Source) -> Iterable[str]:
        for hit in self._scan({"term": {"source": Source(source).value}}, False):
            yield str(hit["_id"])

    def records(self) -> Iterator[Record]:
        for hit in self._scan({"match_all": {}}, ["record"]):
            yield Record.model_validate(hit["_source"]["record"])

    def profile(self, profile_id: str) -> list[Record]:
        return [
            Record.model_validate(hit["_source"]["record"])
            for hit in self._scan({"term": {"profile_id": profile_id}}, ["record"])
        ]

    def links(self, record_ids: Sequence[str]) -> list[Link]:
        return self._store(self._current_index()).edges_touching(record_ids)

    def stats(self) -> IndexStats:
        index = self._current_index()
        result = self._engine.search(
            self._alias,
            {
                "size": 0,
                "aggs": {
                    "sources": {
                        "terms": {"field": "source", "size": 100},
                        "aggs": {"kinds": {"terms": {"field": "kind", "size": 100}}},
                    },
                    "with_links": {
                        "filter": {"exists": {"field": "links.a"}},
                        "aggs": {"profiles": {"cardinality": {"field": "profile_id"}}},
                    },
                },
            },
        )
        aggs = result["aggregations"]
        by = {
            b["key"]: {k["key"]: k["doc_count"] for k in b["kinds"]["buckets"]}
            for b in aggs["sources"]["buckets"]
        }
        link_count = sum(
            len(hit["_source"].get("links", []))
            for hit in self._scan({"exists": {"field": "links.a"}}, ["links"])
        )
        return IndexStats(
            version=int(index.rsplit("-v", 1)[-1]),
            total=sum(n for kinds in by.values() for n in kinds.values()),
            by_source_kind=by,
            profiles=int(aggs["with_links"]["profiles"]["value"]),
            links=link_count // 2,
            keys_version=self._keys_version(index),
        )

    def health(self) -> Health:
        ok, detail = self._engine.health()
        if not ok:
            return Health(ok=False, detail=detail)
        try:
            index = self._current_index()
            stale = stale_keys(self._keys_version(index))
        except BackendError as exc:
            return Health(ok=False, detail=str(exc))
        detail = f"{detail}; {self._alias} → {index}"
        return Health(ok=True, detail=f"{detail}; {stale}" if stale else detail)

    def _keys_version(self, index: str) -> int:
        return int(self._engine.mapping_meta(index).get("keys_version", 1))

    def close(self) -> None:
        self._engine.close()

    def disk_bytes(self) -> int:
        """Primary store size of the current index version."""
        return self._engine.store_bytes(self._current_index())

    @property
    def engine(self) -> Engine:
        return self._engine

    def drop_all(self) -> None:
        """Delete every index of this prefix (tests, and `icjs index` after a backup)."""
        for name in self._engine.indices(f"{self._prefix}-*"):
            self._engine.delete_index(name)

    # -- lifecycle --------------------------------------------------------------------------

    def rebuild(self, records: Iterable[Record] | None = None) -> RebuildResult:
        started = time.monotonic()
        self._acquire_lock()
        try:
            old = self._current_index()
            versions = self._versions()
            for name in versions.values():
                if name != old:  # a build that died
                    self._engine.delete_index(name)
                    self._engine.delete_index(self._keys_index(name))
            old_n = int(old.rsplit("-v", 1)[-1])
            new_n = max(versions) + 1 if versions else old_n + 1
            new = self._version_index(new_n)
            body = q.index_body(self._shards, self._replicas, refresh_interval="-1")
            self._engine.create_index(self._keys_index(new), KEYS_INDEX_BODY)
            self._engine.create_index(new, body)
            self._engine.put(self._lock_index, "lock", self._lock_doc(new), create=False)
            try:
                count = self._fill(new, records)
                self._engine.put_settings(new, {"index": {"refresh_interval": "1s"}})
                self._engine.refresh(new)
                self._engine.update_aliases(
                    [
                        {"remove": {"index": old, "alias": self._alias}},
                        {"add": {"index": new, "alias": self._alias}},
                    ]
                )
            except BaseException:
                self._engine.delete_index(new)
                self._engine.delete_index(self._keys_index(new))
                raise
            self._engine.delete_index(old)
            self._engine.delete_index(self._keys_index(old))
        finally:
            self._engine.delete_index(self._lock_index)
        return RebuildResult(
            old_version=old_n, new_version=new_n, records=count, seconds=time.monotonic() - started
        )

    def _lock_doc(self, building: str | None) -> dict[str, Any]:
        holder = f"pid {os.getpid()} on {socket.gethostname()}"
        return {"holder": holder, "since": datetime.now(UTC).isoformat(), "building": building}

    def _acquire_lock(self) -> None:
        lock_body = {
            "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {"dynamic": False},
        }
        if not self._engine.create_index(self._lock_index, lock_body):
            lock = self._engine.get(self._lock_index, "lock") or {}
            holder = f"{lock.get('holder', 'unknown')} since {lock.get('since', '?')}"
            raise RebuildInProgress(
                f"another rebuild of {self._alias} is running ({holder}); wait for it to finish, "
                f"or, if that process is gone, delete the index {self._lock_index}"
            )
        self._engine.put(self._lock_index, "lock", self._lock_doc(None), create=False)

    def _fill(self, new: str, records: Iterable[Record] | None) -> int:
        count = 0
        source: Iterable[Record]
        if records is None:
            self._engine.refresh(self._alias)
            source = self.records()
        else:
            source = records
        batch: list[Record] = []
        for record in source:
            batch.append(record)
            if len(batch) >= BATCH:
                count += self._fill_batch(new, batch, check_gone=records is not None)
                batch = []
        if batch:
            count += self._fill_batch(new, batch, check_gone=records is not None)
        return count

    def _fill_batch(self, new: str, batch: list[Record], *, check_gone: bool) -> int:
        docs = {r.record_id: to_document(r) for r in labels.classified(batch)}
        if check_gone:
            gone = self._engine.mget(self._lock_index, [f"gone:{i}" for i in docs], False)
            for doc in gone:
                docs.pop(str(doc["_id"]).removeprefix("gone:"), None)
        _, _, failed = self._write_labelled(new, list(docs.values()))
        if failed:
            raise BackendError(f"rebuild could not write {failed[0][0]}: {failed[0][1]}")
        return len(docs)

    def _mark_gone(self, record_ids: list[str]) -> None:
        operations: list[dict[str, Any]] = []
        for record_id in record_ids:
            operations.extend(
                [{"index": {"_index": self._lock_index, "_id": f"gone:{record_id}"}}, {}]
            )
        if operations:
            self._engine.bulk(operations)
            self._engine.refresh(self._lock_index)

    def _ungone(self, record_ids: list[str]) -> None:
        operations = [
            {"delete": {"_index": self._lock_index, "_id": f"gone:{i}"}} for i in record_ids
        ]
        if operations:
            self._engine.bulk(operations)
