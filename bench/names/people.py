"""The benchmark's population: people with families, the way Indian names are actually passed on.

Written from how names are given, not from the matcher's rules:

- most of north and west India: a given name, sometimes a middle name, and a family surname that
  passes from father to child and from husband to wife; Marathi and Gujarati names put the
  father's (a wife's: the husband's) given name in the middle; Sikh names carry Singh or Kaur,
  often with a clan name after it;
- Tamil Nadu: no family surname; the father's given name is written as an initial before the
  person's own (`K. Murugan`) or spelled out after it (`Murugan Kandasamy`);
- Andhra and Telangana: the house name comes first, usually as an initial (`B. Srinivas Rao`);
- Kerala and Karnataka: a house, caste or father's name, before as an initial or after in full;
- many Muslim families keep a surname, some write the father's name instead.

Each person has a relative as records write one (father, or husband for a married woman), a
birth year, a home state, a gender and sometimes an alias. Namesakes are made on purpose: a share
of people get exactly the name of someone already drawn, with their own father, birth year and
often state, as in a register of millions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.names.pools import COMMUNITIES, NICKNAMES, Community

# Where each community's people mostly live (two-letter codes as the sources write them).
HOME_STATES: dict[str, tuple[str, ...]] = {
    "hindi": ("UP", "UP", "UP", "BR", "BR", "MP", "RJ", "DL", "HR", "JH", "CG", "UK"),
    "marathi": ("MH", "MH", "MH", "MH", "GA", "KA"),
    "punjabi": ("PB", "PB", "PB", "HR", "DL", "CH"),
    "bengali": ("WB", "WB", "WB", "WB", "TR", "AS", "JH"),
    "gujarati": ("GJ", "GJ", "GJ", "GJ", "MH", "RJ"),
    "tamil": ("TN", "TN", "TN", "TN", "PY", "KA"),
    "telugu": ("AP", "AP", "TS", "TS", "KA"),
    "kannada": ("KA", "KA", "KA", "KA", "MH"),
    "malayali": ("KL", "KL", "KL", "KL", "TN", "KA"),
    "odia": ("OD", "OD", "OD", "OD", "WB"),
    "muslim": ("UP", "UP", "BR", "WB", "MH", "KL", "TS", "JK", "DL", "GJ", "KA", "AS"),
}
ALL_STATES = tuple(sorted({s for states in HOME_STATES.values() for s in states}))

# Hindi-belt fillers in the middle of a name: sharing one says little, but records keep them.
_HINDI_MIDDLE_M = ("Kumar", "Kumar", "Kumar", "Prasad", "Chand", "Lal", "Nath")
_HINDI_MIDDLE_F = ("Kumari", "Devi", "Rani")
# Telugu caste and honorific endings that follow the given name in many records.
_TELUGU_SUFFIX = ("Rao", "Reddy", "Naidu", "Babu", "Raju")
_SIKH = frozenset({"Singh", "Kaur"})


@dataclass
class Person:
    """One human being. `given`, `middle` and `surname` are the parts of the name as the family
    would spell it; `house` is a Tamil father's name or a Telugu house name, written as an
    initial before the given name; `relative` is the father or husband as a record writes him."""

    pid: str
    community: Community
    gender: str  # M or F
    given: list[str]
    middle: list[str]
    surname: str | None
    house: str | None  # the initial's full form: Tamil father's given name, Telugu house name
    relative: list[str]  # father or husband, in full
    relation: str  # S/O, D/O, W/O
    birth_year: int
    state: str
    alias: str | None = None
    alias_written: bool = False  # some record of theirs carries the alias (`gallery`)

    @property
    def tokens(self) -> list[str]:
        """The full name as the person's own documents write it, given name first."""
        out = list(self.given) + list(self.middle)
        if self.community.name == "telugu" and self.house:
            out = [self.house, *out]
        elif self.house and self.surname is None:
            out = [*out, self.house]  # Tamil, spelled out: Murugan Kandasamy
        if self.surname:
            out.append(self.surname)
        return out

    @property
    def short(self) -> list[str]:
        """The name without the initial's full form (`Murugan`, `Srinivas Rao`): what a record
        writes when it gives the initial as a letter, or leaves it out."""
        out = list(self.given) + list(self.middle)
        if self.surname and self.community.name not in ("tamil",):
            out.append(self.surname)
        return out

    @property
    def name_key(self) -> tuple[str, ...]:
        """What makes two people namesakes: the same name, however written."""
        return tuple(t.lower() for t in self.tokens)


def _man(rng: random.Random, comm: Community, family: str | None, avoid: str = "") -> list[str]:
    """A father or husband as records write him: given name, and the family name where the
    community has one (a Telugu house name first, a Sikh's Singh before his clan)."""
    given = rng.choice([m for m in comm.male if m != avoid] or comm.male)
    name = comm.name
    if name == "punjabi":
        return [given, "Singh", *([family] if family else [])]
    if name == "telugu":
        return [family, given] if family else [given]
    if name in ("tamil", "kannada", "malayali") and family is None:
        # written with his own father's initial, or alone
        return [given] if rng.random() < 0.6 else [rng.choice(comm.male)[0] + ".", given]
    return [given, family] if family else [given]


