"""Row-level writes of the embedded backend, inside a transaction the caller holds.

Kept apart from `embedded.py` (connections, transactions, lifecycle) so that each file does one
thing: this one turns `IndexDocument`s into rows and serves `LinkEngine` its `LinkStore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence

from indexer.backends.base import IndexLink
from indexer.backends.sqlite_sql import placeholders
from indexer.documents import IndexDocument
from indexer.links import cluster_label
from records import Record, Sensitivity
from records.firs import fir_without_state

_CHUNK = 500


def _chunks(items: Sequence[str] | Sequence[int]) -> list[list[object]]:
    return [list(items[i : i + _CHUNK]) for i in range(0, len(items), _CHUNK)]


def keys_table(con: sqlite3.Connection, v: int) -> str:
    """Where version `v`'s name keys are written: `keys_vN`, or while a bulk load fills `v`,
    its staging table (`sqlite_sql.bulk_ddl`)."""
    row = con.execute("SELECT value FROM meta WHERE name = 'bulk'").fetchone()
    return f"keystage_v{v}" if row is not None and int(row[0]) == v else f"keys_v{v}"


def _clear_side_rows(con: sqlite3.Connection, v: int, rids: list[int]) -> None:
    keys = keys_table(con, v)
    for chunk in _chunks(rids):
        marks = placeholders(len(chunk))
        con.execute(f"DELETE FROM {keys} WHERE rid IN ({marks})", chunk)
        con.execute(f"DELETE FROM ids_v{v} WHERE rid IN ({marks})", chunk)
        con.execute(f"DELETE FROM lkeys_v{v} WHERE rid IN ({marks})", chunk)
        con.execute(f"DELETE FROM names_v{v} WHERE rowid IN ({marks})", chunk)


def _link_keys(
    con: sqlite3.Connection, v: int, column: str, values: Sequence[str] | Sequence[int]
) -> set[str]:
    """The link keys held by the stored records whose `column` (`rid` or `record_id`) is one
    of `values`."""
    out: set[str] = set()
    for chunk in _chunks(values):
        out.update(
            key
            for (key,) in con.execute(
                f"SELECT lk.key FROM lkeys_v{v} lk JOIN records_v{v} r ON r.rid = lk.rid "
                f"WHERE r.{column} IN ({placeholders(len(chunk))})",
                chunk,
            )
        )
    return out


def write_documents(
    con: sqlite3.Connection, v: int, docs: Sequence[IndexDocument]
) -> tuple[list[Record], int, list[str], set[str]]:
    """Upsert `docs` into version `v`; return the records actually written, how many were
    already stored unchanged (both count as indexed; the rest were older than the stored row),
    the ids that are new (`LinkEngine.relink(fresh=…)`), and the link keys the rewritten
    records held before (`LinkEngine.relink(left_keys=…)`).

    Newer version wins: a document older than the stored one is skipped. An equal version with
    the same canonical JSON is left alone (a re-sync of unchanged data costs a read, not a
    rewrite); an equal version with different JSON is rewritten (a connector fix replayed)."""
    existing: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks([d.record_id for d in docs]):
        for record_id, rid, version, text in con.execute(
            f"SELECT record_id, rid, version, json FROM records_v{v} "
            f"WHERE record_id IN ({placeholders(len(chunk))})",
            chunk,
        ):
            existing[record_id] = (rid, version, text)
    fresh: list[tuple[int, IndexDocument]] = []
    unchanged: list[IndexDocument] = []
    for doc in docs:
        old = existing.get(doc.record_id)
        if old is not None:
            rid, version, text = old
            if version > doc.version:
                continue
            if version == doc.version and text == doc.record_json:
                unchanged.append(doc)
                continue
            fresh.append((rid, doc))
        else:
            fresh.append((-1, doc))
    rewritten = [rid for rid, _ in fresh if rid >= 0]
    left = _link_keys(con, v, "rid", rewritten)  # before they go: relink re-decides their holders
    _clear_side_rows(con, v, rewritten)
    next_rid = con.execute(f"SELECT COALESCE(MAX(rid), 0) FROM records_v{v}").fetchone()[0]
    inserts: list[tuple[object, ...]] = []
    updates: list[tuple[object, ...]] = []
    keys: list[tuple[str, int]] = []
    ids: list[tuple[str, str, str, int, int]] = []
    names: list[tuple[int, str]] = []
    lkeys: list[tuple[str, int]] = []
    written: list[Record] = []
    new_ids: list[str] = []
    for rid, doc in fresh:
        row = (
            doc.source,
            doc.kind,
            doc.state,
            "," + ",".join(doc.labels) + ",",
            doc.version,
            doc.record_json,
        )
        if rid >= 0:
            updates.append((*row, rid))
        else:
            next_rid += 1  # we hold the write lock: nobody else allocates rids meanwhile
            rid = next_rid
            new_ids.append(doc.record_id)
            inserts.append((rid, *row, doc.record_id, cluster_label([doc.record_id])))
        keys.extend((k, rid) for k in doc.all_keys)
        ids.extend(
            (i.type.value, i.value, i.value[::-1], int(i.partial), rid) for i in doc.identifiers
        )
        if doc.name_words:
            names.append((rid, " ".join(doc.name_words)))
        lkeys.extend((k, rid) for k in doc.link_keys)
        written.append(doc.record)
    con.executemany(
        f"UPDATE records_v{v} SET source=?, kind=?, state=?, labels=?, version=?, json=? "
        "WHERE rid=?",
        updates,
    )
    con.executemany(
        f"INSERT INTO records_v{v} (rid, source, kind, state, labels, version, json, "
        "record_id, profile_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        inserts,
    )
    con.executemany(f"INSERT OR IGNORE INTO {keys_table(con, v)} VALUES (?, ?)", keys)
    con.executemany(f"INSERT INTO ids_v{v} VALUES (?, ?, ?, ?, ?)", ids)
    con.executemany(f"INSERT INTO names_v{v} (rowid, text) VALUES (?, ?)", names)
    con.executemany(f"INSERT OR IGNORE INTO lkeys_v{v} VALUES (?, ?)", lkeys)
    return written, len(unchanged), new_ids, left


def read_records(
    con: sqlite3.Connection, v: int, after_rid: int, limit: int
) -> list[tuple[int, Record]]:
    rows = con.execute(
        f"SELECT rid, json FROM records_v{v} WHERE rid > ? ORDER BY rid LIMIT ?",
        (after_rid, limit),
    ).fetchall()
    return [(rid, Record.model_validate_json(text)) for rid, text in rows]


class SqliteLinkStore:
    """`indexer.links.LinkStore` over version `v`'s tables, in the caller's transaction."""

    def __init__(self, con: sqlite3.Connection, v: int) -> None:
        self._con = con
        self._v = v

    def records_by_link_keys(self, keys: Collection[str]) -> dict[str, list[Record]]:
        v = self._v
        shared: list[str] = []
        for chunk in _chunks(sorted(keys)):
            shared.extend(
                key
                for (key,) in self._con.execute(
                    f"SELECT key FROM lkeys_v{v} WHERE key IN ({placeholders(len(chunk))}) "
                    "GROUP BY key HAVING COUNT(*) > 1",
                    chunk,
                )
            )
        out: dict[str, list[Record]] = {}
        for chunk in _chunks(shared):
            for key, text in self._con.execute(
                f"SELECT lk.key, r.json FROM lkeys_v{v} lk JOIN records_v{v} r ON r.rid = lk.rid "
                f"WHERE lk.key IN ({placeholders(len(chunk))})",
                chunk,
            ):
                out.setdefault(key, []).append(Record.model_validate_json(text))
        return out

    def edges_touching(self, record_ids: Collection[str]) -> list[IndexLink]:
        v = self._v
        found: set[tuple[str, str, str, str]] = set()
        for chunk in _chunks(sorted(record_ids)):
            marks = placeholders(len(chunk))
            found.update(
                self._con.execute(
                    f"SELECT a, b, reason, key FROM links_v{v} WHERE a IN ({marks}) "
                    f"UNION SELECT a, b, reason, key FROM links_v{v} WHERE b IN ({marks})",
                    chunk + chunk,
                )
            )
        return [IndexLink(a=a, b=b, reason=r, key=k) for a, b, r, k in sorted(found)]

    def replace_edges(self, record_ids: Collection[str], links: Sequence[IndexLink]) -> None:
        v = self._v
        for chunk in _chunks(sorted(record_ids)):
            marks = placeholders(len(chunk))
            self._con.execute(
                f"DELETE FROM links_v{v} WHERE a IN ({marks}) OR b IN ({marks})", chunk + chunk
            )
        self._con.executemany(
            f"INSERT OR IGNORE INTO links_v{v} VALUES (?, ?, ?, ?)",
            [(link.a, link.b, link.reason, link.key) for link in links],
        )

    def records(self, record_ids: Collection[str]) -> list[Record]:
        out: list[Record] = []
        for chunk in _chunks(sorted(record_ids)):
            out.extend(
                Record.model_validate_json(text)
                for (text,) in self._con.execute(
                    f"SELECT json FROM records_v{self._v} "
                    f"WHERE record_id IN ({placeholders(len(chunk))})",
                    chunk,
                )
            )
        return out

    def set_profiles(self, assignment: Mapping[str, str]) -> None:
        self._con.executemany(
            f"UPDATE records_v{self._v} SET profile_id = ? "
            "WHERE record_id = ? AND profile_id IS NOT ?",
            [(pid, record_id, pid) for record_id, pid in assignment.items()],
        )

    def link_keys_of(self, record_ids: Sequence[str]) -> set[str]:
        """The link keys the stored records of `record_ids` hold."""
        return _link_keys(self._con, self._v, "record_id", record_ids)

    def delete_records(self, record_ids: Sequence[str]) -> list[str]:
        """Delete rows and side rows; return the ids that existed."""
        v = self._v
        found: list[tuple[int, str]] = []
        for chunk in _chunks(list(record_ids)):
            found.extend(
                self._con.execute(
                    f"SELECT rid, record_id FROM records_v{v} "
                    f"WHERE record_id IN ({placeholders(len(chunk))})",
                    chunk,
                )
            )
        rids = [rid for rid, _ in found]
        _clear_side_rows(self._con, v, rids)
        for chunk in _chunks(rids):
            self._con.execute(
                f"DELETE FROM records_v{v} WHERE rid IN ({placeholders(len(chunk))})", chunk
            )
        return [record_id for _, record_id in found]


class SqliteLabelLookup:
    """`indexer.labels.LabelLookup` over version `v`'s tables, in the caller's transaction.

    A FIR is asked for without its state (`records.firs`); a stored FIR holds it when it is that
    value (an inmate's case that does not state the FIR's state) or ends with it after the
    state (`KL/0412/2024/123`): read on the reversed value's index, one range per FIR."""

    def __init__(self, con: sqlite3.Connection, v: int) -> None:
        self._con = con
        self._v = v

    def _holders(self, firs: Collection[str], labelled: bool) -> Iterator[tuple[str, str, str]]:
        """(FIR without state, record id, column) of each stored record holding one of `firs`;
        the column is the record's labels when `labelled` (only labelled records), else its
        JSON."""
        v = self._v
        column, only_labelled = ("r.json", "")
        if labelled:
            column, only_labelled = ("r.labels", "AND r.labels != ',,' ")
        query = (
            f"SELECT i.value, r.record_id, {column} FROM ids_v{v} i "
            f"JOIN records_v{v} r ON r.rid = i.rid "
            f"WHERE i.type = 'fir' AND i.rev >= ? AND i.rev < ? {only_labelled}"
        )
        for fir in sorted(firs):
            rev = fir[::-1]
            # every value whose reversal starts with `rev` (an index range); the form is checked
            # below, so a longer station code ending in this one (`10412/…`) is dropped
            for value, record_id, text in self._con.execute(query, (rev, rev + "\uffff")):
                if fir_without_state(value) == fir:
                    yield fir, record_id, text

    def fir_labels(self, firs: Collection[str]) -> dict[str, frozenset[Sensitivity]]:
        out: dict[str, set[Sensitivity]] = {}
        for fir, _, labels in self._holders(firs, labelled=True):
            out.setdefault(fir, set()).update(
                Sensitivity(x) for x in labels.strip(",").split(",") if x
            )
        return {fir: frozenset(labels) for fir, labels in out.items()}

    def holding(self, firs: Collection[str]) -> list[Record]:
        texts = {record_id: text for _, record_id, text in self._holders(firs, labelled=False)}
        return [Record.model_validate_json(text) for text in texts.values()]
