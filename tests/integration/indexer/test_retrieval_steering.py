"""Retrieval that holds as the index grows (issue 15), on every engine: what a query gives beside
the name lifts the records that agree before the candidate cap cuts, a record whose surname is
only in its relative's name is found by the whole name, keys one slip away reach a damaged name,
and each candidate says how common its name is, the same on every engine."""

from __future__ import annotations

import dataclasses

from indexer.backends.base import Backend, CandidateQuery, Filters
from matching.api import PersonQuery, analyse, corroboration_keys
from records import Kind, Person, Record, Source
from tests.plugins.backends import make

FATHERS = ["Suresh", "Mahesh", "Ganesh", "Dinesh", "Rakesh", "Mukesh", "Naresh", "Umesh"]


def _accused(native: str, name: str, **person: object) -> Record:
    return make(
        Source.CCTNS, native, Kind.ACCUSED, state="MH", people=(Person(name=name, **person),)
    )  # type: ignore[arg-type]


def _namesakes() -> list[Record]:
    """Thirty Ramesh Patils, each with his own father and birth year, and one damaged name."""
    out = [
        _accused(f"MH-N{i:02d}", "RAMESH PATIL", birth_year=1950 + i,
                 relative_name=f"{FATHERS[i % len(FATHERS)]} Patil")
        for i in range(30)
    ]  # fmt: skip
    out.append(_accused("MH-T1", "RAMESH", birth_year=1993, relative_name="Kishor Patil"))
    out.append(_accused("MH-D1", "R. LAKSHMI", birth_year=1970))
    return out


def _ids(backend: Backend, query: CandidateQuery) -> list[str]:
    return [c.record.record_id for c in backend.candidates(query)]


def _plan(name: str, limit: int = 5, **kw: object) -> CandidateQuery:
    analysed = analyse(PersonQuery(name=name, **kw))  # type: ignore[arg-type]
    return CandidateQuery(
        name_keys=analysed.keys,
        boost_keys=corroboration_keys(analysed),
        near_keys=analysed.near_keys,
        limit=limit,
    )


def test_the_birth_year_and_the_relative_keep_the_right_namesake_under_the_cap(
    any_backend: Backend,
) -> None:
    any_backend.upsert(_namesakes())
    any_backend.flush()
    born_1975 = "cctns:MH-N25"
    # twelve of thirty equal namesakes are kept: by record id, born 1950-1961
    assert born_1975 not in _ids(any_backend, _plan("Ramesh Patil", 12))
    # the birth year lifts the ten born in the spans it touches (1970-1979)
    lifted = _ids(any_backend, _plan("Ramesh Patil", 12, birth_year=1975))
    assert born_1975 in lifted
    assert {f"cctns:MH-N{i}" for i in range(20, 30)} <= set(lifted)
    sons_of_umesh = {f"cctns:MH-N{i:02d}" for i in range(30) if FATHERS[i % 8] == "Umesh"}
    assert sons_of_umesh <= set(
        _ids(any_backend, _plan("Ramesh Patil", relative_name="Umesh Patil"))
    )
    # boost keys lift what a name key found; alone they retrieve nothing
    boosts_only = CandidateQuery(boost_keys=_plan("Ramesh Patil", birth_year=1975).boost_keys)
    assert _ids(any_backend, boosts_only) == []


def test_a_surname_left_to_the_relative_and_a_damaged_name_are_found(any_backend: Backend) -> None:
    any_backend.upsert(_namesakes())
    any_backend.flush()
    assert "cctns:MH-T1" in _ids(any_backend, _plan("Ramesh Patil", birth_year=1993))
    assert "cctns:MH-D1" in _ids(any_backend, _plan("R. Lalshmi"))
    without_near = dataclasses.replace(_plan("R. Lalshmi"), near_keys=frozenset())
    assert "cctns:MH-D1" not in _ids(any_backend, without_near)


def test_key_frequencies_count_the_whole_index(any_backend: Backend) -> None:
    any_backend.upsert(_namesakes())
    any_backend.flush()
    got = {
        c.record.record_id: c.key_frequency for c in any_backend.candidates(_plan("Ramesh Patil"))
    }
    # every namesake shares `Ramesh Patil`'s pair key with 29 others and the inferred RAMESH
    assert set(got.values()) == {31}


def test_key_frequencies_count_the_whole_index_whatever_the_filters(any_backend: Backend) -> None:
    # the cluster counts them in the name-key search itself, whose filters apply to the hits
    # alone: the hits are those within the filters, the counts those of every record
    ramesh = (Person(name="RAMESH PATIL"),)
    elsewhere = [
        make(Source.CCTNS, f"KA-N{i}", Kind.ACCUSED, state="KA", people=ramesh) for i in range(4)
    ]
    any_backend.upsert([*_namesakes(), *elsewhere])
    any_backend.flush()
    query = dataclasses.replace(
        _plan("Ramesh Patil", limit=50), filters=Filters(states=frozenset({"KA"}))
    )
    got = {c.record.record_id: c.key_frequency for c in any_backend.candidates(query)}
    assert got == {f"cctns:KA-N{i}": 35 for i in range(4)}
