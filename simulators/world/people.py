"""The simulated population: one `Person` per index, regenerated on demand from (seed, index).

A person is a pure function of the world seed and their index, so the generator never holds the
population in memory and the clock can bring any person back (a new owner for a vehicle, a new FIR
for an old offender) without a people table. Which sources a person appears in is decided here,
by role, so that every person lands in two to six of the eight systems.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from simulators.world import names_data as nd

SOURCES = ("cctns", "eprisons", "vahan", "sarathi", "alis", "ncrp", "ivfrt", "khoyapaya")

# Role → (weight, required sources, optional pool, (min sources, max sources)).
ROLES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "offender": (
        30,
        ("cctns",),
        ("eprisons", "eprisons", "vahan", "sarathi", "alis", "ncrp"),
        (2, 6),
    ),
    "citizen": (38, (), ("vahan", "sarathi", "alis", "ncrp"), (2, 4)),
    "cyber": (8, ("ncrp",), ("cctns", "vahan", "sarathi", "eprisons"), (2, 5)),
    "foreigner": (5, ("ivfrt",), ("cctns", "sarathi", "vahan", "ncrp"), (2, 4)),
    "child": (7, ("khoyapaya", "cctns"), (), (2, 2)),
    "missing_adult": (7, ("cctns",), ("vahan", "sarathi", "alis", "ncrp"), (2, 4)),
}
_ROLE_NAMES = tuple(ROLES)
_ROLE_WEIGHTS = tuple(r[0] for r in ROLES.values())
_REGION_WEIGHTS = tuple(r.weight for r in nd.REGIONS)

# The world's "now" before any clock advance: 2024-05-01T10:00:00+05:30.
EPOCH_NOW_S = 1714537800


@dataclass(frozen=True)
class Part:
    """One name word in Latin letters and in the person's script (empty when it has none)."""

    latin: str
    local: str
    kind: str  # given | middle | surname | initial | prefix


def _part(entry: str, kind: str) -> Part:
    latin, _, local = entry.partition("|")
    return Part(latin, local, kind)


def initial_of(local: str) -> str:
    """First written syllable of a local-script word: the letter and its vowel signs."""
    out = local[:1]
    for ch in local[1:]:
        if "\u0900" <= ch <= "\u0d7f" and _is_mark(ch):
            out += ch
        else:
            break
    return out


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("M")


@dataclass
class Person:
    index: int
    pid: str
    role: str
    region: nd.Region
    state: str
    district: str
    gender: str
    parts: list[Part]
    relative: list[Part]  # father's (or husband's) name
    relation: str  # S/O, D/O, W/O
    alias: str | None
    dob: date
    dob_known: bool
    mobile: str
    address: str
    sources: tuple[str, ...]
    nationality: str | None = None  # foreigners: ISO alpha-3
    foreign_surname: str = ""
    foreign_given: str = ""
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def latin(self) -> str:
        if self.nationality:
            return f"{self.foreign_given} {self.foreign_surname}"
        return " ".join(p.latin for p in self.parts)

    @property
    def local(self) -> str:
        if self.nationality:
            return ""
        return " ".join(p.local for p in self.parts)

    @property
    def relative_latin(self) -> str:
        return " ".join(p.latin for p in self.relative)

    @property
    def relative_local(self) -> str:
        return " ".join(p.local for p in self.relative)

    def age_at(self, when: date) -> int:
        years = when.year - self.dob.year
        if (when.month, when.day) < (self.dob.month, self.dob.day):
            years -= 1
        return years

    @property
    def given(self) -> Part:
        return next(p for p in self.parts if p.kind == "given")


def person_rng(seed: int, index: int, purpose: str = "p") -> random.Random:
    return random.Random(f"{seed}:{purpose}:{index}")


