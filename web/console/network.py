"""Console: the network view of a profile, drawn in the page (vendored Cytoscape.js) with the
same answer as a table beside it (the text alternative, and what a keyboard user reads)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.routes import network as api_network
from api.routes import persons as api_persons
from api.security import audit_context

from .access import officer
from .pages import outcome, page

router = APIRouter(include_in_schema=False)
PROFILE_ID = re.compile(api_persons.PROFILE_ID)
HOPS = (1, 2, 3)
MAX_NODES = 150  # what a page can draw legibly; the API and `icjs network` go further


def _elements(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Cytoscape's elements: nodes and edges with the few fields the drawing shows."""
    out: list[dict[str, Any]] = []
    for n in answer["nodes"]:
        label = n["label"] or n["value"] if n["kind"] == "record" else n["value"]
        out.append(
            {
                "data": {
                    "id": n["id"],
                    "label": label,
                    "kind": n["kind"],
                    "seed": n["hop"] == 0,
                    "suppressed": n["suppressed"] is not None,
                }
            }
        )
    for i, e in enumerate(answer["edges"]):
        out.append(
            {
                "data": {
                    "id": f"e{i}",
                    "source": e["record_node"],
                    "target": e["value_node"],
                    "label": e["relation"],
                }
            }
        )
    return out


def _script_json(value: Any) -> str:
    """JSON safe inside a `<script type="application/json">` block: a name carrying
    `</script>` cannot close it (the tags' characters are escaped, JSON reads them back)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/console/profiles/{profile_id}/network")
async def network(request: Request, profile_id: str) -> Response:
    who = officer(request, "network.profile")
    if isinstance(who, Response):
        return who
    empty: dict[str, Any] = {
        "answer": None,
        "errors": [],
        "purpose": "",
        "hops": 2,
        "hop_choices": HOPS,
    }
    if not PROFILE_ID.match(profile_id):
        return page(
            request,
            who,
            "console/network.html",
            {**empty, "errors": ["not a profile id"]},
            status=404,
        )
    purpose = request.query_params.get("purpose", "").strip()[:200]
    if not purpose:  # purpose first: nothing personal is read before it is stated
        return page(
            request,
            who,
            "console/purpose.html",
            {"action": f"/console/profiles/{profile_id}/network"},
        )
    try:
        hops = int(request.query_params.get("hops", "2"))
    except ValueError:
        hops = 0
    if hops not in HOPS:
        return page(
            request,
            who,
            "console/network.html",
            {**empty, "purpose": purpose, "errors": ["hops: 1, 2 or 3"]},
            status=422,
        )
    audit_context(request, purpose=purpose)
    answer, errors = await outcome(
        lambda: api_network.profile_network(  # type: ignore[arg-type, return-value]
            request,
            who.caller,
            profile_id,
            purpose,
            api_network.Shape(hops, MAX_NODES, MAX_NODES * 2, analysis=True),
        )
    )
    context = {
        **empty,
        "answer": answer,
        "errors": errors,
        "purpose": purpose,
        "hops": hops,
        "profile_id": profile_id,
        "elements": _script_json(_elements(answer)) if answer else "[]",
        "labels": {n["id"]: n["label"] or n["value"] for n in (answer or {}).get("nodes", [])},
    }
    return page(request, who, "console/network.html", context, status=200 if answer else 404)
