"""The network over a simulated world synced through the real sync (the graph kept by the
sync's hook), read over HTTP, checked against the world's ground truth: co-accused are
connected with their FIR as evidence; a placeholder phone joins no strangers; a hidden record's
node is absent and changes no count; a role that sees less gets less; bad requests get 4xx."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from auth.principal import Caller, Role
from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from indexer import open_backend
from indexer.backends.base import Backend
from network import GraphStore, NetworkService, record_node
from network.extract import edges_of, fir_node_value
from network.hook import rebuild, store_path, sync_hook
from network.model import NodeKind
from network.suppress import FLOORS, learn_caps
from records import Record, Sensitivity
from simulators.harness import Running
from tests.plugins.api import LiveApi, api_settings_for, start_api

pytestmark = pytest.mark.slow

_FIR_ROW = re.compile(r"^cctns:(?P<fir>[A-Z]{2}-PS\d+-\d{4}-\d{4})-A\d+$")
PURPOSE = {"purpose": "FIR 0123/2024 link analysis"}


@dataclass
class World:
    api: LiveApi
    backend: Backend
    sims: Running
    root: Path

    @property
    def service(self) -> NetworkService:
        service: NetworkService = self.api.app.state.network
        return service

    def profile_of(self, record_id: str) -> str:
        return str(self.api.app.state.persons.ids.issue([record_id]))


@pytest.fixture(scope="module")
def world(simulators: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("network-world")
    backend = open_backend(SearchSettings(backend="embedded", path=root / "icjs.db"))
    hook, forget, close = sync_hook(store_path(root))
    try:
        sources = {n: SourceSettings.model_validate(e) for n, e in simulators.manifest.items()}
        state = root / "sync.db"
        report = asyncio.run(
            run_sync(
                sources,
                backend,
                state,
                SyncSettings(state_path=state),
                on_written=hook,
                on_removed=forget,
            )
        )
        assert report.ok
    finally:
        close()
    settings = api_settings_for(root, rate_limit_per_minute=100_000)
    with start_api(settings, backend) as api:
        yield World(api, backend, simulators, root)
    backend.close()


def _co_accused(world: World) -> list[tuple[Record, Record]]:
    """Pairs of visible (unlabelled) accused rows of one FIR who are two people by the truth."""
    truth = world.sims.ground_truth
    by_fir: dict[str, list[str]] = defaultdict(list)
    for rid in sorted(truth.live_record_ids("cctns")):
        m = _FIR_ROW.match(rid)
        if m:
            by_fir[m["fir"]].append(rid)
    pairs = []
    for rids in by_fir.values():
        if len(rids) < 2:
            continue
        a, b = world.backend.get(rids[:2])
        people_a, people_b = set(truth.person_of(a.record_id)), set(truth.person_of(b.record_id))
        if people_a & people_b or a.sensitivity or b.sensitivity:
            continue
        pairs.append((a, b))
    assert pairs, "the world has FIRs with co-accused"
    return pairs


def _fir_node(record: Record) -> str:
    """The node of the record's FIR: a CCTNS case with its state (`network.extract`)."""
    fir = next(i.value for i in record.identifiers if i.type.value == "fir")
    return f"fir:{fir_node_value(fir)}"


def _officer(world: World, state: str | None, **kw: Any) -> str:
    return world.api.officer(state=state, district=None, **kw)


