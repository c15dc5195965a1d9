"""The stored graph walked under a caller's policy, on small hand-made records in a real
embedded index: co-accused connect, placeholders and hubs do not, hidden records change
nothing, and a role that sees less gets less."""

from __future__ import annotations

from pathlib import Path

import pytest

from auth.policy import Policy
from auth.principal import Caller, Role
from federation import PersonSearchService
from federation.linkage import load_model
from federation.profile_ids import ProfileIds
from indexer.backends.base import Backend
from network import GraphStore, NetworkService, node_id, record_node
from network.hook import rebuild, sync_hook
from network.model import NodeKind
from records import Identifier, IdType, Kind, Person, Record, Sensitivity, Source
from tests.plugins.api import fill
from tests.plugins.backends import make


def _accused(native: str, name: str, fir: str, state: str = "MH", **extra: object) -> Record:
    phones = extra.pop("phones", ())
    return make(
        Source.CCTNS,
        native,
        Kind.ACCUSED,
        state=state,
        district="PUNE",
        people=(Person(name=name, phones=phones),),  # type: ignore[arg-type]
        identifiers=(Identifier(type=IdType.FIR, value=fir),),
        **extra,
    )


def _world() -> list[Record]:
    records = [
        _accused("A1", "RAJU PATIL", "MH/0412/2024/0001", phones=("+919822000001",)),
        _accused("A2", "SURESH JADHAV", "MH/0412/2024/0001", phones=("+919822000002",)),
        _accused("A5", "KIRAN SHINDE", "MH/0412/2022/0300", phones=("+919822000002",)),
        _accused("A3", "VIKAS MORE", "MH/0412/2024/0002", phones=("+919822000003",)),
        # outside Maharashtra: an MH officer sees these records, not their phones
        _accused("A0", "KIRAN GOWDA", "KA/0101/2024/0001", state="KA", phones=("+919822000003",)),
        _accused("A6", "MANJU GOWDA", "KA/0101/2024/0002", state="KA", phones=("+919800000006",)),
        # a sexual-offence case: hidden from an officer without the clearance
        _accused(
            "S1",
            "HIDDEN PERSON",
            "MH/0412/2024/0009",
            phones=("+919822000001",),
            sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}),
        ),
    ]
    # 40 strangers whose records all carry a placeholder number, and 40 more sharing a station
    # phone: neither may join anyone
    for i in range(40):
        records.append(
            _accused(f"P{i}", f"STRANGER {i}", f"MH/0999/2024/{i:04d}", phones=("+919999999999",))
        )
        records.append(
            _accused(f"H{i}", f"VISITOR {i}", f"MH/0998/2024/{i:04d}", phones=("+919422000100",))
        )
    records.append(
        _accused("A4", "RAJU PATIL", "MH/0412/2023/0077", phones=("+919999999999", "+919422000100"))
    )
    # held in Bihar on A3's FIR: the case names station 0412 and FIR 2/2024, not its state
    records.append(
        make(
            Source.EPRISONS,
            "BR/BEUR/2024/000001",
            Kind.INMATE,
            state="BR",
            people=(Person(name="VIKAS MORE"),),
            identifiers=(Identifier(type=IdType.FIR, value="0412/2024/0002", partial=True),),
        )
    )
    return records


@pytest.fixture
def backend(embedded_backend: Backend) -> Backend:
    return fill(embedded_backend, _world())


@pytest.fixture
def service(tmp_path: Path, backend: Backend) -> NetworkService:
    embedded_backend = backend
    store = GraphStore(tmp_path / "network.db")
    rebuild(store, embedded_backend.records())
    policy = Policy.load()
    persons = PersonSearchService(
        embedded_backend,
        policy,
        ids=ProfileIds.from_file(tmp_path / "ids.key"),
        model=load_model(None),
    )
    return NetworkService(store, policy, persons, embedded_backend)


def _officer(**kw: object) -> Caller:
    base: dict[str, object] = {
        "subject": "MH-PUNE-1",
        "role": Role.OFFICER,
        "scopes": frozenset(),
        "state": "MH",
        "district": "PUNE",
    }
    base.update(kw)
    return Caller(**base)  # type: ignore[arg-type]


def _ids(answer: object) -> set[str]:
    return {n.id for n in answer.nodes}  # type: ignore[attr-defined]


