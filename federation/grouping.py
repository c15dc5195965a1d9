"""Grouping scored records into profiles.

Two kinds of evidence join records:

- **index-time links**: the indexer linked them by a strong identifier (DL, passport, FIR + police
  station, registration/chassis) and gave them the same `profile_id`. Deterministic: confidence 1.
- **query-time agreement**: records that were not linked but agree on name *and* birth year
  *and* at least one of relative's name and place. Name and birth year alone are too common in
  a country of 1.4 billion (many "Ramesh Kumar, 1985") to join on, so a third fact is required.

Every join is kept as a `Link` with its confidence and reasons, so the API can show why two
records were put together. Union-find keeps grouping linear in the number of joins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from matching import api as matching
from records import Person, Record

from .rescoring import Scored

# Name agreement between two records' subjects, on matching's calibrated scale: 0.85 keeps
# transliteration and initials variants of one name together while "Ramesh Kumar" and
# "Ramesh Kumari" (another person) stay apart on the other facts anyway.
NAME_AGREES = 0.85
RELATIVE_AGREES = 0.85
BIRTH_YEAR_SLACK = 1  # ages at different dates drift by a year
# Confidence of a query-time join: a base for name + birth year, plus what corroborates.
BASE_CONFIDENCE = 0.6
RELATIVE_BONUS = 0.2
PLACE_BONUS = 0.1
# Query-time joins are looked for among records at least this close to the query (calibrated
# scale); index-time links join any candidate.
QUERY_TIME_FLOOR = 0.05


@dataclass(frozen=True)
class Link:
    record_ids: tuple[str, str]
    kind: str  # "index" or "query"
    confidence: float
    reasons: tuple[str, ...]


@dataclass
class Group:
    members: list[Scored]
    links: list[Link] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """How sure we are this profile is the person asked for: its best member's score."""
        return max(m.score for m in self.members)


def birth_year_of(person: Person, record: Record) -> int | None:
    if person.birth_year is not None:
        return person.birth_year
    if person.birth_date is not None:
        return person.birth_date.year
    if person.age_from is not None:
        on = person.age_on or record.event_date
        if on is not None:
            age = (
                person.age_from if person.age_to is None else (person.age_from + person.age_to) // 2
            )
            return on.year - age
    return None


class _Sets:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


class _Similarity:
    """Name similarity through `matching`, analysing each written name once per grouping, and
    each record's retrieval keys once: two names that share no key are not compared at all."""

    def __init__(self) -> None:
        self._analysed: dict[str, matching.AnalysedQuery] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._relative_keys: dict[str, frozenset[str]] = {}

    def _analyse(self, a: str) -> matching.AnalysedQuery:
        analysed = self._analysed.get(a)
        if analysed is None:
            analysed = self._analysed[a] = matching.analyse(matching.PersonQuery(name=a))
        return analysed

    def __call__(self, a: str, b: Person) -> float:
        """How well `a` names `b` (any of b's written names)."""
        return matching.score(self._analyse(a), b).score

    def written(self, a: str, b: str) -> float:
        """How well `a` and the one written name `b` agree."""
        return matching.name_score(self._analyse(a), b)

    def keys(self, scored: Scored) -> frozenset[str]:
        rid = scored.record.record_id
        keys = self._keys.get(rid)
        if keys is None:
            keys = frozenset().union(*(matching.name_keys(n) for n in scored.person.names))
            self._keys[rid] = keys
        return keys

    def relative_keys(self, scored: Scored) -> frozenset[str]:
        rid = scored.record.record_id
        keys = self._relative_keys.get(rid)
        if keys is None:
            relative = scored.person.relative_name
            keys = matching.name_keys(relative) if relative else frozenset()
            self._relative_keys[rid] = keys
        return keys


def _same_place(a: Record, b: Record) -> bool:
    return bool(
        a.state
        and a.state == b.state
        and a.district
        and b.district
        and a.district.casefold() == b.district.casefold()
    )


def _relative_score(a: Scored, b: Scored, similar: _Similarity) -> float:
    return similar.written(a.person.relative_name or "", b.person.relative_name or "")


