"""Officers at once: a locust scenario against API workers on PostgreSQL and OpenSearch.

    make bench-load [BENCH_ARGS="--persons 20000 --users 100 --workers 4 --duration 180"]

(`make` starts a throw-away PostgreSQL server and OpenSearch node around this module and names
them in `ICJS_TEST_POSTGRES_URL` and `ICJS_TEST_OPENSEARCH_URL`.) Steps:

1. the simulated world (`--persons` people in the eight sources, no faults), synced into
   OpenSearch, with the shared state (audit chain, sync state, clients) in PostgreSQL;
2. `icjs serve --workers N` on that configuration, as a deployment runs it;
3. a plan per state: an officer token of that state, and queries drawn from the records that
   officer may see, written as officers write them (a typo in the longest word; sometimes a
   birth year or the father's name); plates with separators;
4. locust, headless: `--users` officers, each `bench/load/locustfile.py`'s mix (70% person
   searches, 20% profile reads of their own results, 10% vehicle look-ups) with think time;
5. afterwards, the audit: every request locust sent must have its two audit entries (one as the
   request arrives, one as the answer starts), and the chain must verify.

Writes bench/results/load.md and a timestamped JSON beside it. The load generator runs on the
same cores as the API, the database and the search node: read the numbers with the core count
and load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench" / "load"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
MAX_QUERIES_PER_STATE = 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(root: Path, search_url: str, state_url: str, port: int) -> Path:
    config = root / "icjs.toml"
    config.write_text(
        "\n".join(
            [
                f'data_dir = "{root}"',
                "[search]",
                'backend = "opensearch"',
                f'url = "{search_url}"',
                f'index_prefix = "icjs-load-{os.getpid()}"',
                "[state]",
                f'url = "{state_url}"',
                "[auth]",
                f'keys_dir = "{root / "keys"}"',
                f'issuer = "http://127.0.0.1:{port}"',
                "[api]",
                # officers' own limit out of reach: the benchmark measures capacity, not the
                # limiter (which the tests cover)
                "rate_limit_per_minute = 1000000",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def _misspell(rng: random.Random, name: str) -> str:
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 5:
        i = rng.randrange(1, len(word) - 2)
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def plan_queries(settings: Any, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Per state: person queries from that state's records and plates of its vehicles."""
    from indexer import open_backend
    from records import Kind, Source

    backend = open_backend(settings.search)
    persons: dict[str, list[dict[str, Any]]] = defaultdict(list)
    plates: dict[str, list[str]] = defaultdict(list)
    try:
        for source in Source:
            ids = list(backend.ids(source))
            rng.shuffle(ids)
            for start in range(0, min(len(ids), 3000), 200):
                for record in backend.get(ids[start : start + 200]):
                    state = record.state
                    if state is None:
                        continue
                    if record.kind is Kind.VEHICLE_REGISTRATION and record.vehicle:
                        plate = record.vehicle.registration_no
                        if plate and len(plates[state]) < MAX_QUERIES_PER_STATE:
                            plates[state].append(re.sub(r"(\d)([A-Z])", r"\1 \2", plate))
                    for person in record.subjects():
                        words = (person.name or "").split("@")[0].split()
                        if len(words) < 2 or len(persons[state]) >= MAX_QUERIES_PER_STATE:
                            continue
                        query: dict[str, Any] = {"name": _misspell(rng, " ".join(words))}
                        if person.birth_year and rng.random() < 0.4:
                            query["birth_year"] = person.birth_year
                        if person.relative_name and rng.random() < 0.3:
                            query["father_name"] = person.relative_name
                        persons[state].append(query)
                        break
    finally:
        backend.close()
    return {
        state: {"persons": persons[state], "plates": plates.get(state, [])}
        for state in sorted(persons)
        if len(persons[state]) >= 20
    }


