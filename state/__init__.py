"""The stores beside the index, on SQLAlchemy: SQLite files by default, one PostgreSQL database
when several API workers or machines share them (`state.url`).

- `db`: `Database`, an engine and its transactions (how each engine serialises writers);
- `schema`: the tables, by area; `migrate`: their Alembic histories;
- `audit`: the hash-chained audit log; `revocations`: revoked tokens and used assertions;
  `clients`: the OAuth2 client registry's rows; `lockouts`: token-endpoint failures and
  lock-outs; `sync`: the sync state (checkpoints, versions, quarantine, redactions, runs);
  `noc`: issued NOC certificates and `noc_events`; `outbox`: the alerts outbox;
- `databases`: which database each area lives in, from `config.StateSettings`.

Imports point down: `state` uses `records` and `matching` (identifier normalisers) only.
"""

from .db import Database, StateError

__all__ = ["Database", "StateError"]