def agreement(a: Scored, b: Scored, similar: _Similarity | None = None) -> Link | None:
    """The query-time join of two records, or None when they do not agree enough.

    Cheap tests first (birth years, whether a third fact is even available, shared name keys),
    the name models last, the one likelier to refuse first: grouping compares many pairs per
    search."""
    similar = similar or _Similarity()
    by_a, by_b = birth_year_of(a.person, a.record), birth_year_of(b.person, b.record)
    if by_a is None or by_b is None or abs(by_a - by_b) > BIRTH_YEAR_SLACK:
        return None
    place = _same_place(a.record, b.record)
    # Relatives whose names share no retrieval key cannot agree: skip the name model for them.
    relatives = bool(similar.relative_keys(a) & similar.relative_keys(b))
    if not (place or relatives):
        return None
    if not similar.keys(a) & similar.keys(b):
        return None
    rel: float | None = None
    if relatives and not place:
        # The relative is then the only third fact: ask it first. Relatives' names share a key
        # far more often than they agree (fathers named Kumar), so most pairs stop here, one
        # model call sooner than if the name were compared first.
        rel = _relative_score(a, b, similar)
        if rel < RELATIVE_AGREES:
            return None
    name_score = max(similar(n, b.person) for n in a.person.names)
    if name_score < NAME_AGREES:
        return None
    # Reasons name the facts, never their values: a caller may see the link between two
    # records without being allowed to see a birth year or a district on either.
    reasons = [f"name agrees ({name_score:.2f})", "birth year agrees (within a year)"]
    confidence = BASE_CONFIDENCE
    relative = False
    if relatives:
        if rel is None:
            rel = _relative_score(a, b, similar)
        if rel >= RELATIVE_AGREES:
            relative = True
            confidence += RELATIVE_BONUS
            reasons.append(f"relative's name agrees ({rel:.2f})")
    if place:
        confidence += PLACE_BONUS
        reasons.append("place agrees (same state and district)")
    if not (relative or place):
        return None
    ids = (a.record.record_id, b.record.record_id)
    return Link(ids, "query", round(min(confidence, 0.95), 2), tuple(reasons))


# What an index-time link means, in words (`indexer.links.REASONS`). The shared value itself is
# not quoted: it may be a field the caller may not see (a birth date, an address).
INDEX_REASONS = {
    "driving_licence": "same driving licence number",
    "passport": "same passport number",
    "fir": "same FIR and police station",
    "registration": "same vehicle registration",
    "chassis": "same chassis number",
    "owner_holder": "vehicle owner and licence holder agree on name, birth date and address",
}


def group(
    scored: Sequence[Scored],
    index_links: Sequence[tuple[str, str, str]] = (),
    *,
    floor: float = QUERY_TIME_FLOOR,
) -> list[Group]:
    """Profiles from scored records, best confidence first. `index_links` are the indexer's
    `(record_id, record_id, reason)` links among them, to explain the index-time joins. Only
    records scoring at least `floor` against the query are joined at query time: one that
    barely resembles the query cannot agree on name with one that matches it."""
    sets = _Sets(len(scored))
    similar = _Similarity()
    links: list[Link] = []
    position = {s.record.record_id: i for i, s in enumerate(scored)}
    for a, b, reason in index_links:
        if a in position and b in position:
            sets.union(position[a], position[b])
            links.append(Link((a, b), "index", 1.0, (INDEX_REASONS.get(reason, reason),)))
    by_profile: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(scored):
        if s.index_profile_id:
            by_profile[s.index_profile_id].append(i)
    for members in by_profile.values():
        first = members[0]
        for other in members[1:]:
            # Linked through records outside this result: same profile, no direct link here.
            if sets.union(first, other):
                ids = (scored[first].record.record_id, scored[other].record.record_id)
                links.append(
                    Link(ids, "index", 1.0, ("linked at index time through other records",))
                )
    # Block on birth year so that only plausible pairs are compared (agreement needs it anyway).
    years = [birth_year_of(s.person, s.record) for s in scored]
    by_year: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(scored):
        year = years[i]
        if year is not None and s.score >= floor:
            by_year[year].append(i)
    for year in sorted(by_year):
        near = [j for y in range(year, year + BIRTH_YEAR_SLACK + 1) for j in by_year.get(y, [])]
        for i in by_year[year]:
            for j in near:
                if j <= i and years[j] == year:
                    continue
                if sets.find(i) == sets.find(j):
                    continue
                link = agreement(scored[i], scored[j], similar)
                if link is not None:
                    sets.union(i, j)
                    links.append(link)
    groups: dict[int, Group] = {}
    for i, s in enumerate(scored):
        groups.setdefault(sets.find(i), Group(members=[])).members.append(s)
    member_of = {s.record.record_id: sets.find(i) for i, s in enumerate(scored)}
    for link in links:
        groups[member_of[link.record_ids[0]]].links.append(link)
    out = list(groups.values())
    for g in out:
        g.members.sort(key=lambda m: m.score, reverse=True)
    out.sort(key=lambda g: g.confidence, reverse=True)
    return out
