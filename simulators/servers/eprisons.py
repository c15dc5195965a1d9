"""e-Prisons (sources/eprisons.md): OAuth2, offset/limit paging over a live table (`from`
inclusive), and an ids endpoint for reconciliation. The feed has no deletes: inmates removed
from the system simply vanish from `/inmates/ids`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simulators.servers.base import HttpError, Request, Response, json_response, raw_json_response
from simulators.servers.common import join_array, with_duplicate
from simulators.servers.oauth import OAuthApp
from simulators.servers.params import integer, iso_ms


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    stamp = body.get("updatedAt")
    if not isinstance(stamp, str):
        return None
    try:
        earlier = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(hours=1)
    except ValueError:
        return None
    return dict(body, updatedAt=earlier.strftime("%Y-%m-%dT%H:%M:%SZ"))


class EprisonsApp(OAuthApp):
    name = "eprisons"
    base_path = "/api"
    # Fault hook: insert this many late rows (update times within the last five minutes) while a
    # client is paging, which shifts the offsets of everything after them.
    on_shift: Callable[[int], Any] | None = None

    def data_route(self, req: Request) -> Response:
        if req.method != "GET":
            raise HttpError(405, "method_not_allowed", "only GET")
        if req.path == "/inmates":
            return self.inmates(req)
        if req.path == "/inmates/ids":
            return self.ids(req)
        raise HttpError(404, "not_found", "no such resource")

    def inmates(self, req: Request) -> Response:
        since = iso_ms(req, "from") or 0
        offset = integer(req, "offset", 0, 0, None)
        limit = integer(req, "limit", 100, 1, 500)
        assert offset is not None and limit is not None
        if (
            offset > 0
            and self.on_shift
            and self.faults.chance(self.faults.spec.rate_offset_shift, "offset_shift")
        ):
            self.on_shift(self.faults.randint(1, 3))
        total = self.store.count_since("eprisons", "inmates", since)
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'eprisons' AND coll = 'inmates' AND t >= ?"
            " ORDER BY t, nid LIMIT ? OFFSET ?",
            (since, limit, offset),
        )
        bodies = with_duplicate(self.faults, [r[0] for r in rows], stale)
        return raw_json_response(f'{{"total":{total},"items":{join_array(bodies)}}}')

    def ids(self, req: Request) -> Response:
        offset = integer(req, "offset", 0, 0, None)
        limit = integer(req, "limit", 1000, 1, 10000)
        total = self.store.query(
            "SELECT count(*) FROM rows WHERE source = 'eprisons' AND coll = 'inmates'"
        )[0][0]
        rows = self.store.query(
            "SELECT nid FROM rows WHERE source = 'eprisons' AND coll = 'inmates'"
            " ORDER BY nid LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return json_response({"total": total, "ids": [r[0] for r in rows]})
