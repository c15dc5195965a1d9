"""The mini-docket (`GET /v1/profiles/{id}/docket`) against the simulated world's ground truth:
every FIR of the person and none of a namesake's, no victim ever named, what a role may not see
absent, Indic names in embedded fonts and extractable, the printing audited with its purpose.

The session's world (300 people), every source synced by the real connectors, served by a real
server; the PDF is read back with pypdf."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from indexer.backends.base import Backend
from records import PersonRole, Record, Source
from simulators.harness import Running
from state.audit import AuditQuery
from tests.integration.api.synced import synced_world
from tests.plugins.api import LiveApi

PURPOSE = "FIR 0042/2026 docket test"
FIR_PATTERN = re.compile(r"\b[A-Z]{2}/\d{3,5}/\d{4}/\d{1,5}\b")


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
    """The FIRs a docket prints (`{state}/{station}/{year}/{number}`), keyed as `fir_key`."""
    out = set()
    for fir in FIR_PATTERN.findall(text):
        _, station, year, number = fir.split("/")
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
        # the FIR tables, not the network summary (a co-accused's FIR is the person's too)
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
    from auth.principal import Role

    auditor = api.officer(role=Role.AUDITOR)
    assert api.get(path, auditor, params={"purpose": PURPOSE}).status_code == 403
    made_up = "/v1/profiles/" + "A" * 40 + "/docket"
    assert api.get(made_up, officer, params={"purpose": PURPOSE}).status_code == 404
