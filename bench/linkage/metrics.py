"""Linkage quality against ground truth: pure functions over clusterings.

A *clustering* is a list of sets of record ids (profiles). Two records are *the same person*
when the ground truth names a person both are about. Measured:

- **pairwise** precision and recall, per pair of sources: a pair of records in one profile is
  right when they are one person (precision); a pair of one person's records is found when they
  are in one profile (recall). Recall counts only pairs the clustering holds both records of
  (for a search: both were returned).
- **B-cubed** precision and recall, per record then averaged: the share of its profile that is
  its person, and the share of its person's records (among those held) in its profile.
- **mixed**: multi-record profiles holding records of two or more people.
- **split**: of the searches whose person was found, those where the person's records are in
  two profiles or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

Truth = Mapping[str, frozenset[str]]


def same_person(truth: Truth, a: str, b: str) -> bool:
    return bool(truth.get(a, frozenset()) & truth.get(b, frozenset()))


def source_of(record_id: str) -> str:
    return record_id.partition(":")[0]


def source_pair(a: str, b: str) -> str:
    x, y = sorted((source_of(a), source_of(b)))
    return f"{x}–{y}"


@dataclass
class Pairwise:
    """Pair counts per source pair; add clusterings with `add`."""

    true_positive: Counter[str] = field(default_factory=Counter)
    false_positive: Counter[str] = field(default_factory=Counter)
    false_negative: Counter[str] = field(default_factory=Counter)
    # missed pairs that agree on more than a name (a join could have rested on them)
    missed_corroborable: Counter[str] = field(default_factory=Counter)
    checked: bool = False  # whether missed pairs were checked for corroboration at all

    def add(
        self,
        clusters: Iterable[set[str]],
        truth: Truth,
        corroborable: Callable[[str, str], bool] | None = None,
    ) -> None:
        clusters = [c for c in clusters if c]
        self.checked = self.checked or corroborable is not None
        held = sorted({r for c in clusters for r in c})
        home = {r: i for i, c in enumerate(clusters) for r in c}
        people: dict[str, list[str]] = {}
        for r in held:
            for pid in truth.get(r, ()):
                people.setdefault(pid, []).append(r)
        for cluster in clusters:
            for a, b in combinations(sorted(cluster), 2):
                key = source_pair(a, b)
                if same_person(truth, a, b):
                    self.true_positive[key] += 1
                else:
                    self.false_positive[key] += 1
        seen: set[tuple[str, str]] = set()
        for records in people.values():
            for a, b in combinations(records, 2):
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                if home[a] != home[b]:
                    self.false_negative[source_pair(a, b)] += 1
                    if corroborable is not None and corroborable(a, b):
                        self.missed_corroborable[source_pair(a, b)] += 1

    def pairs(self) -> list[str]:
        keys = set(self.true_positive) | set(self.false_positive) | set(self.false_negative)
        return sorted(keys)

    def precision(self, key: str | None = None) -> float | None:
        tp, fp = self._count(self.true_positive, key), self._count(self.false_positive, key)
        return tp / (tp + fp) if tp + fp else None

    def recall(self, key: str | None = None) -> float | None:
        tp, fn = self._count(self.true_positive, key), self._count(self.false_negative, key)
        return tp / (tp + fn) if tp + fn else None

    def corroborable_recall(self, key: str | None = None) -> float | None:
        """Recall on the pairs a join could rest on: those joined, and those missed although
        they agree on more than a name."""
        if not self.checked:
            return None
        tp = self._count(self.true_positive, key)
        missed = self._count(self.missed_corroborable, key)
        return tp / (tp + missed) if tp + missed else None

    def support(self, key: str | None = None) -> int:
        """True pairs (found or not): how much a pair's recall rests on."""
        return self._count(self.true_positive, key) + self._count(self.false_negative, key)

    @staticmethod
    def _count(counter: Counter[str], key: str | None) -> int:
        return sum(counter.values()) if key is None else counter[key]


@dataclass
class BCubed:
    precision_sum: float = 0.0
    recall_sum: float = 0.0
    records: int = 0

    def add(self, clusters: Iterable[set[str]], truth: Truth) -> None:
        clusters = [c for c in clusters if c]
        records_of: dict[str, set[str]] = {}
        for cluster in clusters:
            for r in cluster:
                for pid in truth.get(r, ()):
                    records_of.setdefault(pid, set()).add(r)
        for cluster in clusters:
            for r in cluster:
                people = truth.get(r, frozenset())
                everywhere = set().union(*(records_of[p] for p in people)) if people else {r}
                mine = everywhere & cluster
                self.precision_sum += len(mine) / len(cluster)
                self.recall_sum += len(mine) / len(everywhere)
                self.records += 1

    @property
    def precision(self) -> float | None:
        return self.precision_sum / self.records if self.records else None

    @property
    def recall(self) -> float | None:
        return self.recall_sum / self.records if self.records else None


def people_in(cluster: Iterable[str], truth: Truth) -> int:
    """How many people a profile holds: the fewest persons that cover its records."""
    remaining = [truth.get(r, frozenset()) for r in cluster]
    count = 0
    while remaining:
        common = Counter(pid for people in remaining for pid in people)
        if not common:
            return count + len(remaining)  # records nobody in the truth is known for
        best, _ = max(common.items(), key=lambda kv: (kv[1], kv[0]))
        remaining = [p for p in remaining if best not in p]
        count += 1
    return count


@dataclass
class Profiles:
    """Multi-record profiles and how many hold two people or more."""

    multi_record: int = 0
    mixed: int = 0
    examples: list[list[str]] = field(default_factory=list)

    def add(self, clusters: Iterable[set[str]], truth: Truth, *, keep: int = 5) -> None:
        for cluster in clusters:
            if len(cluster) < 2:
                continue
            self.multi_record += 1
            if people_in(cluster, truth) > 1:
                self.mixed += 1
                if len(self.examples) < keep:
                    self.examples.append(sorted(cluster))

    @property
    def mixed_share(self) -> float | None:
        return self.mixed / self.multi_record if self.multi_record else None


@dataclass
class Splits:
    """Searches whose person was found, and those where that person is in several profiles."""

    found: int = 0
    split: int = 0
    # splits where no two of the person's records in different profiles share anything but a
    # name (and a place): nothing a join could rest on
    name_only: int = 0
    by_pair: Counter[str] = field(default_factory=Counter)  # what kept the person apart

    def add(
        self,
        person: str,
        clusters: list[set[str]],
        truth: Truth,
        corroborable: Callable[[str, str], bool] | None = None,
    ) -> None:
        holding = [c for c in clusters if any(person in truth.get(r, ()) for r in c)]
        if not holding:
            return
        self.found += 1
        if len(holding) < 2:
            return
        self.split += 1
        theirs = [sorted(r for r in c if person in truth.get(r, ())) for c in holding]
        for i, j in combinations(range(len(theirs)), 2):
            self.by_pair[source_pair(theirs[i][0], theirs[j][0])] += 1
        if corroborable is not None and not any(
            corroborable(a, b)
            for i, j in combinations(range(len(theirs)), 2)
            for a in theirs[i]
            for b in theirs[j]
        ):
            self.name_only += 1

    @property
    def split_share(self) -> float | None:
        return self.split / self.found if self.found else None

    @property
    def corroborable_split_share(self) -> float | None:
        """Found persons split although two of their records apart agree on more than a name."""
        return (self.split - self.name_only) / self.found if self.found else None
