"""Synthetic records for the backend benchmarks: deterministic, streamed in batches, shaped like
the sources (name spellings, relatives, identifiers, states, sensitivity labels) without
depending on the simulators. Batch `b` is always the same records, so the engine's raw bulk load
can be fed exactly the documents the backend indexed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from records import (
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Provenance,
    Record,
    Sensitivity,
    Source,
    Vehicle,
)

FIRST = [
    "RAJENDRA",
    "RAMESH",
    "SURESH",
    "MAHESH",
    "DINESH",
    "RAKESH",
    "MUKESH",
    "ANIL",
    "SUNIL",
    "VIJAY",
    "AJAY",
    "SANJAY",
    "MANOJ",
    "SANTOSH",
    "PRAKASH",
    "DEEPAK",
    "ASHOK",
    "VINOD",
    "ARUN",
    "KIRAN",
    "RAVI",
    "GANESH",
    "SHANKAR",
    "MURUGAN",
    "SENTHIL",
    "KARTHIK",
    "VENKATESH",
    "SRINIVAS",
    "NAGARAJ",
    "MOHAN",
    "KRISHNA",
    "GOPAL",
    "HARISH",
    "NARESH",
    "JITENDRA",
    "MOHAMMED",
    "IRFAN",
    "SALIM",
    "IMRAN",
    "ASIF",
    "RAFIQ",
    "ABDUL",
    "GURPREET",
    "HARPREET",
    "JASPREET",
    "MANPREET",
    "SUNITA",
    "ANITA",
    "KAVITA",
    "SAVITA",
    "LAXMI",
    "PRIYA",
    "POOJA",
    "NEHA",
    "REKHA",
    "GEETA",
    "SEEMA",
    "MEENA",
    "RADHA",
    "FATIMA",
    "AYESHA",
    "SHABANA",
    "LALITA",
    "USHA",
    "ASHA",
    "NIRMALA",
    "KAMALA",
    "VASANTHA",
    "SELVI",
    "BABLU",
    "PAPPU",
    "RAJU",
    "MUNNA",
    "CHHOTU",
    "SONU",
    "MONU",
    "GUDDU",
    "RINKU",
    "PINKU",
    "DEVENDRA",
    "YOGESH",
    "NILESH",
    "SACHIN",
    "RAHUL",
]
LAST = [
    "PATIL",
    "SHARMA",
    "VERMA",
    "SINGH",
    "KUMAR",
    "YADAV",
    "GUPTA",
    "JAIN",
    "SHAH",
    "MEHTA",
    "DESAI",
    "JOSHI",
    "KULKARNI",
    "DESHMUKH",
    "PAWAR",
    "JADHAV",
    "SHINDE",
    "GAIKWAD",
    "CHAVAN",
    "MORE",
    "REDDY",
    "NAIDU",
    "RAO",
    "IYER",
    "IYENGAR",
    "PILLAI",
    "NAIR",
    "MENON",
    "KANDASAMY",
    "SUBRAMANIAM",
    "RAJAN",
    "KHAN",
    "SHAIKH",
    "ANSARI",
    "QURESHI",
    "SIDDIQUI",
    "GILL",
    "SANDHU",
    "SIDHU",
    "DHILLON",
    "GREWAL",
    "BANERJEE",
    "CHATTERJEE",
    "MUKHERJEE",
    "GHOSH",
    "BOSE",
    "DAS",
    "DUTTA",
    "SEN",
    "MISHRA",
    "TIWARI",
    "PANDEY",
    "DUBEY",
    "CHAUBEY",
    "TRIPATHI",
    "SHUKLA",
    "SRIVASTAVA",
    "SAXENA",
    "MALIK",
    "CHAUHAN",
    "RATHORE",
    "THAKUR",
    "BHATT",
    "NEGI",
    "RAWAT",
    "BISHT",
    "MAHATO",
    "MURMU",
    "HANSDA",
    "ORAON",
    "TIRKEY",
]
STATES = [
    "MH",
    "UP",
    "BR",
    "TN",
    "KA",
    "DL",
    "GJ",
    "RJ",
    "WB",
    "MP",
    "AP",
    "TS",
    "KL",
    "PB",
    "HR",
    "OR",
    "JH",
    "AS",
    "CG",
    "UK",
]
T0 = datetime(2024, 1, 1, tzinfo=UTC)

# source, kind, share of records: roughly the national proportions of what we index
MIX: tuple[tuple[Source, Kind, float], ...] = (
    (Source.CCTNS, Kind.ACCUSED, 0.30),
    (Source.VAHAN, Kind.VEHICLE_REGISTRATION, 0.25),
    (Source.SARATHI, Kind.DRIVING_LICENCE, 0.25),
    (Source.EPRISONS, Kind.INMATE, 0.08),
    (Source.CCTNS, Kind.VEHICLE_REPORT, 0.05),
    (Source.KHOYAPAYA, Kind.MISSING_PERSON, 0.04),
    (Source.IVFRT, Kind.FOREIGNER, 0.03),
)


def _pick_kind(rng: random.Random) -> tuple[Source, Kind]:
    x = rng.random()
    for source, kind, share in MIX:
        if x < share:
            return source, kind
        x -= share
    return MIX[0][0], MIX[0][1]


def _name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"{rng.choice(FIRST)[0]}. {rng.choice(FIRST)}"  # South Indian initial
    middle = f" {rng.choice(FIRST)}" if rng.random() < 0.3 else ""
    return f"{rng.choice(FIRST)}{middle} {rng.choice(LAST)}"


def _plate(rng: random.Random, state: str) -> str:
    series = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return f"{state}{rng.randint(1, 50):02d}{series}{rng.randint(1, 9999):04d}"


def _chassis(rng: random.Random) -> str:
    return "MA3" + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(14))


def record(i: int, rng: random.Random) -> Record:
    source, kind = _pick_kind(rng)
    state = rng.choice(STATES)
    when = T0 + timedelta(seconds=i)
    native = f"B{i:09d}"
    name = _name(rng)
    relative = f"{rng.choice(FIRST)} {name.split()[-1]}"
    identifiers: list[Identifier] = []
    vehicle = None
    people: tuple[Person, ...] = ()
    labels: frozenset[Sensitivity] = frozenset()
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
    address = f"H NO {rng.randint(1, 500)}, WARD {rng.randint(1, 40)}, {state} CITY"
    if kind is Kind.VEHICLE_REGISTRATION:
        plate = _plate(rng, state)
        vehicle = Vehicle(registration_no=plate, chassis_no=_chassis(rng))
        native = f"{plate}#{i % 3 + 1}"
        people = (
            Person(role=PersonRole.OWNER, name=name, relative_name=relative, address=address),
        )
        identifiers = [
            Identifier(type=IdType.REGISTRATION, value=plate),
            Identifier(type=IdType.CHASSIS, value=vehicle.chassis_no or ""),
        ]
    elif kind is Kind.VEHICLE_REPORT:
        fragment = _chassis(rng)[-5:]
        plate = _plate(rng, state)
        vehicle = Vehicle(registration_no=plate, chassis_no=fragment)
        identifiers = [
            Identifier(type=IdType.REGISTRATION, value=plate),
            Identifier(type=IdType.CHASSIS, value=fragment, partial=True),
        ]
    else:
        role = PersonRole.MISSING if kind is Kind.MISSING_PERSON else PersonRole.SUBJECT
        people = (
            Person(
                role=role,
                name=name,
                relative_name=relative,
                birth_date=birth,
                address=address,
                aliases=(rng.choice(FIRST),) if rng.random() < 0.1 else (),
            ),
        )
        if kind is Kind.DRIVING_LICENCE:
            rto, year, serial = rng.randint(1, 50), rng.randint(1990, 2024), rng.randint(0, 9999999)
            dl = f"{state}{rto:02d}{year}{serial:07d}"
            native = dl
            identifiers = [Identifier(type=IdType.DRIVING_LICENCE, value=dl)]
        elif kind in (Kind.ACCUSED, Kind.INMATE):
            fir = (
                f"{state}/{rng.randint(1, 999):04d}/{rng.randint(2015, 2024)}/{rng.randint(1, 999)}"
            )
            identifiers = [Identifier(type=IdType.FIR, value=fir)]
            if rng.random() < 0.03:
                labels = frozenset({Sensitivity.SEXUAL_OFFENCE})
        elif kind is Kind.FOREIGNER:
            identifiers = [
                Identifier(type=IdType.PASSPORT, value=f"X{rng.randint(0, 9999999):07d}")
            ]
        elif kind is Kind.MISSING_PERSON and rng.random() < 0.5:
            labels = frozenset({Sensitivity.CHILD})
    return Record(
        record_id=f"{source.value}:{native}",
        source=source,
        kind=kind,
        state=state,
        people=people,
        vehicle=vehicle,
        identifiers=tuple(identifiers),
        sensitivity=labels,
        provenance=Provenance(
            source=source, native_id=native, source_updated_at=when, fetched_at=when
        ),
    )


def batches(total: int, size: int, seed: int = 7) -> Iterator[list[Record]]:
    for start in range(0, total, size):
        rng = random.Random(seed * 1_000_003 + start)
        yield [record(i, rng) for i in range(start, min(total, start + size))]


def misspell(name: str, rng: random.Random) -> str:
    """One realistic spelling change: a vowel swapped or a doubled letter dropped."""
    swaps = [("EE", "I"), ("OO", "U"), ("A", "E"), ("I", "EE"), ("SH", "S"), ("V", "W")]
    rng.shuffle(swaps)
    for old, new in swaps:
        if old in name:
            return name.replace(old, new, 1)
    return name
