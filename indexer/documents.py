"""Record → index document: what every backend stores, computed once in Python.

Everything an engine matches on is computed here, not by engine analysers, so that SQLite,
Elasticsearch and OpenSearch hold the very same terms and therefore retrieve the very same
candidates (the conformance suite checks it):

- `name_keys`: `matching.api.name_keys` over every written name (Latin and local script) of every
  subject person (`Record.subjects()`: never complainants).
- `alias_keys`: the same over aliases, in their own field so that an engine can weigh them apart;
  a query key retrieves by either.
- `name_keys` also holds the keys of the forms a name takes from its relative's name
  (`matching.api.inferred_keys`: `RAMESH` whose father is `SURESH PATIL` is also `Ramesh Patil`).
- `relative_keys`: keys of relatives' names, prefixed `rel:` so that searching "Shankar Patil"
  does not retrieve his son's record as if it were his.
- `attribute_keys`: the name's token keys with the birth years' five-year span
  (`matching.api.year_keys`), never retrieved by alone: they lift the namesakes born when a
  query says (`CandidateQuery.boost_keys`).
- `name_words` / `name_grams`: the fuzzy side. `matching.api.name_text` of each name, split into
  words; the trigrams of each word are what fuzzy retrieval counts. Trigrams never cross a word
  boundary, and words shorter than three letters (initials) carry none.
- `identifiers`: (type, value, partial) of every identifier, plus the vehicle's registration,
  chassis and engine numbers when the connector did not list them as identifiers.
- filter fields (`source`, `kind`, `state`, `labels`) and `version` (µs since the epoch) for the
  newer-version-wins guard.
- `record_json`: the canonical record, returned as-is by `get` and `candidates`. Fields at their
  defaults are left out: the record reads back equal, and parsing a few hundred candidates per
  search is the hot path of retrieval.
- `link_keys`: the values under which the record may link to others (`indexer.links`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from indexer.links import link_keys
from matching.api import (
    RELATIVE_PREFIX,
    birth_years,
    inferred_keys,
    is_female,
    name_keys,
    name_text,
    relative_in_name_keys,
    year_keys,
)
from records import Identifier, IdType, Record

ID_SEPARATOR = ":"

# A fuzzy candidate shares at least half of the query's distinct trigrams. Half keeps one-letter
# transpositions and vowel changes ("rajendra"/"rajendar" share 4 of 6, "mohd irfan"/"mohammed
# irfan" 4 of 5) while a single common trigram ("kum" of every Kumar) is not enough.
FUZZY_MIN_SHARE = 0.5

# Chassis fragments on stolen-vehicle reports are the last 5-6 characters; a stored value this
# short is a fragment even when the connector did not mark it.
_PARTIAL_CHASSIS_MAX = 8
# Shortest identifier fragment worth retrieving by: shorter ones match too many vehicles.
MIN_FRAGMENT = 5

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class IndexDocument:
    record_id: str
    source: str
    kind: str
    state: str | None
    labels: tuple[str, ...]
    version: int
    name_keys: frozenset[str]
    alias_keys: frozenset[str]
    relative_keys: frozenset[str]
    attribute_keys: frozenset[str]
    name_words: tuple[str, ...]
    name_grams: frozenset[str]
    identifiers: tuple[Identifier, ...]
    record_json: str
    record: Record
    link_keys: frozenset[str]

    @property
    def all_keys(self) -> frozenset[str]:
        return self.name_keys | self.alias_keys | self.relative_keys | self.attribute_keys

    @property
    def id_terms(self) -> list[str]:
        return [id_term(i.type, i.value) for i in self.identifiers]

    @property
    def partial_id_terms(self) -> list[str]:
        return [id_term(i.type, i.value) for i in self.identifiers if i.partial]

    @property
    def reversed_id_terms(self) -> list[str]:
        return [id_term(i.type, i.value[::-1]) for i in self.identifiers]


def id_term(id_type: IdType | str, value: str) -> str:
    return f"{IdType(id_type).value}{ID_SEPARATOR}{value}"


def version_micros(when: datetime) -> int:
    """An integer that orders like the datetime (both engines compare integers exactly)."""
    return (when - _EPOCH) // timedelta(microseconds=1)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def grams_of_words(ws: list[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset(w[i : i + 3] for w in ws for i in range(len(w) - 2))


def query_grams(text: str) -> frozenset[str]:
    """The trigrams fuzzy retrieval looks for, from a query's name (normalised like the index)."""
    return grams_of_words(words(name_text(text)))


