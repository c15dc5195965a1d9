"""KhoyaPaya / TrackChild (sources/khoyapaya.md): `X-API-Key`, `updated_after` exclusive, and
`next` as an absolute URL whose cursor carries the filter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from simulators.servers.base import HttpError, Request, Response, raw_json_response
from simulators.servers.common import ApiKeyApp, join_array, keyset, with_duplicate
from simulators.servers.params import TokenCodec, bad, integer, iso_ms


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    stamp = body.get("updated_at")
    if not isinstance(stamp, str):
        return None
    try:
        earlier = datetime.fromisoformat(stamp) - timedelta(hours=1)
    except ValueError:
        return None
    return dict(body, updated_at=earlier.isoformat())


class KhoyaPayaApp(ApiKeyApp):
    name = "khoyapaya"
    base_path = "/api"

    def route(self, req: Request) -> Response:
        if req.method != "GET" or req.path != "/reports":
            raise HttpError(404, "not_found", "no such resource")
        since = iso_ms(req, "updated_after")
        limit = integer(req, "limit", 100, 1, 500)
        assert limit is not None
        codec = TokenCodec(self.secret)
        after: tuple[int, str] | None = None
        raw = req.query.get("cursor")
        if raw is not None:
            cur = codec.decode(raw, "cursor")
            if since is not None and since != cur.get("u"):
                raise bad("updated_after", "differs from the one the cursor carries")
            since = cur.get("u")
            after = (int(cur["t"]), str(cur["n"]))
        # Exclusive: updated_at > updated_after.
        t_from = 0 if since is None else since + 1
        rows = keyset(
            self.store, "khoyapaya", "reports", t_from=t_from, after=after, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = "null"
        if more:
            cursor = codec.encode({"u": since, "t": rows[-1][0], "n": rows[-1][1]})
            query = urlencode({"cursor": cursor, "limit": limit})
            next_url = f'"{req.host}{self.base_path}/reports?{query}"'
        bodies = with_duplicate(self.faults, [b for _, _, b in rows], stale)
        return raw_json_response('{"results":' + join_array(bodies) + ',"next":' + next_url + "}")
