"""Memory and descriptors of a long-running API under sustained and bursty load.

    .venv/bin/python -m bench.api.memory [--records 100000] [--searches 50000]
        [--burst 2500] [--gap 12] [--clients 16] [--every 5000]

Serves an embedded index of synthetic records (`bench.api.run`'s, reused under var/bench/api/)
with the API in its own process, and drives varied person searches at it: every search a new
misspelling of someone in the index (half with a birth year, some with a relative's name), so
that the matcher's caches see new names all the time, in bursts of `--burst` searches from
`--clients` concurrent clients, separated by idle gaps longer than the server's worker threads
live (anyio retires an idle worker after 10 s: the next burst runs on new threads). Every
`--every` searches it reads the server's `/proc/<pid>/status` and `fd/`:

- anonymous memory (`RssAnon`: Python objects, caches, SQLite page caches),
- mapped memory (`RssFile` + `RssShmem`: code, the WAL index, any memory-mapped file),
- open descriptors (all, and those on the index file and its WAL).

Growth over the last half (last reading against the one at half-way) should stay under 10%.
Prints a table and writes bench/results/memory.md and a timestamped JSON beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from auth.service import AuthService
from bench.api.run import (
    BATCH,
    PURPOSE,
    build_index,
    free_port,
    head_commit,
    index_path,
    officer_token,
    settings_for,
    start_server,
)
from bench.backends.synthetic import batches, misspell
from records import Record

RESULTS = Path(__file__).resolve().parents[1] / "results"


@dataclass
class Reading:
    searches: int
    anon_mb: float
    mapped_mb: float
    fds: int
    index_fds: int
    errors: int
    seconds: float


def status(pid: int, index: Path) -> tuple[float, float, int, int]:
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0])  # kB
    names = {str(index), f"{index}-wal"}
    fds = index_fds = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        fds += 1
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in names:
                index_fds += 1
        except OSError:
            continue
    mapped = fields.get("RssFile", 0) + fields.get("RssShmem", 0)
    return fields.get("RssAnon", 0) / 1024, mapped / 1024, fds, index_fds


def people(total: int, seed: int) -> list[Record]:
    out: list[Record] = []
    for batch in batches(min(total, 20 * BATCH), BATCH, seed):
        out.extend(r for r in batch if r.subjects() and r.subjects()[0].name)
    return out


def body(rng: random.Random, pool: list[Record]) -> dict[str, Any]:
    """A new misspelling of someone in the index; some with a birth year or a relative."""
    person = rng.choice(pool).subjects()[0]
    out: dict[str, Any] = {"name": misspell(person.name or "", rng), "purpose": PURPOSE}
    if person.birth_date and rng.random() < 0.5:
        out["birth_year"] = person.birth_date.year
    if person.relative_name and rng.random() < 0.3:
        out["father_name"] = misspell(person.relative_name, rng)
    out["limit"] = rng.choice((5, 10, 20, 50))
    return out


async def drive(
    url: str,
    token: str,
    pid: int,
    index: Path,
    args: argparse.Namespace,
    pool: list[Record],
) -> list[Reading]:
    rng = random.Random(args.seed)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    readings = [Reading(0, *status(pid, index), 0, 0.0)]
    done = errors = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:
        while done < args.searches:
            burst = min(args.burst, args.searches - done)
            bodies = [body(rng, pool) for _ in range(burst)]
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            for b in bodies:
                queue.put_nowait(b)

            async def client(queue: asyncio.Queue[dict[str, Any]]) -> None:
                nonlocal done, errors
                while True:
                    try:
                        b = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    response = await http.post("/v1/persons/search", json=b)
                    errors += response.status_code != 200
                    done += 1
                    if done % args.every == 0:
                        seconds = round(time.perf_counter() - started, 1)
                        readings.append(Reading(done, *status(pid, index), errors, seconds))
                        r = readings[-1]
                        print(
                            f"[bench memory] {done:,} searches: anon {r.anon_mb:.0f} MB, "
                            f"mapped {r.mapped_mb:.0f} MB, {r.fds} fds ({r.index_fds} on the "
                            f"index), {errors} errors, {seconds:.0f} s",
                            file=sys.stderr,
                        )

            await asyncio.gather(*(client(queue) for _ in range(args.clients)))
            if done < args.searches:
                await asyncio.sleep(args.gap)  # the server's idle worker threads retire
    return readings


def growth(readings: list[Reading]) -> dict[str, float]:
    """Growth over the last half: the last reading against the one at half-way, in %."""
    last = readings[-1]
    half = min(readings, key=lambda r: abs(r.searches - last.searches / 2))
    return {
        name: round(100 * (getattr(last, name) - getattr(half, name)) / getattr(half, name), 1)
        for name in ("anon_mb", "mapped_mb", "fds")
        if getattr(half, name)
    }


def table(readings: list[Reading]) -> str:
    lines = [
        "| searches | anonymous MB | mapped MB | open fds | on the index | errors | s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in readings:
        lines.append(
            f"| {r.searches:,} | {r.anon_mb:.0f} | {r.mapped_mb:.0f} | {r.fds} | {r.index_fds} "
            f"| {r.errors} | {r.seconds:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=50_000)
    parser.add_argument("--burst", type=int, default=2_500)
    parser.add_argument("--gap", type=float, default=12.0, help="idle seconds between bursts")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--every", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    index = index_path(args.records, args.seed)
    index.parent.mkdir(parents=True, exist_ok=True)
    build_index(index, args.records, args.seed)
    pool = people(args.records, args.seed)
    with tempfile.TemporaryDirectory(prefix="icjs-bench-memory-") as tmp:
        settings = settings_for(Path(tmp), index)
        auth = AuthService.from_settings(settings.auth)
        token = officer_token(auth)
        auth.close()
        port = free_port()
        server = start_server(settings, port, 1)
        try:
            readings = asyncio.run(
                drive(f"http://127.0.0.1:{port}", token, server.pid, index, args, pool)
            )
        finally:
            server.terminate()
            server.wait(30)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": head_commit(),
        "args": vars(args),
        "readings": [asdict(r) for r in readings],
        "growth_last_half_pct": growth(readings),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"memory-{stamp}.json").write_text(json.dumps(report, indent=1))
    text = (
        f"# API memory and descriptors under bursty load ({report['when']}, {report['commit']})\n\n"
        f"{args.records:,} records, {args.searches:,} varied person searches, bursts of "
        f"{args.burst:,} from {args.clients} clients, {args.gap:g} s idle between bursts.\n\n"
        f"{table(readings)}\n\nGrowth over the last half: {report['growth_last_half_pct']}\n"
    )
    (RESULTS / "memory.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
