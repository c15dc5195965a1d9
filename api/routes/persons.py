"""`POST /v1/persons/search` and `GET /v1/persons/{profile_id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.principal import Caller
from federation import PersonSearch, PersonSearchService

from ..deps import guarded, path_convertor
from ..errors import NotFound, request_id_of
from ..metrics import Metrics
from ..present import profile_out, search_out
from ..schemas import PersonSearchRequest, PersonSearchResponse, ProfileOut, problems

router = APIRouter(tags=["persons"])
PROFILE_ID = r"^p1_[A-Za-z0-9_\-]+$"
# Only a profile id routes to the profile read: `GET /v1/persons/search` is then a 405.
path_convertor("profile_id", PROFILE_ID)


def _service(request: Request) -> PersonSearchService:
    service: PersonSearchService = request.app.state.persons
    return service


@router.post(
    "/v1/persons/search",
    name="persons.search",
    summary="Search persons across every source you may see",
    description=(
        "Finds a person however each database wrote the name (any script, transliteration "
        "variants, initials, aliases), ranks the matches, and groups records that are the same "
        "person into profiles: by index-time links (DL, passport, FIR) and by agreement of name, "
        "birth year, relative and place. Records outside your policy are never searched; fields "
        "you may not see are withheld and counted. Scope `persons:search`."
    ),
    response_model=PersonSearchResponse,
    responses=problems(401, 403, 422, 429, 503),
)
async def search_persons(
    body: PersonSearchRequest,
    request: Request,
    caller: Annotated[Caller, Depends(guarded("persons.search"))],
) -> PersonSearchResponse:
    audit_context(
        request, purpose=body.purpose, query=body.model_dump(mode="json", exclude={"purpose"})
    )
    search = PersonSearch(
        name=body.name,
        relative_name=body.father_name,
        birth_year=body.birth_year,
        age=body.age,
        tolerance=body.tolerance,
        gender=body.gender,
        state=body.state,
        district=body.district,
        sources=frozenset(body.sources) if body.sources is not None else None,
        limit=body.limit,
        min_score=body.min_score,
    )
    outcome = await run_in_threadpool(_service(request).search, caller, search)
    metrics: Metrics = request.app.state.metrics
    metrics.candidates.labels("person").observe(outcome.candidates)
    audit_context(request, record_ids=outcome.record_ids)
    return search_out(outcome, request_id_of(request))


@router.get(
    "/v1/persons/{profile_id:profile_id}",
    name="persons.get",
    summary="Open one profile in full, as you may see it",
    description=(
        "A profile id from a search (or a vehicle owner's `profile_id`). The members are "
        "fetched again under your policy, and records linked to them are added. An id whose "
        "records you may not see is `404`, whoever handed it to you. Scope `persons:read`."
    ),
    response_model=ProfileOut,
    responses=problems(401, 403, 404, 429, 503),
)
async def get_profile(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("persons.get"))],
    profile_id: Annotated[str, Path(min_length=4, max_length=4096, pattern=PROFILE_ID)],
) -> ProfileOut:
    audit_context(request, query={"profile_id": profile_id[:64]})
    view = await run_in_threadpool(_service(request).profile, caller, profile_id)
    if view is None:
        raise NotFound("no profile with this id is visible to you")
    audit_context(request, record_ids=[r.record_id for r in view.records])
    return profile_out(view)