def relative_given(relative: list[str], comm: Community) -> str:
    """The relative's own given name: his first full word, after a Telugu house name."""
    full = [t for t in relative if not t.endswith(".")]
    return full[1] if comm.name == "telugu" and len(full) > 1 else full[0]


def _draw(rng: random.Random, pid: str, comm: Community) -> Person:
    gender = rng.choice("MF")
    pool = comm.male if gender == "M" else comm.female
    given = [rng.choice(pool)]
    middle: list[str] = []
    surname: str | None = rng.choice(comm.surnames)
    house: str | None = None
    name = comm.name
    family: str | None = surname  # what the relative carries
    if name == "punjabi":
        clan = rng.choice([s for s in comm.surnames if s not in _SIKH])
        middle = ["Singh" if gender == "M" else "Kaur"]
        surname = clan if rng.random() < 0.65 else None
        family = surname
    elif name == "tamil":
        surname = family = None
    elif name == "telugu":
        house, surname = surname, None  # the house name, written first
        family = house
        if gender == "M" and rng.random() < 0.5:
            middle = [rng.choice(_TELUGU_SUFFIX)]
    elif name in ("kannada", "malayali") and rng.random() < 0.4:
        surname = family = None  # the father's name instead of a family name
    elif name == "hindi" and rng.random() < 0.25:
        middle = [rng.choice(_HINDI_MIDDLE_M if gender == "M" else _HINDI_MIDDLE_F)]
    elif name == "muslim":
        if gender == "M" and rng.random() < 0.25 and not given[0].startswith("Moh"):
            given = ["Mohammed", given[0]]
        if rng.random() < 0.3:
            family = None  # the father writes his own father's name, not a family name
    married = gender == "F" and rng.random() < 0.55
    relation = "S/O" if gender == "M" else ("W/O" if married else "D/O")
    relative = _man(rng, comm, family, avoid=given[0])
    if name == "muslim" and family is None:
        relative = [*relative, rng.choice(comm.male)]
    if name in ("tamil", "kannada", "malayali") and surname is None and name != "telugu":
        house = relative_given(relative, comm)  # the father's (husband's) name is the initial
    if name in ("marathi", "gujarati") and rng.random() < 0.7:
        middle = [relative_given(relative, comm)]  # the father's (a wife's: husband's) name
    alias = rng.choice(NICKNAMES) if rng.random() < 0.12 else None
    return Person(
        pid,
        comm,
        gender,
        given,
        middle,
        surname,
        house,
        relative,
        relation,
        rng.randint(1950, 2005),
        rng.choice(HOME_STATES[name]),
        alias,
    )


def _namesake(rng: random.Random, pid: str, of: Person) -> Person:
    """Someone else with `of`'s name: another father (or husband), birth year and often state.
    Where the father's given name is part of the name (a Marathi middle name, a Tamil initial),
    namesakes share what is written: the same middle name, or a father whose name starts with
    the same letter (`K. Murugan` son of Kandasamy, and son of Karuppan)."""
    comm = of.community
    twin = _draw(rng, pid, comm)
    twin.gender, twin.given, twin.middle = of.gender, list(of.given), list(of.middle)
    twin.surname, twin.house, twin.relation = of.surname, of.house, of.relation
    relative = list(of.relative)
    father = relative_given(relative, comm)
    at = relative.index(father)
    if of.middle[:1] == [father]:
        pass  # the name carries the father's name: namesakes' fathers are namesakes too
    elif of.house == father:
        same_letter = [m for m in comm.male if m[0] == father[0] and m != father]
        if same_letter:
            relative[at] = twin.house = rng.choice(same_letter)
    else:
        relative[at] = rng.choice([m for m in comm.male if m != father])
    twin.relative = relative
    while abs(twin.birth_year - of.birth_year) < 6:
        twin.birth_year = rng.randint(1950, 2005)
    if rng.random() < 0.5:
        twin.state = of.state
    twin.alias = None
    return twin


def population(rng: random.Random, n: int, prefix: str, namesakes: float = 0.15) -> list[Person]:
    """`n` people; about `namesakes` of them share their exact name with someone drawn before
    (so that with their originals, well over a fifth of the population has a namesake)."""
    out: list[Person] = []
    weights = [c.weight for c in COMMUNITIES]
    while len(out) < n:
        pid = f"{prefix}{len(out)}"
        if out and rng.random() < namesakes:
            out.append(_namesake(rng, pid, rng.choice(out)))
            continue
        comm = rng.choices(COMMUNITIES, weights=weights)[0]
        out.append(_draw(rng, pid, comm))
    return out
