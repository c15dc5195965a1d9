"""The retrieval contract every backend implements.

Small on purpose: a third engine should take a day. Backends are synchronous (SQLite and the
official engine clients are); async callers run them in a worker thread.

What a backend must do, whichever engine holds the data:

- **Write** (`upsert`, `delete`): idempotent, document id = `record_id`. A record older than the
  stored version of the same `record_id` is refused and counted in `BulkResult.skipped` (the sync
  engine de-duplicates versions already; the guard keeps a replayed old page from undoing a newer
  write). A write that fails is reported in `BulkResult.failed`, never counted as done.
- **Read** (`get`, `candidates`, `count`, `ids`, `records`, `stats`): `candidates` returns the
  union of three retrievals, each inside the `Filters` (a record that fails them is never
  fetched): records sharing any name key, records whose fuzzy name trigrams overlap the query's
  enough (`indexer.documents.min_shared_grams`), records carrying any identifier term. Every
  engine computes the same set; only `retrieval_score` (ordering of ties) is engine-specific.
- **Profiles** (`profile`, `links`): records linked at index time by strong identifiers
  (`indexer.links`), grouped under a stable `profile_id`.
- **Lifecycle** (`rebuild`, `flush`): a rebuild fills a new index version, swaps it in atomically
  and drops the old one while searches keep being served; `flush` makes writes searchable now
  rather than within the engine's refresh interval (call it at the end of a sync batch or run).
  Links and profile ids are settled when `upsert`/`delete` return, on every engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from matching.keys import KEYS_VERSION
from records import IdType, Kind, Record, Sensitivity, Source
from records.errors import IcjsError


class BackendError(IcjsError):
    """The engine could not do what was asked (unreachable, refused, misconfigured, a damaged
    or missing index file): the API answers 503 with `Retry-After`, the CLI one line."""

    status = 503
    retry_after_s = 5


class RebuildInProgress(BackendError):
    """Another rebuild of the same index holds the lock."""

    status = 409
    retry_after_s = 0


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
    carrying any identifier term, within the filters.

    Name keys match a record's own names and aliases; a record's relatives' names are indexed
    under keys prefixed `rel:` (see `indexer.documents.RELATIVE_PREFIX`), so a query retrieves by
    a relative's name only when it asks for `rel:` keys explicitly."""

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
class Link:
    """Two records the indexer linked, and why. `a < b` (record ids), so a link has one form."""

    a: str
    b: str
    reason: str  # one of `indexer.links.REASONS`
    key: str  # the shared value that decided it, e.g. "dl:MH1420110062821"


@dataclass(frozen=True)
class BulkResult:
    indexed: int = 0
    deleted: int = 0
    failed: tuple[tuple[str, str], ...] = ()  # (record_id, reason), never silently dropped
    skipped: int = 0  # older than the stored version of the same record: refused, not an error


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def stale_keys(keys_version: int) -> str | None:
    """What to tell an operator whose index holds name keys of another version than this icjs
    computes (`matching.keys.KEYS_VERSION`), or None when they are the same."""
    if keys_version == KEYS_VERSION:
        return None
    return (
        f"name keys written by version {keys_version}, this icjs computes version "
        f"{KEYS_VERSION}: searches miss records whose names the new keys spell differently "
        "until `icjs index rebuild`"
    )


@dataclass(frozen=True)
class IndexStats:
    """What `icjs index stats` prints."""

    version: int
    total: int
    by_source_kind: dict[str, dict[str, int]]  # source → kind → count
    profiles: int  # profiles holding two or more records
    links: int
    # `matching.keys.KEYS_VERSION` the name keys were written with (1: before it was recorded);
    # another than this icjs's means searches miss records until `icjs index rebuild`
    keys_version: int = 1


@dataclass(frozen=True)
class RebuildResult:
    old_version: int | None
    new_version: int
    records: int
    seconds: float


class Backend(Protocol):
    def upsert(self, records: Sequence[Record]) -> BulkResult: ...

    def delete(self, record_ids: Sequence[str]) -> BulkResult: ...

    def get(self, record_ids: Sequence[str]) -> list[Record]: ...

    def candidates(self, query: CandidateQuery) -> list[Candidate]: ...

    def count(self, filters: Filters | None = None) -> int: ...

    def ids(self, source: Source) -> Iterable[str]: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...

    # Profiles (index-time entity links).
    def profile(self, profile_id: str) -> list[Record]: ...

    def links(self, record_ids: Sequence[str]) -> list[Link]: ...

    # Lifecycle.
    def flush(self) -> None: ...

    def records(self) -> Iterator[Record]: ...

    def stats(self) -> IndexStats: ...

    def rebuild(self, records: Iterable[Record] | None = None) -> RebuildResult: ...
