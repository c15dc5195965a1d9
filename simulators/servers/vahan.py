"""Vahan (sources/vahan.md): `X-API-Key`, a cursor feed on `modified_after` (epoch seconds,
exclusive), point look-ups by registration and by chassis suffix, and owner history."""

from __future__ import annotations

import json
import re
from typing import Any

from simulators.servers.base import HttpError, Request, Response, json_response, raw_json_response
from simulators.servers.common import ApiKeyApp, join_array, keyset, with_duplicate
from simulators.servers.params import TokenCodec, bad, epoch_seconds, integer
from simulators.world.formats import normalise_regn

_CHASSIS = re.compile(r"^[A-Za-z0-9]{5,17}$")


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    stamp = body.get("rc_modified_on")
    if not isinstance(stamp, int):
        return None
    return dict(body, rc_modified_on=stamp - 3600)


class VahanApp(ApiKeyApp):
    name = "vahan"
    base_path = "/api"

    def route(self, req: Request) -> Response:
        if req.method != "GET":
            raise HttpError(405, "method_not_allowed", "only GET")
        if req.path == "/rc":
            if "chassis_no" in req.query:
                return self.by_chassis(req)
            return self.feed(req)
        parts = req.path.split("/")
        if len(parts) == 3 and parts[1] == "rc":
            return self.by_regn(parts[2])
        if len(parts) == 4 and parts[1] == "rc" and parts[3] == "owners":
            return self.owners(parts[2])
        raise HttpError(404, "not_found", "no such resource")

    def feed(self, req: Request) -> Response:
        since = epoch_seconds(req, "modified_after")
        limit = integer(req, "limit", 100, 1, 1000)
        assert limit is not None
        codec = TokenCodec(self.secret)
        after: tuple[int, str] | None = None
        raw = req.query.get("cursor")
        if raw is not None:
            cur = codec.decode(raw, "cursor")
            if since is not None and since != cur.get("m"):
                raise bad("modified_after", "differs from the one the cursor carries")
            since = cur.get("m")
            after = (int(cur["t"]), str(cur["n"]))
        # Exclusive, one-second resolution: rc_modified_on > modified_after.
        t_from = 0 if since is None else (since + 1) * 1000
        rows = keyset(self.store, "vahan", "rc", t_from=t_from, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = None
        if more:
            cursor = codec.encode({"m": since, "t": rows[-1][0], "n": rows[-1][1]})
        bodies = with_duplicate(self.faults, [b for _, _, b in rows], stale)
        text = (
            '{"records":'
            + join_array(bodies)
            + ',"cursor":'
            + (f'"{cursor}"' if cursor else "null")
            + "}"
        )
        return raw_json_response(text)

    def by_chassis(self, req: Request) -> Response:
        extra = set(req.query) - {"chassis_no"}
        if extra:
            raise bad(sorted(extra)[0], "cannot be combined with chassis_no")
        suffix = req.query["chassis_no"]
        if not _CHASSIS.match(suffix):
            raise bad("chassis_no", "give the last 5 or more letters and digits of the chassis")
        rev = suffix.upper()[::-1]
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'vahan' AND key2 >= ? AND key2 < ? ORDER BY nid",
            (rev, rev + "\uffff"),
        )
        return raw_json_response(
            '{"records":' + join_array([r[0] for r in rows]) + ',"cursor":null}'
        )

    def by_regn(self, regn: str) -> Response:
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'vahan' AND coll = 'rc' AND nid = ?",
            (normalise_regn(regn),),
        )
        if not rows:
            raise HttpError(404, "not_found", "no registration with that number")
        return raw_json_response(rows[0][0])

    def owners(self, regn: str) -> Response:
        key = normalise_regn(regn)
        current = self.store.query(
            "SELECT body FROM rows WHERE source = 'vahan' AND coll = 'rc' AND nid = ?", (key,)
        )
        if not current:
            raise HttpError(404, "not_found", "no registration with that number")
        history = [
            json.loads(b)
            for (b,) in self.store.query(
                "SELECT body FROM owners WHERE regn = ? ORDER BY sr", (key,)
            )
        ]
        return json_response(
            {"rc_regn_no": json.loads(current[0][0]).get("rc_regn_no", key), "owners": history}
        )
