"""Grouping scored records into profiles: joins on evidence, never across a disagreement.

Three kinds of join, strongest first:

- **manual**: a supervisor confirmed the pair (`federation.decisions`).
- **index**: the indexer linked the pair by a strong identifier (DL, passport, FIR + police
  station + name, registration/chassis), or put them in one index profile.
- **query**: the two records' people agree well enough on whatever both records carry (name,
  relative's name, birth, gender, address, phone, accounts, FIR), weighed by the Fellegi–Sunter
  model (`federation.linkage`), with a posterior of at least `linkage.JOIN_PROBABILITY`; their
  names at least partly agree, and something besides the name and the place corroborates (a
  state holds millions: place alone never does).

Joins are made strongest first and a join is **refused** when any record on one side has a
cannot-link with any record on the other (`indexer.comparison.conflicts`: a clearly different
father's name, birth years beyond the slack, different genders, two different DL or passport
numbers, co-accused of one FIR, a supervisor's split). So no chain of joins ever puts two records
that disagree in one profile, and a component that plain union-find would fuse is cut along its
weakest links: the same constraint nomenklatura's resolver applies to its judgements. Only a
direct strong-identifier link or a supervisor's confirmation overrides a disagreement between the
two records it joins, and the profile then shows the conflict.

Every join is a `Link` with its evidence (the waterfall of weights), every refusal a `Refusal`
with its reasons, so an officer sees why records are together and why others are not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from indexer.comparison import (
    ACCOUNT,
    ADDRESS,
    BIRTH,
    FIR,
    NAME,
    NAMES_AGREE,
    PHONE,
    RELATIVE,
    Comparison,
    Conflict,
    Similarity,
    compare,
    conflicts,
    fact_conflicts,
    name_level,
    relative_conflict,
)
from indexer.sides import Side
from records import Person, Record

from .decisions import Judgement, Verdict, pair
from .linkage import Evidence, Model
from .rescoring import Scored

# Query-time joins are looked for among records at least this close to the query (calibrated
# scale); index-time links join any candidate.
QUERY_TIME_FLOOR = 0.05
# What an index-time link means, in words (`indexer.links.REASONS`). The shared value itself is
# not quoted: it may be a field the caller may not see (a birth date, an address).
INDEX_REASONS = {
    "driving_licence": "same driving licence number",
    "passport": "same passport number",
    "fir": "same FIR and police station, and the name agrees",
    "registration": "same vehicle registration",
    "chassis": "same chassis number",
    "owner_holder": "vehicle owner and licence holder agree on name, birth date and address",
}
THROUGH_INDEX = "linked at index time through other records"
# Index links strong enough to override a disagreement between the two records they join.
STRONG_REASONS = frozenset({"driving_licence", "passport", "fir", "registration", "chassis"})
# Levels that corroborate a name (place never does: a state holds millions of people).
CORROBORATING = {RELATIVE: 1, BIRTH: 1, ADDRESS: 0, PHONE: 0, ACCOUNT: 0, FIR: 0}
# A refusal is shown when the two records write the same name (a different person of another
# name is no news), at most this many per profile.
MAX_REFUSALS = 20


@dataclass(frozen=True)
class Link:
    record_ids: tuple[str, str]
    kind: str  # "manual", "index" or "query"
    confidence: float
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    conflicts: tuple[str, ...] = ()  # disagreements a strong link or a supervisor overrode


@dataclass(frozen=True)
class Refusal:
    """A join that was not made, and why: the records disagree on these facts."""

    record_ids: tuple[str, str]
    reasons: tuple[str, ...]


@dataclass
class Group:
    members: list[Scored]
    links: list[Link] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """How sure we are this profile is the person asked for: its best member's score."""
        return max(m.score for m in self.members)


def birth_year_of(person: Person, record: Record) -> int | None:
    """One year to search by (the middle of what the record allows)."""
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


@dataclass(frozen=True)
class _Edge:
    rank: int  # 0 manual, 1 strong index link, 2 index profile, 3 query
    weight: float
    i: int
    j: int
    link: Link


def _corroborated(levels: Sequence[int | None]) -> bool:
    """Whether something besides the name and the place agrees."""
    for f, worst in CORROBORATING.items():
        level = levels[f]
        if level is not None and level <= worst:
            return True
    return False


