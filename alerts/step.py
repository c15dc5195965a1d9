"""The alert step: run after each batch the sync wrote, on what changed, before the checkpoint
moves past it.

    changed records → cases (`alerts.cases`) → kept in `alert_cases`
    → each case against the other side's cases it cannot be ruled out against (`alerts.store`),
      and a stolen report against Vahan's registrations in the index (chassis or engine tail)
    → scored with reasons (`alerts.persons`, `alerts.vehicles`), ranked, the top few above the
      kind's threshold (`alerts.matchers`) queued in the outbox, one message per recipient

Cases and messages are written in one transaction on the alerts database, and the sync engine
calls this step (`on_written`) before it commits the page's checkpoint: a crash re-reads the
page and re-runs the match; the outbox's `dedup_key` keeps the re-run from sending twice.

Revoked NOCs (`federation.revoke_on_reports`, which runs in the same hook just before) leave
`noc_events`; this step turns each into a message for the certificate's holder desk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from federation.noc_store import NocStore
from indexer.backends.base import Backend, CandidateQuery, Filters, IdentifierTerm
from indexer.labels import classified
from records import IdType, Kind, Record, Source
from state.outbox import Outbox

from . import matchers, persons
from .cases import FOUND, MISSING, REGISTRATION, STOLEN, Case, case_of, recipient
from .directory import Directory
from .matchers import Match
from .searches import SearchMemory, hit_payload
from .shares import CaseShares
from .store import AlertStore

log = logging.getLogger("icjs.alerts")

FEED = "feed"


@dataclass
class StepReport:
    records: int = 0
    cases: int = 0
    compared: int = 0
    queued: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class AlertStep:
    def __init__(
        self,
        store: AlertStore,
        outbox: Outbox,
        *,
        backend: Backend | None = None,
        nocs: NocStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        directory: Directory | None = None,
        searches: SearchMemory | None = None,
    ) -> None:
        self.searches = searches
        self.store = store
        self.outbox = outbox
        self.backend = backend
        self.nocs = nocs
        self.clock = clock
        self.directory = directory or Directory()
        self.totals = StepReport()
        self.shares = CaseShares()

    def __call__(self, records: Sequence[Record]) -> None:
        self.run(records)

    def forget(self, record_ids: Sequence[str]) -> None:
        """Records their source deleted (a tombstone, a reconciliation): their cases leave
        `alert_cases`, so no later record is matched against a report that no longer exists."""
        with self.store.db.write() as conn:
            self.store.remove(conn, record_ids)

    def run(self, records: Sequence[Record]) -> StepReport:
        report = StepReport(records=len(records))
        now = self.clock()
        cases = [c for c in (case_of(r) for r in classified(records)) if c is not None]
        kept = [c for c in cases if c.side != REGISTRATION]
        report.cases = len(cases)
        with self.store.db.write() as conn:
            if not self.shares.loaded:
                self.shares.load(conn)
            self.store.put(conn, kept, now=now)
            self.shares.update(kept)
            vehicles = self.store.vehicles_like(
                conn, [c for c in cases if c.side in (STOLEN, REGISTRATION)]
            )
            candidates = [(case, self._candidates(conn, case, vehicles)) for case in cases]
            # first what sure pairs teach (so this batch's ranking already uses it), then rank
            for case, found in candidates:
                self._learn(conn, case, found)
            for case, found in candidates:
                report.compared += len(found)
                for match in matchers.to_send(case, found, self.shares):
                    queued = self._queue(conn, match, now)
                    report.queued += queued
                    report.by_kind[match.kind] = report.by_kind.get(match.kind, 0) + queued
            if self.searches is not None:
                report.queued += self._retro(conn, records, now, report)
        if self.nocs is not None:
            report.queued += self._noc_events(now)
        self._add(report)
        return report

    def _learn(self, conn: sa.Connection, case: Case, found: list[Case]) -> None:
        if case.side not in (MISSING, FOUND):
            return
        for other in found:
            m, f = (case, other) if case.side == MISSING else (other, case)
            if persons.exclusions(m, f) is not None:
                continue
            if persons.sure(m, f, self.shares):
                alike = persons.described_alike(m, f)
                self.shares.learn(conn, f"{m.record_id}|{f.record_id}", alike)

    def matches_for(self, record: Record) -> list[Match]:
        """Every candidate match of one record, ranked (the benchmark's and the tests' view)."""
        case = case_of(classified([record])[0])
        if case is None:
            return []
        with self.store.db.read() as conn:
            if not self.shares.loaded:
                self.shares.load(conn)
            return matchers.ranked(case, self._candidates(conn, case), self.shares)

    def _candidates(
        self,
        conn: sa.Connection,
        case: Case,
        vehicles: dict[str, list[Case]] | None = None,
    ) -> list[Case]:
        if case.side in (STOLEN, REGISTRATION):
            if vehicles is None:
                vehicles = self.store.vehicles_like(conn, [case])
            found = list(vehicles.get(case.record_id, []))
            if case.side == STOLEN:
                found += self._registrations(case)
            return found
        return self.store.people_like(conn, case)

    def _registrations(self, report: Case) -> list[Case]:
        """Vahan registrations in the index carrying the report's chassis or engine number (or
        one ending with it)."""
        if self.backend is None:
            return []
        terms: list[IdentifierTerm] = []
        if report.chassis_tail:
            terms.append(IdentifierTerm(IdType.CHASSIS, report.chassis_tail, suffix=True))
        if report.engine_tail:
            terms.append(IdentifierTerm(IdType.ENGINE, report.engine_tail, suffix=True))
        if not terms:
            return []
        query = CandidateQuery(
            identifiers=tuple(terms),
            filters=Filters(
                sources=frozenset({Source.VAHAN}),
                kinds=frozenset({Kind.VEHICLE_REGISTRATION}),
            ),
            limit=200,
        )
        out = []
        for candidate in self.backend.candidates(query):
            case = case_of(candidate.record)
            if case is not None:
                out.append(case)
        return out

    def _queue(self, conn: sa.Connection, match: Match, now: datetime) -> int:
        queued = 0
        for side in match.recipients():
            to = recipient(side)
            payload = match.payload(side)
            for channel in self.channels(to):
                key = f"{match.kind}:{match.pair_key}:{channel}:{to}"
                queued += self.outbox.add(
                    kind=match.kind,
                    channel=channel,
                    recipient=to,
                    dedup_key=key,
                    payload=payload,
                    now=now,
                    conn=conn,
                )
        return queued

    def _noc_events(self, now: datetime) -> int:
        assert self.nocs is not None
        queued = 0
        events = self.nocs.pending_events(limit=500)
        for event in events:
            noc = self.nocs.get(event.noc_id)
            payload = {
                "kind": "noc_revoked",
                "noc_id": event.noc_id,
                "registration_no": event.registration_no,
                "record_id": event.record_id,
                "reason": event.detail,
                "at": event.at,
            }
            holder = noc.issued_to if noc is not None else None
            to = f"noc:{holder}" if holder else "noc:unknown"
            for channel in self.channels(to):
                queued += self.outbox.add(
                    kind="noc_revoked",
                    channel=channel,
                    recipient=to,
                    dedup_key=f"noc_revoked:{event.id}:{channel}:{to}",
                    payload=payload,
                    now=now,
                )
        if events:
            self.nocs.mark_picked([e.id for e in events], now)
        return queued

    def _retro(
        self, conn: sa.Connection, records: Sequence[Record], now: datetime, report: StepReport
    ) -> int:
        """Retro-hits on remembered searches and hits on watches (`alerts.searches`)."""
        assert self.searches is not None
        queued = 0
        for hit in self.searches.hits(conn, records, now):
            payload = hit_payload(hit)
            to = f"officer:{hit.remembered.subject}"
            kind = str(payload["kind"])
            for channel in self.channels(to):
                got = self.outbox.add(
                    kind=kind,
                    channel=channel,
                    recipient=to,
                    dedup_key=f"{kind}:{hit.remembered.id}:{hit.record.record_id}:{channel}",
                    payload=payload,
                    now=now,
                    conn=conn,
                )
                queued += got
                report.by_kind[kind] = report.by_kind.get(kind, 0) + got
        return queued

    def channels(self, recipient: str) -> list[str]:
        """The feed always; e-mail, webhook, SMS where the directory has a contact."""
        return [FEED, *self.directory.channels(recipient)]

    def _add(self, report: StepReport) -> None:
        t = self.totals
        t.records += report.records
        t.cases += report.cases
        t.compared += report.compared
        t.queued += report.queued
        for kind, n in report.by_kind.items():
            t.by_kind[kind] = t.by_kind.get(kind, 0) + n
