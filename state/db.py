"""`Database`: one SQLAlchemy engine under the stores, a SQLite file or a PostgreSQL database.

The stores write the same SQL to both. What differs is how a write transaction is serialised:

- **SQLite** allows one writer per file. A write transaction starts with `BEGIN IMMEDIATE`, so it
  takes the file's write lock before it reads anything (a deferred transaction that reads and
  then writes can fail at once with "database is locked" instead of waiting), and writers of one
  process queue on a lock of their own first (SQLite's busy handler sleeps in steps of up to
  100 ms; a process-local lock hands over at once). WAL journal, `synchronous=NORMAL`: readers
  never wait for the writer, and a power cut may lose the last commits but never corrupts.
- **PostgreSQL** runs writers at once (READ COMMITTED); a store that must serialise (the audit
  chain's head) locks a row (`SELECT … FOR UPDATE`) inside its transaction.

Text columns compare bytewise on both (`C` collation on PostgreSQL), so ranges and ordering
over identifiers and ISO times mean the same whichever engine holds them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.sql.compiler import SQLCompiler

from records.errors import IcjsError
from sqlitewal import use_wal

# Writers of one process wait for each other this long, then for another process's writer
# (SQLite's busy timeout) as long again: far beyond any write the stores make.
SQLITE_BUSY_TIMEOUT_S = 30.0
_WRITE = "icjs_write"


class StateError(IcjsError):
    """The state database cannot be used (unreachable, refused, older or newer than this code):
    503, said so that an operator can act on it."""

    status = 503
    title = "State database unavailable"


class Database:
    """An engine and how to open transactions on it. Thread-safe; share one per process and
    database. `write()` and `read()` hand out a pooled connection inside one transaction."""

    def __init__(self, engine: Engine, *, display: str | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.display = display or engine.url.render_as_string(hide_password=True)
        # SQLite: one writer per file at a time; PostgreSQL: nothing to take here.
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._writer: Any = None  # SQLite: the connection `raw_write` keeps
        self.ready: set[str] = set()  # areas known to be at this code's schema
        self._closed = False

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        """A SQLite file (created with its folder when missing)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(_sqlite_engine(URL.create("sqlite", database=str(path))), display=str(path))

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        password: str | None = None,
        pool_size: int = 5,
        max_overflow: int = 10,
        connect_timeout_s: float = 10.0,
    ) -> Database:
        """A database named by URL: `postgresql://user@host:5432/name?sslmode=…` (the
        password from `password`, else libpq's own `PGPASSWORD`/`.pgpass`), or
        `sqlite:///path`."""
        parsed = _normalise(make_url(url))
        if parsed.get_backend_name() == "sqlite":
            if parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            return cls(_sqlite_engine(parsed))
        if password is not None:
            parsed = parsed.set(password=password)
        engine = sa.create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,  # a server restart or a failover leaves dead pooled connections
            pool_recycle=1800,
            connect_args={"connect_timeout": max(1, round(connect_timeout_s))},
        )
        return cls(engine)

    def _open(self) -> None:
        if self._closed:
            raise StateError(f"{self.display} is closed")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        self._open()
        with self._write_lock or nullcontext(), self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction: one snapshot on SQLite; on PostgreSQL READ COMMITTED (each
        statement sees what was committed when it began), or one snapshot for the whole
        transaction with `snapshot` (REPEATABLE READ), for reads that must agree with each
        other."""
        self._open()
        with self.engine.connect() as conn:
            if snapshot and self.is_postgresql:
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def raw_write(self) -> Iterator[Any]:
        """A write transaction on the driver's own cursor, for the hot paths (an audit append,
        a sync page's versions) that run `Prepared` statements: SQLAlchemy's per-execution work
        cost more than the statements themselves there. On SQLite, where writers take turns
        anyway, one connection kept for them saves the pool's checkout too. Committed when the
        block ends, rolled back if it raises; the driver's errors propagate as they are."""
        self._open()
        if self._write_lock is None:
            connection = self.engine.raw_connection()
            try:
                with _transaction(connection, begin=None) as cursor:
                    yield cursor
            finally:
                connection.close()  # back to the pool
            return
        with self._write_lock:
            if self._writer is None:
                self._writer = self.engine.raw_connection()
            connection = self._writer.dbapi_connection
            cursor = connection.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
                connection.execute("COMMIT")
            except BaseException:
                connection.rollback()
                raise
            finally:
                cursor.close()

    @contextmanager
    def raw_read(self) -> Iterator[Any]:
        """The driver's own cursor on a pooled connection, for a hot read of one `Prepared`
        statement (a token's revocation, on every request): it sees every transaction committed
        before it starts, by any process. SQLite runs the statement in autocommit; PostgreSQL's
        transaction is rolled back when the connection goes back to the pool."""
        self._open()
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, reset (rolled back) on the way

    def insert(self, table: sa.Table) -> Any:
        """`INSERT` in this database's dialect, with `on_conflict_do_nothing` and
        `on_conflict_do_update` (both engines spell them alike: `ON CONFLICT … DO …`)."""
        if self.is_postgresql:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def prepare(self, statement: sa.ClauseElement) -> Prepared:
        return Prepared(statement, self.engine.dialect)

    def connect(self) -> Connection:
        """A connection of one's own, for a store that keeps one (its temporary tables live on
        it). Begin each transaction with `begin_write(conn)` or `conn.begin()`."""
        self._open()
        return self.engine.connect()

    @contextmanager
    def begin_write(self, conn: Connection) -> Iterator[Connection]:
        """A write transaction on a connection held by the caller."""
        with self._write_lock or nullcontext():
            conn.execution_options(**{_WRITE: True})
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execution_options(**{_WRITE: False})

    def close(self) -> None:
        """Disconnect; the database refuses further use (a store closed is not reopened by
        its next call)."""
        self._closed = True
        if self._write_lock is not None:
            with self._write_lock:
                writer, self._writer = self._writer, None
                if writer is not None:
                    writer.close()
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.display})"


