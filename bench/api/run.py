"""Person search through HTTP: latency and throughput, next to the same searches in-process.

    .venv/bin/python -m bench.api.run [--records 100000] [--queries 200] [--clients 1,32]

Builds (or reuses, under var/bench/api/) an embedded index of synthetic records
(`bench.backends.synthetic`, the same generator as the backend benchmark), then runs one set of
person searches with misspelled names three ways:

- in-process: `PersonSearchService.search` with the policy, as the route calls it (no HTTP);
- HTTP, 1 client: one request at a time against `icjs`'s app under uvicorn in its own process,
  alternating with the in-process calls so that both see the same load on the shared cores;
- HTTP, N clients: N concurrent clients (asyncio), the queries repeated N/8 times.

The HTTP figures include authentication (officer token verified on every request), the per-caller
rate limit (set out of reach), the audit log (one hash-chained SQLite append per request), JSON
encoding and the network stack on loopback. The client runs on the same two cores as the server.
Prints a table and writes bench/results/api.md and a timestamped JSON beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from auth.principal import Role
from auth.service import AuthService
from bench.backends.synthetic import batches, misspell
from bench.service import person_search_service
from config import Settings
from config.runtime import tune_gc
from config.settings import ApiSettings, AuthSettings, SearchSettings, SyncSettings
from federation import PersonSearch
from indexer import open_backend
from records import Record

RESULTS = Path(__file__).resolve().parents[1] / "results"
CACHE = Path("var/bench/api")
BATCH = 1000
PURPOSE = "benchmark"


@dataclass
class Row:
    mode: str
    records: int
    clients: int
    searches: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_s: float
    errors: int = 0
    workers: int = 1  # uvicorn worker processes serving the HTTP rows of the run
    load: str = ""  # 1-minute load average when the run started and ended ("0.3-0.5")
    commit: str = ""  # git HEAD when the run was made (the tree is shared: HEAD, not "clean")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build_index(path: Path, total: int, seed: int) -> None:
    marker = path.with_suffix(".done")
    if marker.exists() and marker.read_text() == f"{total}:{seed}":
        print(f"[bench api] reusing {path} ({total:,} records)", file=sys.stderr)
        return
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    backend = open_backend(SearchSettings(backend="embedded", path=path))
    started = time.perf_counter()
    done = 0
    try:
        for batch in batches(total, BATCH, seed):
            result = backend.upsert(batch)
            if result.failed:
                raise RuntimeError(f"indexing failed: {result.failed[:3]}")
            done += len(batch)
            if done % 20_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"[bench api] indexed {done:,} ({rate:,.0f}/s)", file=sys.stderr)
        backend.flush()
    finally:
        backend.close()
    marker.write_text(f"{total}:{seed}")


def queries(total: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Misspelled names of people who are in the index, with a birth year half the time."""
    rng = random.Random(seed + 1)
    people: list[Record] = []
    for batch in batches(min(total, 20 * BATCH), BATCH, seed):
        people.extend(r for r in batch if r.subjects() and r.subjects()[0].name)
    picked = rng.sample(people, min(count, len(people)))
    out = []
    for r in picked:
        person = r.subjects()[0]
        body: dict[str, Any] = {"name": misspell(person.name or "", rng), "purpose": PURPOSE}
        if person.birth_date and rng.random() < 0.5:
            body["birth_year"] = person.birth_date.year
        out.append(body)
    return out


def index_path(total: int, seed: int) -> Path:
    """Where `build_index` keeps `total` synthetic records, reused from run to run."""
    return (CACHE / f"records-{total}-{seed}.db").resolve()


def built_index(total: int, seed: int) -> Path | None:
    """The index a `bench.api.run` left, or None after saying how to build it (for the tools that
    reuse it and do not build one themselves)."""
    index = index_path(total, seed)
    if not index.exists():
        print(f"no index at {index}: run bench.api.run --records {total}", file=sys.stderr)
        return None
    return index


def officer_token(auth: AuthService) -> str:
    """The benchmark's caller: a Maharashtra officer, minted by the demo key ring."""
    assert auth.demo is not None
    return auth.demo.mint(role=Role.OFFICER, state="MH", district="PUNE")


