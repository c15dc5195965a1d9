"""`GET /v1/network/profiles/{profile_id}`, `GET /v1/network/identifiers/{kind}?value=` and
`GET /v1/network/paths`: the network around a profile or an identifier, and how two profiles
are connected, with the evidence of every edge."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.principal import Caller
from network import NetworkService, NodeKind, value_node
from network.export import graphml

from .. import rules
from ..deps import guarded
from ..errors import NotFound, request_id_of
from ..examples import GRAPHML_EXAMPLE
from ..schemas import problems
from ..schemas_network import (
    NetworkFormat,
    NetworkOut,
    PathsOut,
    ValueKind,
    network_out,
    paths_out,
)
from ..schemas_records import PROFILE_ID

router = APIRouter(tags=["network"])

GRAPHML = "application/graphml+xml"
_PURPOSE = Query(
    min_length=3,
    max_length=300,
    pattern=rules.TEXT,
    description="Case reference or reason: required, written to the audit log.",
)
Hops = Annotated[
    int, Query(ge=1, le=3, description="Edges from the seeds (record → value → record ...).")
]
MaxNodes = Annotated[int, Query(ge=1, le=2000, description="Node cap; `truncated` says if hit.")]
MaxEdges = Annotated[int, Query(ge=1, le=5000, description="Edge cap; `truncated` says if hit.")]
WithAnalysis = Annotated[
    bool, Query(description="Add Louvain communities and hubs (degree, betweenness).")
]
Format = Annotated[
    NetworkFormat, Query(description="`json`, or `graphml` for i2, Gephi or Maltego.")
]
ProfileId = Annotated[
    str,
    Path(
        min_length=4,
        max_length=4096,
        pattern=PROFILE_ID,
        description="A profile id this server issued; anything else is 404.",
    ),
]
_GRAPH_RESPONSES = {
    200: {"content": {GRAPHML: {"schema": {"type": "string"}, "example": GRAPHML_EXAMPLE}}},
    **problems(401, 403, 404, 422, 429, 503),
}


@dataclass(frozen=True)
class Shape:
    """How much of a neighbourhood to answer with, and in what form."""

    hops: int = 2
    max_nodes: int = 300
    max_edges: int = 600
    analysis: bool = False
    format: NetworkFormat = NetworkFormat.JSON


def shape(
    hops: Hops = 2,
    max_nodes: MaxNodes = 300,
    max_edges: MaxEdges = 600,
    analysis: WithAnalysis = False,
    format: Format = NetworkFormat.JSON,
) -> Shape:
    return Shape(hops, max_nodes, max_edges, analysis, format)


def _service(request: Request) -> NetworkService:
    service: NetworkService = request.app.state.network
    return service


async def _answer(
    request: Request, caller: Caller, seeds: list[str], asked: Shape
) -> NetworkOut | Response:
    answer = await run_in_threadpool(
        partial(
            _service(request).neighbourhood,
            caller,
            seeds,
            hops=asked.hops,
            max_nodes=asked.max_nodes,
            max_edges=asked.max_edges,
            with_analysis=asked.analysis,
        )
    )
    audit_context(request, record_ids=answer.record_ids())
    if asked.format is NetworkFormat.GRAPHML:
        return Response(graphml(answer), media_type=GRAPHML)
    return network_out(answer, seeds, request_id_of(request) or "")


@router.get(
    "/v1/network/profiles/{profile_id}",
    name="network.profile",
    summary="The network around a profile, up to 3 hops",
    description=(
        "The records of the profile (as `GET /v1/persons/{profile_id}` opens it for you now) and "
        "what they connect to: the values they carry (phones, UPI ids, bank accounts, e-mails, "
        "addresses, vehicles, licences, FIRs) and the other records carrying them, hop by hop. "
        "Every edge is one record's evidence (source, record id, relation, time) and is shown "
        "only if you may see that record and that field: what you may not see is not in the "
        "answer and changes no count. A placeholder or a value held by more records than the "
        "learnt cap is shown `suppressed` with its count and not followed. `format=graphml` "
        "exports the same answer. A `purpose` is required and audited. Scope `network:read`."
    ),
    response_model=NetworkOut,
    responses=_GRAPH_RESPONSES,
)
async def profile_network(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("network.profile"))],
    profile_id: ProfileId,
    purpose: Annotated[str, _PURPOSE],
    asked: Annotated[Shape, Depends(shape)],
) -> NetworkOut | Response:
    audit_context(
        request,
        purpose=purpose,
        query={"profile_id": profile_id[:64], "hops": asked.hops, "format": asked.format.value},
    )
    seeds = await run_in_threadpool(_service(request).profile_seeds, caller, profile_id)
    if seeds is None:
        raise NotFound("no profile with this id is visible to you")
    return await _answer(request, caller, seeds, asked)


@router.get(
    "/v1/network/identifiers/{kind}",
    name="network.identifier",
    summary="The network around an identifier (a phone, a UPI id, a plate ...)",
    description=(
        "As the profile's network, seeded by one value: written as you have it (`+91 98220 "
        "00001`, `mh-12-ab-1234`), normalised as the index normalises it. A value no record you "
        "may see carries, or that is no valid value of its kind, is `404` (the detail says "
        "which). Scope `network:read`."
    ),
    response_model=NetworkOut,
    responses=_GRAPH_RESPONSES,
)
async def identifier_network(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("network.identifier"))],
    kind: Annotated[ValueKind, Path(description="What the value is.")],
    value: Annotated[
        str,
        Query(
            min_length=1,
            max_length=300,
            pattern=rules.TEXT,
            description="The value as you have it (`+91 98220 00001`, `MH-12-AB-1234`, an FIR "
            "as `MH/0412/2024/0123` or `0412/0123/2024`; with its state it is that state's case, "
            "`fir:MH/0412/2024/123`; without, every state's case of that station code, year and "
            "number, and the inmates whose case names it so, since e-Prisons names an inmate's "
            "FIR without its state).",
        ),
    ],
    purpose: Annotated[str, _PURPOSE],
    asked: Annotated[Shape, Depends(shape)],
) -> NetworkOut | Response:
    audit_context(request, purpose=purpose, query={"kind": kind.value, "hops": asked.hops})
    service = _service(request)
    what = kind.value.replace("_", " ")
    node = value_node(NodeKind(kind.value), value)
    # a value that is no valid phone (plate, ...) is one no record carries: 404, saying why
    seeds = None if node is None else await run_in_threadpool(service.value_seed, caller, node)
    if seeds is None:
        why = "" if node is not None else f" ({value!r} is not a valid {what} as written)"
        raise NotFound(f"no record you may see carries this {what}{why}")
    return await _answer(request, caller, seeds, asked)


@router.get(
    "/v1/network/paths",
    name="network.paths",
    summary="How two profiles are connected: the shortest paths, with evidence",
    description=(
        "The shortest paths between the records of two profiles over what you may see, each "
        "step one record's evidence. Placeholders and hubs are never stepped through; a path "
        "longer than `max_hops` edges is not looked for (an empty `paths`). A `purpose` is "
        "required and audited. Scope `network:read`."
    ),
    response_model=PathsOut,
    responses=problems(401, 403, 404, 422, 429, 503),
)
async def paths(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("network.paths"))],
    from_profile: Annotated[str, Query(min_length=4, max_length=4096, pattern=PROFILE_ID)],
    to_profile: Annotated[str, Query(min_length=4, max_length=4096, pattern=PROFILE_ID)],
    purpose: Annotated[str, _PURPOSE],
    max_hops: Annotated[int, Query(ge=1, le=8, description="Longest path looked for.")] = 6,
    max_paths: Annotated[int, Query(ge=1, le=20, description="Shortest paths shown.")] = 5,
) -> PathsOut:
    audit_context(
        request,
        purpose=purpose,
        query={"from_profile": from_profile[:64], "to_profile": to_profile[:64]},
    )
    service = _service(request)
    a = await run_in_threadpool(service.profile_seeds, caller, from_profile)
    b = await run_in_threadpool(service.profile_seeds, caller, to_profile)
    if a is None or b is None:
        which = "from_profile" if a is None else "to_profile"
        raise NotFound(f"{which}: no profile with this id is visible to you")
    answer = await run_in_threadpool(
        partial(service.paths, caller, a, b, max_hops=max_hops, max_paths=max_paths)
    )
    audit_context(request, record_ids=answer.network.record_ids())
    return paths_out(answer, a, b, request_id_of(request) or "")
