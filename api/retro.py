"""Remembering an officer's searches for retro-hits (`alerts.searches`): one call from each search
route after it answered, so that a record arriving within the window (`alerts.search_window_days`,
5 by default; 0 remembers nothing) that would have been among the results alerts the officer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from alerts.searches import PERSON, VEHICLE, SearchMemory, access_of, person_keys, vehicle_keys
from auth.principal import Caller


async def remember_search(
    request: Request,
    caller: Caller,
    *,
    person: Mapping[str, Any] | None = None,
    vehicle: Mapping[str, Any] | None = None,
    results: Iterable[str],
    min_score: float = 0.0,
) -> None:
    memory: SearchMemory | None = getattr(request.app.state, "searches", None)
    days = request.app.state.settings.alerts.search_window_days
    if memory is None or days <= 0:
        return
    if person is not None:
        kind, query, keys = PERSON, dict(person), person_keys(person)
    elif vehicle is not None:
        keys = vehicle_keys(
            vehicle.get("registration_no"), vehicle.get("chassis_no"), vehicle.get("engine_no")
        )
        kind, query = VEHICLE, {**vehicle, "keys": sorted(keys)}
    else:
        return
    ids = list(results)
    await run_in_threadpool(
        lambda: memory.remember(
            kind=kind,
            subject=caller.subject,
            query=query,
            keys=keys,
            results=ids,
            now=datetime.now(UTC),
            window=timedelta(days=days),
            min_score=min_score,
            access=access_of(caller),
        )
    )
