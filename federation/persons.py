"""Person search and profile look-up: plan → retrieve → rescore → group → redact.

Synchronous on purpose (the backends are); the API runs it in a worker thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice, takewhile

from auth.principal import Caller
from indexer.backends.base import Backend, CandidateQuery, Filters, IdentifierTerm
from matching import api as matching
from records import IdType, Record

from .grouping import Group, birth_year_of, group
from .planning import PERSON_KINDS, PersonSearch, plan_person
from .policy import (
    Policy,
    disclosed_labels,
    filters_of,
    is_visible,
    narrow_kinds,
    restrictions_of,
    without_labels,
)
from .rescoring import Scored, rescore
from .views import ProfileView, Restricted, profile_view, record_ids_of, withheld_counts

# Identifiers strong enough to pull a linked record into a profile when it is opened in full.
_LINKING_IDS = frozenset(
    {IdType.DRIVING_LICENCE, IdType.PASSPORT, IdType.FIR, IdType.PRISONER, IdType.ARMS_LICENCE}
)


# Scores are calibrated probabilities that the profile is the person asked for, on any index
# (the name's frequency in the index is part of them): a profile below one in a thousand is
# implausible on its own terms, whatever else was found. Nothing relative to the best is cut:
# when the best is a confident wrong namesake, the right person is often the next one.
DEFAULT_MIN_SCORE = 0.001


def score_floor(requested: float | None) -> float:
    """The confidence a profile needs to be returned: what the caller asked for, else
    DEFAULT_MIN_SCORE. An investigator reviews a ranked list, so the default favours recall:
    a one-word name (`Murugan`) or an initial and a surname fits many people, each of them
    unlikely, and they are all returned, ranked, with their scores."""
    return DEFAULT_MIN_SCORE if requested is None else requested


@dataclass(frozen=True)
class SearchOutcome:
    profiles: tuple[ProfileView, ...]
    candidates: int  # what the backend returned, all within the caller's policy
    matched_records: int  # records in the returned profiles
    withheld_fields: dict[str, int] = field(default_factory=dict)
    restrictions: tuple[str, ...] = ()
    min_score: float = DEFAULT_MIN_SCORE  # the confidence a profile needed to be returned

    @property
    def record_ids(self) -> list[str]:
        return [r.record_id for p in self.profiles for r in p.records]


class PersonSearchService:
    def __init__(
        self,
        backend: Backend,
        policy: Policy,
        *,
        max_candidates: int = 300,
        today: Callable[[], date] = date.today,
    ) -> None:
        self._backend = backend
        self._policy = policy
        self._max_candidates = max_candidates
        self._today = today

    def _filters(self, caller: Caller) -> tuple[Filters, tuple[str, ...]]:
        visibility = self._policy.visibility(caller)
        return filters_of(visibility), tuple(restrictions_of(visibility))

    def _restricted(self, caller: Caller, group: Group, filters: Filters) -> list[Restricted]:
        """How many records linked to this person at index time are hidden from the caller by
        a label the policy lets it know of (`disclose`): the existence, never the contents."""
        disclosed = disclosed_labels(self._policy.visibility(caller))
        profile_ids = {m.index_profile_id for m in group.members if m.index_profile_id}
        if not disclosed or not profile_ids:
            return []
        unlabelled = without_labels(filters)
        shown = {m.record.record_id for m in group.members}
        counts: Counter[str] = Counter()
        seen: set[str] = set()
        for profile_id in sorted(profile_ids):
            for record in self._backend.profile(profile_id):
                if record.record_id in shown or record.record_id in seen:
                    continue
                seen.add(record.record_id)
                if is_visible(record, filters) or not is_visible(record, unlabelled):
                    continue  # shown anyway, or hidden for another reason (a source not granted)
                for label in sorted(record.sensitivity & disclosed):
                    counts[label.value] += 1
        return [Restricted(label, n) for label, n in sorted(counts.items())]

    def _index_links(self, scored: list[Scored]) -> list[tuple[str, str, str]]:
        linked = [s.record.record_id for s in scored if s.index_profile_id]
        if len(linked) < 2:
            return []
        return [(link.a, link.b, link.reason) for link in self._backend.links(linked)]

    def search(self, caller: Caller, search: PersonSearch) -> SearchOutcome:
        filters, restrictions = self._filters(caller)
        plan = plan_person(
            search, filters, max_candidates=self._max_candidates, today=self._today()
        )
        if plan.candidates.filters.sources == frozenset():
            # The request named only sources outside the caller's entitlement.
            return SearchOutcome((), 0, 0, {}, (*restrictions, "no requested source is visible"))
        candidates = self._backend.candidates(plan.candidates)
        # Every candidate is scored and grouped; the threshold applies to profiles: a record
        # linked to a strong match belongs to the person even if its own name is written
        # too differently to match on its own (a DL holder's name without the middle name).
        scored = rescore(plan.analysed, candidates, min_score=0.0)
        grouped = group(scored, self._index_links(scored))  # best confidence first
        floor = score_floor(search.min_score)
        groups = list(islice(takewhile(lambda g: g.confidence >= floor, grouped), search.limit))
        profiles = tuple(
            profile_view(self._policy, caller, g, self._restricted(caller, g, filters))
            for g in groups
        )
        return SearchOutcome(
            profiles=profiles,
            candidates=len(candidates),
            matched_records=sum(len(g.members) for g in groups),
            withheld_fields=withheld_counts(profiles),
            restrictions=restrictions,
            min_score=floor,
        )

    def profile(self, caller: Caller, profile_id: str) -> ProfileView | None:
        """The profile in full as the caller may see it, or None if none of it is visible.

        The members named by the id are fetched and filtered by the caller's policy (a record
        outside it is "not found", whether the id was guessed or handed over by someone else);
        then records linked to them at index time or agreeing at query time are added.
        """
        try:
            wanted = record_ids_of(profile_id)
        except ValueError:
            return None
        filters, _ = self._filters(caller)
        person_filters = narrow_kinds(filters, PERSON_KINDS)
        members = [
            r for r in self._backend.get(wanted) if is_visible(r, person_filters) and r.subjects()
        ]
        if not members:
            return None
        anchor = members[0]
        person = next((p for p in anchor.subjects() if p.names), None)
        if person is None:
            return profile_view(self._policy, caller, _unscored_group(members))
        query = matching.PersonQuery(
            name=person.names[0],
            relative_name=person.relative_name,
            birth_year=birth_year_of(person, anchor),
            state=anchor.state,
            district=anchor.district,
        )
        analysed = matching.analyse(query)
        keys = set(analysed.keys)
        terms: list[IdentifierTerm] = []
        for record in members:
            for p in record.subjects():
                for name in p.names:
                    keys |= matching.name_keys(name)
            terms.extend(
                IdentifierTerm(i.type, i.value)
                for i in record.identifiers
                if i.type in _LINKING_IDS and not i.partial
            )
        candidates = self._backend.candidates(
            CandidateQuery(
                name_keys=frozenset(keys),
                name_text=analysed.text or None,
                identifiers=tuple(dict.fromkeys(terms)),
                filters=person_filters,
                limit=self._max_candidates,
            )
        )
        found = {c.record.record_id for c in candidates}
        missing = [r for r in members if r.record_id not in found]
        scored = rescore(analysed, candidates, min_score=0.0)
        scored.extend(_score_all(analysed, missing))
        member_ids = {r.record_id for r in members}
        profile_ids = {s.index_profile_id for s in scored if s.record.record_id in member_ids}
        profile_ids.discard(None)
        chosen = [
            g
            for g in group(scored, self._index_links(scored))
            if any(
                m.record.record_id in member_ids or m.index_profile_id in profile_ids
                for m in g.members
            )
        ]
        merged = Group(
            members=sorted(
                (m for g in chosen for m in g.members), key=lambda m: m.score, reverse=True
            ),
            links=[link for g in chosen for link in g.links],
        )
        return profile_view(self._policy, caller, merged)


def _score_all(analysed: matching.AnalysedQuery, records: list[Record]) -> list[Scored]:
    out: list[Scored] = []
    for record in records:
        people = [p for p in record.subjects() if p.names]
        if not people:
            continue
        results = [
            (p, matching.score(analysed, p, state=record.state, district=record.district))
            for p in people
        ]
        person, result = max(results, key=lambda pr: pr[1].score)
        out.append(Scored(record, person, result, None))
    return out


def _unscored_group(records: list[Record]) -> Group:
    """Members with no name to score by (an unidentified body, say), shown as they are."""
    blank = matching.MatchResult(score=0.0)
    return Group(members=[Scored(r, r.subjects()[0], blank, None) for r in records])
