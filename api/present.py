"""Federation results → response models. Pure functions; no policy decisions happen here
(the views they read are already cut to the caller)."""

from __future__ import annotations

from collections.abc import Sequence

from federation import ProfileView, RecordView, SearchOutcome
from federation.access import HitFlag
from federation.grouping import Link, Refusal
from federation.persons import DecisionOutcome, ProfileRead

from .errors import HitFlagged
from .schemas import (
    DecisionAction,
    DecisionOut,
    PersonSearchResponse,
    RequestAccessHowTo,
    Withheld,
)
from .schemas_records import (
    DataIssueOut,
    EvidenceOut,
    HitFlagOut,
    IdentifierOut,
    LinkKind,
    LinkOut,
    Match,
    MovedOut,
    ProfileOut,
    ProfileReadOut,
    ProvenanceOut,
    Reason,
    RecordOut,
    RefusalOut,
    RestrictedOut,
    WithheldField,
    as_fields,
)


def record_out(view: RecordView) -> RecordOut:
    match = None
    if view.match is not None:
        match = Match(
            score=min(1.0, max(0.0, view.match.score)),
            reasons=[Reason.model_validate(r) for r in view.match.reasons],
        )
    return RecordOut(
        record_id=view.record_id,
        source=view.source,  # type: ignore[arg-type]
        kind=view.kind,  # type: ignore[arg-type]
        status=view.status,
        fields=as_fields(view.fields),
        provenance=ProvenanceOut.model_validate(view.provenance) if view.provenance else None,
        match=match,
        withheld=[
            WithheldField(field=w.field, reason=w.reason, count=w.count) for w in view.withheld
        ],
        data_issues=[DataIssueOut(**issue) for issue in view.data_issues],
    )


def link_out(link: Link) -> LinkOut:
    return LinkOut(
        record_ids=list(link.record_ids),
        kind=LinkKind(link.kind),
        confidence=link.confidence,
        reasons=list(link.reasons),
        evidence=[EvidenceOut(**e.as_dict()) for e in link.evidence],
        conflicts=list(link.conflicts),
    )


def refusal_out(refusal: Refusal) -> RefusalOut:
    return RefusalOut(record_ids=list(refusal.record_ids), reasons=list(refusal.reasons))


def hit_out(hit: HitFlag) -> HitFlagOut:
    return HitFlagOut(
        handle=hit.handle,
        source=hit.source,
        state=hit.state,
        district=hit.district,
        police_station=hit.police_station,
        owner=hit.owner,
        contact=hit.contact,
    )


def hit_flagged(hits: Sequence[HitFlag]) -> HitFlagged:
    """The 403 for a profile id whose records the caller is told only exist (`HitFlagProblem`):
    the hit-flags and how to ask for the records."""
    return HitFlagged(
        "the records of this profile are in sources your policy answers only as hit-flags: "
        "they exist, where and whom to ask are in `hits`; the records follow an access request "
        "(`request_access`) approved by a supervisor of the owning agency",
        {
            "hits": [hit_out(h).model_dump(mode="json") for h in hits],
            "request_access": RequestAccessHowTo(
                method="POST",
                href="/v1/access/requests",
                body={
                    "handle": "a hit-flag's handle",
                    "reason": "why you need the records",
                    "case_reference": "the case (FIR, RC, ECIR number)",
                },
                decided_by="a supervisor of the hit-flag's owner (its `owner`)",
            ).model_dump(mode="json"),
        },
    )


def profile_out(view: ProfileView) -> ProfileOut:
    return ProfileOut(
        profile_id=view.profile_id,
        confidence=view.confidence,
        display_name=view.display_name,
        names=list(view.names),
        identifiers=[IdentifierOut.model_validate(i) for i in view.identifiers],
        records=[record_out(r) for r in view.records],
        links=[link_out(link) for link in view.links],
        restricted=[
            RestrictedOut(label=r.label, count=r.count)  # type: ignore[arg-type]
            for r in view.restricted
        ],
        refused=[refusal_out(r) for r in view.refused],
        hits=[hit_out(h) for h in view.hits],
    )


def profile_read_out(read: ProfileRead, requested: str) -> ProfileReadOut:
    return ProfileReadOut(
        **dict(profile_out(read.profile)),
        requested_profile_id=requested,
        moved=[MovedOut(record_id=m.record_id, profile_id=m.profile_id) for m in read.moved],
    )


def decision_out(outcome: DecisionOutcome, requested: str) -> DecisionOut:
    decision = outcome.decision
    return DecisionOut(
        decision_id=decision.decision_id,
        action=DecisionAction(decision.action),
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        pairs=len(decision.pairs),
        profile=profile_read_out(outcome.after, requested),
    )


def search_out(outcome: SearchOutcome, request_id: str | None) -> PersonSearchResponse:
    return PersonSearchResponse(
        request_id=request_id,
        profiles=[profile_out(p) for p in outcome.profiles],
        candidates=outcome.candidates,
        matched_records=outcome.matched_records,
        min_score=outcome.min_score,
        withheld=Withheld(fields=outcome.withheld_fields, restrictions=list(outcome.restrictions)),
        hits=[hit_out(h) for h in outcome.hits],
    )
