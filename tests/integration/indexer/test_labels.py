"""Labels follow the data, on every engine: a record is labelled from its own offence sections,
and a case label reaches every record sharing its FIR, whichever was written first."""

from __future__ import annotations

from indexer.backends.base import Backend, Filters, LabelRule
from records import Identifier, IdType, Kind, Person, Record, Sensitivity, Source
from tests.plugins.backends import make

FIR = "MH/0412/2024/0077"
UNCLEARED = Filters(hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE),))


def _inmate(sections: str, *, fir: str = FIR) -> Record:
    return make(
        Source.EPRISONS,
        "MH/YERAWADA/2024/000777",
        Kind.INMATE,
        state="MH",
        people=(Person(name="VIKAS BALU MORE"),),
        identifiers=(
            Identifier(type=IdType.PRISONER, value="MH/YERAWADA/2024/000777"),
            Identifier(type=IdType.FIR, value=fir),
        ),
        attributes={"cases": [{"firNumber": "0077/2024", "psCode": "0412", "sections": sections}]},
    )


def _accused(sections: str) -> Record:
    return make(
        Source.CCTNS,
        "MH-PS0412-2024-0077-A1",
        Kind.ACCUSED,
        state="MH",
        people=(Person(name="VIKAS BALU MORE"),),
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
        attributes={"act_section": sections},
    )


def _seized_vehicle() -> Record:
    return make(
        Source.CCTNS,
        "MH-PS0412-2024-0077-V1",
        Kind.VEHICLE_REPORT,
        state="MH",
        status="CASE_PROPERTY",
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )


def _labels(backend: Backend, record: Record) -> frozenset[Sensitivity]:
    (stored,) = backend.get([record.record_id])
    return stored.sensitivity


def test_an_inmate_is_labelled_from_its_own_sections(any_backend: Backend) -> None:
    """The e-Prisons leak: the inmate's cases cite BNS 64; no connector set a label."""
    inmate = _inmate("BNS 64")
    assert inmate.sensitivity == frozenset()
    any_backend.upsert([inmate])
    any_backend.flush()
    assert _labels(any_backend, inmate) == {Sensitivity.SEXUAL_OFFENCE}
    assert any_backend.count(UNCLEARED) == 0 and any_backend.count() == 1


def test_a_label_reaches_records_written_before_it(any_backend: Backend) -> None:
    inmate, vehicle = _inmate(""), _seized_vehicle()  # the inmate's sections are missing
    any_backend.upsert([inmate, vehicle])
    any_backend.flush()
    assert any_backend.count(UNCLEARED) == 2
    any_backend.upsert([_accused("IPC 376(2), 506")])
    any_backend.flush()
    assert _labels(any_backend, inmate) == {Sensitivity.SEXUAL_OFFENCE}
    assert _labels(any_backend, vehicle) == {Sensitivity.SEXUAL_OFFENCE}
    assert any_backend.count(UNCLEARED) == 0


def test_records_written_after_a_label_take_it(any_backend: Backend) -> None:
    any_backend.upsert([_accused("IPC 376")])
    any_backend.flush()
    inmate = _inmate("")
    any_backend.upsert([inmate])
    any_backend.flush()
    assert _labels(any_backend, inmate) == {Sensitivity.SEXUAL_OFFENCE}
    # A new version of the inmate from its source (no label of its own) keeps the FIR's label.
    any_backend.upsert([inmate.model_copy(update={"status": "BAIL"})])
    any_backend.flush()
    assert _labels(any_backend, inmate) == {Sensitivity.SEXUAL_OFFENCE}
    # And a rebuild keeps it.
    any_backend.rebuild()
    assert any_backend.count(UNCLEARED) == 0


def test_other_firs_and_offences_are_left_alone(any_backend: Backend) -> None:
    other = _inmate("IPC 379", fir="MH/0412/2024/0078")
    any_backend.upsert([_accused("IPC 376"), other, _accused("IPC 376")])
    any_backend.flush()
    assert _labels(any_backend, other) == frozenset()
    assert any_backend.count(UNCLEARED) == 1


def _inmate_held_elsewhere(sections: str, *, ps_code: str = "0412") -> Record:
    """An inmate held in Bihar on the Maharashtra FIR: the case names its station by code and
    the FIR by number, not the FIR's state, so the connector keeps the FIR without its state."""
    return make(
        Source.EPRISONS,
        "BR/BEUR/2024/000123",
        Kind.INMATE,
        state="BR",
        people=(Person(name="VIKAS BALU MORE"),),
        identifiers=(
            Identifier(type=IdType.PRISONER, value="BR/BEUR/2024/000123"),
            Identifier(type=IdType.FIR, value=f"{ps_code}/2024/0077", partial=True),
        ),
        attributes={"cases": [{"firNumber": "0077/2024", "psCode": ps_code, "sections": sections}]},
    )


def test_a_label_follows_a_fir_to_an_inmate_whose_case_does_not_state_its_state(
    any_backend: Backend,
) -> None:
    """The CCTNS FIR is a rape case; the inmate's own case lists no sections. Keyed on the full
    FIR only, the inmate's stateless FIR met nothing and the victim's case stayed readable."""
    any_backend.upsert([_accused("IPC 376(2), 506")])
    any_backend.flush()
    later = _inmate_held_elsewhere("")
    any_backend.upsert([later])
    any_backend.flush()
    assert _labels(any_backend, later) == {Sensitivity.SEXUAL_OFFENCE}
    assert any_backend.count(UNCLEARED) == 0


def test_a_label_reaches_an_inmate_written_before_the_fir(any_backend: Backend) -> None:
    first = _inmate_held_elsewhere("")
    any_backend.upsert([first])
    any_backend.flush()
    assert any_backend.count(UNCLEARED) == 1
    any_backend.upsert([_accused("IPC 376")])
    any_backend.flush()
    assert _labels(any_backend, first) == {Sensitivity.SEXUAL_OFFENCE}


def test_an_inmate_s_stateless_label_reaches_the_fir_s_records(any_backend: Backend) -> None:
    """The other way: the inmate's case cites the offence, the accused and the seized vehicle
    (full FIR, with its state) were written first."""
    accused, vehicle = _accused(""), _seized_vehicle()
    any_backend.upsert([accused, vehicle])
    any_backend.flush()
    any_backend.upsert([_inmate_held_elsewhere("BNS 64")])
    any_backend.flush()
    assert _labels(any_backend, accused) == {Sensitivity.SEXUAL_OFFENCE}
    assert _labels(any_backend, vehicle) == {Sensitivity.SEXUAL_OFFENCE}


def test_a_longer_station_code_ending_alike_is_another_fir(any_backend: Backend) -> None:
    """Station 10412's FIR 77 of 2024 ends with the same characters as station 0412's without
    the leading zero: an "ends with" look-up alone would label it."""
    other = _inmate_held_elsewhere("", ps_code="10412")
    any_backend.upsert([other])
    any_backend.flush()
    any_backend.upsert([_accused("IPC 376")])
    any_backend.flush()
    assert _labels(any_backend, other) == frozenset()
