"""A reference retrieval in plain Python over `IndexDocument`s: what every backend must return.

The conformance suite compares each engine against this oracle (with a limit above the data
size, so the engine-specific ordering cannot cut the set), which is also how "same data in, same
candidates out" across engines is checked.
"""

from __future__ import annotations

from indexer.backends.base import CandidateQuery, Filters
from indexer.documents import (
    FRAGMENT_TYPES,
    IndexDocument,
    identifier_suffixes,
    min_shared_grams,
    query_grams,
)
from matching.api import PersonQuery, analyse, score
from records import Record


def passes(doc: IndexDocument, filters: Filters) -> bool:
    if filters.sources is not None and doc.source not in {s.value for s in filters.sources}:
        return False
    if filters.kinds is not None and doc.kind not in {k.value for k in filters.kinds}:
        return False
    if filters.states is not None and doc.state not in filters.states:
        return False
    for rule in filters.hidden:
        if rule.label.value in doc.labels and doc.state not in rule.except_states:
            return False
    return True


def matches(doc: IndexDocument, query: CandidateQuery) -> bool:
    """Retrieved by a name key, a near key, an identifier or fuzzy text; boost keys alone
    retrieve nothing."""
    if (query.name_keys | query.near_keys) & doc.all_keys:
        return True
    for term in query.identifiers:
        if not term.value:
            continue
        for ident in doc.identifiers:
            if ident.type is not term.type:
                continue
            if ident.value == term.value or (term.suffix and ident.value.endswith(term.value)):
                return True
            if (
                term.type in FRAGMENT_TYPES
                and ident.partial
                and ident.value in identifier_suffixes(term.value)
            ):
                return True
    grams = query_grams(query.name_text) if query.name_text else frozenset()
    return bool(grams) and len(grams & doc.name_grams) >= min_shared_grams(len(grams))


def expected_ids(docs: list[IndexDocument], query: CandidateQuery) -> set[str]:
    return {d.record_id for d in docs if passes(d, query.filters) and matches(d, query)}


def expected_frequencies(docs: list[IndexDocument], query: CandidateQuery) -> dict[str, int]:
    """For each record sharing a name key with the query, how many records of the whole index
    (whatever the filters) hold the rarest of those keys."""
    held = {k: sum(1 for d in docs if k in d.all_keys) for k in query.name_keys}
    out: dict[str, int] = {}
    for d in docs:
        shared = [held[k] for k in query.name_keys & d.all_keys]
        if shared:
            out[d.record_id] = min(shared)
    return out


def final_ranking(name: str, records: list[Record]) -> list[str]:
    """Rescore with `matching.api.score` as federation does; ties by record id."""
    analysed = analyse(PersonQuery(name=name))

    def best(record: Record) -> float:
        return max((score(analysed, p).score for p in record.subjects()), default=0.0)

    return [r.record_id for r in sorted(records, key=lambda r: (-best(r), r.record_id))]
