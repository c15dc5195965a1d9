"""Entity links on Elasticsearch/OpenSearch: `indexer.links.LinkStore` over one index version,
and the link-key index that makes linking realtime.

Links live in the record documents themselves (`links`: every link touching the record, so each
link is stored on both its ends) with the profile id beside them, so that a candidate comes back
with its profile in one search. The holders of each link key live in a small side index
(`{prefix}-linkkeys-v{N}`, document id = the key, `ids` = the record ids holding it), kept in step
by scripted updates in the same write path. Everything linking reads is a realtime multi-get by
id, never a search, so records link as soon as they are written: no refresh, no second pass.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from indexer.backends.base import BackendError, IndexLink
from indexer.backends.engines import Documents
from records import Record

_PAGE = 1000


def keys_index_body(replicas: int) -> dict[str, Any]:
    """The link-key index's settings: as many replicas as the records it links (a node lost
    must not take the keys that make linking realtime with it)."""
    return {
        "settings": {
            # read by id only: refresh is moot
            "index": {"refresh_interval": "30s", "number_of_replicas": replicas}
        },
        "mappings": {"dynamic": False, "properties": {"ids": {"type": "keyword", "index": False}}},
    }


_ADD = (
    "if (ctx._source.ids.contains(params.id)) { ctx.op = 'noop' } "
    "else { ctx._source.ids.add(params.id) }"
)
_REMOVE = (
    "int i = ctx._source.ids.indexOf(params.id); "
    "if (i < 0) { ctx.op = 'noop' } else { ctx._source.ids.remove(i); "
    "if (ctx._source.ids.isEmpty()) { ctx.op = 'delete' } }"
)


def link_of(body: dict[str, Any]) -> IndexLink:
    """One link as a document's `links` holds it."""
    return IndexLink(a=body["a"], b=body["b"], reason=body["reason"], key=body["key"])


def _body(link: IndexLink) -> dict[str, str]:
    return {"a": link.a, "b": link.b, "reason": link.reason, "key": link.key}


def _order(links: Collection[IndexLink]) -> list[IndexLink]:
    return sorted(set(links), key=lambda x: (x.a, x.b, x.reason))


def check_bulk(result: dict[str, Any], *, ignore: tuple[int, ...] = ()) -> None:
    """Bookkeeping writes (links, profiles, keys) must all land: a failure is an error."""
    if not result.get("errors"):
        return
    for item in result["items"]:
        outcome = next(iter(item.values()))
        if outcome.get("status", 500) >= 300 and outcome.get("status") not in ignore:
            error = outcome.get("error", {})
            raise BackendError(
                f"link bookkeeping for {outcome.get('_id')} failed: "
                f"{error.get('type', 'error')}: {error.get('reason', '')}"
            )


def register_keys(
    engine: Documents,
    keys_index: str,
    added: Sequence[tuple[str, str]],
    removed: Sequence[tuple[str, str]],
) -> None:
    """Record `(key, record_id)` holders added and removed. Most keys are held by one record, so
    an added key is first a plain `create` (cheap); only a key that exists already gets the
    scripted update that appends to it (so that concurrent writers never overwrite each other)."""
    creates: list[dict[str, Any]] = []
    for key, record_id in added:
        creates.append({"create": {"_index": keys_index, "_id": key}})
        creates.append({"ids": [record_id]})
    scripted: list[dict[str, Any]] = []
    for start in range(0, len(creates), 2 * _PAGE):
        chunk = creates[start : start + 2 * _PAGE]
        result = engine.bulk(chunk)
        if not result.get("errors"):
            continue
        for n, item in enumerate(result["items"]):
            outcome = item["create"]
            if outcome.get("status") == 409:
                record_id = chunk[2 * n + 1]["ids"][0]
                scripted.extend(_scripted(keys_index, str(outcome["_id"]), record_id, _ADD))
            elif outcome.get("status", 500) >= 300:
                check_bulk({"errors": True, "items": [item]})
    for key, record_id in removed:
        scripted.extend(_scripted(keys_index, key, record_id, _REMOVE))
    for start in range(0, len(scripted), 2 * _PAGE):
        check_bulk(engine.bulk(scripted[start : start + 2 * _PAGE]), ignore=(404,))


