"""The retrieval contract every backend implements.

Small on purpose: a third engine should take a day. Backends are synchronous (SQLite and the
official engine clients are); async callers run them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from records import IdType, Kind, Record, Sensitivity, Source


@dataclass(frozen=True)
class LabelRule:
    """Hide records carrying `label`, except those whose state is in `except_states`."""

    label: Sensitivity
    except_states: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Filters:
    """Restrictions pushed into the engine query: a record that fails them is never fetched.
    `None` means no restriction on that dimension."""

    sources: frozenset[Source] | None = None
    kinds: frozenset[Kind] | None = None
    states: frozenset[str] | None = None
    hidden: tuple[LabelRule, ...] = ()


@dataclass(frozen=True)
class IdentifierTerm:
    type: IdType
    value: str  # normalised
    suffix: bool = False  # match identifiers ending with `value` (partial chassis)


@dataclass(frozen=True)
class CandidateQuery:
    """What retrieval asks for: records sharing any name key, or close in fuzzy name text, or
    carrying any identifier term, within the filters."""

    name_keys: frozenset[str] = frozenset()
    name_text: str | None = None
    identifiers: tuple[IdentifierTerm, ...] = ()
    filters: Filters = field(default_factory=Filters)
    limit: int = 300


@dataclass(frozen=True)
class Candidate:
    record: Record
    retrieval_score: float  # engine-specific, only for ordering ties; rescoring decides
    profile_id: str | None = None  # from index-time entity links


@dataclass(frozen=True)
class BulkResult:
    indexed: int = 0
    deleted: int = 0
    failed: tuple[tuple[str, str], ...] = ()  # (record_id, reason), never silently dropped


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


class Backend(Protocol):
    def upsert(self, records: Sequence[Record]) -> BulkResult: ...

    def delete(self, record_ids: Sequence[str]) -> BulkResult: ...

    def get(self, record_ids: Sequence[str]) -> list[Record]: ...

    def candidates(self, query: CandidateQuery) -> list[Candidate]: ...

    def count(self, filters: Filters | None = None) -> int: ...

    def ids(self, source: Source) -> Iterable[str]: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...