def test_co_accused_are_two_hops_apart(service: NetworkService) -> None:
    answer = service.neighbourhood(
        _officer(), [record_node("cctns:A1")], hops=2, max_nodes=100, max_edges=100
    )
    hops = {n.id: n.hop for n in answer.nodes}
    assert hops[node_id(NodeKind.FIR, "MH/0412/2024/0001")] == 1
    assert hops[record_node("cctns:A2")] == 2
    assert record_node("cctns:A3") not in hops  # another FIR, nothing shared
    evidence = [e for e in answer.edges if e.record_id == "cctns:A2"]
    assert evidence and evidence[0].relation == "accused in" and evidence[0].source is Source.CCTNS


def test_an_inmate_whose_case_does_not_state_the_fir_s_state_meets_its_accused(
    service: NetworkService,
) -> None:
    """Skipping a FIR without its state, the inmate held in Bihar had no FIR edge at all."""
    answer = service.neighbourhood(
        _officer(), [record_node("cctns:A3")], hops=2, max_nodes=100, max_edges=100
    )
    hops = {n.id: n.hop for n in answer.nodes}
    assert hops[record_node("eprisons:BR/BEUR/2024/000001")] == 2
    [edge] = [e for e in answer.edges if e.record_id == "eprisons:BR/BEUR/2024/000001"]
    assert edge.relation == "imprisoned on"
    assert edge.node == node_id(NodeKind.FIR, "MH/0412/2024/0002")  # tied to the stated case


def test_placeholder_and_hub_values_join_nobody(service: NetworkService) -> None:
    answer = service.neighbourhood(
        _officer(), [record_node("cctns:A4")], hops=3, max_nodes=500, max_edges=500
    )
    by_id = {n.id: n for n in answer.nodes}
    placeholder = by_id[node_id(NodeKind.PHONE, "+919999999999")]
    hub = by_id[node_id(NodeKind.PHONE, "+919422000100")]
    assert placeholder.suppressed is not None and placeholder.suppressed.reason == "placeholder"
    assert placeholder.suppressed.holders == 41
    assert hub.suppressed is not None and hub.suppressed.reason == "hub"
    assert hub.suppressed.holders == 41
    assert not any(i.startswith("record:cctns:P") or i.startswith("record:cctns:H") for i in by_id)
    # and no path runs through them
    found = service.paths(
        _officer(), [record_node("cctns:A4")], [record_node("cctns:P3")], max_hops=6, max_paths=5
    )
    assert found.paths == ()


def test_a_hidden_record_is_absent_and_changes_no_count(service: NetworkService) -> None:
    seed = [record_node("cctns:A1")]
    plain = service.neighbourhood(_officer(), seed, hops=3, max_nodes=100, max_edges=100)
    cleared = service.neighbourhood(
        _officer(clearances=frozenset({"sensitive"})), seed, hops=3, max_nodes=100, max_edges=100
    )
    assert record_node("cctns:S1") not in _ids(plain)
    assert record_node("cctns:S1") in _ids(cleared)
    assert node_id(NodeKind.FIR, "0412/2024/0009") not in _ids(plain)
    # the hidden record's FIR is reached only through it; its phone's holders count one less
    assert len(plain.edges) == len(cleared.edges) - 2
    assert all(e.record_id != "cctns:S1" for e in plain.edges)


def test_outside_his_state_an_officer_sees_no_phone_edges(service: NetworkService) -> None:
    seed = [record_node("cctns:A1")]
    home = service.neighbourhood(_officer(), seed, hops=1, max_nodes=100, max_edges=100)
    away = service.neighbourhood(
        _officer(state="KA", district="BENGALURU"), seed, hops=1, max_nodes=100, max_edges=100
    )
    phone = node_id(NodeKind.PHONE, "+919822000001")
    assert phone in _ids(home)
    assert phone not in _ids(away)  # an officer outside MH sees identity and status only
    assert node_id(NodeKind.FIR, "MH/0412/2024/0001") in _ids(away)  # the case is identity


