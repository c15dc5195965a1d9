"""The mini-docket (`GET /v1/profiles/{id}/docket`) against the simulated world's ground truth:
every FIR of the person and none of a namesake's, no victim ever named, what a role may not see
absent, Indic names in embedded fonts and extractable, the printing audited with its purpose.

The session's world (300 people), every source synced by the real connectors, served by a real
server; the PDF is read back with pypdf."""

from __future__ import annotations

import io
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from auth.principal import Caller, Role
from dockets import DocketService, graph_summary
from federation.related import RelatedRecords
from indexer.backends.base import Backend
from network import GraphStore, NetworkService
from network.extract import address_key
from network.hook import rebuild, store_path
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Sensitivity, Source
from records.firs import fir_without_state
from simulators.harness import Running
from state.audit import AuditQuery
from tests.integration.api.synced import synced_world
from tests.plugins.api import LiveApi, fill
from tests.plugins.backends import make

PURPOSE = "FIR 0042/2026 docket test"
# a FIR with its state, or without it as the network's FIR nodes print it (`network.extract`)
FIR_PATTERN = re.compile(r"\b(?:[A-Z]{2}/)?\d{3,5}/\d{4}/\d{1,5}\b")


@pytest.fixture(scope="module")
def world(
    simulators: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, LiveApi, list[Record]]]:
    with synced_world(simulators, tmp_path_factory.mktemp("docket-world")) as world:
        yield world


def docket(api: LiveApi, token: str, record_id: str, purpose: str = PURPOSE) -> str:
    """The docket's text for the profile holding `record_id`."""
    profile_id = api.app.state.persons.ids.issue([record_id])
    response = api.get(f"/v1/profiles/{profile_id}/docket", token, params={"purpose": purpose})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def firs_of(record: Record) -> set[str]:
    """The FIRs a record cites, as the source wrote them (station code, number/year: unique in
    the world), from its raw payload: the ground truth, independent of our normalisation."""
    raw = record.raw or {}
    if record.source is Source.CCTNS and raw.get("PS_CD") and raw.get("FIR_REG_NUM"):
        return {fir_key(str(raw["PS_CD"]), str(raw["FIR_REG_NUM"]))}
    if record.source is Source.EPRISONS:
        return {
            fir_key(str(c["psCode"]), str(c["firNumber"]))
            for c in raw.get("cases") or []
            if c.get("psCode") and c.get("firNumber")
        }
    return set()


def fir_key(station: str, number_year: str) -> str:
    number, _, year = number_year.partition("/")
    return f"{int(station):04d}/{year}/{int(number)}"


def shown_firs(text: str) -> set[str]:
    """The FIRs a docket prints (`{state}/{station}/{year}/{number}`, or without the state),
    keyed as `fir_key`."""
    out = set()
    for fir in FIR_PATTERN.findall(text):
        station, year, number = fir.split("/")[-3:]
        out.add(f"{int(station):04d}/{year}/{int(number)}")
    return out


def test_a_docket_lists_every_fir_of_the_person_and_none_of_a_namesake(
    simulators: Running, world: tuple[Backend, LiveApi, list[Record]]
) -> None:
    _, api, records = world
    truth = simulators.ground_truth
    # the world's persons with FIRs: every FIR their accused rows and inmate records cite
    firs: dict[str, set[str]] = defaultdict(set)
    accused: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.source not in (Source.CCTNS, Source.EPRISONS) or not firs_of(record):
            continue
        people = truth.person_of(record.record_id)
        for pid, role in people.items():
            if role == "subject":
                firs[pid] |= firs_of(record)
                if record.source is Source.CCTNS:
                    accused[pid].append(record)
    # namesakes first: people whose accused rows carry a name another person's also carry
    named: dict[str, set[str]] = defaultdict(set)
    for pid, rows in accused.items():
        for row in rows:
            for person in row.subjects():
                if person.name:
                    named[person.name.casefold()].add(pid)
    with_namesake = sorted({p for ps in named.values() if len(ps) > 1 for p in ps})
    several = sorted(p for p in accused if len(firs[p]) > 1 and p not in with_namesake)
    chosen = with_namesake[:6] + several[:8]
    assert len(with_namesake) >= 2 and len(several) >= 6, "namesakes, and persons with FIRs"
    missed: dict[str, set[str]] = {}
    foreign: dict[str, set[str]] = {}
    for pid in chosen:
        first = sorted(accused[pid], key=lambda r: r.record_id)[0]
        token = api.officer(state=first.state or "MH", clearances=["sensitive"])
        text = docket(api, token, first.record_id)
        # the FIR tables; the network summary's FIRs are the person's too (a co-accused's
        # FIR), checked below with namesakes
        tables = text.split("Network summary")[0]
        shown = shown_firs(tables)
        if firs[pid] - shown:
            missed[pid] = firs[pid] - shown
        if shown - firs[pid]:
            foreign[pid] = shown - firs[pid]
        assert first.record_id in text
    assert not missed, f"FIRs of the person missing from the docket: {missed}"
    assert not foreign, f"FIRs of someone else in the docket: {foreign}"


