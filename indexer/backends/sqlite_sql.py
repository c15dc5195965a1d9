"""SQL for the embedded backend, as plain strings built by small pure functions.

Every index version `N` is its own set of tables (`records_vN`, `keys_vN`, …) in the one SQLite
file; the `meta` table names the version searches read (`current`) and, during a rebuild, the one
being built (`building`). Swapping is one `UPDATE meta` in one transaction, so a reader sees the
old version or the new one, never a mix (each read runs in one transaction, a WAL snapshot).
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.backends.base import Filters, IdentifierTerm
from indexer.documents import FRAGMENT_TYPES, identifier_suffixes

META_DDL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID
"""


def version_ddl(v: int, *, bulk: bool = False) -> list[str]:
    """Tables of index version `v` (`bulk`: built by a bulk load, see `bulk_ddl`).

    - `records_v`: one row per record; filter columns beside the canonical JSON. `labels` is the
      sensitivity labels as `,a,b,` so that a label test is one LIKE on the row already read.
    - `keys_v`: name key → record (name, alias and `rel:` relative keys alike).
    - `names_v`: FTS5 trigram index over the record's name words (fuzzy retrieval), and its
      `fts5vocab` view (`names_vN_vocab`) of how many records hold each trigram.
    - `ids_v`: identifiers, with the value reversed in `rev` so that "ends with" (a chassis
      fragment) is a prefix range on an index instead of a scan.
    - `lkeys_v`, `links_v`: entity-link keys and the links decided from them.
    - `gone_v`: ids deleted while this version was being built, so that a rebuild fed from a
      stream read earlier does not bring them back.
    """
    return [
        f"""CREATE TABLE records_v{v} (
            rid INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            state TEXT,
            labels TEXT NOT NULL,
            version INTEGER NOT NULL,
            profile_id TEXT,
            json TEXT NOT NULL)""",
        f"CREATE INDEX records_v{v}_source ON records_v{v} (source, record_id)",
        f"CREATE VIRTUAL TABLE names_v{v} USING fts5(text, tokenize='trigram')",
        vocab_ddl(v),
        f"""CREATE TABLE ids_v{v} (type TEXT NOT NULL, value TEXT NOT NULL, rev TEXT NOT NULL,
            partial INTEGER NOT NULL, rid INTEGER NOT NULL)""",
        f"CREATE INDEX ids_v{v}_rid ON ids_v{v} (rid)",
        f"""CREATE TABLE lkeys_v{v} (key TEXT NOT NULL, rid INTEGER NOT NULL,
            PRIMARY KEY (key, rid)) WITHOUT ROWID""",
        f"CREATE INDEX lkeys_v{v}_rid ON lkeys_v{v} (rid)",
        f"""CREATE TABLE links_v{v} (a TEXT NOT NULL, b TEXT NOT NULL, reason TEXT NOT NULL,
            key TEXT NOT NULL, PRIMARY KEY (a, b, reason)) WITHOUT ROWID""",
        f"CREATE INDEX links_v{v}_b ON links_v{v} (b)",
        f"CREATE TABLE gone_v{v} (record_id TEXT PRIMARY KEY) WITHOUT ROWID",
        *(bulk_ddl(v) if bulk else _deferred_ddl(v)),
    ]


def _deferred_ddl(v: int) -> list[str]:
    """What a bulk load builds once, at its end, instead of row by row: the name keys (about 16
    rows per record, clustered by key, so a batch's inserts land on pages all over the B-tree
    and every commit rewrites them), the profile-id index, which only readers use (hashes,
    so as scattered, and rewritten as links regroup records), and the identifier indexes by
    value and by reversed value (clustered by identifier, as scattered; during the load a
    partial index holds the reversed FIRs, the only identifiers the write path reads: a FIR's
    labels, `bulk_ddl`). Every other index the write path reads (record ids, link keys, links)
    stays, so that labels and links are decided exactly as in an incremental write."""
    return [_keys_table(v), *_deferred_indexes(v)]


def _keys_table(v: int) -> str:
    return f"""CREATE TABLE keys_v{v} (key TEXT NOT NULL, rid INTEGER NOT NULL,
            PRIMARY KEY (key, rid)) WITHOUT ROWID"""


def _deferred_indexes(v: int) -> list[str]:
    return [
        f"CREATE INDEX keys_v{v}_rid ON keys_v{v} (rid)",
        f"CREATE INDEX records_v{v}_profile ON records_v{v} (profile_id)",
        f"CREATE INDEX IF NOT EXISTS ids_v{v}_value ON ids_v{v} (type, value)",
        f"CREATE INDEX IF NOT EXISTS ids_v{v}_rev ON ids_v{v} (type, rev)",
    ]