def person_searches(bodies: list[dict[str, Any]]) -> list[PersonSearch]:
    """The request bodies as the route turns them into searches."""
    return [PersonSearch(name=b["name"], birth_year=b.get("birth_year"), limit=20) for b in bodies]


def settings_for(root: Path, index: Path) -> Settings:
    return Settings(
        search=SearchSettings(backend="embedded", path=index),
        auth=AuthSettings(
            db_path=root / "auth.db", keys_dir=root / "keys", audit_path=root / "audit.db"
        ),
        sync=SyncSettings(state_path=root / "sync.db"),
        api=ApiSettings(rate_limit_per_minute=100_000_000),
        data_dir=root,
    )


def paired(
    settings: Settings, url: str, token: str, bodies: list[dict[str, Any]], total: int
) -> tuple[Row, Row]:
    """The same searches in-process and through HTTP, alternating one of each, so that both
    see the same machine load (two shared cores make back-to-back runs incomparable)."""
    backend = open_backend(settings.search)
    auth = AuthService.from_settings(settings.auth)
    try:
        caller = auth.authenticate(f"Bearer {token}")
        service = person_search_service(
            backend, auth.policy, max_candidates=settings.api.max_candidates
        )
        searches = person_searches(bodies)
        local: list[float] = []
        remote: list[float] = []
        errors = 0
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for s, body in list(zip(searches, bodies, strict=True))[:10]:  # warm both paths
                service.search(caller, s)
                http.post("/v1/persons/search", json=body)
            local_s = remote_s = 0.0
            for s, body in zip(searches, bodies, strict=True):
                t = time.perf_counter()
                service.search(caller, s)
                local.append(time.perf_counter() - t)
                t = time.perf_counter()
                response = http.post("/v1/persons/search", json=body)
                remote.append(time.perf_counter() - t)
                errors += response.status_code != 200
            local_s, remote_s = sum(local), sum(remote)
    finally:
        auth.close()
        backend.close()
    local_ms = [x * 1000 for x in local]
    remote_ms = [x * 1000 for x in remote]
    return (
        Row("in-process", total, 1, len(local), *_summary(local_ms), len(local) / local_s),
        Row("http", total, 1, len(remote), *_summary(remote_ms), len(remote) / remote_s, errors),
    )