def test_no_victim_is_ever_named_even_to_whom_the_screen_shows_them(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, records = world
    complaints = [
        r
        for r in records
        if r.source is Source.NCRP
        and r.state
        and any(p.role is PersonRole.COMPLAINANT and p.name for p in r.people)
        and any(p.role is PersonRole.SUSPECT and p.name for p in r.people)
    ]
    sexual = [r for r in complaints if r.sensitivity]
    assert sexual, "the world holds sexual-offence complaints naming a victim"
    for complaint in (sexual + complaints)[:6]:
        victim = next(p for p in complaint.people if p.role is PersonRole.COMPLAINANT)
        assert victim.name
        # a cleared supervisor at home sees the victim on screen (the policy's `victim` class)...
        token = api.officer(state=complaint.state, clearances=["sensitive"])
        profile_id = api.app.state.persons.ids.issue([complaint.record_id])
        screen = api.get(f"/v1/persons/{profile_id}", token, params={"purpose": PURPOSE})
        assert screen.status_code == 200
        assert victim.name in screen.text
        # ...but never on paper
        text = docket(api, token, complaint.record_id)
        assert complaint.record_id in text
        assert victim.name not in text
        for phone in victim.phones:
            assert phone not in text


def test_what_the_role_may_not_see_is_not_printed(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, records = world
    accused = [
        r
        for r in records
        if r.source is Source.CCTNS
        and r.state not in (None, "LD")
        and not r.sensitivity
        and any(p.address for p in r.subjects())
    ]
    assert accused
    record = accused[0]
    address = next(p.address for p in record.subjects() if p.address)
    assert address
    home = docket(api, api.officer(state=record.state), record.record_id)
    assert address in " ".join(home.split())
    away = docket(api, api.officer(state="LD"), record.record_id)  # identity and status only
    assert address not in " ".join(away.split())
    assert "withheld" in away


def test_indic_names_are_embedded_and_extract(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, records = world
    devanagari = re.compile(r"[\u0900-\u097f]")
    record = next(
        r
        for r in records
        if r.source is Source.CCTNS
        and not r.sensitivity
        and any(p.name_local and devanagari.search(p.name_local) for p in r.subjects())
    )
    local = next(p.name_local for p in record.subjects() if p.name_local)
    assert local
    token = api.officer(state=record.state)
    profile_id = api.app.state.persons.ids.issue([record.record_id])
    response = api.get(f"/v1/profiles/{profile_id}/docket", token, params={"purpose": PURPOSE})
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for d in descriptors:
                descriptor = d.get("/FontDescriptor")
                if descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    fonts.add(str(font["/BaseFont"]))
    assert any("NotoSansDevanagari" in f.replace("-", "") for f in fonts), fonts
    text = "".join(page.extract_text() for page in reader.pages)
    # the characters in their order; pypdf's layout guess may put a space after a vowel sign
    # set as its own positioned glyph (कु मार), so spaces are not compared
    assert "".join(local.split()) in "".join(text.split())


def test_the_printing_is_audited_with_its_purpose_and_footer(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, records = world
    record = next(r for r in records if r.source is Source.SARATHI)
    token = api.officer(state=record.state, subject="officer-docket-7")
    text = docket(api, token, record.record_id, purpose="case 77/2026 verification")
    flat = " ".join(text.split())
    assert "Printed by officer-docket-7" in flat
    assert "case 77/2026 verification" in flat
    entries = api.auth.audit.entries(AuditQuery(actor="officer-docket-7", limit=5))
    printed = [e for e in entries if "/docket" in e.route]
    assert printed and printed[0].purpose == "case 77/2026 verification"
    assert record.record_id in printed[0].record_ids


def test_refusals(world: tuple[Backend, LiveApi, list[Record]]) -> None:
    _, api, records = world
    record = next(r for r in records if r.source is Source.SARATHI)
    profile_id = api.app.state.persons.ids.issue([record.record_id])
    officer = api.officer(state=record.state)
    path = f"/v1/profiles/{profile_id}/docket"
    assert api.get(path, officer).status_code == 422  # no purpose
    assert api.get(path, None, params={"purpose": PURPOSE}).status_code == 401
    auditor = api.officer(role=Role.AUDITOR)
    assert api.get(path, auditor, params={"purpose": PURPOSE}).status_code == 403
    made_up = "/v1/profiles/" + "A" * 40 + "/docket"
    assert api.get(made_up, officer, params={"purpose": PURPOSE}).status_code == 404


# --- the network summary, read from the stored graph -----------------------------------------


def network_section(text: str) -> str:
    """The docket's network summary, flattened (a long id may wrap inside its cell)."""
    part = text.split("Network summary", 1)[1].split("Data issues", 1)[0]
    return " ".join(part.split())


def flat(text: str) -> str:
    return "".join(text.split())


def co_accused_pairs(simulators: Running, backend: Backend) -> list[tuple[Record, Record, str]]:
    """Two accused rows of one FIR who are two people by the world's truth, with the FIR as
    the index normalised it: (a, b, fir)."""
    truth = simulators.ground_truth
    by_fir: dict[str, list[Record]] = defaultdict(list)
    for record in backend.records():
        if record.source is Source.CCTNS and record.kind.value == "accused":
            for fir in (i.value for i in record.identifiers if i.type.value == "fir"):
                by_fir[fir].append(record)
    pairs = []
    for fir, rows in sorted(by_fir.items()):
        rows = sorted(rows, key=lambda r: r.record_id)
        for a, b in itertools.pairwise(rows):
            if set(truth.person_of(a.record_id)) & set(truth.person_of(b.record_id)):
                continue
            pairs.append((a, b, fir))
    return pairs


def test_a_co_accused_pair_from_the_world_is_in_the_docket_with_its_fir(
    simulators: Running, world: tuple[Backend, LiveApi, list[Record]]
) -> None:
    backend, api, _ = world
    pairs = [
        (a, b, fir)
        for a, b, fir in co_accused_pairs(simulators, backend)
        if not a.sensitivity and not b.sensitivity and a.state and a.state == b.state
    ]
    assert len(pairs) >= 3, "the world has FIRs with co-accused"
    for a, b, fir in pairs[:5]:
        text = docket(api, api.officer(state=a.state), a.record_id)
        section = network_section(text)
        assert "stored graph" in section
        co_accused = section.split("Co-accused", 1)[1].split("Shared phones", 1)[0]
        # who (his name as recorded, his record with its source), and which FIR
        assert flat(b.record_id) in flat(co_accused), (a.record_id, b.record_id)
        names = [p.name or p.name_local for p in b.subjects() if p.name or p.name_local]
        if names:  # a damaged row may carry no name: then it says so
            assert any(" ".join(str(n).split()) in co_accused for n in names), names
        else:
            assert "name not visible" in co_accused
        assert flat(fir_without_state(fir) or fir) in flat(co_accused)  # the FIR node's value
        assert "accused in" in co_accused


def test_the_network_summary_prints_no_fir_of_a_namesake(
    simulators: Running, world: tuple[Backend, LiveApi, list[Record]]
) -> None:
    """Whoever the graph connects, a FIR printed in the summary is one the person is on: the
    namesake of a person (same name, another person) is not pulled in by his name."""
    _, api, records = world
    truth = simulators.ground_truth
    firs: dict[str, set[str]] = defaultdict(set)
    named: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        for pid, role in truth.person_of(record.record_id).items():
            if role != "subject" or record.source not in (Source.CCTNS, Source.EPRISONS):
                continue
            firs[pid] |= firs_of(record)
            if record.source is Source.CCTNS and not record.sensitivity:
                rows[pid].append(record)
                for person in record.subjects():
                    if person.name:
                        named[person.name.casefold()].add(pid)
    namesakes = sorted({p for ps in named.values() if len(ps) > 1 for p in ps if rows[p]})
    assert len(namesakes) >= 2, "the world has namesakes with FIRs"
    checked = 0
    for pid in namesakes[:8]:
        first = sorted(rows[pid], key=lambda r: r.record_id)[0]
        others = {q for ps in named.values() if pid in ps for q in ps if q != pid}
        foreign = set().union(*(firs[q] for q in others)) - firs[pid]
        text = docket(
            api, api.officer(state=first.state, clearances=["sensitive"]), first.record_id
        )
        printed = shown_firs(network_section(text))
        assert printed <= firs[pid], (pid, printed - firs[pid])
        assert not (shown_firs(text) & foreign), (pid, shown_firs(text) & foreign)
        checked += bool(foreign)
    assert checked, "no namesake with a FIR of his own to check"


def test_a_restricted_record_is_not_in_the_summary_not_even_as_a_count(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    """A sexual-offence accused of another case who lives at the person's address (planted for
    the test, then removed: the world ties no labelled record to another person's) is printed
    with the shared address for a cleared officer, and absent for one without the clearance,
    whose summary is exactly the one he got before the record was written: no name, no record,
    no count, no changed hub."""
    backend, api, records = world
    a = next(
        r
        for r in records
        if r.source is Source.CCTNS
        and r.state
        and not r.sensitivity
        and any(p.address and address_key(p.address) for p in r.subjects())
    )
    address = next(p.address for p in a.subjects() if p.address and address_key(p.address))
    native = f"{a.state}-PS9999-2026-0042-A1"
    planted = make(
        Source.CCTNS,
        native,
        Kind.ACCUSED,
        people=(Person(name="ZORAWAR QUETZALSINGH", address=address),),
        identifiers=(Identifier(type=IdType.FIR, value=f"{a.state}/9999/2026/42"),),
        state=a.state,
        district=a.district,
        police_station="9999",
        sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}),
    )
    dockets: DocketService = api.app.state.dockets
    plain = Caller("t", Role.OFFICER, frozenset({"persons:read"}), state=a.state)
    profile_id = api.app.state.persons.ids.issue([a.record_id])
    before = dockets.docket(plain, profile_id, purpose=PURPOSE)
    graph = GraphStore(store_path(api.app.state.settings.data_dir))
    fill(backend, [planted])
    graph.replace([planted])
    try:
        cleared = docket(api, api.officer(state=a.state, clearances=["sensitive"]), a.record_id)
        shared = network_section(cleared).split("Shared phones", 1)[1]
        assert flat(planted.record_id) in flat(shared)
        assert "ZORAWAR QUETZALSINGH" in shared
        text = docket(api, api.officer(state=a.state), a.record_id)
        assert flat(planted.record_id) not in flat(text)
        assert "QUETZALSINGH" not in text
        after = dockets.docket(plain, profile_id, purpose=PURPOSE)
        assert before is not None and after is not None
        assert after.network == before.network
    finally:
        backend.delete([planted.record_id])
        backend.flush()
        graph.remove([planted.record_id])
        graph.close()
    assert not backend.get([a.record_id])[0].sensitivity  # the world as it was


def test_a_partner_s_summary_holds_only_its_entitled_sources(
    world: tuple[Backend, LiveApi, list[Record]], tmp_path: Path
) -> None:
    """A partner entitled to CCTNS (the others answer it as hit-flags): the summary names no
    record of another source, and is the one a graph of CCTNS records alone gives."""
    backend, api, records = world
    others = tuple(f"{s.value}:" for s in Source if s is not Source.CCTNS)
    client_id, secret = api.register(agency="CBI", sources=[Source.CCTNS], scopes=["persons:read"])
    token = api.client_token(client_id, secret)
    cctns_only = GraphStore(tmp_path / "cctns.db")
    rebuild(cctns_only, iter([r for r in records if r.source is Source.CCTNS]))
    live = GraphStore(store_path(api.app.state.settings.data_dir))
    cctns_only.set_meta("caps", live.get_meta("caps"))  # the same caps, learnt over all
    live.close()
    persons = api.app.state.persons
    policy = api.app.state.auth.policy
    on_cctns = DocketService(
        persons,
        graph_summary(
            NetworkService(cctns_only, policy, persons, backend), RelatedRecords(backend, policy)
        ),
    )
    partner = Caller(
        client_id,
        Role.PARTNER,
        frozenset({"persons:read"}),
        agency="CBI",
        client_id=client_id,
        sources=frozenset({Source.CCTNS}),
    )
    checked = 0
    accused = [r for r in records if r.source is Source.CCTNS and r.state and not r.sensitivity]
    for record in accused[:40]:
        home = network_section(docket(api, api.officer(state=record.state), record.record_id))
        if not any(o in home for o in others):
            continue  # nothing of another source near it: nothing to hide
        text = docket(api, token, record.record_id)
        assert not [o for o in others if o in flat(text)], record.record_id
        profile_id = persons.ids.issue([record.record_id])
        mine = api.app.state.dockets.docket(partner, profile_id, purpose=PURPOSE)
        alone = on_cctns.docket(partner, profile_id, purpose=PURPOSE)
        assert mine is not None and alone is not None
        assert mine.network == alone.network
        checked += 1
        if checked >= 4:
            break
    cctns_only.close()
    assert checked, "no CCTNS record near another source's"
