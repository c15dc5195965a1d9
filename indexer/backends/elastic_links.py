"""`indexer.links.LinkStore` over one Elasticsearch/OpenSearch index.

Links live in the documents themselves (`links`: every link touching the record, so each link is
stored on both its ends) and the profile id beside them, so that a candidate comes back with its
profile in one search. Reads of links go through realtime multi-get, so they see writes not yet
refreshed; only `records_by_link_keys` is a search, which is why linking runs in `flush` after a
refresh (see `ElasticBackend.flush`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from indexer.backends.base import BackendError, Link
from indexer.backends.engines import Engine
from records import Record

_PAGE = 1000


def _link(body: dict[str, Any]) -> Link:
    return Link(a=body["a"], b=body["b"], reason=body["reason"], key=body["key"])


def _body(link: Link) -> dict[str, str]:
    return {"a": link.a, "b": link.b, "reason": link.reason, "key": link.key}


def check_bulk(result: dict[str, Any], *, ignore: tuple[int, ...] = ()) -> None:
    """Bookkeeping writes (links, profiles) must all land; a failure is an error, not a skip."""
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


class ElasticLinkStore:
    def __init__(self, engine: Engine, index: str) -> None:
        self._engine = engine
        self._index = index

    def records_by_link_keys(self, keys: Collection[str]) -> dict[str, list[Record]]:
        wanted = sorted(keys)
        out: dict[str, list[Record]] = {}
        for start in range(0, len(wanted), _PAGE):
            chunk = wanted[start : start + _PAGE]
            result = self._engine.search(
                self._index,
                {
                    "query": {"terms": {"link_keys": chunk}},
                    "size": 10_000,
                    "_source": ["record", "link_keys"],
                },
            )
            for hit in result["hits"]["hits"]:
                record = Record.model_validate(hit["_source"]["record"])
                for key in set(hit["_source"].get("link_keys", ())) & set(chunk):
                    out.setdefault(key, []).append(record)
        return {k: v for k, v in out.items() if len(v) > 1}

    def _links_of(self, record_ids: Collection[str]) -> dict[str, list[Link]]:
        docs = self._engine.mget(self._index, sorted(record_ids), ["links"])
        return {d["_id"]: [_link(x) for x in d["_source"].get("links", [])] for d in docs}

    def edges_touching(self, record_ids: Collection[str]) -> list[Link]:
        found = {link for links in self._links_of(record_ids).values() for link in links}
        return sorted(found, key=lambda x: (x.a, x.b, x.reason))

    def replace_edges(self, record_ids: Collection[str], links: Sequence[Link]) -> None:
        ids = set(record_ids)
        old = self.edges_touching(ids)
        affected = ids | {x for link in [*old, *links] for x in (link.a, link.b)}
        operations: list[dict[str, Any]] = []
        for doc_id, current in self._links_of(affected).items():
            kept = [x for x in current if x.a not in ids and x.b not in ids]
            added = [x for x in links if doc_id in (x.a, x.b)]
            new = sorted(set(kept + added), key=lambda x: (x.a, x.b, x.reason))
            if new != sorted(set(current), key=lambda x: (x.a, x.b, x.reason)):
                operations.append(
                    {"update": {"_index": self._index, "_id": doc_id, "retry_on_conflict": 5}}
                )
                operations.append({"doc": {"links": [_body(x) for x in new]}})
        if operations:
            check_bulk(self._engine.bulk(operations))

    def set_profiles(self, assignment: Mapping[str, str]) -> None:
        operations: list[dict[str, Any]] = []
        for record_id, profile_id in sorted(assignment.items()):
            operations.append(
                {"update": {"_index": self._index, "_id": record_id, "retry_on_conflict": 5}}
            )
            operations.append({"doc": {"profile_id": profile_id, "linked": True}})
        for start in range(0, len(operations), 2 * _PAGE):
            # a record deleted meanwhile has no profile to set: 404 is fine
            check_bulk(self._engine.bulk(operations[start : start + 2 * _PAGE]), ignore=(404,))