@contextmanager
def _transaction(connection: Any, *, begin: str | None) -> Iterator[Any]:
    cursor = connection.cursor()
    try:
        if begin:
            cursor.execute(begin)
        yield cursor
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        cursor.close()


class Prepared:
    """A Core statement compiled once for one dialect, with its parameters in the driver's
    style: `run(cursor, values)` executes it with `values` by bind name."""

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        positions = compiled.positiontup if compiled.positional else None
        self._order = list(positions) if positions else None
        # values written into the statement (`id == 1`) are binds too, with their value
        self._defaults = {
            name: bind.effective_value
            for name, bind in ((compiled.bind_names[b], b) for b in compiled.bind_names)
            if not bind.required and bind.effective_value is not None
        }

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        merged = {**self._defaults, **values} if self._defaults else values
        if self._order is not None:
            return tuple(map(merged.__getitem__, self._order))
        return merged

    def run(self, cursor: Any, values: Mapping[str, Any] | None = None) -> Any:
        cursor.execute(self.sql, self.params(values or {}))
        return cursor

    def run_many(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            cursor.executemany(self.sql, [self.params(row) for row in rows])


def _normalise(url: URL) -> URL:
    """`postgres://` and `postgresql://` use psycopg 3 (the driver pinned); SQLAlchemy would
    otherwise reach for psycopg2."""
    if url.drivername in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise StateError(
            f"state.url: {url.get_backend_name()!r} is not supported; use postgresql://… "
            "or sqlite:///…"
        )
    return url


def _sqlite_engine(url: URL) -> Engine:
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        # a worker thread per request writes the audit log: more than the default five at once
        pool_size=8,
        max_overflow=32,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by us (below), not by the driver's guesswork.
        dbapi_connection.isolation_level = None
        use_wal(dbapi_connection)  # within the busy timeout `connect_args` gave
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
