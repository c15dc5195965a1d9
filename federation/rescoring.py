"""Rescoring: every candidate scored against the analysed query with `matching.api.score`.

A record can name several people (a vehicle's owner, an NCRP complaint's suspects); it is
scored by the subject who matches best, and that subject is what grouping compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from indexer.backends.base import Candidate
from matching import api as matching
from records import Person, Record


@dataclass(frozen=True)
class Scored:
    record: Record
    person: Person  # the subject that matched best
    match: matching.MatchResult
    index_profile_id: str | None

    @property
    def score(self) -> float:
        return self.match.score

    @property
    def agreement(self) -> float:
        """How well the record's name agrees with the query's, whatever its frequency
        (`matching.MatchResult.agreement`)."""
        return self.match.agreement


def rescore(
    analysed: matching.AnalysedQuery, candidates: list[Candidate], *, min_score: float
) -> list[Scored]:
    """Scored records at or above `min_score`, best first (ties: retrieval order kept).

    A record found by fuzzy text alone shares no name key, so retrieval cannot say how common
    its name is: it is taken to be as common as the rarest name any candidate shares (what the
    query's name is, correctly spelled, most specifically)."""
    out: list[Scored] = []
    fallback = min((c.key_frequency for c in candidates if c.key_frequency), default=1)
    for candidate in candidates:
        record = candidate.record
        best: tuple[Person, matching.MatchResult] | None = None
        for person in record.subjects():
            if not person.has_name:
                continue
            result = matching.score(
                analysed,
                person,
                state=record.state,
                district=record.district,
                frequency=candidate.key_frequency or fallback,
            )
            if best is None or result.score > best[1].score:
                best = (person, result)
        if best is not None and best[1].score >= min_score:
            out.append(Scored(record, best[0], best[1], candidate.profile_id))
    out.sort(key=by_score, reverse=True)
    return out


# `Scored.score` as a sort key, without a Python frame per call (rescoring and grouping sort by it)
by_score = attrgetter("match.score")
