"""CCTNS via ICJS (sources/cctns.md): four collections, `X-API-Key`, opaque page tokens that
carry their filters and expire, `updated_since` inclusive, tombstones for deletes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from simulators.servers.base import HttpError, Request, Response, raw_json_response
from simulators.servers.common import ApiKeyApp, join_array, keyset, with_duplicate
from simulators.servers.params import TokenCodec, bad, integer, iso_ms, state
from simulators.world.formats import iso_ist

COLLECTIONS = ("persons", "vehicles", "missing-persons", "unidentified-persons")


def stale(body: dict[str, Any]) -> dict[str, Any] | None:
    """The same row as it was an hour earlier (for duplicate-id faults)."""
    stamp = body.get("LAST_UPDATED")
    if not isinstance(stamp, str) or body.get("RECORD_STATUS") == "DELETED":
        return None
    try:
        earlier = datetime.fromisoformat(stamp) - timedelta(hours=1)
    except ValueError:
        return None
    return dict(body, LAST_UPDATED=earlier.isoformat())


class CctnsApp(ApiKeyApp):
    name = "cctns"
    base_path = "/cctns"
    page_token_ttl_s = 900.0

    def route(self, req: Request) -> Response:
        prefix = "/v1/"
        if (
            req.method != "GET"
            or not req.path.startswith(prefix)
            or req.path[len(prefix) :] not in COLLECTIONS
        ):
            raise HttpError(404, "not_found", "no such resource")
        return self.page(req, req.path[len(prefix) :])

    def page(self, req: Request, coll: str) -> Response:
        st = state(req)
        since = iso_ms(req, "updated_since")
        size = integer(req, "page_size", 200, 1, 1000)
        assert size is not None
        codec = TokenCodec(self.secret)
        raw_token = req.query.get("page_token")
        after: tuple[int, str] | None = None
        if raw_token is not None:
            tok = codec.decode(raw_token, "page_token")
            if tok.get("c") != coll:
                raise bad("page_token", "was issued for another collection")
            if "state" in req.query and st != tok.get("s"):
                raise bad("state", "differs from the filter the page_token carries")
            if "updated_since" in req.query and since != tok.get("u"):
                raise bad("updated_since", "differs from the filter the page_token carries")
            if time.time() - float(tok["i"]) > self.page_token_ttl_s or self.faults.chance(
                self.faults.spec.rate_page_token_expiry, "page_token_expired"
            ):
                raise HttpError(
                    410,
                    "page_token_expired",
                    "page_token has expired; restart from your checkpoint",
                )
            st, since, as_of = tok.get("s"), tok.get("u"), int(tok["a"])
            after = (int(tok["t"]), str(tok["n"]))
        else:
            as_of = self.store.clock_ms()
            tok = {"c": coll, "s": st, "u": since, "a": as_of, "i": time.time()}
        rows = keyset(
            self.store, "cctns", coll, t_from=since or 0, after=after, limit=size + 1, state=st
        )
        more = len(rows) > size
        rows = rows[:size]
        next_token = None
        if more:
            last_t, last_nid, _ = rows[-1]
            next_token = codec.encode(dict(tok, t=last_t, n=last_nid, i=time.time()))
        bodies = with_duplicate(self.faults, [b for _, _, b in rows], stale)
        text = (
            '{"data":'
            + join_array(bodies)
            + ',"next_page_token":'
            + (f'"{next_token}"' if next_token else "null")
            + f',"as_of":"{iso_ist(as_of)}"}}'
        )
        return raw_json_response(text)
