"""How the people of two records compare, field by field.

Two things come out of comparing two records' people (`compare`):

- **levels**: for each comparison (`FIELDS`: name, relative's name, birth, gender, address, phone,
  account, place, FIR, missing-person report) how well the two agree, `0` best, or `None` when
  one side does not carry the field. A Fellegi–Sunter model weighs each level
  (`federation.linkage`); which fields a pair is compared on follows from what each source
  carries, so a Sarathi licence and a Vahan registration meet on name, father's or husband's
  name, address and phone without a birth year, and an inmate and an accused on name, relative
  and FIR.
- **conflicts** (`conflicts`): facts that say two records are *different people*, whatever else
  agrees. These are cannot-links: no join and no chain of joins may put the two in one profile,
  unless a strong identifier links them directly (then the profile shows the conflict).

  - a clearly different relative's name of the same kind (`S/O Ramesh` vs `S/O Mahesh`);
  - birth years further apart than the slack (a year between two dates or years; two when an
    age is all one side has: ages are stated, rounded and a birthday may have passed);
  - different genders (male vs female; a transgender or unstated one conflicts with neither);
  - two different numbers of a strong identifier of the same type (DL, passport);
  - co-accused of one FIR (CCTNS writes one row per accused person per FIR);
  - two owner serials of one vehicle (a transfer: another owner).

Everything a comparison needs from a record is read once into a `Side` (`indexer.sides`); names are
compared through `matching.api` (whatever its scores become, the model is re-estimated from data)
with a `Similarity` that caches each pair of written names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from indexer.sides import Kin, Side
from matching import api as matching
from matching.parse import NameForm
from matching.relatives import inferred_from
from records import Gender, Kind, Person, Relation

# Comparisons, in the order of a level vector.
NAME, RELATIVE, BIRTH, GENDER, ADDRESS, PHONE, ACCOUNT, PLACE, FIR, MISSING = range(10)
FIELDS = (
    "name",
    "relative",
    "birth",
    "gender",
    "address",
    "phone",
    "account",
    "place",
    "fir",
    "missing",
)

# What each level means, best first (the last level of `relative`, `birth` and `gender` is a
# disagreement; whether it forbids a join is `conflicts`' business).
LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("same name", "name agrees", "name similar", "name partly similar", "different name"),
    "relative": (
        "same relative's name",
        "relative's name agrees",
        "relative's name partly agrees",
        "different relative's name",
    ),
    "birth": (
        "same birth date",
        "same birth year",
        "birth year within the slack",
        "different birth year",
    ),
    "gender": ("same gender", "different gender"),
    "address": ("same address", "address similar", "different address"),
    "phone": ("same phone number", "different phone number"),
    "account": ("same UPI id, bank account or email", "different accounts"),
    "place": ("same district", "same state", "different state"),
    "fir": ("same FIR and police station", "different FIRs"),
    "missing": ("reported missing within days of each other", "reported missing at other times"),
}

# Name levels on matching's calibrated scale (a probability of the same name-bearer among people
# like the name benchmark's); the model weighs each level from data, these only bin it.
NAME_LEVELS = (0.9, 0.6, 0.25)
# The worst name level a query-time join can rest on: names must at least partly agree. Records
# of different names (a brother, a wife: one household, one father, one address, one phone) are
# never joined on the rest, and the model is estimated on pairs whose names agree so.
NAMES_AGREE = len(NAME_LEVELS)
# Relative's name: at or above the first, it agrees; the second, partly (a first name alone,
# initials); below the last, it is *clearly different*: `Ramesh Kumar` vs `Mahesh Kumar` scores
# 0.0005, `Shankar Patil` vs `Shankar` 0.25, a typo or a variant spelling 0.8 and above.
RELATIVE_LEVELS = (0.8, 0.3)
RELATIVE_DIFFERENT = 0.05
# Birth years: two dates or years within this many years are the same person's (a year of
# birth computed from an age at a date is off by one either side of the birthday); when either
# side knows only a stated age, one more year (ages are rounded when said).
BIRTH_SLACK = 1
AGE_SLACK = 2
# Two missing-person reports of one disappearance (a parent goes to the police station and to
# TrackChild) are filed within days; a runaway reported again is another event.
MISSING_WITHIN_DAYS = 30
# Address similarity: the share of the rarer tokens held in common (see `address_similarity`).
ADDRESS_LEVELS = (0.8, 0.5)

_KIN_WORD = {
    Relation.SON_OF: "father's name",
    Relation.DAUGHTER_OF: "father's name",
    Relation.FATHER_OF: "father's name",
    Relation.MOTHER_OF: "mother's name",
    Relation.WIFE_OF: "husband's name",
    Relation.HUSBAND_OF: "wife's name",
}


def birth_gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Years between two ranges of possible birth years (0 when they overlap)."""
    return max(0, a[0] - b[1], b[0] - a[1])