def _summary(latencies: list[float]) -> tuple[float, float, float]:
    return (
        round(pct(latencies, 50), 2),
        round(pct(latencies, 95), 2),
        round(pct(latencies, 99), 2),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(settings: Settings) -> dict[str, str]:
    """This process's environment for an API server of `settings` (index, stores, keys, rate
    limit, data directory), with no configuration file: what every benchmark server starts
    with."""
    search = settings.search
    env = {
        **os.environ,
        "ICJS_SEARCH__BACKEND": search.backend,
        "ICJS_SEARCH__PATH": str(search.path),
        "ICJS_SEARCH__INDEX_PREFIX": search.index_prefix,
        "ICJS_AUTH__DB_PATH": str(settings.auth.db_path),
        "ICJS_AUTH__KEYS_DIR": str(settings.auth.keys_dir),
        "ICJS_AUTH__AUDIT_PATH": str(settings.auth.audit_path),
        "ICJS_SYNC__STATE_PATH": str(settings.sync.state_path),
        "ICJS_API__RATE_LIMIT_PER_MINUTE": str(settings.api.rate_limit_per_minute),
        "ICJS_DATA_DIR": str(settings.data_dir),
    }
    env.pop("ICJS_CONFIG", None)
    if search.url:
        env["ICJS_SEARCH__URL"] = search.url
    return env


def start_server(settings: Settings, port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.api.server", str(port), str(workers)],
        env=server_env(settings),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not become ready")


async def over_http(
    url: str, token: str, bodies: list[dict[str, Any]], clients: int, total: int
) -> Row:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        for body in bodies[:10]:
            await http.post("/v1/persons/search", json=body)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)

        async def client() -> None:
            nonlocal errors
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t = time.perf_counter()
                response = await http.post("/v1/persons/search", json=body)
                latencies.append((time.perf_counter() - t) * 1000)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return Row(
        "http",
        total,
        clients,
        len(latencies),
        *_summary(latencies),
        len(latencies) / elapsed,
        errors,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| mode | records | workers | clients | searches | p50 ms | p95 ms | p99 ms | searches/s "
        "| errors | load | commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        workers = r.workers if r.mode == "http" else "-"
        lines.append(
            f"| {r.mode} | {r.records:,} | {workers} | {r.clients} | {r.searches} | {r.p50_ms} "
            f"| {r.p95_ms} | {r.p99_ms} | {r.per_s:.1f} | {r.errors} | {r.load or '?'} "
            f"| {r.commit or '?'} |"
        )
    return "\n".join(lines)


def overheads(rows: list[Row]) -> list[str]:
    out = []
    for total in sorted({r.records for r in rows}):
        base = next(
            (r for r in reversed(rows) if r.records == total and r.mode == "in-process"), None
        )
        one = next(
            (
                r
                for r in reversed(rows)
                if r.records == total
                and r.mode == "http"
                and r.clients == 1
                and (base is None or r.commit == base.commit)
            ),
            None,
        )
        if base and one:
            out.append(
                f"- {total:,} records: HTTP/in-process p50 {one.p50_ms / base.p50_ms:.2f}×, "
                f"p95 {one.p95_ms / base.p95_ms:.2f}×"
            )
    return out


def head_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def latest_rows() -> list[Row]:
    """For each record count and worker count, the rows of the newest results file that has
    them (a run with more workers does not hide the one-worker figures)."""
    newest: dict[tuple[int, int], list[Row]] = {}
    for path in sorted(RESULTS.glob("api-*.json")):  # timestamps sort in time order
        by_size: dict[tuple[int, int], list[Row]] = {}
        for item in json.loads(path.read_text()):
            row = Row(**item)
            by_size.setdefault((row.records, row.workers), []).append(row)
        newest.update(by_size)
    return [row for key in sorted(newest) for row in newest[key]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="100000", help="comma-separated sizes")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", default="1,32", help="comma-separated client counts")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--render", action="store_true", help="only rewrite api.md")
    args, _ = parser.parse_known_args(argv)  # `make bench` passes every benchmark's options
    if args.render:
        render()
        return 0
    tune_gc()  # the in-process searches stand for the route in an `icjs serve` process
    sizes = [int(x.replace("_", "")) for x in args.records.split(",")]
    client_counts = [int(x) for x in args.clients.split(",")]
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    for total in sizes:
        index = index_path(total, args.seed)
        build_index(index, total, args.seed)
        bodies = queries(total, args.queries, args.seed)
        with tempfile.TemporaryDirectory(prefix="icjs-bench-api-") as tmp:
            settings = settings_for(Path(tmp), index)
            auth = AuthService.from_settings(settings.auth)  # creates the key ring first
            token = officer_token(auth)
            auth.close()
            port = free_port()
            server = start_server(settings, port, args.workers)
            url = f"http://127.0.0.1:{port}"
            try:
                for clients in client_counts:
                    if clients == 1:
                        pair = paired(settings, url, token, bodies, total)
                        rows.extend(pair)
                    else:
                        work = bodies * max(1, clients // 8)
                        rows.append(asyncio.run(over_http(url, token, work, clients, total)))
                    print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    load_after = os.getloadavg()[0]
    commit = head_commit()
    for row in rows:
        row.workers = args.workers
        row.load = f"{load_before:.1f}-{load_after:.1f}"
        row.commit = commit
    text = table(rows)
    notes = overheads(rows)
    print(text)
    print("\n".join(notes))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"api-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in rows], indent=2) + "\n"
    )
    render()
    return 0


def render() -> None:
    """bench/results/api.md from the results files (`--render` redoes it without a run)."""
    latest = latest_rows()
    (RESULTS / "api.md").write_text(
        f"# API benchmark ({os.cpu_count()} CPUs)\n\n"
        "Newest run per size and uvicorn worker count from bench/results/api-*.json. `load` is "
        "the 1-minute load average when that run started and ended (the cores are shared: a "
        "figure taken above 1 is slower than the code); `commit` is git HEAD at the run.\n\n"
        f"{table(latest)}\n\n" + "\n".join(overheads(latest)) + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())
