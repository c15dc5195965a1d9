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

import heapq
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice, takewhile
from typing import Generic, TypeVar

from indexer.comparison import (
    ACCOUNT,
    ADDRESS,
    BIRTH,
    FIR,
    NAMES_AGREE,
    PHONE,
    RELATIVE,
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
from .rescoring import Scored, by_score

# Query-time joins are looked for among records whose name agrees at least this well with the
# query's (`Scored.agreement`: matching's calibrated name agreement, as if the name were unique);
# index-time links join any candidate. Not the search score: since #15 that also weighs how
# common the name is in the index, so a correctly spelled common name scores far below this
# and its records, though they agree with the query, were never joined.
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
# Query-time comparisons per grouping, best-scored records first: a name that thousands carry
# (`Jaspreet Singh`) retrieves hundreds of namesakes who share a birth year, a father's first
# name, a street; beyond this many pairs the rest stay apart (the safe side), so that one such
# search costs what an ordinary one does. Half the searches of the linkage benchmark compare
# fewer than 130 pairs; one in ten more than a thousand.
MAX_COMPARISONS = 250
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


@dataclass(slots=True)
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


# a record's id and version, and which of its people (`Readings.key`)
_ReadingKey = tuple[str, datetime, int]
# what a query-time comparison of two records found (`_Pairs.query_link`): the join, its bits,
# a refusal worth showing, and the conflicts it established (None: it did not get that far)
_Compared = tuple[Link | None, float, Refusal | None, tuple[Conflict, ...] | None]
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class _Kept(Generic[_K, _V]):
    """At most `size` values, the least recently used forgotten first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[_K, _V] = OrderedDict()

    def get(self, key: _K) -> _V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: _K, value: _V) -> _V:
        self._values[key] = value
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return value


@dataclass(frozen=True)
class _Reading:
    side: Side
    facts: frozenset[str]  # keys of the facts a join can rest on (`_fact_keys`)
    names: frozenset[str]  # blocking keys of the names (`Similarity.block_keys`)


class Readings:
    """What grouping reads from each record (its `Side` and its blocking keys), kept across
    searches: the same records come back search after search (every `Ramesh Kumar` query
    retrieves the Ramesh Kumars), and reading one costs more than comparing two. A record's
    reading is keyed by its id, version and person, so a newer version is read afresh; at most
    `size` readings are kept, the least recently used go first. One per linkage model (the
    address words' rarity is the model's); shared by the searches of one service.

    The names' blocking keys are kept apart from the rest (`names_of`): every record a search
    may join is indexed by them, most are never read further."""

    def __init__(self, model: Model, size: int = 50_000, pairs: int = 100_000) -> None:
        self.model = model
        self.similar = Similarity()
        self._kept: _Kept[_ReadingKey, _Reading] = _Kept(size)
        self._names: _Kept[_ReadingKey, frozenset[str]] = _Kept(size)
        # what two records' comparison and conflicts came to, by their readings' keys in the
        # order they were compared (a relative's word is the first record's): a pure function
        # of the two records, asked again whenever a later search retrieves both (most
        # conflicts a grouping checks were checked by an earlier one)
        self.compared: _Kept[tuple[_ReadingKey, _ReadingKey], _Compared] = _Kept(pairs)
        self.conflicts: _Kept[tuple[_ReadingKey, _ReadingKey], tuple[Conflict, ...]] = _Kept(pairs)

    @staticmethod
    def key(scored: Scored) -> _ReadingKey:
        """Which reading is `scored`'s: its record's id and version, and which of the record's
        people it is."""
        record, person = scored.record, scored.person
        people = record.people
        if people and people[0] is person:  # most records name one person
            index = 0
        else:
            index = next((k for k, p in enumerate(people) if p is person), -1)
        return (record.record_id, record.version, index)

    def names_of(self, scored: Scored, key: _ReadingKey | None = None) -> frozenset[str]:
        """The blocking keys of `scored`'s names (`Similarity.person_block_keys`)."""
        key = key or self.key(scored)
        names = self._names.get(key)
        if names is None:
            names = self._names.put(key, self.similar.person_block_keys(scored.person))
        return names

    def of(self, scored: Scored, key: _ReadingKey | None = None) -> _Reading:
        key = key or self.key(scored)
        reading = self._kept.get(key)
        if reading is None:
            side = Side.of(scored.record, scored.person)
            names = self.names_of(scored, key)
            reading = self._kept.put(key, _Reading(side, _fact_keys(side, self.model), names))
        return reading

    def trim(self, pairs: int = 500_000) -> None:
        """Forget the names' analyses and scores once they grow past `pairs` (they are cheap to
        make again; unbounded, they would hold every name ever compared)."""
        if self.similar.size() > pairs:
            self.similar = Similarity()


class _Pairs:
    """Comparisons and conflicts of one grouping's records, each made when first needed and
    kept: most records are never compared, most pairs stop at the cheap facts."""

    def __init__(self, scored: Sequence[Scored], readings: Readings) -> None:
        self.scored = scored
        self.model = readings.model
        self.readings = readings
        self.similar = readings.similar
        self._read: dict[int, _Reading] = {}
        self._keys: dict[int, _ReadingKey] = {}
        self._conflicts: dict[tuple[int, int], tuple[Conflict, ...]] = {}
        self.chosen: set[int] = set()
        self._name_keys_of: dict[int, frozenset[str]] = {}
        self._named: dict[str, set[int]] = defaultdict(set)
        self._facts: dict[str, set[int]] = defaultdict(set)
        self._indexed: set[int] = set()
        self._ensured: set[int] = set()
        self._same: dict[str, set[int]] = defaultdict(set)

    def _key(self, i: int) -> _ReadingKey:
        key = self._keys.get(i)
        if key is None:
            key = self._keys[i] = Readings.key(self.scored[i])
        return key

    def read(self, i: int) -> _Reading:
        reading = self._read.get(i)
        if reading is None:
            reading = self._read[i] = self.readings.of(self.scored[i], self._key(i))
        return reading

    def side(self, i: int) -> Side:
        return self.read(i).side

    def conflicts(self, i: int, j: int) -> tuple[Conflict, ...]:
        key = (i, j) if i < j else (j, i)
        found = self._conflicts.get(key)
        if found is None:
            kept = self.readings.conflicts
            both = (self._key(i), self._key(j))
            found = kept.get(both)
            if found is None:
                found = kept.put(both, conflicts(self.side(i), self.side(j), self.similar))
            self._conflicts[key] = found
        return found

    def _refusal(self, a: Side, b: Side, found: Sequence[Conflict]) -> Refusal | None:
        """Worth showing when the two write the same name: a namesake kept out, and why."""
        if not a.canonical & b.canonical:
            return None
        return Refusal((a.record_id, b.record_id), tuple(c.reason for c in found))

    def query_link(self, i: int, j: int) -> tuple[Link | None, float, Refusal | None]:
        """The query-time join of two records (or None), its bits, and a refusal worth showing
        when the two disagree although they write the same name (`_compare`; what an earlier
        search found for the same two records, if it compared them)."""
        kept = self.readings.compared
        both = (self._key(i), self._key(j))
        compared = kept.get(both)
        if compared is None:
            compared = kept.put(both, self._compare(i, j))
        link, bits, refusal, found = compared
        if found is not None:
            self._conflicts[(i, j)] = found
        return link, bits, refusal

    def _compare(self, i: int, j: int) -> _Compared:
        """Cheapest first: the facts' conflicts; the names, which must at least partly agree
        (most pairs of a search stop there, and a pair of written names is scored once); the
        relative's name; the rest."""
        a, b = self.side(i), self.side(j)
        found = fact_conflicts(a, b)
        if found:
            return None, 0.0, self._refusal(a, b, found), tuple(found)
        names = name_level(a, b, self.similar)
        if names > NAMES_AGREE:
            return None, 0.0, None, None
        relative = relative_conflict(a, b, self.similar)
        if relative is not None:
            return None, 0.0, self._refusal(a, b, (relative,)), (relative,)
        model = self.model
        comparison = compare(
            a, b, self.similar, address_weight=model.address_weight, name_level_=names
        )
        if not _corroborated(comparison.levels):
            return None, 0.0, None, ()
        weights = model.weigh(a, b, comparison)
        bits = sum(w for w in weights if w is not None)
        if bits < model.threshold:
            return None, bits, None, ()
        evidence = tuple(model.evidence(comparison, weights))
        probability = model.probability(bits)
        reasons = tuple(e.level for e in evidence if e.weight > 0)
        link = Link((a.record_id, b.record_id), "query", round(probability, 4), reasons, evidence)
        return link, bits, None, ()

    def index(self, chosen: Collection[int]) -> None:
        """Index the chosen records by their names' blocking keys (cheap: kept per record, and
        the written names' keys are cached); what each record's facts are is read only for the
        records that share a key with one that is compared (`_ensure`)."""
        self.chosen = set(chosen)
        names_of, scored = self.readings.names_of, self.scored
        for i in chosen:
            keys = names_of(scored[i], self._key(i))
            self._name_keys_of[i] = keys
            for key in keys:
                self._named[key].add(i)

    def _ensure(self, i: int) -> None:
        """Read and index by facts every chosen record whose name shares a key with `i`'s."""
        if i in self._ensured:
            return
        self._ensured.add(i)
        for key in self._name_keys_of.get(i, ()):
            for j in self._named[key]:
                if j not in self._indexed:
                    self._indexed.add(j)
                    for fact in self.read(j).facts:
                        self._facts[fact].add(j)

    def neighbours(self, i: int) -> list[tuple[int, int]]:
        """The chosen records `i` could join: those sharing a fact a join can rest on
        (`_fact_keys`: a relative's name, a phone, an account, a FIR, a stated birth year, the
        address's rarest words) *and* a blocking key of the name (`Similarity.block_keys`, the
        blocking the model was estimated on). A join needs something besides the name to
        agree, so pairs with nothing of the kind in common are never compared. Each with the
        number of such facts the two share."""
        if i not in self.chosen:
            return []
        self._ensure(i)
        reading = self.read(i)
        if not reading.facts:
            return []
        shared: Counter[int] = Counter()
        for key in reading.facts:
            shared.update(self._facts[key])
        del shared[i]
        mine = reading.names
        return sorted((j, n) for j, n in shared.items() if not mine.isdisjoint(self.read(j).names))

    def namesakes(self, i: int) -> list[int]:
        """Chosen records writing `i`'s name the same way."""
        if not self._same:
            for k in self.chosen:
                for canonical in self.side(k).canonical:
                    self._same[canonical].add(k)
        alike = set().union(*(self._same[c] for c in self.side(i).canonical))
        alike.discard(i)
        return sorted(alike)

    def namesake_refusal(self, i: int, j: int) -> Refusal | None:
        """Why two records of one written name, with no fact in common, are apart (if they
        disagree on something)."""
        found = self.conflicts(i, j)
        return self._refusal(self.side(i), self.side(j), found) if found else None


def _fact_keys(side: Side, model: Model) -> frozenset[str]:
    """Keys of the facts a join can rest on (`CORROBORATING`): the relative's name (each
    pair of its words, normalised: two relatives' names that agree share two words), each
    phone, account and FIR, a stated birth year, and the address's rarest word with each
    of the next two (two addresses that agree share most of their weight: the rarest word
    and another of the three)."""
    keys: set[str] = set()
    for relative in side.relative_canonical:
        words = sorted(set(relative.split()))
        if len(words) == 1:
            keys.add("r" + words[0])
        keys.update(f"r{x}|{y}" for n, x in enumerate(words) for y in words[n + 1 :])
    keys.update("p" + p for p in side.phones)
    keys.update("a" + a for a in side.accounts)
    keys.update("f" + f for f in side.fir_cases)  # an inmate's FIR may lack its state
    if side.born is not None and not side.born_from_age:
        keys.update(f"y{year}" for year in range(side.born[0], side.born[1] + 1))
    if side.address:
        weight = model.address_weight
        rarest = sorted(side.address, key=lambda t: (-weight(t), t))[:3]
        if len(rarest) == 1:
            keys.add("d" + rarest[0])
        keys.update("d" + "|".join(sorted((rarest[0], other))) for other in rarest[1:])
    return frozenset(keys)


def group(
    scored: Sequence[Scored],
    index_links: Sequence[tuple[str, str, str]] = (),
    *,
    model: Model,
    judgements: Mapping[tuple[str, str], Judgement] | None = None,
    floor: float = QUERY_TIME_FLOOR,
    eligible: Collection[str] = (),
    shown_from: float = 0.0,
    refusals_for: int | None = None,
    readings: Readings | None = None,
    shown_records: int | None = None,
    keep: int | None = None,
) -> list[Group]:
    """Profiles from scored records, best confidence first. `index_links` are the indexer's
    `(record_id, record_id, reason)` links among them; `judgements` the supervisors' decisions
    on pairs of them. Only records scoring at least `floor` against the query are joined at
    query time (and the records in `eligible`, whatever their score: an opened profile's own):
    one that barely resembles the query cannot agree on name with one that matches it. The
    floor is on the records' name agreement (`Scored.agreement`), not on their search score.

    `shown_from`: the confidence a profile needs to be shown. Query-time joins are then looked
    for only around the records that reach it (and `eligible`), widening to whatever joins
    them: a profile of records that all score below it is not shown, so its joins need not be
    computed (its records stay one per profile). `refusals_for`: how many of the best profiles
    will be shown, and so need their namesakes' refusals (all, by default). `readings`: what
    earlier groupings read from these records (`Readings`, for the same `model`).
    `shown_records`: the best-scored records (at least `shown_from`) that will be shown
    whatever their name agreement, so are joined at query time like the records above the
    floor (`_best_shown`). `keep`: how many profiles will be shown, best first, of those
    reaching `shown_from`: only they are returned (every profile, by default)."""
    judgements = judgements or {}
    pairs = _Pairs(scored, readings if readings is not None else Readings(model))
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
    shown_best = _best_shown(scored, shown_from, shown_records)
    chosen = [
        i
        for i, s in enumerate(scored)
        if s.agreement >= floor or s.record.record_id in always or i in shown_best
    ]
    pairs.index(chosen)
    joined: dict[int, set[int]] = defaultdict(set)  # joins already known (manual, index)
    for edge in edges:
        joined[edge.i].add(edge.j)
        joined[edge.j].add(edge.i)
    seeds = [
        i
        for i, s in enumerate(scored)
        if (s.agreement >= floor and s.score >= shown_from)
        or s.record.record_id in always
        or i in shown_best
    ]
    seeds.sort(key=lambda i: (-scored[i].score, i))
    # Pairs are compared most promising first (the more facts two records share, the likelier
    # one person; then the better their score), so the comparison budget goes to true joins
    # before the namesakes who share a birth year or a street with them.
    reached: set[int] = set()
    heap: list[tuple[int, float, int, int]] = []
    compared: set[tuple[int, int]] = set()
    refusals: list[Refusal] = []

    def reach(i: int) -> None:
        stack = [i]
        while stack:
            k = stack.pop()
            if k in reached:
                continue
            reached.add(k)
            for j, shared in pairs.neighbours(k):
                key = (k, j) if k < j else (j, k)
                if key not in compared:
                    best = max(scored[k].score, scored[j].score)
                    heapq.heappush(heap, (-shared, -best, key[0], key[1]))
            stack.extend(joined.get(k, ()))

    for i in seeds:
        reach(i)
    budget = MAX_COMPARISONS
    while heap and budget > 0:
        _, _, i, j = heapq.heappop(heap)
        key = (i, j)
        if key in compared or key in confirmed or key in strong:
            continue
        compared.add(key)
        if key in split:
            ids = (scored[i].record.record_id, scored[j].record.record_id)
            refusals.append(Refusal(ids, (_split_reason(split[key]),)))
            continue
        budget -= 1
        link, bits, refusal = pairs.query_link(i, j)
        if link is not None:
            edges.append(_Edge(3, -bits, i, j, link))
            reach(i)
            reach(j)
        elif refusal is not None:
            refusals.append(refusal)
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
        for x in clusters.members(ri):
            for y in clusters.members(rj):
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
    out = _groups(scored, clusters, accepted, refusals, keep, shown_from)
    # why namesakes with nothing else in common are apart: worth the name model only for the
    # profiles that will be shown
    position_of = {id(m): i for i, m in enumerate(scored)}
    for g in out[:refusals_for]:
        members = [position_of[id(m)] for m in g.members]
        inside = set(members)
        for i in members:
            for j in pairs.namesakes(i) if i in pairs.chosen else ():
                if len(g.refused) >= MAX_REFUSALS:
                    break
                key = (i, j) if i < j else (j, i)
                if j in inside or key in compared:
                    continue
                compared.add(key)
                refusal = pairs.namesake_refusal(*key)
                if refusal is not None:
                    g.refused.append(refusal)
    return out


def _best_shown(
    scored: Sequence[Scored], shown_from: float, shown_records: int | None
) -> frozenset[int]:
    """The `shown_records` best-scored records at or above `shown_from`: the ones a result
    list shows. The floor keeps grouping to the records that agree with the query's name, but
    a list that shows namesakes in its tail (`K. Suresh` for `Suresh Kumar`) shows their other
    records too: the licence and the registration of one such person are two rows of that
    list when the floor leaves them unjoined, though they agree with each other on name,
    father's name and address as well as any pair above it does."""
    if not shown_records:
        return frozenset()
    # best first, ties by position: a stable sort of the positions (ascending) by score
    negated = [-s.match.score for s in scored]
    best = sorted(range(len(scored)), key=negated.__getitem__)[:shown_records]
    return frozenset(i for i in best if scored[i].score >= shown_from)


def _split_reason(judgement: Judgement) -> str:
    return f"split by a supervisor: {judgement.reason}"


class _Clusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        # the members of the clusters joined so far (a record alone is its own): most records
        # of a search are never joined, a list for each would be built for nothing
        self._joined: dict[int, list[int]] = {}

    def members(self, root: int) -> list[int]:
        return self._joined.get(root) or [root]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, ra: int, rb: int) -> None:
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self._joined[keep] = self.members(keep) + self.members(gone)
        self._joined.pop(gone, None)