class _Pairs:
    """Sides, comparisons and conflicts of one grouping's records, each made when first needed
    and kept: most records are never compared, most pairs stop at the cheap facts."""

    def __init__(self, scored: Sequence[Scored], model: Model) -> None:
        self.scored = scored
        self.model = model
        self.similar = Similarity()
        self._sides: dict[int, Side] = {}
        self._conflicts: dict[tuple[int, int], tuple[Conflict, ...]] = {}
        self._best_name = model.best_bits(NAME)
        self._best_relative = model.best_bits(RELATIVE)

    def side(self, i: int) -> Side:
        side = self._sides.get(i)
        if side is None:
            s = self.scored[i]
            side = self._sides[i] = Side.of(s.record, s.person)
        return side

    def conflicts(self, i: int, j: int) -> tuple[Conflict, ...]:
        key = (i, j) if i < j else (j, i)
        found = self._conflicts.get(key)
        if found is None:
            found = self._conflicts[key] = conflicts(self.side(i), self.side(j), self.similar)
        return found

    def _refusal(self, a: Side, b: Side, found: Sequence[Conflict]) -> Refusal | None:
        """Worth showing when the two write the same name: a namesake kept out, and why."""
        if not a.canonical & b.canonical:
            return None
        return Refusal((a.record_id, b.record_id), tuple(c.reason for c in found))

    def query_link(self, i: int, j: int) -> tuple[Link | None, float, Refusal | None]:
        """The query-time join of two records (or None), its bits, and a refusal worth showing
        when the two disagree although they write the same name. Cheapest first: the facts'
        conflicts, the other comparisons (the relative's name model among them), whether even
        a perfect name could reach the threshold; the name model last."""
        a, b = self.side(i), self.side(j)
        found = fact_conflicts(a, b)
        if not found:
            relative = relative_conflict(a, b, self.similar)
            found = [relative] if relative is not None else []
        if found:
            self._conflicts[(i, j)] = tuple(found)
            return None, 0.0, self._refusal(a, b, found)
        self._conflicts[(i, j)] = ()
        model = self.model
        levels = list(
            compare(a, b, self.similar, address_weight=model.address_weight, names=False).levels
        )
        levels[NAME] = None
        if not _corroborated(levels):
            return None, 0.0, None
        others = model.bits(a, b, Comparison(tuple(levels)))
        if others + self._best_name < model.threshold:
            return None, 0.0, None
        levels[NAME] = name_level(a, b, self.similar)
        if levels[NAME] > NAMES_AGREE:  # type: ignore[operator]
            return None, 0.0, None
        comparison = Comparison(tuple(levels))
        bits = model.bits(a, b, comparison)
        if bits < model.threshold:
            return None, bits, None
        evidence = tuple(model.evidence(a, b, comparison))
        probability = model.probability(bits)
        reasons = tuple(e.level for e in evidence if e.weight > 0)
        link = Link((a.record_id, b.record_id), "query", round(probability, 4), reasons, evidence)
        return link, bits, None

    def neighbours(self, chosen: Collection[int]) -> dict[int, set[int]]:
        """For each chosen record, the chosen records whose names share a retrieval key with
        its own (the blocking the model was estimated on)."""
        holders: dict[str, set[int]] = defaultdict(set)
        keys = {i: self.similar.side_keys(self.side(i)) for i in chosen}
        for i, held in keys.items():
            for key in held:
                holders[key].add(i)
        return {
            i: (set().union(*(holders[k] for k in held)) - {i}) if held else set()
            for i, held in keys.items()
        }


