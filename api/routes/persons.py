"""`POST /v1/persons/search`, `GET /v1/persons/{profile_id}` and
`POST /v1/persons/{profile_id}/decisions`."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.retro import remember_search
from api.security import audit_context
from auth.errors import ProblemError
from auth.principal import Caller
from federation import PersonSearch, PersonSearchService
from federation.access import AccessService
from federation.persons import Action, DecisionError

from .. import rules
from ..deps import guarded, path_convertor
from ..errors import Conflict, NotFound, request_id_of
from ..metrics import Metrics
from ..present import decision_out, hit_flagged, profile_read_out, search_out
from ..schemas import (
    DecisionOut,
    DecisionRequest,
    PersonSearchRequest,
    PersonSearchResponse,
    ProfileReadOut,
    problems,
    problems_with_hit_flags,
)
from ..schemas_records import PROFILE_ID as PROFILE_ID

router = APIRouter(tags=["persons"])
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
    search = person_search_of(body)
    outcome = await run_in_threadpool(_service(request).search, caller, search)
    metrics: Metrics = request.app.state.metrics
    metrics.candidates.labels("person").observe(outcome.candidates)
    audit_context(request, record_ids=outcome.record_ids)
    await remember_search(
        request,
        caller,
        person=body.model_dump(mode="json", exclude={"purpose", "sources", "limit"}),
        results=outcome.record_ids,
        min_score=outcome.min_score,
    )
    return search_out(outcome, request_id_of(request))


def person_search_of(body: PersonSearchRequest) -> PersonSearch:
    """The search a validated request asks for."""
    return PersonSearch(
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


_PURPOSE = Query(
    min_length=3,
    max_length=300,
    pattern=rules.TEXT,
    description="Case reference or reason: required, written to the audit log (like a search's).",
)
ProfileId = Annotated[
    str,
    Path(
        min_length=4,
        max_length=4096,
        pattern=PROFILE_ID,
        description="A profile id this server issued (from a search, or a vehicle owner's). "
        "Anything else, made up or altered, is 404.",
    ),
]


@router.get(
    "/v1/persons/{profile_id:profile_id}",
    name="persons.get",
    summary="Open one profile in full, as you may see it",
    description=(
        "A profile id from a search (or a vehicle owner's `profile_id`). The records are "
        "fetched again under your policy and grouped again with today's evidence and "
        "supervisors' decisions: the profile holding the id's first record is returned, with "
        "the evidence of every join (`links`) and the joins refused (`refused`); the id's "
        "records now in other profiles are listed in `moved`; records of this person a label "
        "hides from you are counted in `restricted` where the policy discloses them. A "
        "`purpose` is required and audited, as for a search. An id this server did not issue, "
        "or whose records you may not see, is `404`, whoever handed it to you; an id whose "
        "records your policy answers only as hit-flags (a partner's sources outside its "
        "entitlement, a source marked so for your role) is a `403` of type "
        "`urn:icjs:problem:hit-flag` carrying the hit-flags (`hits`: source, place, owner, "
        "contact, a handle) and how to request access (`request_access`). Scope "
        "`persons:read`."
    ),
    response_model=ProfileReadOut,
    responses=problems_with_hit_flags(401, 403, 404, 422, 429, 503),
)
async def get_profile(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("persons.get"))],
    profile_id: ProfileId,
    purpose: Annotated[str, _PURPOSE],
) -> ProfileReadOut:
    audit_context(request, purpose=purpose, query={"profile_id": profile_id[:64]})
    read = await run_in_threadpool(_service(request).profile, caller, profile_id)
    if read is None:
        raise await not_visible(request, caller, profile_id)
    audit_context(request, record_ids=[r.record_id for r in read.profile.records])
    return profile_read_out(read, profile_id)


async def not_visible(request: Request, caller: Caller, profile_id: str) -> ProblemError:
    """Why a profile id opens nothing for the caller: its records are answered as hit-flags
    (a 403 that lists them and says how to ask), or there is nothing he may be told (404)."""
    access: AccessService = request.app.state.access
    hits = await run_in_threadpool(access.hit_flags_of, caller, profile_id)
    if hits:
        return hit_flagged(hits)
    return NotFound("no profile with this id is visible to you")


@router.post(
    "/v1/persons/{profile_id:profile_id}/decisions",
    name="persons.decide",
    status_code=201,
    summary="Confirm a profile, or split records off it (supervisors)",
    description=(
        "A supervisor's decision on the profile as it is shown now. `confirm`: its joins hold, "
        "whatever automatic rule later disagrees (the profile then shows the disagreement). "
        "`split`: the records in `record_ids` are not the same person as the rest; nothing "
        "joins them again, not even a strong identifier. Decisions are kept beside the index "
        "with who, when and why, survive re-syncs and rebuilds, and are audited. Scope "
        "`persons:decide`."
    ),
    response_model=DecisionOut,
    responses=problems(401, 403, 404, 409, 422, 429, 503),
)
async def decide(
    body: DecisionRequest,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(guarded("persons.decide"))],
    profile_id: ProfileId,
) -> DecisionOut:
    audit_context(
        request,
        purpose=body.purpose,
        query={
            "profile_id": profile_id[:64],
            "action": body.action.value,
            "reason": body.reason,
            "record_ids": body.record_ids,
        },
    )
    service = _service(request)
    try:
        outcome = await run_in_threadpool(
            partial(
                service.decide,
                caller,
                profile_id,
                Action(body.action),
                reason=body.reason,
                separate=body.record_ids,
            )
        )
    except DecisionError as exc:
        raise Conflict(str(exc)) from None
    if outcome is None:
        raise NotFound("no profile with this id is visible to you")
    audit_context(request, record_ids=[x for p in outcome.decision.pairs for x in p])
    # the decision is kept with the records it judged; where they are now is the profile
    response.headers["Location"] = f"/v1/persons/{outcome.after.profile.profile_id}"
    return decision_out(outcome, profile_id)
