"""An inmate held outside the state of an older FIR still links to that FIR's accused.

e-Prisons names an inmate's cases by police-station code and FIR number, not by the FIR's state;
the simulated world arrests some offenders in other states than their earlier FIRs. Synced over
HTTP from the simulators into the real embedded backend, every inmate case whose FIR's accused
is the same person (ground truth) must be linked to that accused when their names agree, the
cross-state ones included, and never through a FIR that claims the prison's state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from indexer import open_backend
from indexer.comparison import Similarity
from indexer.links import NAME_AGREES
from indexer.sides import sides_of
from records import IdType, Kind
from records.firs import fir_without_state
from simulators.harness import Running

pytestmark = pytest.mark.slow


def test_inmates_link_to_the_accused_of_their_fir_in_any_state(
    simulators_factory: Callable[..., Running], tmp_path: Path
) -> None:
    sims = simulators_factory(seed=11, persons=1500, faults="none")
    sources = {
        n: SourceSettings(**e) for n, e in sims.manifest.items() if n in ("cctns", "eprisons")
    }
    backend = open_backend(SearchSettings(backend="embedded", path=tmp_path / "index.db"))
    try:
        report = asyncio.run(
            run_sync(
                sources, backend, tmp_path / "sync.db", SyncSettings(state_path=tmp_path / "s.db")
            )
        )
        assert all(r.status == "ok" for r in report.sources.values()), report
        records = {r.record_id: r for r in backend.records()}
        inmates = [r for r in records.values() if r.kind is Kind.INMATE]
        accused_by_fir: dict[str, list[str]] = {}
        for r in records.values():
            if r.kind is Kind.ACCUSED:
                for i in r.identifiers:
                    if i.type is IdType.FIR:
                        accused_by_fir.setdefault(str(fir_without_state(i.value)), []).append(
                            r.record_id
                        )
        links = {(x.a, x.b) for x in backend.links(sorted(records)) if x.reason == "fir"}
        similar = Similarity()
        expected = cross_state = 0
        for inmate in inmates:
            person = set(sims.ground_truth.person_of(inmate.record_id))
            for ident in inmate.identifiers:
                if ident.type is not IdType.FIR:
                    continue
                # a case's FIR is never said to be of the prison's state without saying so
                assert ident.partial and ident.value.count("/") == 2, ident
                for other in accused_by_fir.get(ident.value, ()):
                    accused = records[other]
                    if not person & set(sims.ground_truth.person_of(other)):
                        assert tuple(sorted((inmate.record_id, other))) not in links
                        continue
                    a, b = sides_of(inmate)[0], sides_of(accused)[0]
                    if similar.names(a, b) < NAME_AGREES:
                        continue  # the names disagree too much for a FIR link: not expected
                    expected += 1
                    cross_state += accused.state != inmate.state
                    assert tuple(sorted((inmate.record_id, other))) in links, (inmate, accused)
        assert expected > 20 and cross_state > 0, (expected, cross_state)
    finally:
        backend.close()
