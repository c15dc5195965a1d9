"""Entity-link rules and profile ids (pure functions; the backends are tested elsewhere)."""

from __future__ import annotations

from datetime import date

from indexer.backends.base import IndexLink
from indexer.links import cluster_label, clusters, decide, fir_links, link_keys
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Relation, Source, Vehicle
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


def test_cluster_label_is_stable_and_order_free() -> None:
    assert cluster_label(["b", "a", "c"]) == cluster_label(["c", "a", "b"])
    assert cluster_label(["a"]) == cluster_label(["a", "b"])
    assert cluster_label(["b"]) != cluster_label(["a"])


def _accused(native: str, name: str, **person: object) -> Record:
    return make(
        Source.CCTNS,
        native,
        Kind.ACCUSED,
        people=(Person(name=name, **person),),  # type: ignore[arg-type]
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )


def _inmate(native: str, name: str, **person: object) -> Record:
    return make(
        Source.EPRISONS,
        native,
        Kind.INMATE,
        people=(Person(name=name, **person),),  # type: ignore[arg-type]
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )


def test_an_inmate_who_fits_two_co_accused_is_linked_to_neither() -> None:
    """Two co-accused of one FIR of the same name, one inmate of it: each pair alone would
    link; together the FIR says nothing about which of them the inmate is."""
    p_suresh, s_suresh = _accused("A1", "SURESH PATIL"), _accused("A2", "SURESH PATIL")
    inmate = _inmate("I1", "Suresh Patil")
    assert len(fir_links(f"fir:{FIR}", [p_suresh, inmate])) == 1
    assert len(fir_links(f"fir:{FIR}", [s_suresh, inmate])) == 1
    assert fir_links(f"fir:{FIR}", [p_suresh, s_suresh, inmate]) == []


def test_an_inmate_links_to_the_one_co_accused_nothing_disagrees_with() -> None:
    """The same name, but the other co-accused was born sixteen years apart and has another
    father: the inmate is the one who fits."""
    p_suresh = _accused("A1", "SURESH PATIL", birth_year=1990, relative_name="PERUMAL PATIL",
                        relation=Relation.SON_OF)  # fmt: skip
    s_suresh = _accused("A2", "SURESH PATIL", birth_year=1974, relative_name="SUBHASH PATIL",
                        relation=Relation.SON_OF)  # fmt: skip
    inmate = _inmate("I1", "Suresh Patil", birth_year=1990, relative_name="Perumal Patil")
    [link] = fir_links(f"fir:{FIR}", [p_suresh, s_suresh, inmate])
    assert {link.a, link.b} == {p_suresh.record_id, inmate.record_id}


def test_index_clusters_never_chain_across_a_disagreement() -> None:
    """Links A–B and B–C, A and C with different fathers: plain components would fuse them."""
    a = _accused("A1", "RAMESH KUMAR", relative_name="SURESH KUMAR", relation=Relation.SON_OF)
    b = _inmate("I1", "Ramesh Kumar")
    c = _accused("B1", "RAMESH KUMAR", relative_name="MAHESH YADAV", relation=Relation.SON_OF)
    records = {r.record_id: r for r in (a, b, c)}
    edges = {
        IndexLink(*sorted((a.record_id, b.record_id)), reason="fir", key="fir:1"),  # type: ignore[call-arg]
        IndexLink(*sorted((b.record_id, c.record_id)), reason="fir", key="fir:2"),  # type: ignore[call-arg]
    }
    found = clusters(records, edges, lambda ids: [records[i] for i in ids])
    assert not any({a.record_id, c.record_id} <= cluster for cluster in found)
    assert sorted(map(len, found)) == [1, 2]


def _accused_at(state: str, station: str, name: str, **person: object) -> Record:
    """A CCTNS accused of FIR 0456/2023 at station code 1102 of `state`."""
    return make(
        Source.CCTNS,
        f"{state}-PS1102-2023-0456-A1",
        Kind.ACCUSED,
        people=(Person(name=name, **person),),  # type: ignore[arg-type]
        identifiers=(Identifier(type=IdType.FIR, value=f"{state}/1102/2023/456"),),
        state=state,
        police_station="1102",
        attributes={"ps_name": station},
    )


def _inmate_held_in(state: str, station: str, name: str, **person: object) -> Record:
    """An inmate held in `state` whose case names FIR 0456/2023 of station 1102 `station`,
    without the FIR's state (as e-Prisons writes a case)."""
    return make(
        Source.EPRISONS,
        f"{state}/PATNA/2024/000001",
        Kind.INMATE,
        people=(Person(name=name, **person),),  # type: ignore[arg-type]
        identifiers=(Identifier(type=IdType.FIR, value="1102/2023/456", partial=True),),
        state=state,
        attributes={
            "cases": [{"firNumber": "0456/2023", "psCode": "1102", "policeStation": station}]
        },
    )


def test_an_inmate_held_in_another_state_links_to_the_accused_of_the_fir_s_station() -> None:
    """Arrested in Bihar on a Kerala FIR: the case gives station 1102 `Kottayam East` and no
    state. It links to the Kerala accused of that FIR, whose station has that name, and not to
    a namesake accused of FIR 0456/2023 at Bihar's own station 1102 (a key of station code and
    number alone, or the prison's state, would pick the Bihar one)."""
    kerala = _accused_at("KL", "KOTTAYAM EAST", "SURESH NAIR")
    bihar = _accused_at("BR", "GARDANIBAGH", "SURESH NAIR")
    inmate = _inmate_held_in("BR", "Kottayam East", "Suresh Nair")
    [key] = {k for k in link_keys(inmate) if k.startswith("fir:")}
    assert key == "fir:1102/2023/456" and key in link_keys(kerala) and key in link_keys(bihar)
    [link] = fir_links(key, [kerala, bihar, inmate])
    assert {link.a, link.b} == {kerala.record_id, inmate.record_id}
    assert decide(key, bihar, inmate) is None


def test_a_stated_fir_state_must_be_the_accused_s() -> None:
    """A case that states its FIR's state gives the full FIR, and only that state's accused fits."""
    kerala = _accused_at("KL", "KOTTAYAM EAST", "SURESH NAIR")
    bihar = _accused_at("BR", "KOTTAYAM EAST", "SURESH NAIR")  # same code and name, other state
    inmate = _inmate_held_in("BR", "Kottayam East", "Suresh Nair").model_copy(
        update={"identifiers": (Identifier(type=IdType.FIR, value="KL/1102/2023/456"),)}
    )
    [link] = fir_links("fir:1102/2023/456", [kerala, bihar, inmate])
    assert {link.a, link.b} == {kerala.record_id, inmate.record_id}


def test_without_station_names_the_inmate_s_state_decides() -> None:
    kerala = _accused_at("KL", "", "SURESH NAIR")
    inmate = _inmate_held_in("KL", "", "Suresh Nair")
    assert decide("fir:1102/2023/456", kerala, inmate) is not None
    elsewhere = _inmate_held_in("BR", "", "Suresh Nair")
    assert decide("fir:1102/2023/456", kerala, elsewhere) is None
