"""What the proclaimed-offenders list publishes, and what it leaves out."""

from __future__ import annotations

from datetime import date

from federation.proclaimed import ProclaimedList, proclaimed_offenders, publishable
from records import DataIssue, Kind, Person, Record, Sensitivity, Source
from tests.plugins.backends import make


def proclaimed(native_id: str, **overrides: object) -> Record:
    fields: dict[str, object] = {
        "status": "ABSCONDING",
        "state": "UP",
        "district": "LUCKNOW",
        "event_date": date(2023, 5, 1),
        "people": (Person(name="SURESH YADAV", name_local="सुरेश यादव", age_from=34, age_to=34),),
        "attributes": {
            "proclaimed_offender": True,
            "fir_reg_num": "0099/2023",
            "ps_name": "HAZRATGANJ",
        },
    }
    fields.update(overrides)
    return make(Source.CCTNS, native_id, Kind.ACCUSED, **fields)


PUBLISHED = proclaimed("UP-1")
LEFT_OUT = [
    proclaimed("UP-2", sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE})),
    proclaimed("UP-3", people=(Person(name="RAJU", age_from=16, age_to=16),)),
    proclaimed("UP-4", people=(Person(name="RAJU", birth_year=2010),)),
    proclaimed("UP-5", status="ARRESTED"),
    proclaimed("UP-6", attributes={"proclaimed_offender": None}),  # unreadable flag
    proclaimed("UP-7", attributes={"proclaimed_offender": False}),
    proclaimed("UP-8", data_issues=(DataIssue(field="ACCUSED_NAME", reason="unreadable"),)),
    make(
        Source.EPRISONS,
        "TN-1",
        Kind.INMATE,
        people=(Person(name="SURESH YADAV"),),
        attributes={"proclaimed_offender": True},
    ),
]


def test_a_proclaimed_adult_at_large_is_published_with_the_proclamation_only() -> None:
    entry = publishable(PUBLISHED)
    assert entry is not None
    assert (entry.name, entry.name_local, entry.fir, entry.police_station) == (
        "SURESH YADAV",
        "सुरेश यादव",
        "0099/2023",
        "HAZRATGANJ",
    )
    assert not hasattr(entry, "address") and not hasattr(entry, "phones")


def test_labels_minors_people_in_custody_and_damaged_rows_are_left_out() -> None:
    for record in LEFT_OUT:
        assert publishable(record) is None, record.record_id
    assert len(proclaimed_offenders([PUBLISHED, *LEFT_OUT, PUBLISHED])) == 1


class _Backend:
    def __init__(self) -> None:
        self.reads = 0

    def records(self) -> list[Record]:
        self.reads += 1
        return [PUBLISHED]


def test_the_list_is_rebuilt_only_when_stale() -> None:
    now = [0.0]
    backend = _Backend()
    listing = ProclaimedList(backend, refresh_s=60, clock=lambda: now[0])  # type: ignore[arg-type]
    assert len(listing.entries()) == 1 and len(listing.entries()) == 1
    assert backend.reads == 1
    now[0] = 61
    listing.entries()
    assert backend.reads == 2
