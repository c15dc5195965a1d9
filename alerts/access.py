"""Telling a requester that his hit-flag access request was decided: one message on his own feed
(`officer:<subject>`, the recipient of his retro-hits), queued in the outbox like every alert.
Partner clients have no feed: they read the request's status (`GET /v1/access/requests/{id}`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from federation.access import AccessRequest
from state import Database
from state.outbox import Outbox

KIND = "access_decided"


class AccessNotices:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.outbox = Outbox(target, migrate=migrate)

    def close(self) -> None:
        self.outbox.close()

    def tell(self, request: AccessRequest) -> bool:
        """Queue the decision for the requester's feed; False for a client (no feed)."""
        role, _, subject = request.requester.partition(":")
        if role == "client" or not subject:
            return False
        return self.outbox.add(
            kind=KIND,
            channel="feed",
            recipient=f"officer:{subject}",
            dedup_key=f"{KIND}:{request.request_id}",
            payload={
                "kind": KIND,
                "request_id": request.request_id,
                "status": request.status.value,
                "source": request.source,
                "owner": request.owner,
                "case_reference": request.case_reference,
                "decision_reason": request.decision_reason,
                "expires_at": request.expires_at.isoformat() if request.expires_at else None,
            },
            now=datetime.now(UTC),
        )
