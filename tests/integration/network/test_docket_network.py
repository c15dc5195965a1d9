"""The docket's network summary reads the stored graph (a real embedded index and graph store):
the accused of the same station code, year and number in another state are another case, never
co-accused. An inmate whose case names no state is tied to every state's case; the docket of a
profile whose own accused record states the case shows that case only, and an inmate alone
shows each case he may be held on."""

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

    def lines(own: set[str]) -> dict[str, set[str]]:
        answer = network.neighbourhood(
            caller, sorted(record_node(r) for r in own), hops=2, max_nodes=100, max_edges=100
        )
        reached = {e.record_id for e in answer.edges}
        views = RelatedRecords(backend, policy).views(caller, sorted(reached))
        summary = summarise(answer, own, views)
        return {line.value: {h.fact.record_id for h in line.others} for line in summary.co_accused}

    # Karnataka's accused of FIR 0412/2024/7 is no co-accused of Maharashtra's
    assert lines({"cctns:MH1"}) == {"MH/0412/2024/7": {"cctns:MH2", "eprisons:BR1"}}
    # the accused and his inmate record: his own CCTNS record says which state's case it is
    assert lines({"cctns:MH2", "eprisons:BR1"}) == {"MH/0412/2024/7": {"cctns:MH1"}}
    # the inmate alone: either case may be his, and each says its state
    assert lines({"eprisons:BR1"}) == {
        "KA/0412/2024/7": {"cctns:KA1"},
        "MH/0412/2024/7": {"cctns:MH1", "cctns:MH2"},
    }
