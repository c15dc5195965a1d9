"""Entity-link rules and profile ids (pure functions; the backends are tested elsewhere)."""

from __future__ import annotations

from datetime import date

from indexer.links import decide, link_keys, profile_id_for
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Source, Vehicle
from tests.plugins.backends import DL, FIR, make, sample_world


def by_id(record_id: str) -> Record:
    return next(r for r in sample_world() if r.record_id == record_id)


A1 = "cctns:MH-PS0412-2024-0123-A1"
A2 = "cctns:MH-PS0412-2024-0123-A2"
INMATE = "eprisons:MH/YERAWADA/2024/000123"


def test_fir_links_accused_to_inmate_of_the_same_name() -> None:
    link = decide(f"fir:{FIR}", by_id(A1), by_id(INMATE))
    assert link is not None
    assert (link.a, link.b, link.reason) == (A1, INMATE, "fir")


def test_fir_never_links_co_accused() -> None:
    assert decide(f"fir:{FIR}", by_id(A1), by_id(A2)) is None
    # …nor an inmate to a co-accused of another name on the same FIR
    assert decide(f"fir:{FIR}", by_id(A2), by_id(INMATE)) is None


def test_driving_licence_links_any_two_records() -> None:
    link = decide(f"dl:{DL}", by_id(f"sarathi:{DL}"), by_id(A1))
    assert link is not None and link.reason == "driving_licence"


def test_registration_links_vahan_and_cctns_report_but_not_two_owner_serials() -> None:
    vahan = by_id("vahan:MH12AB1234#2")
    report = by_id("cctns:DL-PS0101-2024-0456-V1")
    link = decide("registration:MH12AB1234", vahan, report)
    assert link is not None and link.reason == "registration"
    first_owner = make(
        Source.VAHAN,
        "MH12AB1234#1",
        Kind.VEHICLE_REGISTRATION,
        vehicle=Vehicle(registration_no="MH12AB1234"),
    )
    assert decide("registration:MH12AB1234", vahan, first_owner) is None


def test_chassis_fragments_never_link() -> None:
    report = by_id("cctns:DL-PS0101-2024-0456-V1")
    assert not any(k.startswith("chassis:") for k in link_keys(report))


def test_owner_holder_needs_name_birth_date_and_address() -> None:
    vahan = by_id("vahan:MH12AB1234#2")
    sarathi = by_id(f"sarathi:{DL}")
    shared = link_keys(vahan) & link_keys(sarathi)
    oh = [k for k in shared if k.startswith("oh:")]
    assert len(oh) == 1
    link = decide(oh[0], vahan, sarathi)
    assert link is not None and link.reason == "owner_holder"

    elsewhere = sarathi.model_copy(
        update={
            "people": (
                Person(
                    name="Rajendra Patil",
                    birth_date=date(1990, 2, 11),
                    address="FLAT 9, SECTOR 17, VASHI, NAVI MUMBAI",
                ),
            )
        }
    )
    assert decide(oh[0], vahan, elsewhere) is None
    no_birth_date = vahan.model_copy(
        update={"people": (Person(role=PersonRole.OWNER, name="RAJENDRA PATIL", address="PUNE"),)}
    )
    assert not any(k.startswith("oh:") for k in link_keys(no_birth_date))


def test_link_keys_only_from_full_strong_identifiers() -> None:
    record = make(
        Source.NCRP,
        "1",
        Kind.CYBER_COMPLAINT,
        identifiers=(
            Identifier(type=IdType.MOBILE, value="+919876543210"),
            Identifier(type=IdType.FIR, value=FIR),  # an NCRP FIR does not link to inmates
        ),
    )
    assert link_keys(record) == frozenset()


def test_profile_id_is_stable_and_order_free() -> None:
    assert profile_id_for(["b", "a", "c"]) == profile_id_for(["c", "a", "b"])
    assert profile_id_for(["a"]) == profile_id_for(["a", "b"])
    assert profile_id_for(["b"]) != profile_id_for(["a"])
