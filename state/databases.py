"""Which database holds each area of the state, from the configuration.

Without `state.url` each area is a SQLite file at the path the configuration has always named
(`auth.db_path` holds auth, `auth.audit_path` the audit log, `sync.state_path` the sync state,
`data_dir/noc.db` the NOCs, `data_dir/alerts.db` the outbox, `data_dir/decisions.db` the
supervisors' decisions on profiles, `data_dir/access.db` the hit-flag access requests and
grants): an existing deployment's files are
opened, and migrated, where they are. With `state.url` every area lives in that one database.
Nothing connects before a store is opened on an area (a node that never syncs creates no sync
file), except that a shared database is brought up to date for every area at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from config.settings import Settings, StateSettings

from .db import Database, StateError
from .migrate import ensure
from .schema import AREAS


@dataclass
class StateDatabases:
    auth: Database
    audit: Database
    sync: Database
    noc: Database
    alerts: Database
    decisions: Database
    access: Database
    shared: bool  # one database for every area (PostgreSQL, or a sqlite:/// URL)
    migrate: bool = True
    _owned: list[Database] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> StateDatabases:
        config = settings.state
        auto = config.migrate == "auto"
        if config.url is None:
            files = {
                "auth": settings.auth.db_path,
                "audit": settings.auth.audit_path,
                "sync": settings.sync.state_path,
                "noc": settings.data_dir / "noc.db",
                "alerts": settings.data_dir / "alerts.db",
                "decisions": settings.data_dir / "decisions.db",
                "access": settings.data_dir / "access.db",
            }
            opened: dict[Path, Database] = {}
            for path in files.values():  # two areas configured into one file share an engine
                if path.resolve() not in opened:
                    opened[path.resolve()] = Database.sqlite(path)
            by_area = {area: opened[path.resolve()] for area, path in files.items()}
            return cls(**by_area, shared=False, migrate=auto, _owned=list(opened.values()))
        db = open_url(config)
        try:
            for area in AREAS:
                ensure(db, area, auto=auto)
        except BaseException:
            db.close()
            raise
        return cls(db, db, db, db, db, db, db, shared=True, migrate=auto, _owned=[db])

    def close(self) -> None:
        for db in self._owned:
            db.close()
        self._owned.clear()


def open_url(config: StateSettings) -> Database:
    """The database `state.url` names, with its password from the environment or a file."""
    assert config.url is not None
    password: str | None = None
    if config.password is not None:
        password = config.password.get_secret_value()
    elif config.password_file is not None:
        try:
            password = config.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise StateError(
                f"state.password_file {config.password_file}: {exc.strerror}"
            ) from None
    return Database.from_url(
        config.url.get_secret_value(),
        password=password,
        pool_size=config.pool_size,
        max_overflow=config.max_overflow,
        connect_timeout_s=config.connect_timeout_s,
    )
