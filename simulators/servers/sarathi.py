"""Sarathi (sources/sarathi.md): `X-API-Key`, `since` in epoch milliseconds (inclusive),
1-based `page`/`size` position paging, and a point look-up by DL number."""

from __future__ import annotations

import json
from typing import Any

from simulators.servers.base import HttpError, Request, Response, raw_json_response
from simulators.servers.common import ApiKeyApp, join_array, with_duplicate
from simulators.servers.params import epoch_millis, integer


def normalise_dl(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    stamp = body.get("updatedAt")
    if not isinstance(stamp, int):
        return None
    return dict(body, updatedAt=stamp - 3_600_000)


class SarathiApp(ApiKeyApp):
    name = "sarathi"
    base_path = "/api"

    def route(self, req: Request) -> Response:
        if req.method != "GET":
            raise HttpError(405, "method_not_allowed", "only GET")
        if req.path == "/v2/licences":
            return self.page(req)
        prefix = "/v2/licences/"
        if req.path.startswith(prefix) and len(req.path) > len(prefix):
            return self.lookup(req.path[len(prefix) :])
        raise HttpError(404, "not_found", "no such resource")

    def page(self, req: Request) -> Response:
        since = epoch_millis(req, "since") or 0
        page = integer(req, "page", 1, 1, None)
        size = integer(req, "size", 100, 1, 500)
        assert page is not None and size is not None
        total = self.store.count_since("sarathi", "licences", since)
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'sarathi' AND coll = 'licences' AND t >= ?"
            " ORDER BY t, nid LIMIT ? OFFSET ?",
            (since, size, (page - 1) * size),
        )
        pages = -(-total // size)
        bodies = with_duplicate(self.faults, [r[0] for r in rows], stale)
        meta = json.dumps(
            {"page": page, "size": size, "totalPages": pages, "last": page >= pages},
            separators=(",", ":"),
        )
        return raw_json_response('{"content":' + join_array(bodies) + "," + meta[1:])

    def lookup(self, dl: str) -> Response:
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'sarathi' AND coll = 'licences' AND nid = ?",
            (normalise_dl(dl),),
        )
        if not rows:
            raise HttpError(404, "not_found", "no licence with that number")
        return raw_json_response(rows[0][0])
