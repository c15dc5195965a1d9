"""Small contract-shaped fakes for respx, and helpers to run the engine in tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from config import SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.metrics import SyncMetrics
from connectors.report import SyncReport
from connectors.retry import RetryPolicy

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=6, initial_s=0.001, max_s=0.005, retry_after_cap_s=0.01)


def iso(t: datetime) -> str:
    return t.isoformat()


def settings(tmp: Path, **kw: Any) -> SyncSettings:
    return SyncSettings(state_path=tmp / "sync.db", **kw)


async def sync(
    sources: dict[str, SourceSettings],
    sink: Any,
    tmp: Path,
    *,
    full: bool = False,
    flush_records: int = 1,  # a write per page, so that tests can kill between pages
    **kw: Any,
) -> SyncReport:
    return await run_sync(
        sources,
        sink,
        tmp / "sync.db",
        settings(tmp, **kw),
        full=full,
        policy=FAST,
        metrics=SyncMetrics(CollectorRegistry()),
        flush_records=flush_records,
    )


def cctns_person(pid: str, updated: datetime, **fields: Any) -> dict[str, Any]:
    row = {
        "PERSON_ID": pid,
        "FIR_REG_NUM": "0123/2024",
        "FIR_DATE": "14/03/2024",
        "STATE_CD": "MH",
        "DISTRICT_NAME": "PUNE CITY",
        "PS_CD": "0412",
        "PS_NAME": "SHIVAJINAGAR",
        "ACCUSED_NAME": "RAJU @ RAJENDRA SHANKAR PATIL",
        "NAME_LOCAL": "राजेंद्र शंकर पाटील",
        "ALIAS_NAMES": ["PAPPU"],
        "RELATIVE_NAME": "SHANKAR PATIL",
        "RELATION_TYPE": "S/O",
        "GENDER": "M",
        "AGE": 34,
        "YOB": 1990,
        "ADDRESS": "H NO 12, GANESH PETH, PUNE",
        "ACT_SECTION": "IPC 379, 411",
        "ACCUSED_STATUS": "ARRESTED",
        "IS_PROCLAIMED_OFFENDER": "N",
        "MOBILE_NO": "9876543210",
        "SENSITIVE_CASE": "N",
        "LAST_UPDATED": iso(updated),
        "RECORD_STATUS": "ACTIVE",
    }
    row.update(fields)
    return row


@dataclass
class FakeCctns:
    """CCTNS per contract: rows ordered by (LAST_UPDATED, id), inclusive `updated_since`,
    tokens carrying their filters, optional 410 on chosen requests."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    expire: set[int] = field(default_factory=set)  # request numbers answered with 410
    requests: list[dict[str, str]] = field(default_factory=list)
    page_size_seen: list[int] = field(default_factory=list)
    as_of: datetime = T0  # the source's own time, sent with every page

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-API-Key") != "key":
            return httpx.Response(401, json={"error": "unauthorized", "message": "bad key"})
        params = dict(request.url.params)
        self.requests.append(params)
        if len(self.requests) in self.expire:
            return httpx.Response(410, json={"error": "gone", "message": "page token expired"})
        collection = request.url.path.rsplit("/", 1)[-1]
        size = int(params.get("page_size", 200))
        since = params.get("updated_since")
        offset = 0
        if "page_token" in params:
            token = json.loads(base64.b64decode(params["page_token"]))
            if token["since"] != since:
                return httpx.Response(400, json={"error": "bad_request", "message": "filters"})
            offset = token["offset"]
        rows = sorted(
            (
                r
                for r in self.rows.get(collection, [])
                if since is None
                or datetime.fromisoformat(r["LAST_UPDATED"]) >= datetime.fromisoformat(since)
            ),
            key=lambda r: (datetime.fromisoformat(r["LAST_UPDATED"]), r.get("PERSON_ID", "")),
        )
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        token = (
            base64.b64encode(
                json.dumps({"since": since, "offset": offset + size}).encode()
            ).decode()
            if more
            else None
        )
        body = {"data": page, "next_page_token": token, "as_of": iso(self.as_of)}
        # ASCII escapes keep a lone surrogate (a wrong-encoding fault) inside valid JSON
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )


def later(t: datetime, minutes: float) -> datetime:
    return t + timedelta(minutes=minutes)


class RefusingSink:
    """Wraps a real backend and refuses some ids (as a backend reports a document it could not
    index), or raises on the n-th upsert (a crash mid-sync)."""

    def __init__(
        self,
        inner: Any,
        refuse: Sequence[str] = (),
        crash_on_upsert: int | None = None,
    ) -> None:
        self.inner = inner
        self.refuse = set(refuse)
        self.crash_on_upsert = crash_on_upsert
        self.upserts = 0

    def upsert(self, records: Sequence[Any]) -> Any:
        self.upserts += 1
        if self.crash_on_upsert is not None and self.upserts == self.crash_on_upsert:
            raise RuntimeError("killed")
        keep = [r for r in records if r.record_id not in self.refuse]
        result = self.inner.upsert(keep)
        from indexer.backends.base import BulkResult

        failed = tuple(
            (r.record_id, "mapping rejected by engine")
            for r in records
            if r.record_id in self.refuse
        )
        return BulkResult(indexed=result.indexed, failed=result.failed + failed)

    def delete(self, ids: Sequence[str]) -> Any:
        return self.inner.delete(ids)

    def ids(self, source: Any) -> Any:
        return self.inner.ids(source)


Handler = Callable[[httpx.Request], httpx.Response]
