"""Pieces the source apps share: API-key auth, keyset queries over the store, page faults."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from simulators.faults import FaultState
from simulators.servers.base import AdminHooks, HttpError, Request, SourceApp
from simulators.world.store import Store

Row = tuple[int, str, str]  # (t, nid, body JSON text)


class ApiKeyApp(SourceApp):
    """A source guarded by `X-API-Key`."""

    def __init__(
        self, store: Store, faults: FaultState, admin: AdminHooks, api_key: str, secret: bytes
    ):
        super().__init__(faults, admin)
        self.store = store
        self.api_key = api_key
        self.secret = secret

    def authenticate(self, req: Request) -> None:
        given = req.header("x-api-key")
        if not given or not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise HttpError(401, "unauthorized", "missing or wrong X-API-Key")


def keyset(
    store: Store,
    source: str,
    coll: str,
    *,
    t_from: int,
    after: tuple[int, str] | None,
    limit: int,
    state: str | None = None,
    t_max: int | None = None,
) -> list[Row]:
    """Rows with t >= t_from, strictly after the (t, nid) key, in (t, nid) order."""
    sql = ["SELECT t, nid, body FROM rows WHERE source = ? AND coll = ? AND t >= ?"]
    args: list[Any] = [source, coll, t_from]
    if state is not None:
        sql.append("AND state = ?")
        args.append(state)
    if t_max is not None:
        sql.append("AND t <= ?")
        args.append(t_max)
    if after is not None:
        sql.append("AND (t > ? OR (t = ? AND nid > ?))")
        args.extend([after[0], after[0], after[1]])
    sql.append("ORDER BY t, nid LIMIT ?")
    args.append(limit)
    return [(int(t), str(n), str(b)) for t, n, b in store.query(" ".join(sql), args)]


def with_duplicate(
    faults: FaultState, bodies: list[str], stale: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> list[str]:
    """Fault: the page sends one id twice, the extra copy an older version of the record."""
    if not bodies or not faults.chance(faults.spec.rate_dup, "duplicate"):
        return bodies
    i = faults.randint(0, len(bodies) - 1)
    try:
        older = stale(json.loads(bodies[i]))
    except ValueError:
        return bodies
    if older is None:
        return bodies
    copy = json.dumps(older, separators=(",", ":"))  # ASCII escapes keep any bad text intact
    j = faults.randint(0, len(bodies))
    return [*bodies[:j], copy, *bodies[j:]]


def join_array(bodies: list[str]) -> str:
    return "[" + ",".join(bodies) + "]"