def test_the_sync_hook_updates_edges_incrementally(tmp_path: Path) -> None:
    hook, forget, close = sync_hook(tmp_path / "network.db")
    try:
        hook([_accused("A1", "RAJU PATIL", "MH/0412/2024/0001", phones=("+919822000001",))])
        hook([_accused("A1", "RAJU PATIL", "MH/0412/2024/0005")])  # a newer version
        store = GraphStore(tmp_path / "network.db")
        stats = store.stats()
        assert stats.edges == 1 and stats.nodes == {"fir": 1}
        forget(["cctns:A1"])  # a tombstone: the engine's on_removed
        assert store.stats().edges == 0 and store.stats().nodes == {}
        store.close()
    finally:
        close()


def test_a_record_gone_from_the_index_joins_nothing(
    service: NetworkService, backend: Backend
) -> None:
    seed = [record_node("cctns:A1")]
    before = service.neighbourhood(_officer(), seed, hops=4, max_nodes=100, max_edges=100)
    assert record_node("cctns:A5") in _ids(before)  # A1 - FIR - A2 - phone - A5
    backend.delete(["cctns:A2"])  # a tombstone the graph has not heard of yet
    backend.flush()
    after = service.neighbourhood(_officer(), seed, hops=4, max_nodes=100, max_edges=100)
    assert record_node("cctns:A2") not in _ids(after)
    assert record_node("cctns:A5") not in _ids(after)
    assert node_id(NodeKind.PHONE, "+919822000002") not in _ids(after)
    assert all(e.record_id != "cctns:A2" for e in after.edges)


def test_degrees_kept_by_pages_equal_a_recount(tmp_path: Path) -> None:
    import random
    import sqlite3

    rng = random.Random(5)
    store = GraphStore(tmp_path / "network.db")
    phones = [f"+9198220{i:05d}" for i in range(8)]
    for _ in range(30):  # pages of new versions, repeats within a page, and removals
        page = [
            _accused(
                f"R{rng.randrange(40)}",
                "X",
                f"MH/0412/2024/{rng.randrange(6):04d}",
                phones=tuple(rng.sample(phones, rng.randrange(3))),
            )
            for _ in range(rng.randrange(1, 12))
        ]
        store.replace(page)
        if rng.random() < 0.3:
            store.remove([f"cctns:R{rng.randrange(40)}"])
    conn = sqlite3.connect(tmp_path / "network.db")
    kept = dict(conn.execute("SELECT node, degree FROM nodes"))
    counted = dict(conn.execute("SELECT node, COUNT(*) FROM edges GROUP BY node"))
    assert kept == counted
    conn.close()
    store.close()


def test_an_identifier_seeds_only_where_the_caller_may_see_it(service: NetworkService) -> None:
    shared = node_id(NodeKind.PHONE, "+919822000003")  # KA's A0 (first by id) and MH's A3
    assert service.value_seed(_officer(), shared) == [shared]
    elsewhere = node_id(NodeKind.PHONE, "+919800000006")  # only KA's A6 carries it
    assert service.value_seed(_officer(), elsewhere) is None
    assert service.value_seed(_officer(state="KA", district="BENGALURU"), elsewhere) == [elsewhere]


def _inmate(native: str, name: str, fir: str, state: str = "BR") -> Record:
    return make(
        Source.EPRISONS,
        native,
        Kind.INMATE,
        state=state,
        people=(Person(name=name),),
        identifiers=(Identifier(type=IdType.FIR, value=fir, partial=True),),
    )


def _cross_state() -> list[Record]:
    """Station code 0412, FIR 7 of 2024, registered in Maharashtra and in Karnataka (station
    codes repeat from state to state), and an inmate whose case names it without a state."""
    return [
        _accused("MH1", "RAJU PATIL", "MH/0412/2024/0007"),
        _accused("MH2", "SURESH JADHAV", "MH/0412/2024/0007"),
        _accused("KA1", "MANJU GOWDA", "KA/0412/2024/0007", state="KA"),
        _inmate("BR/BEUR/2024/000009", "SURESH JADHAV", "0412/2024/0007"),
    ]


def _supervisor() -> Caller:
    return Caller(
        subject="NCRB-1", role=Role.SUPERVISOR, scopes=frozenset(), state=None, district=None
    )


@pytest.fixture
def cross_state(tmp_path: Path, embedded_backend: Backend) -> NetworkService:
    backend = fill(embedded_backend, _cross_state())
    store = GraphStore(tmp_path / "network.db")
    rebuild(store, backend.records())
    policy = Policy.load()
    persons = PersonSearchService(
        backend, policy, ids=ProfileIds.from_file(tmp_path / "ids.key"), model=load_model(None)
    )
    return NetworkService(store, policy, persons, backend)


