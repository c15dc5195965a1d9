"""Group commit of audit appends (`state.audit._GroupCommit`): threads arriving while a batch is
written share the next one; nobody returns before its own entry is written, and a batch that
fails fails every append in it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from state.audit import AuditEntry, AuditEvent, _GroupCommit


def _event(i: int) -> AuditEvent:
    return AuditEvent(route=f"/r/{i}", method="GET", status=200, decision="allow")


class SlowWriter:
    """Writes a batch in 20 ms (a commit waiting for a disk), numbering entries in order."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail
        self.busy = threading.Lock()

    def __call__(self, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        assert self.busy.acquire(blocking=False), "two batches written at once"
        try:
            time.sleep(0.02)
            if self.fail:
                raise OSError("disk full")
            start = sum(len(b) for b in self.batches)
            self.batches.append([e.route for e in events])
            return [
                AuditEntry(
                    start + i + 1,
                    "t",
                    "a",
                    None,
                    None,
                    None,
                    None,
                    None,
                    e.route,
                    "GET",
                    200,
                    "allow",
                    None,
                    None,
                    [],
                    0.0,
                    None,
                    None,
                    "p",
                    "h",
                )
                for i, e in enumerate(events)
            ]
        finally:
            self.busy.release()


def _run(group: _GroupCommit, n: int) -> tuple[dict[int, AuditEntry], dict[int, BaseException]]:
    done: dict[int, AuditEntry] = {}
    failed: dict[int, BaseException] = {}

    def one(i: int) -> None:
        try:
            done[i] = group.append(_event(i))
        except BaseException as exc:
            failed[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return done, failed


def test_concurrent_appends_share_batches_and_each_gets_its_own_entry():
    writer = SlowWriter()
    done, failed = _run(_GroupCommit(writer), 40)
    assert not failed and len(done) == 40
    assert all(entry.route == f"/r/{i}" for i, entry in done.items())
    assert sorted(e.seq for e in done.values()) == list(range(1, 41))
    assert len(writer.batches) < 40  # later arrivals were written together
    assert sorted(r for b in writer.batches for r in b) == sorted(f"/r/{i}" for i in range(40))


def test_a_failed_batch_fails_every_append_in_it():
    done, failed = _run(_GroupCommit(SlowWriter(fail=True)), 12)
    assert not done and len(failed) == 12
    assert all(isinstance(e, OSError) for e in failed.values())


def test_one_append_alone_is_written_at_once():
    writer = SlowWriter()
    group = _GroupCommit(writer)
    assert group.append(_event(1)).seq == 1
    assert group.append(_event(2)).seq == 2
    assert writer.batches == [["/r/1"], ["/r/2"]]
    with pytest.raises(OSError):
        _GroupCommit(SlowWriter(fail=True)).append(_event(3))
