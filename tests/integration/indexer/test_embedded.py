"""Embedded-only properties: concurrent readers during writes, crash safety, abandoned builds."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from indexer.backends.base import CandidateQuery
from indexer.backends.embedded import EmbeddedBackend
from indexer.documents import to_document
from matching.api import name_keys
from records import Kind, Person, Record, Source
from tests.plugins.backends import make

ROOT = Path(__file__).resolve().parents[3]


def people(start: int, n: int) -> list[Record]:
    return [
        make(
            Source.CCTNS,
            f"P-{i:07d}",
            Kind.ACCUSED,
            state="MH",
            people=(Person(name=f"RAMESH {['PATIL', 'KUMAR', 'SINGH'][i % 3]} N{i}"),),
        )
        for i in range(start, start + n)
    ]


def test_many_readers_while_one_writer_syncs(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "icjs.db")
    backend.upsert(people(0, 200))
    errors: list[BaseException] = []
    counts: list[int] = []
    done = threading.Event()

    def read() -> None:
        query = CandidateQuery(name_keys=name_keys("Ramesh Patil"), name_text="ramesh patil")
        while not done.is_set():
            try:
                got = backend.candidates(query)
                counts.append(len(got))
                assert all(c.record.people for c in got)
            except BaseException as exc:
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for start in range(200, 1200, 100):
        assert backend.upsert(people(start, 100)).indexed == 100
    done.set()
    for thread in readers:
        thread.join(timeout=30)
    backend.close()
    assert errors == []
    assert len(counts) > 4
    assert counts == sorted(counts) or max(counts) <= 300  # reads only ever see whole batches


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from indexer.backends.embedded import EmbeddedBackend
    from tests.integration.indexer.test_embedded import people
    backend = EmbeddedBackend({path!r})
    print("ready", flush=True)
    start = 0
    while True:
        backend.upsert(people(start, 500))
        start += 500
    """
)


def _run_and_kill(script: str, path: Path, ready_sql: str) -> None:
    """Start `script`, wait until `ready_sql` (on the database it writes) returns a row, so that
    the kill lands mid-work however loaded the machine is, then SIGKILL it."""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(path, timeout=1) as con:
                if con.execute(ready_sql).fetchone():
                    break
        except sqlite3.OperationalError:
            pass  # busy or the table is not there yet
        time.sleep(0.05)
    time.sleep(0.2)  # into the next batch
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_a_killed_writer_leaves_a_consistent_index(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    _run_and_kill(
        WRITER.format(root=str(ROOT), path=str(path)),
        path,
        "SELECT 1 FROM records_v1 WHERE rid >= 1000",
    )
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    backend = EmbeddedBackend(path)
    total = backend.count()
    assert total > 0 and total % 500 == 0  # whole batches only
    with sqlite3.connect(path) as raw:
        names = raw.execute("SELECT COUNT(*) FROM names_v1").fetchone()[0]
        key_rids = raw.execute("SELECT COUNT(DISTINCT rid) FROM keys_v1").fetchone()[0]
    assert names == key_rids == total
    last = f"cctns:P-{total - 1:07d}"
    (record,) = backend.get([last])
    keys = to_document(record).name_keys
    got = backend.candidates(CandidateQuery(name_keys=keys, limit=total))
    assert last in {c.record.record_id for c in got}
    backend.close()


REBUILDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from indexer.backends.embedded import EmbeddedBackend
    from tests.integration.indexer.test_embedded import people
    backend = EmbeddedBackend({path!r})
    def slow():
        print("ready", flush=True)
        for record in people(0, 5000):
            time.sleep(0.001)
            yield record
    backend.rebuild(slow())
    """
)


def test_a_rebuild_that_died_is_cleaned_up_and_the_old_version_kept(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path)
    backend.upsert(people(0, 50))
    backend.close()
    _run_and_kill(
        REBUILDER.format(root=str(ROOT), path=str(path)),
        path,
        "SELECT 1 FROM records_v2 WHERE rid >= 1000",
    )
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE name='building'").fetchone() == ("2",)
    backend = EmbeddedBackend(path)  # opening notices the dead build and drops it
    assert backend.count() == 50
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE name='building'").fetchone() is None
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "records_v2" not in tables
    result = backend.rebuild()
    assert (result.old_version, result.new_version, result.records) == (1, 3, 50)
    backend.close()


def test_a_placeholder_identifier_shared_by_many_records_links_nothing(tmp_path: Path) -> None:
    from indexer.links import MAX_HOLDERS
    from records import Identifier, IdType

    dummy = Identifier(type=IdType.DRIVING_LICENCE, value="MH0000000000000")
    many = [r.model_copy(update={"identifiers": (dummy,)}) for r in people(0, MAX_HOLDERS + 5)]
    backend = EmbeddedBackend(tmp_path / "icjs.db")
    backend.upsert(many[:2])
    assert len(backend.links([many[0].record_id])) == 1  # two holders: a real link
    backend.upsert(many[2:])
    late = many[-1].record_id
    assert backend.links([late]) == []  # past MAX_HOLDERS the value is a placeholder
    backend.close()