def test_the_same_fir_number_in_two_states_makes_no_co_accused(
    cross_state: NetworkService,
) -> None:
    """With one stateless FIR node, Karnataka's accused was two hops from Maharashtra's: a
    co-accused in the graph, its paths and its hubs, though it is another case."""
    seed = [record_node("cctns:MH1")]
    near = cross_state.neighbourhood(_supervisor(), seed, hops=2, max_nodes=100, max_edges=100)
    hops = {n.id: n.hop for n in near.nodes}
    assert hops[record_node("cctns:MH2")] == 2
    assert hops[record_node("eprisons:BR/BEUR/2024/000009")] == 2  # his case may be this one
    assert record_node("cctns:KA1") not in hops
    # Karnataka's accused is reached only through the inmate whose case could be either
    far = cross_state.neighbourhood(_supervisor(), seed, hops=4, max_nodes=100, max_edges=100)
    assert {n.id: n.hop for n in far.nodes}[record_node("cctns:KA1")] == 4
    inmate = [e for e in far.edges if e.record_id == "eprisons:BR/BEUR/2024/000009"]
    assert {e.node for e in inmate} == {
        node_id(NodeKind.FIR, "0412/2024/0007"),
        node_id(NodeKind.FIR, "KA/0412/2024/0007"),
        node_id(NodeKind.FIR, "MH/0412/2024/0007"),
    }


def test_a_fir_without_its_state_seeds_every_state_s_case(cross_state: NetworkService) -> None:
    stateless = node_id(NodeKind.FIR, "0412/2024/0007")
    assert cross_state.value_seed(_supervisor(), stateless) == [
        stateless,
        node_id(NodeKind.FIR, "KA/0412/2024/0007"),
        node_id(NodeKind.FIR, "MH/0412/2024/0007"),
    ]
    mh = node_id(NodeKind.FIR, "MH/0412/2024/0007")
    assert cross_state.value_seed(_supervisor(), mh) == [mh]


def _edges(path: Path) -> set[tuple[str, str]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT record_id, node FROM edges"))
    finally:
        conn.close()


def test_pages_in_any_order_tie_inmates_as_a_rebuild_does(tmp_path: Path) -> None:
    """Inmates before their case, cases before their inmates, a case's last accused gone and
    an inmate's new version: the incremental graph equals a full build of what is left, and
    every degree its recount."""
    import random
    import sqlite3

    rng = random.Random(11)
    store = GraphStore(tmp_path / "pages.db")
    kept: dict[str, Record] = {}
    for _ in range(60):
        page: list[Record] = []
        for _ in range(rng.randrange(1, 6)):
            fir = f"0412/2024/{rng.randrange(3):04d}"
            if rng.random() < 0.4:
                record = _inmate(f"BR/BEUR/2024/{rng.randrange(6):06d}", "X", fir)
            else:
                state = rng.choice(["MH", "KA", "TN"])
                record = _accused(f"R{rng.randrange(12)}", "X", f"{state}/{fir}", state=state)
            page.append(record)
            kept[record.record_id] = record
        store.replace(page)
        if rng.random() < 0.4 and kept:
            gone = rng.choice(sorted(kept))
            store.remove([gone])
            del kept[gone]
    full = GraphStore(tmp_path / "full.db")
    rebuild(full, iter(sorted(kept.values(), key=lambda r: r.record_id)))
    assert _edges(tmp_path / "pages.db") == _edges(tmp_path / "full.db")
    conn = sqlite3.connect(tmp_path / "pages.db")
    assert dict(conn.execute("SELECT node, degree FROM nodes")) == dict(
        conn.execute("SELECT node, COUNT(*) FROM edges GROUP BY node")
    )
    conn.close()
    assert store.stale() is None and full.stale() is None
    store.close()
    full.close()


def test_a_graph_built_with_stateless_fir_nodes_says_to_rebuild(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "network.db")
    store.replace([_accused("A1", "RAJU PATIL", "MH/0412/2024/0001")])
    store.set_meta("fir_nodes_version", None)  # as a graph from before stated FIR nodes
    assert "icjs network rebuild" in (store.stale() or "")
    rebuild(store, iter([_accused("A1", "RAJU PATIL", "MH/0412/2024/0001")]))
    assert store.stale() is None
    store.close()
