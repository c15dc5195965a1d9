"""NCRP (sources/ncrp.md): OAuth2 like e-Prisons, `updated_from` inclusive, `page`/`per_page`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from simulators.servers.base import HttpError, Request, Response, raw_json_response
from simulators.servers.common import join_array, with_duplicate
from simulators.servers.oauth import OAuthApp
from simulators.servers.params import integer, iso_ms


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    stamp = body.get("updated_at")
    if not isinstance(stamp, str):
        return None
    try:
        earlier = datetime.fromisoformat(stamp) - timedelta(hours=1)
    except ValueError:
        return None
    return dict(body, updated_at=earlier.isoformat())


class NcrpApp(OAuthApp):
    name = "ncrp"
    base_path = "/api/v1"

    def data_route(self, req: Request) -> Response:
        if req.method != "GET" or req.path != "/complaints":
            raise HttpError(404, "not_found", "no such resource")
        since = iso_ms(req, "updated_from") or 0
        page = integer(req, "page", 1, 1, None)
        per_page = integer(req, "per_page", 100, 1, 200)
        assert page is not None and per_page is not None
        total = self.store.count_since("ncrp", None, since)
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'ncrp' AND t >= ?"
            " ORDER BY t, nid LIMIT ? OFFSET ?",
            (since, per_page, (page - 1) * per_page),
        )
        bodies = with_duplicate(self.faults, [r[0] for r in rows], stale)
        meta = json.dumps({"page": page, "per_page": per_page, "total": total})
        return raw_json_response('{"complaints":' + join_array(bodies) + ',"meta":' + meta + "}")
