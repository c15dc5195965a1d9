"""The docket's network summary reads the stored graph (a real embedded index and graph store):
a FIR's node has no state, so the accused of the same station code, year and number in another
state share it; the docket prints them as another case, never as co-accused, and prints the
profile's FIR with its state."""

from __future__ import annotations

from pathlib import Path

from auth.policy import Policy
from auth.principal import Caller, Role
from dockets.network import summarise
from federation import PersonSearchService
from federation.linkage import load_model
from federation.profile_ids import ProfileIds
from federation.related import RelatedRecords
from network import GraphStore, NetworkService, record_node
from network.hook import rebuild
from records import Identifier, IdType, Kind, Person, Record, Source
from tests.plugins.api import fill
from tests.plugins.backends import make


def _record(source: Source, native: str, kind: Kind, name: str, fir: str, state: str) -> Record:
    return make(
        source,
        native,
        kind,
        state=state,
        people=(Person(name=name),),
        identifiers=(Identifier(type=IdType.FIR, value=fir, partial=fir.count("/") == 2),),
    )


def test_the_same_fir_number_in_another_state_is_no_co_accused(
    tmp_path: Path, embedded_backend: object
) -> None:
    backend = fill(
        embedded_backend,  # type: ignore[arg-type]
        [
            _record(Source.CCTNS, "MH1", Kind.ACCUSED, "RAJU PATIL", "MH/0412/2024/7", "MH"),
            _record(Source.CCTNS, "MH2", Kind.ACCUSED, "SURESH JADHAV", "MH/0412/2024/7", "MH"),
            # station codes repeat from state to state: Karnataka's 0412, its FIR 7 of 2024
            _record(Source.CCTNS, "KA1", Kind.ACCUSED, "MANJU GOWDA", "KA/0412/2024/7", "KA"),
            # held in Bihar on a case naming station 0412 and FIR 7/2024 without its state
            _record(Source.EPRISONS, "BR1", Kind.INMATE, "SURESH JADHAV", "0412/2024/7", "BR"),
        ],
    )
    policy = Policy.load()
    store = GraphStore(tmp_path / "network.db")
    rebuild(store, backend.records())
    persons = PersonSearchService(
        backend, policy, ids=ProfileIds.from_file(tmp_path / "ids.key"), model=load_model(None)
    )
    network = NetworkService(store, policy, persons, backend)
    caller = Caller(
        subject="NCRB-1", role=Role.SUPERVISOR, scopes=frozenset(), state=None, district=None
    )
    own = {"cctns:MH1"}
    answer = network.neighbourhood(
        caller, [record_node("cctns:MH1")], hops=2, max_nodes=100, max_edges=100
    )
    reached = {e.record_id for e in answer.edges}
    assert {"cctns:MH2", "cctns:KA1", "eprisons:BR1"} <= reached  # one node holds them all
    views = RelatedRecords(backend, policy).views(caller, sorted(reached))
    summary = summarise(answer, own, views)
    [line] = summary.co_accused
    assert line.value == "MH/0412/2024/7"
    held_by = {h.fact.record_id for h in line.others}
    assert held_by == {"cctns:MH2", "eprisons:BR1"}  # not Karnataka's accused
