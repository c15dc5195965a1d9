"""One suite, every engine: embedded always, OpenSearch under `make test`, Elasticsearch when
`ICJS_TEST_ELASTICSEARCH_URL` is set (fixture `any_backend` in tests/plugins/backends.py).

Candidates are compared with the plain-Python oracle in `reference.py`, so every engine returns
the same set for the same data, and the final ranking after rescoring is the same too."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from indexer.backends.base import (
    Backend,
    CandidateQuery,
    Filters,
    IdentifierTerm,
    LabelRule,
    RebuildInProgress,
)
from indexer.backends.elastic import ElasticBackend
from indexer.documents import RELATIVE_PREFIX, to_document
from matching.api import name_keys, name_text
from matching.keys import KEYS_VERSION
from records import IdType, Kind, Record, Sensitivity, Source
from records.firs import FIR_KEYS_VERSION
from tests.integration.indexer.reference import (
    expected_frequencies,
    expected_ids,
    final_ranking,
)
from tests.plugins.backends import DL, sample_world

A1 = "cctns:MH-PS0412-2024-0123-A1"
A2 = "cctns:MH-PS0412-2024-0123-A2"
INMATE = "eprisons:MH/YERAWADA/2024/000123"
SARATHI = f"sarathi:{DL}"
VAHAN = "vahan:MH12AB1234#2"
REPORT = "cctns:DL-PS0101-2024-0456-V1"


@pytest.fixture
def backend(any_backend: Backend, sample_records: list[Record]) -> Backend:
    result = any_backend.upsert(sample_records)
    assert (result.indexed, result.failed) == (len(sample_records), ())
    any_backend.flush()
    return any_backend


def person_query(name: str, **kwargs: object) -> CandidateQuery:
    return CandidateQuery(
        name_keys=name_keys(name),
        name_text=name_text(name),
        limit=1000,
        **kwargs,  # type: ignore[arg-type]
    )


QUERIES = {
    "keys and fuzzy": person_query("Rajendra Patil"),
    "misspelt": person_query("Rajendar Patel"),
    "initials": person_query("K Murugan"),
    "local script": person_query("க. முருகன்"),
    "relative keys": CandidateQuery(
        name_keys=frozenset(RELATIVE_PREFIX + k for k in name_keys("Shankar Patil")), limit=1000
    ),
    "registration": CandidateQuery(
        identifiers=(IdentifierTerm(IdType.REGISTRATION, "MH12AB1234"),), limit=1000
    ),
    "chassis suffix": CandidateQuery(
        identifiers=(IdentifierTerm(IdType.CHASSIS, "00123456", suffix=True),), limit=1000
    ),
    "full chassis finds fragments": CandidateQuery(
        identifiers=(IdentifierTerm(IdType.CHASSIS, "MA3EWDE1S00123456"),), limit=1000
    ),
    "filtered": person_query(
        "Rajendra Patil",
        filters=Filters(
            sources=frozenset({Source.CCTNS, Source.EPRISONS}), states=frozenset({"MH"})
        ),
    ),
    "hidden labels": person_query(
        "Vikram Singh",
        filters=Filters(hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({"MH"})),)),
    ),
    "hidden except own state": person_query(
        "Vikram Singh",
        filters=Filters(hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({"UP"})),)),
    ),
    "nothing allowed": person_query("Rajendra Patil", filters=Filters(kinds=frozenset())),
}


@pytest.mark.parametrize("label", list(QUERIES))
def test_candidates_are_the_reference_set_with_the_same_final_ranking(
    backend: Backend, sample_records: list[Record], label: str
) -> None:
    query = QUERIES[label]
    docs = [to_document(r) for r in sample_records]
    got = backend.candidates(query)
    assert {c.record.record_id for c in got} == expected_ids(docs, query)
    frequencies = expected_frequencies(docs, query)
    assert {c.record.record_id: c.key_frequency for c in got} == {
        c.record.record_id: frequencies.get(c.record.record_id) for c in got
    }
    by_id = {r.record_id: r for r in sample_records}
    assert [c.record for c in got] == [by_id[c.record.record_id] for c in got]
    if query.name_text:
        expected = [r for r in sample_records if r.record_id in expected_ids(docs, query)]
        ranked = final_ranking(query.name_text, [c.record for c in got])
        assert ranked == final_ranking(query.name_text, expected)


def test_what_retrieval_must_and_must_not_find(backend: Backend) -> None:
    def found(query: CandidateQuery) -> set[str]:
        return {c.record.record_id for c in backend.candidates(query)}

    assert {A1, INMATE, SARATHI, VAHAN} <= found(person_query("Rajendra Patil"))
    assert "ncrp:31207240012345" not in found(person_query("Anita Sharma"))  # a complainant
    assert "ncrp:31207240012345" in found(person_query("Rahul Verma"))  # the suspect
    # a father's name does not retrieve his son's records unless relative keys are asked for
    vikram = "cctns:UP-PS2210-2023-0077-A1"
    assert vikram not in found(CandidateQuery(name_keys=name_keys("Raghuvir")))
    rel = frozenset(RELATIVE_PREFIX + k for k in name_keys("Raghuvir"))
    assert vikram in found(CandidateQuery(name_keys=rel))
    # unless it is part of the son's name: a Tamil initial is the father's given name, so
    # K. Murugan son of Kandasamy is Murugan Kandasamy, and found by it (issue 15)
    murugan = "eprisons:TN/PUZHAL/2023/004512"
    assert murugan in found(CandidateQuery(name_keys=name_keys("Murugan Kandasamy")))
    rel = frozenset(RELATIVE_PREFIX + k for k in name_keys("Kandasamy"))
    assert found(CandidateQuery(name_keys=rel)) == {murugan}
    assert INMATE in found(QUERIES["relative keys"])
    assert {VAHAN, REPORT} == found(QUERIES["full chassis finds fragments"])
    # the report's stored fragment "23456" ends the queried "00123456": consistent, so found
    assert found(QUERIES["chassis suffix"]) == {VAHAN, REPORT}
    assert found(QUERIES["hidden labels"]) == set()
    assert found(QUERIES["hidden except own state"]) == {"cctns:UP-PS2210-2023-0077-A1"}


def test_limit_caps_candidates(backend: Backend) -> None:
    query = CandidateQuery(name_keys=name_keys("Patil"), limit=2)
    assert len(backend.candidates(query)) == 2


def test_get_count_ids_and_export(backend: Backend, sample_records: list[Record]) -> None:
    assert backend.get([VAHAN, "cctns:unknown", A1]) == [
        r for i in (VAHAN, A1) for r in sample_records if r.record_id == i
    ]
    assert backend.count() == len(sample_records)
    assert backend.count(Filters(sources=frozenset({Source.CCTNS}))) == 4
    assert backend.count(Filters(kinds=frozenset({Kind.INMATE}), states=frozenset({"TN"}))) == 1
    assert sorted(backend.ids(Source.EPRISONS)) == [INMATE, "eprisons:TN/PUZHAL/2023/004512"]
    assert sorted(backend.records(), key=lambda r: r.record_id) == sorted(
        sample_records, key=lambda r: r.record_id
    )
    stats = backend.stats()
    assert stats.total == len(sample_records)
    assert stats.by_source_kind["cctns"] == {"accused": 3, "vehicle_report": 1}
    assert stats.keys_version == KEYS_VERSION, "a new index records the keys it is written with"
    assert stats.fir_keys_version == FIR_KEYS_VERSION


def test_upsert_is_idempotent_and_newer_version_wins(backend: Backend) -> None:
    a2 = backend.get([A2])[0]
    again = backend.upsert([a2])
    assert (again.indexed, again.skipped) == (1, 0)
    newer = a2.model_copy(
        update={
            "status": "ARRESTED",
            "provenance": a2.provenance.model_copy(
                update={"source_updated_at": a2.version + timedelta(hours=1)}
            ),
        }
    )
    assert backend.upsert([newer]).indexed == 1
    backend.flush()
    older = backend.upsert([a2])
    assert (older.indexed, older.skipped, older.failed) == (0, 1, ())
    backend.flush()
    assert backend.get([A2])[0].status == "ARRESTED"
    assert backend.count() == len(sample_world())


def test_delete(backend: Backend) -> None:
    result = backend.delete([REPORT, "cctns:never-was"])
    assert result.deleted == 1
    backend.flush()
    assert backend.get([REPORT]) == []
    assert REPORT not in {c.record.record_id for c in backend.candidates(QUERIES["registration"])}
    assert backend.count() == len(sample_world()) - 1


def test_entity_links_build_one_profile_with_reasons(backend: Backend) -> None:
    members = {A1, INMATE, SARATHI, VAHAN, REPORT}
    candidates = {c.record.record_id: c for c in backend.candidates(person_query("Rajendra"))}
    profile_ids = {candidates[i].profile_id for i in (A1, INMATE, SARATHI, VAHAN)}
    assert len(profile_ids) == 1
    (profile_id,) = profile_ids
    assert profile_id is not None
    assert {r.record_id for r in backend.profiles([profile_id])[profile_id]} == members
    reasons = {(link.a, link.b, link.reason) for link in backend.links(sorted(members))}
    assert reasons == {
        (A1, SARATHI, "driving_licence"),
        (A1, INMATE, "fir"),
        (SARATHI, VAHAN, "owner_holder"),
        (REPORT, VAHAN, "registration"),
    }
    patils = {c.record.record_id: c for c in backend.candidates(person_query("Suresh Patil"))}
    a2_profile = str(patils[A2].profile_id)
    assert {r.record_id for r in backend.profiles([a2_profile])[a2_profile]} == {A2}
    both = backend.profiles([profile_id, a2_profile, "no-such-profile"])
    assert sorted(both) == sorted([profile_id, a2_profile])
    assert [r.record_id for r in both[profile_id]] == sorted(members)
    assert backend.stats().links == 4


def test_profiles_split_when_a_linking_record_goes_and_return_when_it_comes_back(
    backend: Backend,
) -> None:
    def pid(record_id: str) -> str | None:
        query = CandidateQuery(identifiers=(IdentifierTerm(IdType.REGISTRATION, "MH12AB1234"),))
        by = {c.record.record_id: c.profile_id for c in backend.candidates(query)}
        if record_id in by:
            return by[record_id]
        people = backend.candidates(person_query("Rajendra"))
        return {c.record.record_id: c.profile_id for c in people}[record_id]

    before = {i: pid(i) for i in (A1, VAHAN, REPORT)}
    vahan = backend.get([VAHAN])[0]
    backend.delete([VAHAN])
    backend.flush()
    assert pid(REPORT) != pid(A1)
    backend.upsert([vahan])
    backend.flush()
    assert {i: pid(i) for i in (A1, VAHAN, REPORT)} == before


def test_profile_ids_are_stable_across_rebuild_and_arrival_order(
    any_backend: Backend, sample_records: list[Record]
) -> None:
    any_backend.upsert(list(reversed(sample_records)))
    any_backend.flush()
    query = person_query("Rajendra Patil")
    before = {c.record.record_id: c.profile_id for c in any_backend.candidates(query)}
    result = any_backend.rebuild()
    assert result.new_version == (result.old_version or 0) + 1
    assert result.records == len(sample_records)
    after = {c.record.record_id: c.profile_id for c in any_backend.candidates(query)}
    assert after == before
    assert any_backend.stats().version == result.new_version
    assert any_backend.stats().keys_version == KEYS_VERSION
    assert any_backend.stats().fir_keys_version == FIR_KEYS_VERSION


def test_rebuild_from_given_records_replaces_the_content(
    backend: Backend, sample_records: list[Record]
) -> None:
    backend.rebuild(r for r in sample_records if r.source is Source.CCTNS)
    assert backend.count() == 4
    assert backend.count(Filters(sources=frozenset({Source.VAHAN}))) == 0


def test_searches_never_fail_while_rebuilding(backend: Backend) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []
    query = person_query("Rajendra Patil")

    def search() -> None:
        while not stop.is_set():
            try:
                got = {c.record.record_id for c in backend.candidates(query)}
                seen.append(len(got))
                assert {A1, INMATE, SARATHI, VAHAN} <= got
            except BaseException as exc:
                errors.append(exc)
                return

    def slowly():  # type: ignore[no-untyped-def]
        for record in sample_world():
            time.sleep(0.01)  # let searches run while the new version fills
            yield record

    thread = threading.Thread(target=search)
    thread.start()
    try:
        backend.rebuild()
        backend.rebuild(slowly())
        backend.rebuild()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert len(seen) > 2


def test_two_rebuilds_at_once_are_refused(backend: Backend) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_records():  # type: ignore[no-untyped-def]
        started.set()
        release.wait(timeout=30)
        yield from sample_world()

    outcome: list[object] = []
    first = threading.Thread(target=lambda: outcome.append(backend.rebuild(slow_records())))
    first.start()
    try:
        assert started.wait(timeout=30)
        time.sleep(0.1)
        with pytest.raises(RebuildInProgress, match="another rebuild"):
            backend.rebuild()
    finally:
        release.set()
        first.join(timeout=60)
    assert len(outcome) == 1
    assert backend.count() == len(sample_world())


def test_writes_during_a_rebuild_are_kept(backend: Backend) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_records():  # type: ignore[no-untyped-def]
        yield from sample_world()[:5]
        started.set()
        release.wait(timeout=30)
        yield from sample_world()[5:]

    first = threading.Thread(target=lambda: backend.rebuild(slow_records()))
    first.start()
    try:
        assert started.wait(timeout=30)
        a2 = backend.get([A2])[0]
        newer = a2.model_copy(
            update={
                "status": "CONVICTED",
                "provenance": a2.provenance.model_copy(
                    update={"source_updated_at": a2.version + timedelta(days=1)}
                ),
            }
        )
        assert backend.upsert([newer]).indexed == 1
        backend.delete(["ivfrt:IVFRT-DL-2022-8812"])
        backend.flush()
    finally:
        release.set()
        first.join(timeout=60)
    assert backend.get([A2])[0].status == "CONVICTED"
    assert backend.get(["ivfrt:IVFRT-DL-2022-8812"]) == []


def test_health(backend: Backend) -> None:
    health = backend.health()
    assert health.ok, health.detail


def test_a_candidate_brings_exactly_the_links_a_look_up_gives(backend: Backend) -> None:
    """Where retrieval returns a candidate's links with it (`Candidate.links`: a cluster's hits
    carry them), they are every link touching that record, as `links` looks them up, so that
    grouping joins the same records either way."""
    candidates = backend.candidates(person_query("Rajendra"))
    carried = [c for c in candidates if c.links is not None]
    for c in carried:
        assert c.links is not None
        assert set(c.links) == set(backend.links([c.record.record_id])), c.record.record_id
    if isinstance(backend, ElasticBackend):
        assert len(carried) == len(candidates)
        by_id = {c.record.record_id: c.links for c in carried}
        assert {(x.a, x.b, x.reason) for x in by_id[VAHAN] or ()} == {
            (SARATHI, VAHAN, "owner_holder"),
            (REPORT, VAHAN, "registration"),
        }


def test_links_are_settled_when_upsert_returns(
    any_backend: Backend, sample_records: list[Record]
) -> None:
    any_backend.upsert(sample_records)  # no flush: links must not wait for one
    assert {(x.a, x.b, x.reason) for x in any_backend.links([A1, VAHAN])} == {
        (A1, SARATHI, "driving_licence"),
        (A1, INMATE, "fir"),
        (SARATHI, VAHAN, "owner_holder"),
        (REPORT, VAHAN, "registration"),
    }
    assert len(any_backend.get([A1, REPORT])) == 2


def test_damaged_records_keep_their_issues_and_an_undated_copy_never_wins(
    backend: Backend,
) -> None:
    """A record indexed with data issues reads back with them (search results, profiles and
    exports show them), in every engine; one whose update time was unreadable carries the
    oldest version, so any dated copy of the same id replaces it and it never replaces one."""
    from datetime import UTC, datetime

    from records import DataIssue

    a2 = backend.get([A2])[0]
    issues = (
        DataIssue(field="FIR_DATE", reason="unparseable date, withheld"),
        DataIssue(field="LAST_UPDATED", reason="missing"),
    )
    undated = a2.model_copy(
        update={
            "data_issues": issues,
            "event_date": None,
            "provenance": a2.provenance.model_copy(
                update={"source_updated_at": datetime(1970, 1, 1, tzinfo=UTC)}
            ),
        }
    )
    assert backend.upsert([undated]).indexed == 0  # the dated copy held stays
    backend.flush()
    assert backend.get([A2])[0].data_issues == ()
    backend.delete([A2])
    backend.flush()
    assert backend.upsert([undated]).indexed == 1
    backend.flush()
    (held,) = backend.get([A2])
    assert held.data_issues == issues
    assert held in list(backend.records())  # what `icjs index export` writes
    assert backend.upsert([a2]).indexed == 1  # a dated copy replaces the undated one
    backend.flush()
    assert backend.get([A2])[0].data_issues == ()
