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
  Records sharing more name keys, and more `boost_keys`, come first; each candidate says how
  many records of the index hold the rarest name key it shares (`key_frequency`), the same on
  every engine.
- **Profiles** (`profile`, `links`): records linked at index time by strong identifiers
  (`indexer.links`), grouped under a stable `profile_id`.
- **Lifecycle** (`rebuild`, `stats`, `health`): a rebuild fills a new index version, swaps it in
  atomically and drops the old one while searches keep being served (one routine for every
  engine, `indexer.backends.rebuild`, over `IndexVersions`); `flush` makes writes searchable now
  rather than within the engine's refresh interval (call it at the end of a sync batch or run).
  Links and profile ids are settled when `upsert`/`delete` return, on every engine.

Each of these is a small protocol (`RecordSearch`, `RecordWrites`, `ProfileLinks`,
`IndexLifecycle`); `Backend` is all four, and a caller that needs one role asks for that one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from matching.keys import KEYS_VERSION
from records import IdType, Kind, Record, Sensitivity, Source
from records.errors import IcjsError
from records.firs import FIR_KEYS_VERSION


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
    under keys prefixed `rel:` (see `matching.keys.RELATIVE_PREFIX`), so a query retrieves by
    a relative's name only when it asks for `rel:` keys explicitly.

    `boost_keys` never retrieve a record: each one a record holds adds `boost_weight` to the
    score of a record that a name key retrieved. They carry what the query gives beside the
    name (the relative's keys, birth-year keys: `matching.api.corroboration_keys`), so that
    among thousands of records of a common name the ones that agree come first and the
    candidate cap cuts the others."""

    name_keys: frozenset[str] = frozenset()
    name_text: str | None = None
    identifiers: tuple[IdentifierTerm, ...] = ()
    filters: Filters = field(default_factory=Filters)
    limit: int = 300
    boost_keys: frozenset[str] = frozenset()
    boost_weight: float = 0.5
    # keys one slip away from the name's (`matching.keys.near_keys`): the best `near_limit`
    # records holding any of them and no name key are candidates too, each scoring
    # `near_weight` (and its boosts) where a name key scores one
    near_keys: frozenset[str] = frozenset()
    near_weight: float = 0.5
    near_limit: int = 30


@dataclass(frozen=True)
class Candidate:
    record: Record
    retrieval_score: float  # engine-specific, only for ordering ties; rescoring decides
    profile_id: str | None = None  # from index-time entity links
    # how many records of the whole index hold the rarest name key this record shares with the
    # query (None: it shares none, found by fuzzy text or an identifier): how common the name
    # is as matched (`matching.api.score`'s `frequency`)
    key_frequency: int | None = None
    # every index link touching this record, when retrieval read them with it (a cluster
    # document carries its links: no second look-up); None when it did not, and
    # `ProfileLinks.links` is asked
    links: tuple[IndexLink, ...] | None = None


@dataclass(frozen=True)
class IndexLink:
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


def stale_keys(keys_version: int, fir_keys_version: int = FIR_KEYS_VERSION) -> str | None:
    """What to tell an operator whose index holds name keys (`matching.keys.KEYS_VERSION`) or
    FIR keys (`records.firs.FIR_KEYS_VERSION`) of another version than this icjs computes, or
    None when they are the same."""
    said: list[str] = []
    if keys_version != KEYS_VERSION:
        said.append(
            f"name keys written by version {keys_version}, this icjs computes version "
            f"{KEYS_VERSION}: searches miss records whose names the new keys spell differently "
            "until `icjs index rebuild`"
        )
    if fir_keys_version != FIR_KEYS_VERSION:
        said.append(
            f"FIR keys written by version {fir_keys_version}, this icjs computes version "
            f"{FIR_KEYS_VERSION}: e-Prisons inmates keep FIRs given the prison's state, so an "
            "inmate held outside the FIR's state neither links to its accused nor takes its "
            "case's labels, until `icjs sync --full --source eprisons`, then `icjs index "
            "rebuild` and `icjs network rebuild`"
        )
    return "; ".join(said) or None


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
    # `records.firs.FIR_KEYS_VERSION` the FIR keys were written with (1: before it was recorded)
    fir_keys_version: int = 1


@dataclass(frozen=True)
class RebuildResult:
    old_version: int | None
    new_version: int
    records: int
    seconds: float


class RecordSearch(Protocol):
    """Reading and searching: what federation, alerts and the API's reads need."""

    def get(self, record_ids: Sequence[str]) -> list[Record]: ...

    def candidates(self, query: CandidateQuery) -> list[Candidate]: ...

    def count(self, filters: Filters | None = None) -> int: ...

    def ids(self, source: Source) -> Iterable[str]: ...

    def records(self) -> Iterator[Record]: ...


class RecordWrites(Protocol):
    """Writing: what the sync engine needs."""

    def upsert(self, records: Sequence[Record]) -> BulkResult: ...

    def delete(self, record_ids: Sequence[str]) -> BulkResult: ...

    def flush(self) -> None: ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """Upserts inside the block are a full load: the engine may defer index builds to its
        end, and readers see either none of them or all (with every record it did not rewrite)."""
        ...


class ProfileLinks(Protocol):
    """Profiles: records linked at index time by strong identifiers (`indexer.links`)."""

    def profiles(self, profile_ids: Collection[str]) -> dict[str, list[Record]]:
        """The records of each of these index profiles (in record id order; a profile that
        holds nothing is absent): one look-up for all the profiles a search shows."""
        ...

    def links(self, record_ids: Sequence[str]) -> list[IndexLink]: ...


class IndexLifecycle(Protocol):
    """The index as a whole: what `icjs index`, `/readyz` and the benchmarks need."""

    def stats(self) -> IndexStats: ...

    def health(self) -> Health: ...

    def rebuild(self, records: Iterable[Record] | None = None) -> RebuildResult: ...

    def disk_bytes(self) -> int: ...

    def close(self) -> None: ...


class Backend(RecordSearch, RecordWrites, ProfileLinks, IndexLifecycle, Protocol):
    """Every role at once: one engine's index, as `indexer.open_backend` returns it."""


class IndexVersions(Protocol):
    """What the one rebuild routine (`indexer.backends.rebuild`) needs of an engine: numbered
    index versions, one current (read) and at most one being built (written beside it)."""

    @property
    def name(self) -> str:
        """The index, as an operator knows it (messages)."""
        ...

    def rebuild_lock(self) -> AbstractContextManager[None]:
        """Held for the whole rebuild; raises `RebuildInProgress` when another holds it."""
        ...

    def start_build(self) -> tuple[int, int]:
        """Drop what a rebuild that died left, create the next version and have every write
        from now on go to it too: (current version, new version)."""
        ...

    def fill(self, new: int, old: int, records: Iterable[Record] | None) -> int:
        """Write `records` (None: the current version's own) into version `new`; how many."""
        ...

    def switch(self, old: int, new: int) -> None:
        """Readers move to `new` at once (atomically); writes stop going to `old`'s side."""
        ...

    def drop(self, version: int) -> None: ...

    def abandon(self, new: int) -> None:
        """A build that failed: writes stop going to `new`, and it is dropped."""
        ...
