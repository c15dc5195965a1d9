"""IVFRT (sources/ivfrt.md): `X-API-Key`, XML pages of 100, `changedSince` inclusive, XML errors.

Element order is not guaranteed by the contract, so each record's elements come in an order of
their own (stable per record) to keep connectors honest about reading by name.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from simulators.servers.base import HttpError, Request, Response
from simulators.servers.common import ApiKeyApp
from simulators.servers.params import integer, iso_ms

PAGE = 100


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def foreigner_xml(body: dict[str, Any]) -> str:
    """One `<Foreigner>`: absent or null values are absent elements."""
    seed = hashlib.sha256(str(body.get("RegistrationNo", "")).encode()).hexdigest()
    keys = [k for k, v in body.items() if v is not None]
    random.Random(seed).shuffle(keys)
    parts = ["<Foreigner>"]
    for key in keys:
        value = body[key]
        if isinstance(value, dict):
            attrs = ' issued="true"' if key == "LookOutCircular" else ""
            inner = "".join(f"<{k}>{_value(v)}</{k}>" for k, v in value.items() if v is not None)
            parts.append(f"<{key}{attrs}>{inner}</{key}>")
        else:
            parts.append(f"<{key}>{_value(value)}</{key}>")
    parts.append("</Foreigner>")
    return "".join(parts)


class IvfrtApp(ApiKeyApp):
    name = "ivfrt"
    base_path = "/services"
    error_content_type = "application/xml"

    def error_body(self, err: HttpError) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{escape(err.error)}</Code><Message>{escape(err.message)}</Message></Error>"
        ).encode()

    def route(self, req: Request) -> Response:
        if req.method != "GET" or req.path != "/foreigners":
            raise HttpError(404, "not_found", "no such resource")
        since = iso_ms(req, "changedSince") or 0
        page = integer(req, "page", 1, 1, None)
        assert page is not None
        total = self.store.count_since("ivfrt", None, since)
        rows = self.store.query(
            "SELECT body FROM rows WHERE source = 'ivfrt' AND t >= ?"
            " ORDER BY t, nid LIMIT ? OFFSET ?",
            (since, PAGE, (page - 1) * PAGE),
        )
        bodies = [json.loads(r[0]) for r in rows]
        if bodies and self.faults.chance(self.faults.spec.rate_dup, "duplicate"):
            i = self.faults.randint(0, len(bodies) - 1)
            if bodies[i].get("ChangedOn"):
                from datetime import datetime, timedelta

                earlier = datetime.fromisoformat(bodies[i]["ChangedOn"]) - timedelta(hours=1)
                bodies.insert(
                    self.faults.randint(0, len(bodies)),
                    dict(bodies[i], ChangedOn=earlier.isoformat()),
                )
        pages = -(-total // PAGE)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<ForeignerList page={quoteattr(str(page))} totalPages={quoteattr(str(pages))}>"
            + "".join(foreigner_xml(b) for b in bodies)
            + "</ForeignerList>"
        )
        return Response(200, xml.encode("utf-8"), "application/xml")
