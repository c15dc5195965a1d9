"""A full sync's bulk load on the embedded index (`EmbeddedVersions.bulk_load`): readers see the
old version until it ends, then all of it; nothing the load did not rewrite is lost, nothing it
saw deleted comes back; a load stopped half-way is finished, never dropped."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

from indexer.backends.base import CandidateQuery
from indexer.backends.embedded import EmbeddedBackend
from indexer.documents import to_document
from records import Identifier, IdType, Record, Source
from tests.integration.indexer.test_embedded import ROOT, _run_and_kill, people


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as raw:
        return dict(raw.execute("SELECT name, value FROM meta"))


def found_by_keys(backend: EmbeddedBackend, record: Record) -> bool:
    keys = to_document(record).name_keys
    got = backend.candidates(CandidateQuery(name_keys=keys, limit=10_000))
    return record.record_id in {c.record.record_id for c in got}


def test_readers_see_the_old_version_until_the_load_ends_then_all_of_it(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path)
    backend.upsert(people(0, 300))  # stored before the load; 200-299 are not synced again
    with backend.bulk_load():
        assert backend.upsert(people(100, 400)).indexed == 400  # 100-199 again, 300-499 new
        assert backend.delete([people(0, 1)[0].record_id]).deleted == 1  # seen at once
        assert backend.delete([people(450, 1)[0].record_id]).deleted == 1  # loaded, deleted
        # readers: the old version, less the delete
        assert backend.count() == 299
        assert backend.get([people(350, 1)[0].record_id]) == []
        # what is stored, for a reconciliation: both versions
        assert len(list(backend.ids(Source.CCTNS))) == 498
        assert "keystage_v2" in tables(path) and "keys_v2" not in tables(path)
    assert backend.count() == 498  # 1-499, less 450
    assert backend.get([people(0, 1)[0].record_id]) == []
    assert backend.get([people(450, 1)[0].record_id]) == []
    for i in (1, 150, 250, 350, 499):  # kept, rewritten, kept from the old version, new, last
        assert found_by_keys(backend, people(i, 1)[0]), i
    assert meta(path)["current"] == "2"
    assert {"bulk", "building"}.isdisjoint(meta(path))
    assert not {"keystage_v2", "records_v1", "keys_v1"} & tables(path)
    assert {"keys_v2", "records_v2"} <= tables(path)
    with sqlite3.connect(path) as raw:
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"keys_v2_rid", "ids_v2_rev", "records_v2_profile"} <= indexes
    backend.close()


def linked(start: int, n: int) -> list[Record]:
    """People sharing driving licences in pairs (index links) and a FIR (labels)."""
    out = []
    for r in people(start, n):
        i = int(r.record_id.rsplit("-", 1)[1])
        ids = (Identifier(type=IdType.DRIVING_LICENCE, value=f"MH01{i // 2:011d}"),)
        out.append(r.model_copy(update={"identifiers": ids}))
    return out


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as raw:
        v = raw.execute("SELECT value FROM meta WHERE name = 'current'").fetchone()[0]
        rid = f"(SELECT record_id FROM records_v{v} r WHERE r.rid = t.rid)"
        return {
            "records": sorted(
                raw.execute(
                    f"SELECT record_id, labels, version, profile_id, json FROM records_v{v}"
                )
            ),
            "keys": sorted(raw.execute(f"SELECT key, {rid} FROM keys_v{v} t")),
            "ids": sorted(raw.execute(f"SELECT type, value, rev, partial, {rid} FROM ids_v{v} t")),
            "links": sorted(raw.execute(f"SELECT a, b, reason, key FROM links_v{v}")),
            "names": sorted(
                raw.execute(
                    f"SELECT (SELECT record_id FROM records_v{v} r WHERE r.rid = t.rowid), text "
                    f"FROM names_v{v} t"
                )
            ),
        }


def test_a_bulk_load_stores_what_batch_by_batch_writes_store(tmp_path: Path) -> None:
    records = linked(0, 600)
    bulk, incremental = EmbeddedBackend(tmp_path / "bulk.db"), EmbeddedBackend(tmp_path / "i.db")
    with bulk.bulk_load():
        for start in range(0, 600, 150):
            bulk.upsert(records[start : start + 150])
    for start in range(0, 600, 150):
        incremental.upsert(records[start : start + 150])
    bulk.close()
    incremental.close()
    a, b = rows(tmp_path / "bulk.db"), rows(tmp_path / "i.db")
    assert len(a["links"]) == 300 and len(a["keys"]) > 600
    assert a == b


LOADER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from indexer.backends.embedded import EmbeddedBackend
    from tests.integration.indexer.test_embedded import people
    backend = EmbeddedBackend({path!r})
    with backend.bulk_load():
        print("ready", flush=True)
        start = 0
        while True:
            backend.upsert(people(start, 500))
            start += 500
    """
)


def test_a_load_that_died_is_finished_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path)
    backend.upsert(people(1_000_000, 50))  # not in the load: kept
    backend.close()
    _run_and_kill(
        LOADER.format(root=str(ROOT), path=str(path)),
        path,
        "SELECT 1 FROM records_v2 WHERE rid >= 1000",
    )
    assert meta(path)["bulk"] == "2"
    with sqlite3.connect(path) as raw:
        loaded = raw.execute("SELECT COUNT(*) FROM records_v2").fetchone()[0]
    assert loaded >= 1000 and loaded % 500 == 0  # whole batches
    # the sync moved its checkpoints past these records: dropping them would lose them
    backend = EmbeddedBackend(path)
    assert backend.count() == loaded + 50
    assert found_by_keys(backend, people(loaded - 1, 1)[0])
    assert found_by_keys(backend, people(1_000_000, 1)[0])
    assert {"bulk", "building"}.isdisjoint(meta(path))
    assert not {"keystage_v2", "records_v1"} & tables(path)
    result = backend.rebuild()
    assert (result.old_version, result.new_version) == (2, 3)
    backend.close()


def test_a_load_while_a_rebuild_runs_writes_as_an_incremental_sync(tmp_path: Path) -> None:
    from indexer.backends.sqlite_versions import rebuild_lock

    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path)
    with rebuild_lock(path), backend.bulk_load():
        backend.upsert(people(0, 10))
        assert backend.count() == 10  # seen at once: no new version
    assert meta(path)["current"] == "1"
    assert found_by_keys(backend, people(9, 1)[0])
    backend.close()
