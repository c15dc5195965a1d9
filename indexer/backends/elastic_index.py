"""Where a cluster backend's reads and writes go: the alias, its versioned indices, the rebuild
lock index and the records deleted while a rebuild runs.

Versions are indices `{prefix}-records-v{N}` behind the alias `{prefix}-records`; every read goes
through the alias. The rebuild lock is the index `{prefix}-rebuild-lock` (created atomically:
creating an existing index fails); its `lock` document names the version being built, which
writers read once per batch to write there too, and `gone:{id}` documents mark records deleted
during the build so that the fill does not bring them back.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any

from indexer.backends import queries as q
from indexer.backends.base import BackendError
from indexer.backends.elastic_links import ElasticLinkStore, keys_index_body
from indexer.backends.engines import Engine


class ElasticIndex:
    def __init__(self, engine: Engine, *, prefix: str, shards: int = 1, replicas: int = 0) -> None:
        self.engine = engine
        self.prefix = prefix
        self.alias = f"{prefix}-records"
        self.lock_index = f"{prefix}-rebuild-lock"
        self.shards = shards
        self.replicas = replicas
        admin = engine.admin
        if not admin.alias_targets(self.alias):
            first = self.version_index(1)
            admin.create_index(self.keys_index(first), keys_index_body(replicas))
            admin.create_index(first, q.index_body(shards, replicas))
            if not admin.alias_targets(self.alias):
                admin.update_aliases([{"add": {"index": first, "alias": self.alias}}])

    def version_index(self, n: int) -> str:
        return f"{self.alias}-v{n}"

    def keys_index(self, records_index: str) -> str:
        """The link-key index that belongs to one records index version."""
        return f"{self.prefix}-linkkeys-v{version_of(records_index)}"

    def link_store(self, index: str) -> ElasticLinkStore:
        return ElasticLinkStore(self.engine.docs, index, self.keys_index(index))

    def current_index(self) -> str:
        targets = self.engine.admin.alias_targets(self.alias)
        if len(targets) != 1:
            raise BackendError(f"alias {self.alias} points to {targets or 'nothing'}")
        return targets[0]

    def versions(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for name in self.engine.admin.indices(f"{self.alias}-v*"):
            suffix = name.rsplit("-v", 1)[-1]
            if suffix.isdigit():
                out[int(suffix)] = name
        return out

    def building(self) -> str | None:
        """The index a rebuild is filling, if one runs."""
        locked = bool(self.engine.admin.indices(self.lock_index))
        lock = self.engine.docs.get(self.lock_index, "lock") if locked else None
        building = lock.get("building") if lock else None
        return str(building) if building else None

    def targets(self) -> list[str]:
        """Concrete indices every write goes to: current, and the one a rebuild is filling."""
        current = self.current_index()
        building = self.building()
        return [current] if building in (None, current) else [current, str(building)]

    def lock_doc(self, building: str | None) -> dict[str, Any]:
        holder = f"pid {os.getpid()} on {socket.gethostname()}"
        return {"holder": holder, "since": datetime.now(UTC).isoformat(), "building": building}

    def mark_gone(self, record_ids: list[str]) -> None:
        """Deleted while a rebuild runs: its fill must not write them back."""
        operations: list[dict[str, Any]] = []
        for record_id in record_ids:
            operations.extend(
                [{"index": {"_index": self.lock_index, "_id": f"gone:{record_id}"}}, {}]
            )
        if operations:
            self.engine.docs.bulk(operations)
            self.engine.admin.refresh(self.lock_index)

    def ungone(self, record_ids: list[str]) -> None:
        """Written again after a delete: no longer gone."""
        operations = [
            {"delete": {"_index": self.lock_index, "_id": f"gone:{i}"}} for i in record_ids
        ]
        if operations:
            self.engine.docs.bulk(operations)

    def gone_among(self, record_ids: list[str]) -> set[str]:
        """Those of `record_ids` deleted since the rebuild started."""
        marks = self.engine.docs.mget(self.lock_index, [f"gone:{i}" for i in record_ids], False)
        return {str(doc["_id"]).removeprefix("gone:") for doc in marks}

    def keys_version(self, index: str) -> int:
        return int(self.engine.admin.mapping_meta(index).get("keys_version", 1))

    def fir_keys_version(self, index: str) -> int:
        return int(self.engine.admin.mapping_meta(index).get("fir_keys_version", 1))

    def drop_all(self) -> None:
        """Delete every index of this prefix (tests, and `icjs index` after a backup)."""
        for name in self.engine.admin.indices(f"{self.prefix}-*"):
            self.engine.admin.delete_index(name)


def version_of(index: str) -> int:
    """N of `…-records-vN`."""
    return int(index.rsplit("-v", 1)[-1])