def _groups(
    scored: Sequence[Scored],
    clusters: _Clusters,
    links: list[Link],
    refusals: list[Refusal],
    keep: int | None = None,
    shown_from: float = 0.0,
) -> list[Group]:
    """The clusters as profiles, best confidence first (ties: in the order of their first
    record), each with its links and the refusals touching it. With `keep`, only the `keep`
    best reaching `shown_from` are built: a search's other clusters are never shown, and
    building a profile for each of them cost as much as the rest of the grouping's
    bookkeeping."""
    members_of: dict[int, list[Scored]] = {}
    root_of: dict[str, int] = {}
    for i, s in enumerate(scored):
        root = clusters.find(i)
        root_of[s.record.record_id] = root
        found = members_of.get(root)
        if found is None:
            members_of[root] = [s]
        else:
            found.append(s)
    for members in members_of.values():
        if len(members) > 1:
            members.sort(key=by_score, reverse=True)
    # a profile's confidence is its best member's score: the first, once its members are sorted
    ordered = sorted(members_of.items(), key=_best_score, reverse=True)
    if keep is not None:
        ordered = list(islice(takewhile(lambda c: _best_score(c) >= shown_from, ordered), keep))
    groups = {root: Group(members=members) for root, members in ordered}
    for link in links:
        group_ = groups.get(root_of[link.record_ids[0]])
        if group_ is not None:
            group_.links.append(link)
    seen: set[tuple[str, str]] = set()
    for refusal in refusals:
        key = pair(*refusal.record_ids)
        roots = {root_of[rid] for rid in refusal.record_ids}
        if key in seen or len(roots) == 1:
            continue
        seen.add(key)
        for rid in dict.fromkeys(refusal.record_ids):
            group_ = groups.get(root_of[rid])
            if group_ is not None and len(group_.refused) < MAX_REFUSALS:
                group_.refused.append(refusal)
    return list(groups.values())


def _best_score(cluster: tuple[int, list[Scored]]) -> float:
    return cluster[1][0].match.score