def bulk_ddl(v: int) -> list[str]:
    """A bulk load's key rows are appended to `keystage_vN`, a plain table in arrival order (its
    index on rid is in arrival order too, since new records take the next rid): each page is
    written once, whatever the size of the index. FIR identifiers are indexed by reversed value
    as they are written (`ids_vN_firrev`: the labels of a FIR are looked up by it, and FIRs are
    a part of the identifiers); the full identifier indexes are built at the end."""
    return [
        f"CREATE TABLE keystage_v{v} (key TEXT NOT NULL, rid INTEGER NOT NULL)",
        f"CREATE INDEX keystage_v{v}_rid ON keystage_v{v} (rid)",
        f"CREATE INDEX ids_v{v}_firrev ON ids_v{v} (type, rev) WHERE type = 'fir'",
    ]


def finish_bulk_ddl(v: int) -> list[str]:
    """Turn a bulk-loaded version into an ordinary one: the name keys copied into their B-tree
    in key order (appended page after page; the rid index then built by one sort), the
    profile-id and identifier indexes built by one sort each (the partial FIR index they
    replace dropped), the full-text index merged into one segment (its incremental merges
    leave several, and a search reads every one)."""
    return [
        _keys_table(v),
        f"INSERT OR IGNORE INTO keys_v{v} (key, rid) "
        f"SELECT key, rid FROM keystage_v{v} ORDER BY key, rid",
        f"DROP TABLE keystage_v{v}",
        *_deferred_indexes(v),
        f"DROP INDEX IF EXISTS ids_v{v}_firrev",  # a load begun by an older icjs has none
        f"INSERT INTO names_v{v} (names_v{v}) VALUES ('optimize')",
    ]


def vocab_ddl(v: int) -> str:
    """How many records hold each trigram: fuzzy retrieval asks the rarest ones first."""
    return f"CREATE VIRTUAL TABLE IF NOT EXISTS names_v{v}_vocab USING fts5vocab(names_v{v}, 'row')"


def version_tables(v: int) -> list[str]:
    tables = ("records", "keys", "keystage", "names", "ids", "lkeys", "links", "gone")
    return [f"names_v{v}_vocab"] + [f"{t}_v{v}" for t in tables]


def placeholders(n: int) -> str:
    return ",".join("?" * n)


def filter_sql(filters: Filters | None, alias: str = "r") -> tuple[str, list[object]]:
    """A WHERE fragment (always valid, `1` when unrestricted) and its parameters."""
    if filters is None:
        return "1", []
    clauses: list[str] = []
    params: list[object] = []
    for column, allowed in (
        ("source", filters.sources),
        ("kind", filters.kinds),
        ("state", filters.states),
    ):
        if allowed is None:
            continue
        if not allowed:
            return "0", []
        values = sorted(str(v) for v in allowed)
        clauses.append(f"{alias}.{column} IN ({placeholders(len(values))})")
        params.extend(values)
    for rule in filters.hidden:
        label_test = f"{alias}.labels LIKE ?"
        params.append(f"%,{rule.label.value},%")
        if rule.except_states:
            states = sorted(rule.except_states)
            clauses.append(
                f"NOT ({label_test} AND ({alias}.state IS NULL OR {alias}.state NOT IN "
                f"({placeholders(len(states))})))"
            )
            params.extend(states)
        else:
            clauses.append(f"NOT ({label_test})")
    return (" AND ".join(clauses) or "1"), params


def rarest(grams: frozenset[str], need: int, doc_counts: dict[str, int]) -> list[str]:
    """The grams worth asking FTS5 for. A record holding `need` of the query's `n` trigrams holds
    at least one of any `n - need + 1` of them (pigeonhole), so asking for the rarest
    `n - need + 1` loses no candidate, and skips the posting lists of trigrams that half the
    country's names contain ("kum", "ash", "ara")."""
    ordered = sorted(grams, key=lambda g: (doc_counts.get(g, 0), g))
    return ordered[: len(grams) - need + 1]


def fts_query(grams: list[str]) -> str:
    """An FTS5 query matching any of `grams` (trigrams are letters/digits only: no quoting
    hazards, but quote anyway so that FTS5 keywords such as `AND` stay terms)."""
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)


def identifier_sql(terms: Sequence[IdentifierTerm]) -> tuple[str, list[object]]:
    """OR of the identifier terms, on `ids_vN i` (same semantics as `queries.identifier_clauses`).

    Exact terms match the stored value; suffix terms match stored values ending so (a prefix
    range on the reversed value); and for chassis/engine numbers a stored fragment matches any
    query value ending with it."""
    clauses: list[str] = []
    params: list[object] = []
    for term in terms:
        if not term.value:
            continue  # an empty fragment would match every identifier of its type
        if term.suffix:
            rev = term.value[::-1]
            upper = rev[:-1] + chr(ord(rev[-1]) + 1) if rev else "\U0010ffff"
            clauses.append("(i.type = ? AND i.rev >= ? AND i.rev < ?)")
            params.extend([term.type.value, rev, upper])
        else:
            clauses.append("(i.type = ? AND i.value = ?)")
            params.extend([term.type.value, term.value])
        if term.type in FRAGMENT_TYPES:
            fragments = identifier_suffixes(term.value)
            if fragments:
                clauses.append(
                    f"(i.type = ? AND i.partial = 1 AND i.value IN "
                    f"({placeholders(len(fragments))}))"
                )
                params.extend([term.type.value, *fragments])
    return " OR ".join(clauses) or "0", params
