"""The rules #18's second pass added, each on reports taken from a simulated world (the found
report and the missing reports the store retrieved for it, `worlds/*.json`): the true pair is in
the top five only with the rule, and a wrong pair the rule demotes. Shares are the uniform
default (`Uniform`), so the cases do not depend on what a world's other reports taught."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alerts import languages, matchers, names, persons
from alerts.cases import FOUND, MISSING, Case
from alerts.evidence import Uniform
from alerts.shares import CaseShares
from alerts.store import AlertStore

WORLDS = Path(__file__).parent / "worlds"


def _case(fields: dict[str, Any]) -> Case:
    """A case as stored, its empty fields left out of the file."""
    return Case.from_json({"police_station": None, "station_name": None, **fields})


def _world_case(name: str) -> tuple[Case, str, list[Case]]:
    data: dict[str, Any] = json.loads((WORLDS / name).read_text())
    return _case(data["found"]), data["partner"], [_case(c) for c in data["missing"]]


def _rank(found: Case, candidates: list[Case], partner: str) -> int:
    ranked = matchers.ranked(found, candidates, Uniform())
    return [m.a.record_id for m in ranked].index(partner) + 1


def _weight(found: Case, missing: Case, feature: str) -> float | None:
    match = persons.compare(missing, found, Uniform())
    assert match is not None
    return next((e.weight for e in match.evidence if e.feature == feature), None)


def test_a_strangers_language_points_to_the_state_it_is_spoken_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # seed 13: a boy found in South Delhi speaking Telugu; his missing report (Telangana) lists
    # no language. Delhi's own reports and Madhya Pradesh's rank above him without the rule.
    found, partner, candidates = _world_case("stranger_language.json")
    assert found.state == "DL" and "TELUGU" in found.languages
    assert _rank(found, candidates, partner) == 1
    by_id = {c.record_id: c for c in candidates}
    assert (_weight(found, by_id[partner], "home language") or 0) > 0
    # the wrong pair it demotes: a Delhi boy of the same age with the same kind of mark, whose
    # report lists no language (Telugu is not spoken at home in Delhi)
    local = by_id["cctns:DL-PS7475-2023-MP-30043"]
    assert (_weight(found, local, "home language") or 0) < 0
    without = tuple(f for f in persons.FEATURES if f is not languages.home_evidence)
    monkeypatch.setattr(persons, "FEATURES", without)
    assert _rank(found, candidates, partner) > 5


def test_a_language_of_the_place_found_says_only_that_the_child_is_local() -> None:
    found, partner, candidates = _world_case("stranger_language.json")
    by_id = {c.record_id: c for c in candidates}
    # found in Hyderabad speaking Telugu: the place already weighs the locals
    local = replace(found, state="TS", district="HYDERABAD")
    assert _weight(local, by_id[partner], "home language") is None
    # Hindi alone is spoken everywhere; a Bhojpuri speaker's family may live anywhere in the
    # Hindi belt
    hindi = replace(found, languages=("HINDI",))
    assert _weight(hindi, by_id["cctns:DL-PS7475-2023-MP-30043"], "home language") is None
    bhojpuri = replace(found, languages=("BHOJPURI",), state="KA")
    assert _weight(bhojpuri, replace(by_id[partner], state="MP"), "home language") == 0.0


def test_a_given_name_is_read_against_the_full_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # seed 5: a girl found in Bhopal, as if she had said her given name; her missing report
    # (CCTNS, Madhya Pradesh) has the full one. The name matcher, built to find a person by a
    # full name, reads the missing surname as another person.
    found, partner, candidates = _world_case("given_name.json")
    assert found.names == ("Suman",)
    by_id = {c.record_id: c for c in candidates}
    assert by_id[partner].names[0] == "SUMAN PANDEY"
    evidence = names.evidence(by_id[partner], found, Uniform())
    assert evidence is not None and evidence.weight > 0 and evidence.detail == "given name only"
    assert _rank(found, candidates, partner) <= 5
    monkeypatch.setattr(names, "given_name", lambda m, f: None)
    assert _rank(found, candidates, partner) > 5


def test_a_common_given_name_says_less_than_a_rare_one() -> None:
    found, partner, candidates = _world_case("given_name.json")
    missing = next(c for c in candidates if c.record_id == partner)
    # a world where one girl in four is a Suman: agreeing on it is weak
    shares = CaseShares()
    others = [
        replace(missing, record_id=f"cctns:X-{i}", names=("SUMAN DEVI" if i % 4 else "REKHA",))
        for i in range(40)
    ]
    shares.update(others)
    common = names.evidence(missing, found, shares)
    rare = names.evidence(missing, found, Uniform())
    assert common is not None and rare is not None and 0 < common.weight < rare.weight
    # a wrong pair it does not lift: a nickname or another given name is not the same word
    other = names.evidence(missing, replace(found, names=("Pinky",)), Uniform())
    assert other is not None and other.weight < 0


def test_when_more_qualify_than_are_compared_the_nearest_in_age_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nameless found child in a large index: the store keeps the candidates nearest in age,
    not whichever rows the table holds first (SQLite, real)."""
    store = AlertStore(tmp_path / "alerts.db")
    base = Case(
        record_id="",
        side=MISSING,
        source="cctns",
        status="OPEN",
        state="UP",
        district="LUCKNOW",
        police_station=None,
        station_name=None,
        event_date="2024-01-10",
        gender="M",
        child=True,
    )
    # written oldest first, the true child last: far ages first, as a large table would hold
    reports = [
        replace(base, record_id=f"cctns:far-{i}", born_from=2007, born_to=2008) for i in range(6)
    ]
    reports.append(replace(base, record_id="cctns:near", born_from=2013, born_to=2014))
    found = replace(base, record_id="khoyapaya:found", side=FOUND, born_from=2012, born_to=2015)
    try:
        with store.db.write() as conn:
            store.put(conn, reports, now=datetime(2024, 2, 1, tzinfo=UTC))
        monkeypatch.setattr("alerts.store.MAX_CANDIDATES", 3)
        with store.db.read() as conn:
            kept = [c.record_id for c in store.people_like(conn, found)]
    finally:
        store.close()
    assert kept[0] == "cctns:near" and len(kept) == 3


def test_a_given_name_alone_is_not_a_sure_pair_to_learn_from() -> None:
    """Sure pairs teach how often true pairs' descriptions agree (`Shares.agree`); a given name
    alone is shared by namesakes, so it ranks a pair but does not teach."""
    found, partner, candidates = _world_case("given_name.json")
    missing = replace(
        next(c for c in candidates if c.record_id == partner), event_date=found.event_date
    )
    local = replace(found, state=missing.state, district=missing.district)
    assert not persons.sure(missing, local, Uniform())
    assert persons.sure(missing, replace(local, names=("Suman Pandey",)), Uniform())