def min_shared_grams(query_gram_count: int) -> int:
    """How many of the query's trigrams a fuzzy candidate must carry (same in every engine)."""
    return max(1, math.ceil(query_gram_count * FUZZY_MIN_SHARE))


def record_identifiers(record: Record) -> tuple[Identifier, ...]:
    out = list(dict.fromkeys(record.identifiers))
    present = {(i.type, i.value) for i in out}
    vehicle = record.vehicle
    if vehicle is not None:
        extra = (
            (IdType.REGISTRATION, vehicle.registration_no),
            (IdType.CHASSIS, vehicle.chassis_no),
            (IdType.ENGINE, vehicle.engine_no),
        )
        for id_type, value in extra:
            if value and (id_type, value) not in present:
                partial = id_type is not IdType.REGISTRATION and len(value) <= _PARTIAL_CHASSIS_MAX
                out.append(Identifier(type=id_type, value=value, partial=partial))
                present.add((id_type, value))
    return tuple(out)


def to_document(record: Record) -> IndexDocument:
    keys: set[str] = set()
    alias: set[str] = set()
    relative: set[str] = set()
    attribute: set[str] = set()
    name_ws: list[str] = []
    for person in record.subjects():
        own: set[str] = set()
        female = is_female(
            person.gender.value if person.gender else None,
            person.relation.value if person.relation else None,
        )
        for written in (person.name, person.name_local):
            if written:
                own |= name_keys(written)
                own |= inferred_keys(written, person.relative_name, female)
                name_ws.extend(words(name_text(written)))
        for written in person.aliases:
            if written:
                alias |= name_keys(written)
                name_ws.extend(words(name_text(written)))
        if person.relative_name:
            relative |= {RELATIVE_PREFIX + k for k in name_keys(person.relative_name)}
        else:  # `RAMESH S/O SURESH PATIL`
            for written in (person.name, person.name_local):
                if written:
                    relative |= {RELATIVE_PREFIX + k for k in relative_in_name_keys(written)}
        years = birth_years(person)
        if years is not None:
            attribute |= year_keys(frozenset(own), *years)
        keys |= own
    unique_words = tuple(dict.fromkeys(name_ws))
    return IndexDocument(
        record_id=record.record_id,
        source=record.source.value,
        kind=record.kind.value,
        state=record.state,
        labels=tuple(sorted(label.value for label in record.sensitivity)),
        version=version_micros(record.version),
        name_keys=frozenset(keys),
        alias_keys=frozenset(alias - keys),
        relative_keys=frozenset(relative),
        attribute_keys=frozenset(attribute),
        name_words=unique_words,
        name_grams=grams_of_words(unique_words),
        identifiers=record_identifiers(record),
        record_json=record.model_dump_json(exclude_defaults=True),
        record=record,
        link_keys=link_keys(record),
    )


def identifier_suffixes(value: str) -> list[str]:
    """Fragments of `value` a report may carry (its endings of `MIN_FRAGMENT`+ characters)."""
    return [value[i:] for i in range(0, len(value) - MIN_FRAGMENT + 1)]


# Identifier types whose stored fragments an exact query value should also find.
FRAGMENT_TYPES = frozenset({IdType.CHASSIS, IdType.ENGINE})


def to_documents(records: Sequence[Record]) -> tuple[list[IndexDocument], list[tuple[str, str]]]:
    """Documents for a write batch: the newest version of each record id (a batch can carry the
    same id twice), and `(record_id, reason)` for every record whose document cannot be built —
    reported as failed, never dropped."""
    newest: dict[str, Record] = {}
    for record in records:
        seen = newest.get(record.record_id)
        if seen is None or record.version >= seen.version:
            newest[record.record_id] = record
    docs: list[IndexDocument] = []
    failed: list[tuple[str, str]] = []
    for record in newest.values():
        try:
            docs.append(to_document(record))
        except (ValueError, TypeError) as exc:
            failed.append((record.record_id, f"could not build the index document: {exc}"))
    return docs, failed