def make_person(seed: int, index: int) -> Person:
    """The person with this index in the world of this seed, always the same."""
    rng = person_rng(seed, index)
    role = rng.choices(_ROLE_NAMES, _ROLE_WEIGHTS)[0]
    region = rng.choices(nd.REGIONS, _REGION_WEIGHTS)[0]
    state = rng.choice(region.states)
    district = rng.choice(nd.STATES[state][1])
    gender = "T" if rng.random() < 0.01 else ("F" if rng.random() < 0.4 else "M")
    if role == "offender" and gender == "F" and rng.random() < 0.6:
        gender = "M"
    today = date.fromtimestamp(EPOCH_NOW_S)
    if role == "child":
        age_days = rng.randint(3 * 365, 17 * 365)
    else:
        age_days = rng.randint(19 * 365, 72 * 365)
    dob = today - timedelta(days=age_days)
    parts, relative, relation = _name(rng, region, gender, can_marry=role != "child")
    alias = rng.choice(nd.NICKNAMES) if gender == "M" and rng.random() < 0.2 else None
    mobile = rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(9))
    locality = rng.choice(nd.LOCALITIES)
    address = f"H NO {rng.randint(1, 450)}, {locality}, {district}"
    sources = _pick_sources(rng, role)
    person = Person(
        index=index,
        pid=f"P{index:07d}",
        role=role,
        region=region,
        state=state,
        district=district,
        gender=gender,
        parts=parts,
        relative=relative,
        relation=relation,
        alias=alias,
        dob=dob,
        dob_known=rng.random() < 0.75,
        mobile=mobile,
        address=address,
        sources=sources,
    )
    if role == "foreigner":
        nat = rng.choice(tuple(nd.FOREIGNERS))
        surnames, males, females = nd.FOREIGNERS[nat]
        person.nationality = nat
        person.foreign_surname = rng.choice(surnames)
        person.foreign_given = rng.choice(females if gender == "F" else males)
        person.alias = None
        if gender == "T":
            person.gender = "M"
    return person


def _pick_sources(rng: random.Random, role: str) -> tuple[str, ...]:
    _, required, pool, (low, high) = ROLES[role]
    target = rng.randint(low, high)
    chosen = list(dict.fromkeys(required))
    candidates = list(pool)
    rng.shuffle(candidates)
    for src in candidates:
        if len(chosen) >= target:
            break
        if src in chosen:
            continue
        if src == "eprisons" and "cctns" not in chosen:
            if len(chosen) + 2 > high:
                continue
            chosen.append("cctns")
        chosen.append(src)
    # Pools are big enough to reach `low`; `high` is never passed.
    return tuple(s for s in SOURCES if s in chosen)


def _name(
    rng: random.Random, region: nd.Region, gender: str, *, can_marry: bool
) -> tuple[list[Part], list[Part], str]:
    female = gender == "F"
    given = _part(rng.choice(region.female if female else region.male), "given")
    father_given = _part(rng.choice(region.male), "given")
    while father_given.latin == given.latin and len(region.male) > 1:
        father_given = _part(rng.choice(region.male), "given")
    married = female and can_marry and rng.random() < 0.6
    relation = "W/O" if married else ("D/O" if female else "S/O")
    relative_given = _part(rng.choice(region.male), "given") if married else father_given
    style = region.style
    if style == "initial":
        elder = _part(rng.choice(region.elders), "given")
        initial = Part(elder.latin[0] + ".", initial_of(elder.local) + ".", "initial")
        other_elder = _part(rng.choice(region.elders), "given")
        relative = [other_elder, relative_given] if married else [elder]
        return [initial, given], relative, relation
    if style == "family_first":
        family = _part(rng.choice(region.elders), "surname")
        initial = Part(family.latin[0] + ".", initial_of(family.local) + ".", "initial")
        parts = [initial, given]
        if rng.random() < 0.5:
            parts.append(_part(rng.choice(region.surnames), "surname"))
        return parts, [family, relative_given], relation
    if style == "sikh":
        marker = _part(nd.KAUR_LOCAL if female else nd.SINGH_LOCAL, "surname")
        parts = [given, marker]
        if rng.random() < 0.5:
            parts.append(_part(rng.choice(region.surnames), "surname"))
        return parts, [relative_given, _part(nd.SINGH_LOCAL, "surname")], relation
    if style == "muslim":
        surname = _part(rng.choice(region.surnames), "surname")
        parts = []
        if not female and rng.random() < 0.5:
            parts.append(_part(rng.choice(nd.MUSLIM_PREFIX), "prefix"))
        parts.append(given)
        if female and rng.random() < 0.5:
            parts.append(_part(rng.choice(nd.MUSLIM_FEMALE_SURNAME), "surname"))
        elif rng.random() < 0.9:
            parts.append(surname)
        return parts, [relative_given, surname], relation
    surname = _part(rng.choice(region.surnames), "surname")
    if style == "father_middle":
        middle = Part(relative_given.latin, relative_given.local, "middle")
        return [given, middle, surname], [relative_given, surname], relation
    # north: single names now and then, `Devi` for many women.
    if rng.random() < 0.04:
        return [given], [relative_given], relation
    if female and region.key == "hindi" and rng.random() < 0.5:
        return [given, _part(nd.DEVI, "surname")], [relative_given, surname], relation
    return [given, surname], [relative_given, surname], relation
