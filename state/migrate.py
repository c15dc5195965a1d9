"""Schema migrations (Alembic), one history per area (`state/migrations/<area>/`), each with its
own version table (`alembic_version_<area>`), so that an area can live in a SQLite file of its
own or share a PostgreSQL database with the others.

`ensure(db, area)` brings an area to this code's head when a store opens it (or, with
`auto=False`, refuses with what to run). Concurrent starters (four API workers at once) are
serialised: on SQLite the migration runs inside `BEGIN IMMEDIATE`, on PostgreSQL under a
transaction-level advisory lock, and each re-reads the version after getting in. The fast path, an
area already at head, is one small query.

Each area's first revision creates its tables, or completes the tables of a state file written
before migrations existed (the columns later releases added), so every existing SQLite file
opens as it always did.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import Database, StateError
from .schema import AREAS, METADATA

if TYPE_CHECKING:
    from alembic.config import Config

# Each area's newest revision. Written here so that opening a store at head needs no Alembic
# (nine megabytes and the migration scripts, for one query); a test holds it to the scripts.
HEADS = {
    "auth": "auth_0004",
    "audit": "audit_0001",
    "sync": "sync_0002",
    "noc": "noc_0001",
    "alerts": "alerts_0004",
    "decisions": "decisions_0001",
    "access": "access_0001",
}

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key for migrations: any constant of our own ("icjs" in ASCII)
_MIGRATION_LOCK = 0x69636A73


def version_table(area: str) -> str:
    return f"alembic_version_{area}"


def _config(area: str, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    if area not in AREAS:
        raise ValueError(f"unknown state area {area!r}; known: {', '.join(AREAS)}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(MIGRATIONS / area))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["area"] = area
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head(area: str) -> str:
    """The newest revision of an area, as this code knows it."""
    return HEADS[area]


def script_heads(area: str) -> list[str]:
    """The heads of an area's migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(_config(area)).get_heads())


def current(conn: Connection, area: str) -> str | None:
    """The revision a database holds for an area; None before any."""
    table = version_table(area)
    if not sa.inspect(conn).has_table(table):
        return None
    rows = conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalars().all()
    if len(rows) > 1:
        raise StateError(f"{table} holds {len(rows)} revisions; expected one")
    return rows[0] if rows else None


def ensure(db: Database, area: str, *, auto: bool = True) -> None:
    """Bring `area` of `db` to head (`auto`), or raise `StateError` saying how when it is not."""
    if area in db.ready:
        return
    want = head(area)
    with db.read() as conn:
        have = current(conn, area)
    if have == want:
        db.ready.add(area)
        return
    if not auto:
        raise StateError(
            f"the {area} tables of {db.display} are at revision {have or 'none'}, this icjs needs "
            f"{want}: run `icjs state upgrade`"
        )
    upgrade(db, area)
    db.ready.add(area)


def upgrade(db: Database, area: str, revision: str = "head") -> None:
    """Run an area's migrations up to `revision`, serialised against other processes."""
    try:
        with db.write() as conn:
            if db.is_postgresql:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            if revision == "head" and current(conn, area) == head(area):
                return  # another process got here first
            from alembic import command

            command.upgrade(_config(area, conn), revision)
    except sa.exc.SQLAlchemyError as exc:
        raise StateError(f"cannot migrate the {area} tables of {db.display}: {exc}") from exc


def stamp_revisions(db: Database) -> dict[str, str | None]:
    """Each area's revision in `db` (for `icjs state status`)."""
    with db.read() as conn:
        return {area: current(conn, area) for area in AREAS}


def run_in_context() -> None:
    """Called by `migrations/env.py` inside `command.upgrade`: the connection and the area come
    from `ensure`/`upgrade`, never from a URL in a file."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("state migrations run through state.migrate, with a connection")
    area = config.attributes["area"]
    context.configure(
        connection=connection,
        target_metadata=METADATA[area],
        version_table=version_table(area),
        render_as_batch=True,  # SQLite cannot alter most of a table in place
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# -- helpers for the migrations themselves --------------------------------------------------------


def ensure_table(name: str, *elements: Any) -> None:
    """Create a table, or, when a state file made before migrations has it, add the columns it
    lacks (nullable or with a default, as every later column was). Indexes: `ensure_index`."""
    from alembic import op

    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table(name):
        op.create_table(name, *elements)
        return
    have = {c["name"] for c in inspector.get_columns(name)}
    for element in elements:
        if isinstance(element, sa.Column) and element.name not in have:
            op.add_column(name, element._copy())


def ensure_index(name: str, table: str, columns: list[str], *, unique: bool = False) -> None:
    from alembic import op

    op.create_index(name, table, columns, unique=unique, if_not_exists=True)