def group(
    scored: Sequence[Scored],
    index_links: Sequence[tuple[str, str, str]] = (),
    *,
    model: Model,
    judgements: Mapping[tuple[str, str], Judgement] | None = None,
    floor: float = QUERY_TIME_FLOOR,
    eligible: Collection[str] = (),
    shown_from: float = 0.0,
) -> list[Group]:
    """Profiles from scored records, best confidence first. `index_links` are the indexer's
    `(record_id, record_id, reason)` links among them; `judgements` the supervisors' decisions
    on pairs of them. Only records scoring at least `floor` against the query are joined at
    query time (and the records in `eligible`, whatever their score: an opened profile's own):
    one that barely resembles the query cannot agree on name with one that matches it.

    `shown_from`: the confidence a profile needs to be shown. Query-time joins are then looked
    for only around the records that reach it (and `eligible`), widening to whatever joins
    them: a profile of records that all score below it is not shown, so its joins need not be
    computed (its records stay one per profile)."""
    judgements = judgements or {}
    pairs = _Pairs(scored, model)
    position = {s.record.record_id: i for i, s in enumerate(scored)}
    edges: list[_Edge] = []
    strong: set[tuple[int, int]] = set()
    confirmed: set[tuple[int, int]] = set()
    split: dict[tuple[int, int], Judgement] = {}
    for (a, b), judgement in judgements.items():
        if a not in position or b not in position:
            continue
        i, j = sorted((position[a], position[b]))
        if judgement.verdict is Verdict.DIFFERENT:
            split[(i, j)] = judgement
            continue
        confirmed.add((i, j))
        reason = f"confirmed by a supervisor: {judgement.reason}"
        edges.append(_Edge(0, 0.0, i, j, Link((a, b), "manual", 1.0, (reason,))))
    for a, b, reason in index_links:
        if a in position and b in position and a != b:
            i, j = sorted((position[a], position[b]))
            if reason in STRONG_REASONS:
                strong.add((i, j))
            words = INDEX_REASONS.get(reason, reason)
            edges.append(_Edge(1, 0.0, i, j, Link((a, b), "index", 1.0, (words,))))
    by_profile: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(scored):
        if s.index_profile_id:
            by_profile[s.index_profile_id].append(i)
    for members in by_profile.values():
        for other in members[1:]:
            ids = (scored[members[0]].record.record_id, scored[other].record.record_id)
            edges.append(
                _Edge(2, 0.0, members[0], other, Link(ids, "index", 1.0, (THROUGH_INDEX,)))
            )
    always = set(eligible)
    chosen = [i for i, s in enumerate(scored) if s.score >= floor or s.record.record_id in always]
    near = pairs.neighbours(chosen)
    joined: dict[int, set[int]] = defaultdict(set)  # joins already known (manual, index)
    for edge in edges:
        joined[edge.i].add(edge.j)
        joined[edge.j].add(edge.i)
    seeds = [
        i
        for i, s in enumerate(scored)
        if s.score >= max(floor, shown_from) or s.record.record_id in always
    ]
    reached = set(seeds)
    frontier = list(seeds)
    compared: set[tuple[int, int]] = set()
    refusals: list[Refusal] = []
    while frontier:
        following: list[int] = []
        for i in frontier:
            for j in sorted(near.get(i, ())):
                key = (i, j) if i < j else (j, i)
                if key in compared or key in confirmed or key in strong:
                    continue
                compared.add(key)
                if key in split:
                    ids = (scored[key[0]].record.record_id, scored[key[1]].record.record_id)
                    refusals.append(Refusal(ids, (_split_reason(split[key]),)))
                    continue
                link, bits, refusal = pairs.query_link(*key)
                if link is not None:
                    edges.append(_Edge(3, -bits, key[0], key[1], link))
                    if j not in reached:
                        reached.add(j)
                        following.append(j)
                elif refusal is not None:
                    refusals.append(refusal)
            for j in joined.get(i, ()):
                if j not in reached:
                    reached.add(j)
                    following.append(j)
        frontier = following
    edges.sort(key=lambda e: (e.rank, e.weight, e.i, e.j))
    clusters = _Clusters(len(scored))
    accepted: list[Link] = []
    for edge in edges:
        ri, rj = clusters.find(edge.i), clusters.find(edge.j)
        if ri == rj:
            if edge.rank < 2:
                accepted.append(edge.link)  # an explicit link inside: still worth showing
            continue
        blocked: list[str] = []
        overridden: list[str] = []
        for x in clusters.members[ri]:
            for y in clusters.members[rj]:
                key = (x, y) if x < y else (y, x)
                if key in split:
                    blocked.append(_split_reason(split[key]))
                    continue
                found = pairs.conflicts(x, y)
                if not found:
                    continue
                own = key == (min(edge.i, edge.j), max(edge.i, edge.j))
                if key in confirmed or key in strong:
                    if own:
                        overridden.extend(c.reason for c in found)
                    continue
                ids = (scored[x].record.record_id, scored[y].record.record_id)
                between = "" if own else f" ({ids[0]} and {ids[1]})"
                blocked.extend(c.reason + between for c in found)
        if blocked:
            ids = (scored[edge.i].record.record_id, scored[edge.j].record.record_id)
            refusals.append(Refusal(ids, tuple(dict.fromkeys(blocked))))
            continue
        clusters.union(ri, rj)
        link = edge.link
        if overridden:
            link = Link(
                link.record_ids,
                link.kind,
                link.confidence,
                link.reasons,
                link.evidence,
                tuple(dict.fromkeys(overridden)),
            )
        accepted.append(link)
    return _groups(scored, clusters, accepted, refusals)


def _split_reason(judgement: Judgement) -> str:
    return f"split by a supervisor: {judgement.reason}"


class _Clusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, ra: int, rb: int) -> None:
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.members[keep].extend(self.members.pop(gone))


def _groups(
    scored: Sequence[Scored], clusters: _Clusters, links: list[Link], refusals: list[Refusal]
) -> list[Group]:
    groups: dict[int, Group] = {}
    root_of: dict[str, int] = {}
    for i, s in enumerate(scored):
        root = clusters.find(i)
        root_of[s.record.record_id] = root
        groups.setdefault(root, Group(members=[])).members.append(s)
    for link in links:
        groups[root_of[link.record_ids[0]]].links.append(link)
    seen: set[tuple[str, str]] = set()
    for refusal in refusals:
        key = pair(*refusal.record_ids)
        roots = {root_of[rid] for rid in refusal.record_ids}
        if key in seen or len(roots) == 1:
            continue
        seen.add(key)
        for rid in dict.fromkeys(refusal.record_ids):
            group_ = groups[root_of[rid]]
            if len(group_.refused) < MAX_REFUSALS:
                group_.refused.append(refusal)
    out = list(groups.values())
    for g in out:
        g.members.sort(key=lambda m: m.score, reverse=True)
    out.sort(key=lambda g: g.confidence, reverse=True)
    return out
