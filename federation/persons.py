"""Person search, profile reads and supervisors' decisions: plan → retrieve → rescore → group →
redact.

Synchronous on purpose (the backends are); the API runs it in a worker thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from itertools import chain, islice, takewhile

from auth.principal import Caller
from indexer.backends.base import (
    Backend,
    Candidate,
    CandidateQuery,
    Filters,
    IdentifierTerm,
    IndexLink,
)
from matching import api as matching
from records import IdType, Record, Source

from .access import AccessService, HitFlag, flagged_records, hit_flags
from .decisions import DecisionStore, NoDecisions, ProfileDecision, Verdict
from .grouping import Group, Readings, birth_year_of, group
from .linkage import Model
from .planning import PERSON_KINDS, PersonSearch, plan_person
from .policy import (
    Policy,
    Visibility,
    disclosed_labels,
    filters_of,
    is_visible,
    narrow_kinds,
    narrow_sources,
    restrictions_of,
    without_labels,
)
from .profile_ids import ProfileIds
from .rescoring import Scored, rescore
from .views import ProfileView, Restricted, profile_view, withheld_counts

# Identifiers strong enough to pull a linked record into a profile when it is opened in full.
_LINKING_IDS = frozenset(
    {IdType.DRIVING_LICENCE, IdType.PASSPORT, IdType.FIR, IdType.PRISONER, IdType.ARMS_LICENCE}
)


# Scores are calibrated probabilities that the profile is the person asked for, on any index
# (the name's frequency in the index is part of them): a profile below one in a thousand is
# implausible on its own terms, whatever else was found. Nothing relative to the best is cut:
# when the best is a confident wrong namesake, the right person is often the next one.
DEFAULT_MIN_SCORE = 0.001
# Records joined at query time whatever their name agreement: this many times the profiles a
# search shows, best-scored first (a join frees a row, which the next record fills).
SHOWN_HEADROOM = 2
# A hit-flag is answered when a record of a hit-flag source scores this much on its own, whatever
# `min_score` the caller asked for: a caller-chosen floor would let it learn a hit's score by
# asking again with another floor. High, because a hit-flag tells a stranger to the record that
# the person asked for has one.
HIT_FLAG_MIN_SCORE = 0.5


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
    hits: tuple[HitFlag, ...] = ()  # records the caller is told exist, and whom to ask

    @property
    def record_ids(self) -> list[str]:
        return [r.record_id for p in self.profiles for r in p.records]


@dataclass(frozen=True)
class Moved:
    """A record an opened id held that is now in another profile (new evidence, a split)."""

    record_id: str
    profile_id: str


@dataclass(frozen=True)
class ProfileRead:
    profile: ProfileView  # the profile holding the id's first member, as grouped now
    moved: tuple[Moved, ...] = ()


class DecisionError(ValueError):
    """A decision that cannot be applied as asked (the message says what to change)."""


class Action(StrEnum):
    CONFIRM = "confirm"  # these records are one person: the profile's joins hold
    SPLIT = "split"  # these records are not the same person as the rest of the profile


@dataclass(frozen=True)
class DecisionOutcome:
    decision: ProfileDecision
    after: ProfileRead


class PersonSearchService:
    def __init__(
        self,
        backend: Backend,
        policy: Policy,
        *,
        ids: ProfileIds,
        model: Model,
        decisions: DecisionStore | NoDecisions | None = None,
        access: AccessService | None = None,
        max_candidates: int = 300,
        today: Callable[[], date] = date.today,
    ) -> None:
        self._access = access
        self._backend = backend
        self._policy = policy
        self._ids = ids
        self._model = model
        self._readings = Readings(model)
        self._decisions = decisions or NoDecisions()
        self._max_candidates = max_candidates
        self._today = today

    @property
    def ids(self) -> ProfileIds:
        return self._ids

    def _visibility(self, caller: Caller) -> Visibility:
        """The policy's visibility, with the grants approved access requests give the caller."""
        if self._access is not None:
            return self._access.visibility(caller)
        return self._policy.visibility(caller)

    def _filters(self, caller: Caller) -> tuple[Filters, tuple[str, ...]]:
        visibility = self._visibility(caller)
        return filters_of(visibility), tuple(restrictions_of(visibility))

    def _flagged(
        self, visibility: Visibility, query: CandidateQuery, requested: frozenset[Source] | None
    ) -> list[Candidate]:
        """Candidates from the sources answered as hit-flags (granted records among them)."""
        if not visibility.hit_flag:
            return []
        flagged = narrow_sources(filters_of(visibility.flagged()), requested)
        if flagged.sources == frozenset():
            return []
        return list(self._backend.candidates(replace(query, filters=flagged)))

    def _profile_records(self, groups: Sequence[Group]) -> dict[str, list[Record]]:
        """The records of the groups' index profiles, by profile id, in one look-up."""
        return self._backend.profiles(
            {m.index_profile_id for g in groups for m in g.members if m.index_profile_id}
        )

    def _restricted(
        self, caller: Caller, filters: Filters, unshown: Sequence[Record]
    ) -> list[Restricted]:
        """How many of this person's records the profile does not show (`_unshown`) are hidden
        from the caller by a label the policy lets it know of (`disclose`): the existence,
        never the contents."""
        disclosed = disclosed_labels(self._policy.visibility(caller))
        if not disclosed:
            return []
        unlabelled = without_labels(filters)
        counts: Counter[str] = Counter()
        for record in unshown:
            if is_visible(record, filters) or not is_visible(record, unlabelled):
                continue  # shown anyway, or hidden for another reason (a source not granted)
            for label in sorted(record.sensitivity & disclosed):
                counts[label.value] += 1
        return [Restricted(label, n) for label, n in sorted(counts.items())]

    def _index_links(
        self, scored: list[Scored], carried: Mapping[str, Sequence[IndexLink]]
    ) -> list[tuple[str, str, str]]:
        """The index links touching the scored records that have an index profile: those a
        candidate brought with it (`carried`, by record id; a cluster's hits do) and the other
        records' looked up in one call, ordered as the backend orders them (`a`, `b`, reason)."""
        linked = [s.record.record_id for s in scored if s.index_profile_id]
        if len(linked) < 2:
            return []
        missing = [i for i in linked if i not in carried]
        if len(missing) == len(linked):
            links = self._backend.links(linked)
        else:
            found = {x for i in linked if i in carried for x in carried[i]}
            found.update(self._backend.links(missing) if missing else ())
            links = sorted(found, key=lambda x: (x.a, x.b, x.reason))
        return [(link.a, link.b, link.reason) for link in links]

    def _group(
        self,
        scored: list[Scored],
        carried: Mapping[str, Sequence[IndexLink]],
        eligible: Collection[str] = (),
        shown_from: float = 0.0,
        shown: int | None = None,
        shown_records: int | None = None,
        keep: int | None = None,
    ) -> list[Group]:
        judgements = self._decisions.among([s.record.record_id for s in scored])
        grouped = group(
            scored,
            self._index_links(scored, carried),
            model=self._model,
            judgements=judgements,
            eligible=eligible,
            shown_from=shown_from,
            refusals_for=shown,
            readings=self._readings,
            shown_records=shown_records,
            keep=keep,
        )
        self._readings.trim()
        return grouped

    def search(self, caller: Caller, search: PersonSearch) -> SearchOutcome:
        visibility = self._visibility(caller)
        filters, restrictions = filters_of(visibility), tuple(restrictions_of(visibility))
        plan = plan_person(
            search, filters, max_candidates=self._max_candidates, today=self._today()
        )
        flagged = self._flagged(visibility, plan.candidates, search.sources)
        granted = [c for c in flagged if c.record.record_id in visibility.granted]
        hits = self._hit_flags(
            plan.analysed, [c for c in flagged if c.record.record_id not in visibility.granted]
        )
        if plan.candidates.filters.sources == frozenset() and not granted:
            # The request named only sources outside the caller's entitlement.
            return SearchOutcome(
                (), 0, 0, {}, (*restrictions, "no requested source is visible"), hits=hits
            )
        candidates = (
            list(self._backend.candidates(plan.candidates))
            if plan.candidates.filters.sources != frozenset()
            else []
        )
        candidates += granted
        # Every candidate is scored and grouped; the threshold applies to profiles: a record
        # linked to a strong match belongs to the person even if its own name is written
        # too differently to match on its own (a DL holder's name without the middle name).
        scored = rescore(plan.analysed, candidates, min_score=0.0)
        # best first; namesakes kept apart are explained when a profile is opened, not here
        floor = score_floor(search.min_score)
        grouped = self._group(
            scored,
            _carried_links(candidates),
            shown_from=floor,
            shown=0,
            shown_records=SHOWN_HEADROOM * search.limit,
            keep=search.limit,
        )
        groups = list(islice(takewhile(lambda g: g.confidence >= floor, grouped), search.limit))
        # the index profiles are read only to count what a label hides, if the caller may know
        disclosed = disclosed_labels(self._policy.visibility(caller))
        linked = self._profile_records(groups) if disclosed else {}
        profiles = tuple(
            profile_view(
                self._policy,
                caller,
                g,
                self._ids,
                self._restricted(caller, filters, _unshown(g, (), linked)),
            )
            for g in groups
        )
        return SearchOutcome(
            profiles=profiles,
            candidates=len(candidates),
            matched_records=sum(len(g.members) for g in groups),
            withheld_fields=withheld_counts(profiles),
            restrictions=restrictions,
            min_score=floor,
            hits=hits,
        )

    def _hit_flags(
        self, analysed: matching.AnalysedQuery, flagged: list[Candidate]
    ) -> tuple[HitFlag, ...]:
        """The flagged records that match the query on their own, as hit-flags: never grouped
        with what the caller sees (a join would say which profile they belong to)."""
        if not flagged:
            return ()
        scored = rescore(analysed, flagged, min_score=HIT_FLAG_MIN_SCORE)
        return hit_flags((s.record for s in scored), self._ids)

    def profile(self, caller: Caller, profile_id: str) -> ProfileRead | None:
        """The profile in full as the caller may see it, or None when the id was not issued by
        this server or none of its records is visible to the caller.

        The id's records are fetched under the caller's policy (a record outside it is "not
        found", whether the id was guessed or handed over by someone else), records around them
        are retrieved as a search would (same names, same strong identifiers) and grouped again
        with today's evidence and decisions. The profile returned is the one holding the id's
        first record; the id's other records, if grouping now puts them elsewhere, are listed
        with the profile they are in.
        """
        wanted = self._ids.open(profile_id)
        if wanted is None:
            return None
        visibility = self._visibility(caller)
        filters = filters_of(visibility)
        person_filters = narrow_kinds(filters, PERSON_KINDS)
        fetched = self._backend.get(wanted)

        def shown(r: Record) -> bool:
            return r.kind in PERSON_KINDS and bool(visibility.admits(r))

        members = [r for r in fetched if shown(r) and r.subjects()]
        if not members:
            return None
        hidden = [r for r in fetched if not shown(r)]
        member_ids = [r.record_id for r in members]
        around = self._around(members, person_filters)
        if around is None:
            alone = _unscored_group(members)
            return ProfileRead(self._person_view(caller, alone, filters, visibility, hidden))
        scored, carried = around
        groups = self._group(scored, carried, eligible=member_ids)
        home_of = {m.record.record_id: g for g in groups for m in g.members}
        home = home_of[member_ids[0]]
        moved = tuple(
            Moved(rid, self._ids.issue(m.record.record_id for m in home_of[rid].members))
            for rid in member_ids[1:]
            if home_of[rid] is not home
        )
        return ProfileRead(self._person_view(caller, home, filters, visibility, hidden), moved)

    def _person_view(
        self,
        caller: Caller,
        group: Group,
        filters: Filters,
        visibility: Visibility,
        hidden: Sequence[Record],
    ) -> ProfileView:
        """The opened profile's view: the records of this person a label hides from the caller
        counted, as in a search, and those answered only as hit-flags listed; the index
        profiles read once for both, and only when either is wanted."""
        wanted = visibility.hit_flag or disclosed_labels(self._policy.visibility(caller))
        unshown = _unshown(group, hidden, self._profile_records([group]) if wanted else {})
        restricted = self._restricted(caller, filters, unshown)
        view = profile_view(self._policy, caller, group, self._ids, restricted)
        return self._with_hits(view, unshown, visibility)

    def _with_hits(
        self, view: ProfileView, unshown: Sequence[Record], visibility: Visibility
    ) -> ProfileView:
        """The profile with hit-flags for this person's records it does not show (`_unshown`)
        that the caller is answered only as hit-flags."""
        if not visibility.hit_flag:
            return view
        flagged = flagged_records(list(unshown), visibility)
        return replace(view, hits=hit_flags(flagged, self._ids)) if flagged else view

    def _around(
        self, members: list[Record], filters: Filters
    ) -> tuple[list[Scored], dict[str, tuple[IndexLink, ...]]] | None:
        """The id's records and the records a search for the first one would find, scored
        against the first one's name, and the links the candidates brought
        (`_carried_links`); None when the first has no name to search by."""
        anchor = members[0]
        person = next((p for p in anchor.subjects() if p.names), None)
        if person is None:
            return None
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
                filters=filters,
                limit=self._max_candidates,
            )
        )
        found = {c.record.record_id for c in candidates}
        scored = rescore(analysed, candidates, min_score=0.0)
        scored.extend(_score_all(analysed, [r for r in members if r.record_id not in found]))
        return scored, _carried_links(candidates)

    def decide(
        self,
        caller: Caller,
        profile_id: str,
        action: Action,
        *,
        reason: str,
        separate: Sequence[str] = (),
    ) -> DecisionOutcome | None:
        """Record a supervisor's decision on the profile as the caller sees it now: `confirm`
        its joins, or `split` the records in `separate` from the rest. None when the id does not
        open for the caller; `DecisionError` when the decision does not fit the profile."""
        read = self.profile(caller, profile_id)
        if read is None:
            return None
        members = [r.record_id for r in read.profile.records]
        if action is Action.CONFIRM:
            if len(members) < 2:
                raise DecisionError("this profile holds one record: there is no join to confirm")
            pairs = [link.record_ids for link in read.profile.links]
            verdict = Verdict.SAME
        else:
            out = set(separate)
            unknown = sorted(out - set(members))
            if unknown:
                raise DecisionError(f"not in this profile: {', '.join(unknown[:5])}")
            rest = [m for m in members if m not in out]
            if not out or not rest:
                raise DecisionError(
                    "name the records to split off (record_ids): some, not all, of the profile's"
                )
            pairs = [(x, y) for x in sorted(out) for y in rest]
            verdict = Verdict.DIFFERENT
        if not isinstance(self._decisions, DecisionStore):
            raise DecisionError("this server keeps no decision store")
        decision = self._decisions.record(
            action.value,
            verdict,
            pairs,
            reason=reason,
            decided_by=f"{caller.role.value}:{caller.subject}",
        )
        after = self.profile(caller, read.profile.profile_id)
        return DecisionOutcome(decision, after or read)


def _carried_links(candidates: Sequence[Candidate]) -> dict[str, tuple[IndexLink, ...]]:
    """The links of each candidate that retrieval returned with it (`Candidate.links`)."""
    return {c.record.record_id: c.links for c in candidates if c.links is not None}


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


def _unshown(
    group: Group, named: Sequence[Record], linked: Mapping[str, list[Record]]
) -> list[Record]:
    """This person's records the group does not show: those `named` by the id being opened
    (fetched, not shown to the caller), then those of its index profiles (`linked`, by profile
    id), each once."""
    profile_ids = sorted({m.index_profile_id for m in group.members if m.index_profile_id})
    shown = {m.record.record_id for m in group.members}
    others: dict[str, Record] = {}
    for record in chain(named, (r for p in profile_ids for r in linked.get(p, []))):
        if record.record_id not in shown:
            others.setdefault(record.record_id, record)
    return list(others.values())


def _unscored_group(records: list[Record]) -> Group:
    """Members with no name to score by (an unidentified body, say), shown as they are."""
    blank = matching.MatchResult(score=0.0)
    return Group(members=[Scored(r, r.subjects()[0], blank, None) for r in records])