def address_similarity(
    a: frozenset[str], b: frozenset[str], weight: Callable[[str], float]
) -> float:
    """The weight of the tokens two addresses share, over the lighter address's weight. Token
    weights are their rarity (`federation.linkage.Model.address_weight`): two neighbours share
    `H`, `NO`, the locality and the district, which weigh little, and differ on the house number
    and the street, which weigh much."""
    if not a or not b:
        return 0.0
    shared = sum(weight(t) for t in a & b)
    lighter = min(sum(weight(t) for t in a), sum(weight(t) for t in b))
    return shared / lighter if lighter > 0 else 0.0


def form_text(form: NameForm) -> str:
    """A name form written out (an inferred form is a form nobody wrote)."""
    return " ".join(t.text for t in form.tokens)


def _equal_weights(_: str) -> float:
    return 1.0


class Similarity:
    """Name and relative's-name similarity through `matching.api`, cached per pair of written
    names (many candidates of one search write a name the same way). Symmetric: the better of the
    two directions, since the matcher treats a query's missing and extra tokens differently."""

    def __init__(self) -> None:
        self._analysed: dict[str, matching.AnalysedQuery] = {}
        self._scores: dict[tuple[str, str], float] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._block: dict[str, frozenset[str]] = {}
        self._with_relative: dict[tuple[str, str], matching.AnalysedQuery] = {}
        self._inferred: dict[tuple[str, str, str, str], float] = {}
        self._inferred_block: dict[tuple[str, str, bool | None], frozenset[str]] = {}

    def _analyse(self, text: str) -> matching.AnalysedQuery:
        analysed = self._analysed.get(text)
        if analysed is None:
            analysed = self._analysed[text] = matching.analyse(matching.PersonQuery(name=text))
        return analysed

    def written(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        value = self._scores.get(key)
        if value is None:
            value = max(
                matching.name_score(self._analyse(a), b), matching.name_score(self._analyse(b), a)
            )
            self._scores[key] = value
        return value

    def names(self, a: Side, b: Side) -> float:
        return max((self.written(x, y) for x in a.names for y in b.names), default=0.0)

    def inferred(self, a: Side, b: Side) -> float:
        """How close the names come once each is read with its own relative's name (issue 15's
        inference, `matching.relatives`): `Murugan`, son of `Kandasamy`, is `Murugan Kandasamy`
        or `Kandasamy Murugan`, which is how `K. MURUGAN` with the same father reads too. Only
        meaningful when the two records' relatives agree (`name_level` asks only then)."""
        return max(
            (self._inferred_score(x, a.relative, y, b.relative) for x in a.names for y in b.names),
            default=0.0,
        )

    def _inferred_score(
        self, name: str, relative: str | None, other: str, other_relative: str | None
    ) -> float:
        if not relative or not other_relative:
            return 0.0
        key = (name, relative, other, other_relative)
        value = self._inferred.get(key)
        if value is None:
            value = max(
                self._with_relative_score(name, relative, other, other_relative),
                self._with_relative_score(other, other_relative, name, relative),
            )
            self._inferred[key] = value
        return value

    def _with_relative_score(
        self, name: str, relative: str, other: str, other_relative: str
    ) -> float:
        """The name read with its relative (the query side's inference) against the other as
        written and as read with its own relative (the record side's)."""
        analysed = self._with_relative.get((name, relative))
        if analysed is None:
            analysed = matching.analyse(matching.PersonQuery(name=name, relative_name=relative))
            self._with_relative[(name, relative)] = analysed
        texts = [other, *(form_text(f) for f in inferred_from(other, other_relative))]
        return max(matching.name_score(analysed, t) for t in texts)

    def size(self) -> int:
        """How much it holds: pairs scored, names analysed and keyed."""
        return (
            len(self._scores)
            + len(self._analysed)
            + len(self._keys)
            + len(self._block)
            + len(self._inferred)
            + len(self._inferred_block)
        )

    def keys(self, text: str) -> frozenset[str]:
        keys = self._keys.get(text)
        if keys is None:
            keys = self._keys[text] = matching.name_keys(text)
        return keys

    def side_keys(self, side: Side) -> frozenset[str]:
        return frozenset().union(*(self.keys(n) for n in side.names))

    def block_keys(self, text: str) -> frozenset[str]:
        """The keys two names must share to be compared for a join (the blocking): all but the
        one-token keys (`t:`), unless a form of the name has one full token. Two names of two
        words or more that share only one word (a surname: all the Patils of a search) are
        not one person's; two that share two words, or an initial and a word (`R. Lakshmi`,
        `Lakshmi Rajan`), share a pair or an initial key."""
        keys = self._block.get(text)
        if keys is None:
            every = self.keys(text)
            forms = matching.parse_name(text).forms
            if any(len(f.full_idx) <= 1 for f in forms):
                keys = every
            else:
                keys = frozenset(k for k in every if not k.startswith("t:"))
            self._block[text] = keys
        return keys

    def side_block_keys(self, side: Side) -> frozenset[str]:
        female = True if side.gender is Gender.FEMALE else None
        return self.names_block_keys(side.names, side.relative, female)

    def person_block_keys(self, person: Person) -> frozenset[str]:
        """`side_block_keys` of a record's person, without reading the record's side."""
        female = True if person.gender is Gender.FEMALE else None
        return self.names_block_keys(person.names, person.relative_name, female)

    def names_block_keys(
        self, names: Sequence[str], relative: str | None = None, female: bool | None = None
    ) -> frozenset[str]:
        """The names' blocking keys, and those of the forms each takes from the relative's name
        (`matching.relatives`): a KhoyaPaya report writes the child's given name (`Tapas`,
        father `Sourav Ghosh`), CCTNS the full name (`TAPAS GHOSH`), and a one-word name's keys
        share nothing with a two-word name's pairs. Blocking only: whether the names agree so
        read is asked of the relatives' agreement (`name_level`)."""
        keys = frozenset().union(*(self.block_keys(n) for n in names))
        if relative:
            keys = keys.union(*(self._inferred_block_keys(n, relative, female) for n in names))
        return keys

    def _inferred_block_keys(self, name: str, relative: str, female: bool | None) -> frozenset[str]:
        key = (name, relative, female)
        keys = self._inferred_block.get(key)
        if keys is None:
            # Only a name of one informative word, or with initials, takes a surname or a given
            # name from its relative; the others are not parsed against it (cheaper). Left out
            # so: a name whose last word is the relative's given name (1 of 2,502 inferred
            # forms of 8,348 named records with a relative on the benchmark's world).
            primary = matching.parse_name(name).primary
            short = primary is not None and (primary.shape[0] <= 1 or primary.shape[1] > 0)
            forms = inferred_from(name, relative, female) if short else ()
            keys = frozenset().union(*(self.block_keys(form_text(f)) for f in forms))
            self._inferred_block[key] = keys
        return keys

    def share_key(self, a: Side, b: Side) -> bool:
        return not self.side_keys(a).isdisjoint(self.side_keys(b))


@dataclass(frozen=True)
class Conflict:
    """A fact that says two records are about different people, in words an officer reads."""

    kind: str  # relative | birth | gender | driving_licence | passport | co_accused | owners
    reason: str


@dataclass(frozen=True)
class Comparison:
    levels: tuple[int | None, ...]  # per `FIELDS`, None where one side lacks the field


def _relatives_comparable(a: Side, b: Side) -> bool:
    """Whether two records' relatives should be the same person when the records are.

    A married woman's relative is her father on one register and her husband on another
    (Sarathi's `swdOf`, Vahan's "father's or husband's name"); only a relative of one kind on
    both sides, or a man's (whose relative is his father), can disagree."""
    kinds = {a.kin, b.kin}
    if Kin.GUARDIAN in kinds:
        return False
    if kinds == {Kin.PARENT} or kinds == {Kin.SPOUSE}:
        return True
    if Kin.SPOUSE in kinds:
        return False
    # a parent and an unknown kind, or two unknown kinds: a man's relative is his father
    female = Gender.FEMALE in (a.gender, b.gender) or a.female_hint or b.female_hint
    return not female


def relative_word(a: Side, b: Side) -> str:
    for side in (a, b):
        if side.relation in _KIN_WORD:
            return _KIN_WORD[side.relation]
    if Gender.MALE in (a.gender, b.gender):
        return "father's name"
    return "relative's name"


def birth_conflict(a: Side, b: Side) -> bool:
    if a.born is None or b.born is None:
        return False
    slack = AGE_SLACK if a.born_from_age or b.born_from_age else BIRTH_SLACK
    return birth_gap(a.born, b.born) > slack


def gender_conflict(a: Side, b: Side) -> bool:
    binary = (Gender.MALE, Gender.FEMALE)
    return a.gender in binary and b.gender in binary and a.gender != b.gender


def fact_conflicts(a: Side, b: Side) -> list[Conflict]:
    """The cannot-links that need no name model."""
    out: list[Conflict] = []
    if a.firs and a.kind is Kind.ACCUSED and b.kind is Kind.ACCUSED and a.firs & b.firs:
        out.append(Conflict("co_accused", "co-accused on the same FIR"))
    if a.vehicle and b.vehicle and a.vehicle[0] == b.vehicle[0] and a.vehicle[1] != b.vehicle[1]:
        out.append(Conflict("owners", "different owners of one vehicle"))
    if a.licences and b.licences and not a.licences & b.licences:
        out.append(Conflict("driving_licence", "different driving licence number"))
    if a.passports and b.passports and not a.passports & b.passports:
        out.append(Conflict("passport", "different passport number"))
    if gender_conflict(a, b):
        out.append(Conflict("gender", "different gender"))
    if birth_conflict(a, b):
        out.append(Conflict("birth", "different birth year"))
    return out


def relative_conflict(a: Side, b: Side, similar: Similarity) -> Conflict | None:
    """A clearly different relative's name of the same kind (the relative's name model)."""
    if not (a.relative and b.relative and _relatives_comparable(a, b)):
        return None
    if a.relative_canonical & b.relative_canonical:
        return None
    if similar.written(a.relative, b.relative) >= RELATIVE_DIFFERENT:
        return None
    return Conflict("relative", f"different {relative_word(a, b)}")


def conflicts(a: Side, b: Side, similar: Similarity) -> tuple[Conflict, ...]:
    """Every cannot-link between two people, cheapest test first (the relative's name model
    last)."""
    out = fact_conflicts(a, b)
    relative = relative_conflict(a, b, similar)
    if relative is not None:
        out.append(relative)
    return tuple(out)


def name_level(a: Side, b: Side, similar: Similarity) -> int:
    """Written the same way (after normalisation), or how close the name model says; a name
    that is part of the other (`Raghavendra` and `Raghavendra Naik`: a register that keeps the
    given name only) is at least partly similar, whatever the model makes of the missing word.

    Where the two records' relatives agree, each name is also read with its own relative's
    name (`Similarity.inferred`): a child reported as `Suresh`, son of `Prakash Rao`, and
    `P. SURESH` whose father is `PRAKASH RAO` write one name two ways. The relatives' agreement
    is weighed on its own as well (the relative comparison); what the inference adds is that
    the rest of the name is the part a relative explains, not a different word."""
    if a.canonical & b.canonical:
        return 0
    score = similar.names(a, b)
    if score < NAME_LEVELS[0] and _relatives_agree(a, b, similar):
        score = max(score, similar.inferred(a, b))
    for level, threshold in enumerate(NAME_LEVELS, start=1):
        if score >= threshold:
            return level
    if _part_of(a.canonical, b.canonical):
        return len(NAME_LEVELS)
    return len(NAME_LEVELS) + 1


def _relatives_agree(a: Side, b: Side, similar: Similarity) -> bool:
    if not (a.relative and b.relative and _relatives_comparable(a, b)):
        return False
    if a.relative_canonical & b.relative_canonical:
        return True
    return similar.written(a.relative, b.relative) >= RELATIVE_LEVELS[0]


def _part_of(a: frozenset[str], b: frozenset[str]) -> bool:
    for x in a:
        for y in b:
            shorter, longer = sorted((set(x.split()), set(y.split())), key=len)
            if shorter and shorter <= longer:
                return True
    return False


def relative_level(a: Side, b: Side, similar: Similarity) -> int | None:
    """How the relatives' names compare; None when one is missing, or when both records' own
    names spell their relative (the name comparison has weighed that already: counting it twice
    would join two namesakes whose names carry the same father's)."""
    if a.relative is None or b.relative is None or (a.relative_in_name and b.relative_in_name):
        return None
    if a.relative_canonical & b.relative_canonical:
        return 0
    score = similar.written(a.relative, b.relative)
    if score >= RELATIVE_LEVELS[0]:
        return 1
    if score >= RELATIVE_LEVELS[1]:
        return 2
    return 3


def _birth_level(a: Side, b: Side) -> int | None:
    if a.born is None or b.born is None:
        return None
    if a.birth_date is not None and a.birth_date == b.birth_date:
        return 0
    if birth_conflict(a, b):
        return 3
    # two stated years (or dates) that agree; agreement of stated ages says less (an age is
    # said, rounded, and fits two years), and so does an age range
    stated = not (a.born_from_age or b.born_from_age)
    return 1 if stated and birth_gap(a.born, b.born) == 0 else 2


def _gender_level(a: Side, b: Side) -> int | None:
    if a.gender is None or b.gender is None:
        return None
    return 0 if a.gender == b.gender else 1


def _phone_level(a: Side, b: Side) -> int | None:
    if not a.phones or not b.phones:
        return None
    return 0 if a.phones & b.phones else 1


def _account_level(a: Side, b: Side) -> int | None:
    if not a.accounts or not b.accounts:
        return None
    return 0 if a.accounts & b.accounts else 1


def _fir_level(a: Side, b: Side) -> int | None:
    if not a.fir_cases or not b.fir_cases or {a.kind, b.kind} != {Kind.ACCUSED, Kind.INMATE}:
        return None
    return 0 if same_fir(a, b) else 1


def same_fir(a: Side, b: Side) -> bool:
    """Whether two records name one FIR: the same full FIR, or a FIR without its state (an
    e-Prisons case that does not state it) that the other's FIR is without its state. Two full
    FIRs of different states are two cases, though the station code and number repeat."""
    if a.firs & b.firs:
        return True
    return bool(a.stateless_firs & b.fir_cases or b.stateless_firs & a.fir_cases)


def _missing_level(a: Side, b: Side) -> int | None:
    if a.missing_on is None or b.missing_on is None:
        return None
    return 0 if abs((a.missing_on - b.missing_on).days) <= MISSING_WITHIN_DAYS else 1


def _place_level(a: Side, b: Side) -> int | None:
    if a.state is None or b.state is None:
        return None
    if a.state != b.state:
        return 2
    return 0 if a.district is not None and a.district == b.district else 1


def compare(
    a: Side,
    b: Side,
    similar: Similarity,
    *,
    address_weight: Callable[[str], float] = _equal_weights,
    names: bool = True,
    name_level_: int | None = None,
) -> Comparison:
    """Levels of every comparison the two sides allow (their conflicts are `conflicts`').
    `names=False` skips the name model: the name is then at its worst level; `name_level_` is
    the name's level when the caller has it already."""
    levels: list[int | None] = [None] * len(FIELDS)
    if name_level_ is not None:
        levels[NAME] = name_level_
    else:
        levels[NAME] = name_level(a, b, similar) if names else len(NAME_LEVELS) + 1
    levels[RELATIVE] = relative_level(a, b, similar)
    for field_index, level_of in FACT_LEVELS.items():
        levels[field_index] = level_of(a, b)
    if a.address and b.address:
        similarity = address_similarity(a.address, b.address, address_weight)
        levels[ADDRESS] = next(
            (i for i, t in enumerate(ADDRESS_LEVELS) if similarity >= t), len(ADDRESS_LEVELS)
        )
    return Comparison(tuple(levels))


# Comparisons of facts that need no name model and no frequency table: cheap, and what a
# random pair tells about them holds within a name block too (`federation.estimate`).
FACT_LEVELS: dict[int, Callable[[Side, Side], int | None]] = {
    BIRTH: _birth_level,
    GENDER: _gender_level,
    PHONE: _phone_level,
    ACCOUNT: _account_level,
    PLACE: _place_level,
    FIR: _fir_level,
    MISSING: _missing_level,
}


def idf(document_frequency: int, documents: int) -> float:
    """Inverse document frequency of a token held by `document_frequency` of `documents`."""
    return math.log((documents + 1) / (document_frequency + 0.5))