def test_co_accused_are_connected_through_their_fir(world: World) -> None:
    pairs = _co_accused(world)
    for a, b in pairs[:5]:
        token = _officer(world, a.state)
        r = world.api.get(
            f"/v1/network/profiles/{world.profile_of(a.record_id)}",
            token,
            params={**PURPOSE, "hops": 2},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        ids = {n["id"]: n for n in body["nodes"]}
        assert record_node(b.record_id) in ids, (a.record_id, b.record_id)
        fir = _fir_node(a)
        assert ids[fir]["hop"] == 1
        evidence = [e for e in body["edges"] if e["record_id"] == b.record_id]
        assert any(e["relation"] == "accused in" and e["value_node"] == fir for e in evidence)
        # the shortest path between the two, with the evidence of each step
        p = world.api.get(
            "/v1/network/paths",
            token,
            params={
                **PURPOSE,
                "from_profile": world.profile_of(a.record_id),
                "to_profile": world.profile_of(b.record_id),
            },
        )
        assert p.status_code == 200, p.text
        paths = p.json()["paths"]
        assert paths and paths[0]["length"] == 2
        assert [e["record_id"] for e in paths[0]["edges"]] == [a.record_id, b.record_id]
    # each read is audited with its purpose and the records it showed
    from state.audit import AuditQuery

    entries = world.api.app.state.audit.entries(AuditQuery(limit=1000))
    reads = [e for e in entries if e.route.startswith("/v1/network/") and e.status == 200]
    assert reads and all(e.purpose == PURPOSE["purpose"] and e.record_ids for e in reads)


def _with_phone(records: list[Record], phone: str) -> list[Record]:
    return [
        r.model_copy(
            update={"people": tuple(p.model_copy(update={"phones": (phone,)}) for p in r.people)}
        )
        for r in records
    ]


@pytest.mark.parametrize(
    ("phone", "reason"),
    [("+919999999999", "placeholder"), ("+919422000100", "hub")],
    ids=["placeholder", "station-phone"],
)
def test_a_placeholder_or_hub_phone_joins_no_strangers(
    world: World, phone: str, reason: str
) -> None:
    truth = world.sims.ground_truth
    rows = [r for r in world.backend.get(sorted(truth.live_record_ids("cctns"))) if r.subjects()]
    state = Counter(r.state for r in rows).most_common(1)[0][0]
    chosen: list[Record] = []
    persons: set[str] = set()
    for record in rows:
        pid = set(truth.person_of(record.record_id))
        if record.state == state and not record.sensitivity and not pid & persons:
            persons |= pid
            chosen.append(record)
    chosen = chosen[:40]
    assert len(chosen) > FLOORS[NodeKind.PHONE], "more strangers of one state than the cap"
    # the same rows, each now carrying the number a clerk types when there is none, or the
    # police station's own
    damaged = _with_phone(chosen, phone)
    token = _officer(world, state)
    ask = {**PURPOSE, "hops": 3, "max_nodes": 2000, "max_edges": 5000}
    before = world.api.get(
        f"/v1/network/profiles/{world.profile_of(damaged[0].record_id)}", token, params=ask
    ).json()
    world.backend.upsert(damaged)
    world.backend.flush()
    hook, _, close = sync_hook(store_path(world.root))
    try:
        hook(damaged)
        r = world.api.get(
            f"/v1/network/profiles/{world.profile_of(damaged[0].record_id)}", token, params=ask
        )
        assert r.status_code == 200, r.text
        nodes = {n["id"]: n for n in r.json()["nodes"]}
        shown = nodes[f"phone:{phone}"]
        assert shown["suppressed"] == {"reason": reason, "holders": len(damaged), "at_least": False}
        # nobody is reached through it: what the seed reaches is what it reached before, and
        # the strangers it did not reach then it does not reach now
        strangers = {record_node(x.record_id) for x in damaged[1:]}
        reached_before = {n["id"] for n in before["nodes"]}
        assert not (strangers & set(nodes)) - reached_before, "a placeholder joined strangers"
        assert len(strangers - reached_before) > FLOORS[NodeKind.PHONE] // 2
        p = world.api.get(
            "/v1/network/paths",
            token,
            params={
                **PURPOSE,
                "from_profile": world.profile_of(damaged[0].record_id),
                "to_profile": world.profile_of(
                    next(
                        x.record_id
                        for x in damaged
                        if record_node(x.record_id) not in reached_before
                    )
                ),
                "max_hops": 2,
            },
        )
        assert p.status_code == 200 and p.json()["paths"] == [], p.text
    finally:
        world.backend.upsert(chosen)  # the other tests see the world as it was
        world.backend.flush()
        hook(chosen)
        close()


def test_a_hidden_record_is_absent_and_changes_no_count(world: World, tmp_path: Path) -> None:
    records = list(world.backend.records())
    sensitive = [r for r in records if Sensitivity.SEXUAL_OFFENCE in r.sensitivity]
    assert sensitive, "the world has sexual-offence cases"
    # the same graph as if the labelled records had never been written
    without = GraphStore(tmp_path / "without.db")
    rebuild(without, iter([r for r in records if not r.sensitivity & {Sensitivity.SEXUAL_OFFENCE}]))
    full = GraphStore(tmp_path / "full.db")
    rebuild(full, iter(records))
    # the same caps in both, as a live store's caps are learnt over all records
    caps = learn_caps(full)
    without.set_meta("caps", full.get_meta("caps"))
    assert caps.by_kind
    persons = world.api.app.state.persons
    policy = world.api.app.state.auth.policy
    plain = Caller("t", Role.OFFICER, frozenset(), state=sensitive[0].state)
    cleared = Caller(
        "t",
        Role.OFFICER,
        frozenset(),
        state=sensitive[0].state,
        clearances=frozenset({"sensitive"}),
    )
    compared = 0
    for s in sensitive[:15]:
        on_full = NetworkService(full, policy, persons, world.backend)
        on_without = NetworkService(without, policy, persons, world.backend)
        seen = on_full.neighbourhood(
            cleared, [record_node(s.record_id)], hops=3, max_nodes=2000, max_edges=5000
        )
        near = [
            n.value
            for n in seen.nodes
            if n.kind.value == "record"
            and n.value != s.record_id
            and n.value not in {x.record_id for x in sensitive}
        ]
        for seed in near[:3]:
            a = on_full.neighbourhood(
                plain, [record_node(seed)], hops=3, max_nodes=2000, max_edges=5000
            )
            b = on_without.neighbourhood(
                plain, [record_node(seed)], hops=3, max_nodes=2000, max_edges=5000
            )
            assert record_node(s.record_id) not in {n.id for n in a.nodes}
            assert a.nodes == b.nodes and a.edges == b.edges and a.truncated == b.truncated
            compared += 1
    assert compared, "no unlabelled record near a labelled one to compare"
    full.close()
    without.close()


def test_a_role_that_sees_less_gets_less(world: World) -> None:
    a, _ = _co_accused(world)[0]
    profile = world.profile_of(a.record_id)
    home = world.api.get(
        f"/v1/network/profiles/{profile}", _officer(world, a.state), params={**PURPOSE, "hops": 3}
    ).json()
    other = "KA" if a.state != "KA" else "MH"
    away = world.api.get(
        f"/v1/network/profiles/{profile}", _officer(world, other), params={**PURPOSE, "hops": 3}
    ).json()
    kinds_home = {n["kind"] for n in home["nodes"]}
    kinds_away = {n["kind"] for n in away["nodes"]}
    assert not kinds_away & {"phone", "email", "address"}  # contact data is home-only
    assert not home["truncated"] and not away["truncated"]
    # fewer visible edges: no node reached that the home officer does not reach too
    assert {n["id"] for n in away["nodes"]} <= {n["id"] for n in home["nodes"]}
    assert len(away["nodes"]) < len(home["nodes"])
    assert len(away["edges"]) <= len(home["edges"])
    assert kinds_home  # the seed at least
    # a partner has no network scope; an auditor neither
    for token in (world.api.partner(), _officer(world, a.state, role=Role.AUDITOR)):
        r = world.api.get(f"/v1/network/profiles/{profile}", token, params=PURPOSE)
        assert r.status_code == 403, r.text


def test_bad_requests_get_a_4xx_that_says_what_to_fix(world: World) -> None:
    a, _ = _co_accused(world)[0]
    token = _officer(world, a.state)
    profile = world.profile_of(a.record_id)
    cases = [
        (f"/v1/network/profiles/{profile}", {**PURPOSE, "hops": 4}, 422),
        (f"/v1/network/profiles/{profile}", {}, 422),  # no purpose
        (f"/v1/network/profiles/{profile}", {**PURPOSE, "max_nodes": 0}, 422),
        ("/v1/network/profiles/p2_not-a-real-id-at-all", PURPOSE, 404),
        ("/v1/network/identifiers/phone", {**PURPOSE, "value": "12345"}, 404),
        ("/v1/network/identifiers/phone", PURPOSE, 422),  # no value
        ("/v1/network/identifiers/record", {**PURPOSE, "value": "cctns:X"}, 422),
        ("/v1/network/identifiers/colour", {**PURPOSE, "value": "red"}, 422),
        ("/v1/network/identifiers/phone", {**PURPOSE, "value": "+91 98000 00000"}, 404),
        ("/v1/network/paths", {**PURPOSE, "from_profile": profile}, 422),
    ]
    for path, params, status in cases:
        r = world.api.get(path, token, params=params)
        assert r.status_code == status, (path, params, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]


def test_an_identifier_seeds_a_network_and_exports_as_graphml(world: World) -> None:
    a, b = _co_accused(world)[0]
    fir = next(i.value for i in a.identifiers if i.type.value == "fir")
    token = _officer(world, a.state)
    r = world.api.get(
        "/v1/network/identifiers/fir",
        token,
        params={**PURPOSE, "value": fir, "analysis": True},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {record_node(a.record_id), record_node(b.record_id)} <= {n["id"] for n in body["nodes"]}
    values = [h["node"] for h in body["analysis"]["hubs_by_degree"] if h["node"].startswith("fir:")]
    assert values[0] == _fir_node(a)  # an inmate held on it also holds its stateless node
    # as the FIR register prints it, zero-padded, and without the state: every state's case
    _state, ps_code, year, number = fir.split("/")
    padded = world.api.get(
        "/v1/network/identifiers/fir",
        token,
        params={**PURPOSE, "value": f"{ps_code}/{year}/{int(number):05d}"},
    )
    assert padded.status_code == 200, padded.text
    assert _fir_node(a) in {n["id"] for n in padded.json()["nodes"]}
    g = world.api.get(
        "/v1/network/identifiers/fir",
        token,
        params={**PURPOSE, "value": fir, "format": "graphml"},
    )
    assert g.headers["content-type"].startswith("application/graphml+xml")
    graph = nx.read_graphml(io.BytesIO(g.content))
    assert graph.has_edge(record_node(a.record_id), _fir_node(a))
    assert graph.edges[record_node(a.record_id), _fir_node(a)]["relation"] == "accused in"


def test_no_edge_comes_from_a_complainant(world: World) -> None:
    """A victim's phone or e-mail (an NCRP complainant's) is never a node: only what a record
    says about its subjects (the suspects) is."""
    checked = 0
    for record in world.backend.records():
        victims = [p for p in record.people if p.role.value == "complainant"]
        if not victims:
            continue
        theirs = {f"phone:{x}" for p in victims for x in p.phones}
        theirs |= {f"email:{x.lower()}" for p in victims for x in p.emails}
        suspects = {f"phone:{x}" for p in record.subjects() for x in p.phones}
        suspects |= {
            f"{i.type.value.replace('mobile', 'phone')}:{i.value}" for i in record.identifiers
        }
        nodes = {e.node for e in edges_of(record)}
        assert not (nodes & theirs) - suspects, record.record_id
        checked += bool(theirs)
    assert checked, "the world's complaints name complainants with contacts"


def test_a_complaint_is_labelled_by_its_suspect_never_by_its_victim(world: World) -> None:
    """An officer of the complaint's own district may see the victim's name in the record, but
    the graph labels a record by the person it is about: the suspect, or no one."""
    checked = 0
    for record in world.backend.records():
        victims = {p.name for p in record.people if p.role.value == "complainant" and p.name}
        if not victims or checked >= 20:
            continue
        investigating = Caller(
            "t", Role.OFFICER, frozenset(), state=record.state, district=record.district
        )
        answer = world.service.neighbourhood(
            investigating, [record_node(record.record_id)], hops=1, max_nodes=50, max_edges=100
        )
        (node,) = [n for n in answer.nodes if n.value == record.record_id]
        assert node.label not in victims, record.record_id
        assert node.label in {p.name for p in record.subjects()} | {None}
        checked += 1
    assert checked, "the world's complaints name their complainants"


def test_the_cli_rebuilds_counts_and_asks_the_api(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    monkeypatch.chdir(tmp_path)  # no icjs.toml here: settings from the environment
    monkeypatch.setenv("ICJS_SEARCH__PATH", str(world.root / "icjs.db"))
    monkeypatch.setenv("ICJS_DATA_DIR", str(tmp_path))
    built = runner.invoke(app, ["network", "rebuild"])
    assert built.exit_code == 0, built.output
    stats = runner.invoke(app, ["network", "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    counted = json.loads(stats.stdout)
    synced = GraphStore(store_path(world.root)).stats()
    # a full build equals what the sync's hook kept up page by page
    assert counted["edges"] == synced.edges and counted["values"] == synced.nodes
    assert counted["caps"]["phone"] >= FLOORS[NodeKind.PHONE]

    a, b = _co_accused(world)[0]
    token = _officer(world, a.state)
    common = ["--purpose", "FIR 0123/2024", "--url", world.api.url, "--token", token]
    around = runner.invoke(app, ["network", "around", world.profile_of(a.record_id), *common])
    assert around.exit_code == 0, around.output
    assert record_node(b.record_id) in {n["id"] for n in json.loads(around.stdout)["nodes"]}
    paths = runner.invoke(
        app,
        ["network", "paths", world.profile_of(a.record_id), world.profile_of(b.record_id), *common],
    )
    assert paths.exit_code == 0 and json.loads(paths.stdout)["paths"][0]["length"] == 2
    bad = runner.invoke(app, ["network", "identifier", "phone", "12345", *common])
    assert bad.exit_code == 1 and "not a valid phone" in bad.output
