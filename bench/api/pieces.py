"""The pieces of the request around a person search, each timed alone by the CPU clock.

    .venv/bin/python -m bench.api.pieces [--gallery 5000] [--per-class 25]

The world, index and queries are `bench.api.overhead`'s. In this process, with an API worker's
collector settings, each piece runs a few hundred times on real inputs (the benchmark officer's
token, the queries' bodies, the outcomes of real searches): authenticating the token (and its
revocation look-up and signature check alone), the scope check, the body's checks and
validation, building the answer's models (`api.present.search_out`) and serialising them as
FastAPI does, the two audit appends of a request, and remembering the search for retro-hits.
Then one API server (`bench.api.overhead`'s) answers requests that stop at each layer, its
CPU per request read from /proc: `GET /healthz` (HTTP, middleware, two audit appends), a search
without a token (401), a search with a body that fails validation (422), and a full search.
What `bench.api.overhead` reports as "around the search" is roughly the sum.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from alerts.searches import PERSON, SearchMemory, access_of, person_keys
from api.bodies import check_body
from api.present import search_out
from api.routes.persons import person_search_of
from api.schemas import PersonSearchRequest, PersonSearchResponse
from auth.service import AuthService
from bench.api.overhead import LIMIT, ROOT, Server, names_index, start
from bench.api.run import officer_token
from bench.names.dataset import build
from bench.yente import ftm
from bench.yente.cpu import process_cpu_s
from bench.yente.run import product_settings
from config.runtime import tune_gc
from federation import PersonSearchService
from federation.linkage import load_model
from federation.profile_ids import ProfileIds
from indexer import open_backend
from state.audit import AuditEvent

ROUTE = "/v1/persons/search"


def cpu_ms(label: str, piece: Callable[[], Any], times: int = 400) -> None:
    piece()
    started = time.process_time()
    for _ in range(times):
        piece()
    print(f"{(time.process_time() - started) / times * 1000:8.3f} ms  {label}")


def in_process(root: Path, settings: Any, bodies: list[dict[str, Any]]) -> None:
    auth = AuthService.from_settings(settings.auth)
    backend = open_backend(settings.search)
    memory = SearchMemory(root / "alerts.db", policy=auth.policy)
    try:
        token = officer_token(auth)
        bearer = f"Bearer {token}"
        caller = auth.authenticate(bearer)
        assert caller.token_id is not None
        token_id = caller.token_id
        cpu_ms("authenticate (officer token)", lambda: auth.authenticate(bearer))
        cpu_ms("  its revocation look-up", lambda: auth.revocations.is_revoked(token_id))
        cpu_ms("  its signature (key ring)", lambda: auth.keys.verify(token))
        scope = auth.policy.required_scope("persons.search")
        cpu_ms("scope check", lambda: auth.require(caller, scope))
        raw = json.dumps(bodies[0]).encode()
        cpu_ms("body checks (api.bodies)", lambda: check_body(raw, "application/json"))
        cpu_ms("body validation", lambda: PersonSearchRequest.model_validate(bodies[0]))
        service = PersonSearchService(
            backend,
            auth.policy,
            ids=ProfileIds.from_file(root / "profile-ids.key"),
            model=load_model(None),
            max_candidates=settings.api.max_candidates,
        )
        requests = [PersonSearchRequest.model_validate(b) for b in bodies[:50]]
        outcomes = [service.search(caller, person_search_of(r)) for r in requests]
        turn = iter(range(10**9))

        def answer() -> PersonSearchResponse:
            return search_out(outcomes[next(turn) % len(outcomes)], "bench-000001")

        cpu_ms("answer's models (api.present.search_out)", answer)
        answers = [answer() for _ in outcomes]
        cpu_ms(
            "answer's JSON (model_dump_json)",
            lambda: answers[next(turn) % len(answers)].model_dump_json(),
        )
        size = sum(len(a.model_dump_json()) for a in answers) / len(answers)
        print(f"           (answers of {size:,.0f} bytes on average)")
        request = requests[0]
        received = AuditEvent(
            route=ROUTE,
            method="POST",
            status=0,
            decision="received",
            query={"body": bodies[0]},
            request_id="bench-000001",
            client_address="127.0.0.1",
            user_agent=f"python-httpx/{httpx.__version__}",
        )
        answered = AuditEvent(
            route=ROUTE,
            method="POST",
            status=200,
            decision="allow",
            actor=caller.subject,
            agency=caller.agency,
            role=caller.role.value,
            actor_state=caller.state,
            actor_district=caller.district,
            query=request.model_dump(mode="json", exclude={"purpose"}),
            purpose=request.purpose,
            record_ids=outcomes[0].record_ids,
            request_id="bench-000001",
            client_address="127.0.0.1",
            user_agent=f"python-httpx/{httpx.__version__}",
        )
        cpu_ms(
            "audit: the request's two appends",
            lambda: (auth.audit.append(received), auth.audit.append(answered)),
        )
        person = request.model_dump(mode="json", exclude={"purpose", "sources", "limit"})
        now = datetime.now(UTC)
        cpu_ms(
            "remembering the search (alerts.searches)",
            lambda: memory.remember(
                kind=PERSON,
                subject=caller.subject,
                query=dict(person),
                keys=person_keys(person),
                results=outcomes[0].record_ids,
                now=now,
                window=timedelta(days=5),
                min_score=outcomes[0].min_score,
                access=access_of(caller),
            ),
        )
    finally:
        memory.close()
        backend.close()
        auth.close()


def over_http(root: Path, search: Any, bodies: list[dict[str, Any]]) -> None:
    key_file = root / "profile-ids.key"
    server = Server("this tree", ROOT, product_settings(root / "server", search))
    auth = AuthService.from_settings(server.settings.auth)
    token = officer_token(auth)
    auth.close()
    start(server, key_file, root / "server.log")
    assert server.proc is not None
    pid = server.proc.pid
    officer = {"Authorization": f"Bearer {token}"}
    kinds: list[tuple[str, Callable[[httpx.Client, int], Any], int]] = [
        ("GET /healthz (HTTP, middleware, two audit appends)", lambda h, i: h.get("/healthz"), 400),
        ("search without a token (401)", lambda h, i: h.post(ROUTE, json=bodies[i]), 400),
        (
            "search failing validation (422)",
            lambda h, i: h.post(ROUTE, json={"name": ""}, headers=officer),
            400,
        ),
        ("search", lambda h, i: h.post(ROUTE, json=bodies[i], headers=officer), 200),
    ]
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for label, ask, times in kinds:
                for i in range(20):
                    ask(http, i)
                before = process_cpu_s(pid)
                for i in range(times):
                    ask(http, i % len(bodies))
                spent = (process_cpu_s(pid) - before) / times
                print(f"{spent * 1000:8.3f} ms  {label}, the server's CPU per request")
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000, help="people")
    parser.add_argument("--per-class", type=int, default=25)
    args = parser.parse_args(argv)
    data = build(args.seed, args.gallery, args.per_class)
    search = names_index(args.seed, args.gallery, args.per_class, data)
    bodies = [ftm.product_body(q, LIMIT) for q in data.queries]
    del data
    tune_gc()  # as an API worker: after the world is built, so that it is frozen, not walked
    root = Path(tempfile.mkdtemp(prefix="icjs-bench-pieces-"))
    ProfileIds.from_file(root / "profile-ids.key")
    in_process(root, product_settings(root / "in-process", search), bodies)
    over_http(root, search, bodies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