def _scripted(keys_index: str, key: str, record_id: str, source: str) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"script": {"source": source, "params": {"id": record_id}}}
    if source == _ADD:
        body["upsert"] = {"ids": [record_id]}
    return [{"update": {"_index": keys_index, "_id": key, "retry_on_conflict": 10}}, body]


class ElasticLinkStore:
    def __init__(self, engine: Documents, index: str, keys_index: str) -> None:
        self._engine = engine
        self._index = index
        self._keys_index = keys_index

    def records_by_link_keys(self, keys: Collection[str]) -> dict[str, list[Record]]:
        holders: dict[str, list[str]] = {}
        wanted = sorted(keys)
        for start in range(0, len(wanted), _PAGE):
            for doc in self._engine.mget(self._keys_index, wanted[start : start + _PAGE], True):
                ids = doc["_source"].get("ids", [])
                if len(ids) > 1:
                    holders[doc["_id"]] = ids
        every = sorted({i for ids in holders.values() for i in ids})
        records: dict[str, Record] = {}
        for start in range(0, len(every), _PAGE):
            for doc in self._engine.mget(self._index, every[start : start + _PAGE], ["record"]):
                records[doc["_id"]] = Record.model_validate(doc["_source"]["record"])
        return {k: [records[i] for i in ids if i in records] for k, ids in holders.items()}

    def records(self, record_ids: Collection[str]) -> list[Record]:
        wanted = sorted(record_ids)
        out: list[Record] = []
        for start in range(0, len(wanted), _PAGE):
            for doc in self._engine.mget(self._index, wanted[start : start + _PAGE], ["record"]):
                out.append(Record.model_validate(doc["_source"]["record"]))
        return out

    def _links_of(self, record_ids: Collection[str]) -> dict[str, list[IndexLink]]:
        docs = self._engine.mget(self._index, sorted(record_ids), ["links"])
        return {d["_id"]: [link_of(x) for x in d["_source"].get("links", [])] for d in docs}

    def edges_touching(self, record_ids: Collection[str]) -> list[IndexLink]:
        return _order({x for links in self._links_of(record_ids).values() for x in links})

    def replace_edges(self, record_ids: Collection[str], links: Sequence[IndexLink]) -> None:
        ids = set(record_ids)
        old = self.edges_touching(ids)
        affected = ids | {x for link in [*old, *links] for x in (link.a, link.b)}
        operations: list[dict[str, Any]] = []
        for doc_id, current in self._links_of(affected).items():
            kept = [x for x in current if x.a not in ids and x.b not in ids]
            new = _order(kept + [x for x in links if doc_id in (x.a, x.b)])
            if new != _order(current):
                operations.append(
                    {"update": {"_index": self._index, "_id": doc_id, "retry_on_conflict": 5}}
                )
                operations.append({"doc": {"links": [_body(x) for x in new]}})
        if operations:
            check_bulk(self._engine.bulk(operations))

    def set_profiles(self, assignment: Mapping[str, str]) -> None:
        """Write the profile ids that changed (most records keep the one they were written with)."""
        current = {
            d["_id"]: d["_source"].get("profile_id")
            for d in self._engine.mget(self._index, sorted(assignment), ["profile_id"])
        }
        operations: list[dict[str, Any]] = []
        for record_id, profile_id in sorted(assignment.items()):
            if record_id in current and current[record_id] != profile_id:
                operations.append(
                    {"update": {"_index": self._index, "_id": record_id, "retry_on_conflict": 5}}
                )
                operations.append({"doc": {"profile_id": profile_id}})
        for start in range(0, len(operations), 2 * _PAGE):
            # a record deleted meanwhile has no profile to set: 404 is fine
            check_bulk(self._engine.bulk(operations[start : start + 2 * _PAGE]), ignore=(404,))