def sync_world(settings: Any, manifest: dict[str, dict[str, Any]]) -> float:
    from connectors import run_sync
    from connectors.manifest import merge_sources
    from indexer import open_backend
    from state.databases import StateDatabases

    sources, _warnings = merge_sources(dict(settings.sources), manifest)
    backend = open_backend(settings.search)
    state = StateDatabases.open(settings)
    started = time.perf_counter()
    try:
        asyncio.run(run_sync(sources, backend, state.sync, settings.sync))
    finally:
        state.close()
        backend.close()
    return time.perf_counter() - started


def start_api(config: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ICJS_CONFIG": str(config)}
    icjs = Path(sys.executable).parent / "icjs"
    server = subprocess.Popen(
        [str(icjs), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the API exited with {server.returncode}: see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the API did not become ready: see {log}")


def run_locust(
    plan: Path, port: int, users: int, duration_s: int, think: str, prefix: Path
) -> None:
    locust = Path(sys.executable).parent / "locust"
    env = {**os.environ, "ICJS_LOAD_PLAN": str(plan), "ICJS_LOAD_THINK_S": think}
    subprocess.run(
        [
            str(locust),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 10)),
            "--run-time",
            f"{duration_s}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--json-file",
            str(prefix),  # locust adds ".json"
            "--only-summary",
            "--stop-timeout",
            "30",
        ],
        env=env,
        check=False,  # locust exits 1 when any request failed: the table says how many
    )


def _percentile(histogram: dict[float, int], p: float) -> float:
    total = sum(histogram.values())
    if not total:
        return 0.0
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= p * total:
            return value
    return max(histogram)


def _row(name: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    histogram: dict[float, int] = defaultdict(int)
    for entry in entries:
        for value, count in entry["response_times"].items():
            histogram[float(value)] += int(count)
    requests = sum(int(e["num_requests"]) for e in entries)
    start = min(float(e["start_time"]) for e in entries)
    end = max(float(e["last_request_timestamp"] or start) for e in entries)
    return {
        "name": name,
        "requests": requests,
        "failures": sum(int(e["num_failures"]) for e in entries),
        "p50_ms": _percentile(histogram, 0.50),
        "p95_ms": _percentile(histogram, 0.95),
        "p99_ms": _percentile(histogram, 0.99),
        "rps": requests / (end - start) if end > start else 0.0,
    }


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    """Per request name and in total, from locust's final statistics (`--json-file`: every
    request, the ones answered during the stop timeout included)."""
    entries: list[dict[str, Any]] = json.loads(Path(str(prefix) + ".json").read_text())
    rows = [_row(e["name"], [e]) for e in sorted(entries, key=lambda e: str(e["name"]))]
    return [*rows, _row("Aggregated", entries)] if entries else rows


@contextmanager
def audit_log(settings: Any) -> Iterator[Any]:
    """The deployment's audit log (in its state database), closed after use."""
    from state.audit import AuditLog
    from state.databases import StateDatabases

    state = StateDatabases.open(settings)
    try:
        log = AuditLog(state.audit)
        try:
            yield log
        finally:
            log.close()
    finally:
        state.close()


def audit_check(settings: Any, before: int) -> tuple[int, bool, str]:
    """Entries written since `before`, and whether the chain verifies."""
    with audit_log(settings) as log:
        result = log.verify()
        return log.count() - before, bool(result.ok), str(result)


def tokens(settings: Any, states: list[str]) -> dict[str, str]:
    from auth.principal import Role
    from auth.service import AuthService
    from state.databases import StateDatabases

    state = StateDatabases.open(settings)
    auth = AuthService.from_settings(settings.auth, state)
    try:
        assert auth.demo is not None, "the benchmark mints officers with the built-in issuer"
        return {s: auth.demo.mint(role=Role.OFFICER, state=s, ttl_s=7200) for s in states}
    finally:
        auth.close()
        state.close()


def table(result: dict[str, Any]) -> str:
    lines = [
        "| request | requests | failures | p50 | p95 | p99 | requests/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["stats"]:
        lines.append(
            f"| {row['name']} | {row['requests']:,} | {row['failures']:,} | "
            f"{row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms | {row['p99_ms']:.0f} ms | "
            f"{row['rps']:.1f} |"
        )
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    total = next((r for r in result["stats"] if r["name"] == "Aggregated"), None)
    sent = total["requests"] if total else 0
    error_rate = (total["failures"] / sent) if total and sent else 0.0
    audit = result["audit"]
    return f"""# Load: officers at once (`make bench-load`)

{result["users"]} simulated officers (think time {result["think_s"]} s) for {result["duration_s"]} s
against `icjs serve --workers {result["workers"]}` on OpenSearch (one node) and PostgreSQL
(shared state), world of {result["persons"]:,} people ({result["records"]:,} records, synced in
{result["sync_s"]:.0f} s). Mix: 70% person searches, 20% profile reads, 10% vehicle look-ups.
Machine: {result["cores"]} cores shared by the load generator, the API, PostgreSQL and OpenSearch;
load average {result["load_before"]} before, {result["load_after"]} after.
Commit {result["commit"]}, {result["when"]}.

{table(result)}

Error rate {error_rate:.2%}. Audit: {audit["entries"]:,} entries for {sent:,} requests
({audit["per_request"]:.2f} per request; two expected: one as a request arrives, one as its
answer starts), chain {"intact" if audit["chain_ok"] else "BROKEN: " + audit["verify"]}.
"""


def head_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--think", default="1,3", help="think time between actions, min,max s")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    search_url = os.environ.get("ICJS_TEST_OPENSEARCH_URL")
    state_url = os.environ.get("ICJS_TEST_POSTGRES_URL")
    if not search_url or not state_url:
        print("run through `make bench-load` (it starts PostgreSQL and OpenSearch)")
        return 2

    from config import load_settings
    from simulators.harness import start_simulators

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root = (WORK / stamp).resolve()
    root.mkdir(parents=True)
    port = free_port()
    config = write_config(root, search_url, state_url, port)
    os.environ["ICJS_CONFIG"] = str(config)
    settings = load_settings()
    rng = random.Random(args.seed)

    print(f"[load] world of {args.persons:,} people, synced into OpenSearch", flush=True)
    sims = start_simulators(seed=args.seed, persons=args.persons, faults="none", data_dir=WORK)
    try:
        sync_s = sync_world(settings, sims.manifest)
    finally:
        sims.stop()
    plan = plan_queries(settings, rng)
    for state, token in tokens(settings, sorted(plan)).items():
        plan[state]["token"] = token
    plan_file = root / "plan.json"
    plan_file.write_text(json.dumps({"states": plan}), encoding="utf-8")
    plan_file.chmod(0o600)  # officer tokens
    from indexer import open_backend

    backend = open_backend(settings.search)
    try:
        records = backend.count()
    finally:
        backend.close()

    print(f"[load] API: {args.workers} workers; {len(plan)} states in the plan", flush=True)
    server = start_api(config, port, args.workers, root / "api.log")
    try:
        with audit_log(settings) as log:
            before = log.count()
        load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"[load] {args.users} officers for {args.duration} s", flush=True)
        run_locust(plan_file, port, args.users, args.duration, args.think, root / "locust")
        load_after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        time.sleep(2)  # the last answers' audit entries are written as they start
    finally:
        server.terminate()
        server.wait(timeout=60)
    stats = read_stats(root / "locust")
    entries, chain_ok, verify = audit_check(settings, before)
    sent = next((r["requests"] for r in stats if r["name"] == "Aggregated"), 0)
    result = {
        "when": stamp,
        "commit": head_commit(),
        "cores": os.cpu_count(),
        "persons": args.persons,
        "records": records,
        "sync_s": sync_s,
        "users": args.users,
        "workers": args.workers,
        "duration_s": args.duration,
        "think_s": args.think,
        "load_before": load_before,
        "load_after": load_after,
        "stats": stats,
        "audit": {
            "entries": entries,
            "per_request": entries / sent if sent else 0.0,
            "chain_ok": chain_ok,
            "verify": verify,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    text = render(result)
    (RESULTS / "load.md").write_text(text)
    print(text)
    shutil.rmtree(root / "keys", ignore_errors=True)
    return 0 if chain_ok and entries == 2 * sent else 1


if __name__ == "__main__":
    raise SystemExit(main())
