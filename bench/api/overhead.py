"""What the API request around a person search costs, and whether a change keeps its answers.

    .venv/bin/python -m bench.api.overhead [--baseline CHECKOUT [--baseline-python PY]]
        [--gallery 5000] [--per-class 25] [--repeat 1] [--py-spy FILE]

The world and queries are `bench.yente`'s (`bench.names`' dataset, seed 7), in an embedded index
kept under var/bench/api/ from run to run. The API of this checkout, and with `--baseline` the
API of another checkout (an earlier commit's code, run by `--baseline-python`: a venv with that
commit's packages, this one by default) on the very same index, key ring and profile-id key,
serve `POST /v1/persons/search` from their own processes (`bench.api.server`'s app and
collector settings); the queries are asked one at a time over HTTP, in batches that alternate
between the servers so that both see the same load on the shared cores. Each request carries
its own `X-Request-ID` (`bench-<n>`), so two servers' answers to it can be compared byte for
byte.

Reported per server: CPU per request of its process (from /proc, as `make bench-yente` reads
it), of which inside `PersonSearchService.search` (the CPU clock of the thread running it), and
the difference: the request around the search (HTTP, token, policy, audit, the answer's JSON,
remembering the search for retro-hits), split into the main thread's (uvicorn's event loop:
HTTP, middleware, validation, the answer's models and JSON) and the worker threads' beside the
search (the token and revocation look-up, the two audit appends, remembering the search). With
`--baseline`: how many answers differ in bytes, and whether the two audit logs hold the same
entries (all but time, latency and hashes) and both verify. `--py-spy FILE` samples this
checkout's server with py-spy (`--gil`: where the interpreter's time goes; raw collapsed
stacks). Exit status 1 when answers or audit entries differ.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from auth.service import AuthService
from bench.api.run import free_port, head_commit, officer_token, server_env
from bench.names.dataset import Dataset, build
from bench.names.generate import Query
from bench.yente import ftm
from bench.yente.cpu import process_cpu_s
from bench.yente.run import index_product, product_settings
from bench.yente.service import wait_ready
from config import Settings
from config.runtime import tune_gc
from config.settings import SearchSettings
from federation.profile_ids import ProfileIds
from state.audit import AuditLog, AuditQuery

ROOT = Path(__file__).resolve().parents[2]
# The server as `bench.api.server` runs it, with `PersonSearchService.search` timed by the CPU
# clock of the thread that runs it (SIGUSR1 starts the count again; SIGUSR2 writes the total to
# argv[2]: uvicorn re-raises SIGTERM once it has stopped, so nothing runs after it). Run with
# the checkout under test first on PYTHONPATH, so it times that checkout's code.
TIMED_SERVER = """
import json, os, signal, sys, time
import uvicorn
from bench.api.server import factory
app = factory()
spent = {"search_cpu_s": 0.0, "searches": 0}
search = app.state.persons.search
def timed(caller, query):
    started = time.thread_time()
    try:
        return search(caller, query)
    finally:
        spent["search_cpu_s"] += time.thread_time() - started
        spent["searches"] += 1
app.state.persons.search = timed
def write(*_):
    with open(sys.argv[2] + ".tmp", "w") as out:
        json.dump(spent, out)
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
signal.signal(signal.SIGUSR1, lambda *_: spent.update(search_cpu_s=0.0, searches=0))
signal.signal(signal.SIGUSR2, write)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""
CACHE = ROOT / "var/bench/api"
LIMIT = 10
# what differs between two logs of the same requests by design
_UNCOMPARED = ("seq", "time", "latency_ms", "prev_hash", "hash")


@dataclass
class Server:
    name: str
    checkout: Path
    settings: Settings
    python: Path = Path(sys.executable)
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    cpu_s: float = 0.0
    loop_cpu_s: float = 0.0  # of which the main thread's: uvicorn's event loop
    requests: int = 0
    errors: int = 0
    answers: dict[str, bytes] = field(default_factory=dict)

    @property
    def spent_file(self) -> Path:
        return self.settings.data_dir / "search-cpu.json"


def names_index(seed: int, gallery: int, per_class: int, data: Dataset) -> SearchSettings:
    """The dataset's records in an embedded index, built once and reused."""
    path = CACHE / f"names-{seed}-{gallery}-{per_class}.db"
    marker = path.with_suffix(".done")
    settings = SearchSettings(backend="embedded", path=path)
    if not marker.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()
        index_product(settings, data)
        marker.write_text("done")
    return settings


def start(server: Server, key_file: Path, log: Path) -> None:
    settings = server.settings
    env = {**server_env(settings), "ICJS_PROFILES__KEY_FILE": str(key_file)}
    env["PYTHONPATH"] = os.pathsep.join([str(server.checkout), env.get("PYTHONPATH", "")])
    script = settings.data_dir / "timed_server.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(TIMED_SERVER)
    port = free_port()
    with log.open("ab") as sink:
        server.proc = subprocess.Popen(
            [str(server.python), str(script), str(port), str(server.spent_file)],
            env=env,
            cwd=server.checkout,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server.url = f"http://127.0.0.1:{port}"
    wait_ready(server.proc, f"{server.url}/readyz")


def thread_cpu_s(pid: int, tid: int) -> float:
    """User + system CPU seconds of one thread of `pid` (the main thread: `tid` = `pid`)."""
    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text(encoding="ascii")
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask(servers: list[Server], bodies: list[dict[str, Any]], token: str, batch: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=120, headers=headers) as http:
        for server in servers:  # warm caches and the connection; not counted
            for i, body in enumerate(bodies[:20]):
                warm = {"X-Request-ID": f"warm-{i:06d}"}
                http.post(f"{server.url}/v1/persons/search", json=body, headers=warm)
            assert server.proc is not None
            server.proc.send_signal(signal.SIGUSR1)  # the search's CPU counted from here
            time.sleep(0.5)
        for number, first in enumerate(range(0, len(bodies), batch)):
            turn = number % len(servers)
            for server in servers[turn:] + servers[:turn]:
                assert server.proc is not None
                before = process_cpu_s(server.proc.pid)
                loop_before = thread_cpu_s(server.proc.pid, server.proc.pid)
                for i in range(first, min(first + batch, len(bodies))):
                    request_id = f"bench-{i:06d}"
                    response = http.post(
                        f"{server.url}/v1/persons/search",
                        json=bodies[i],
                        headers={"X-Request-ID": request_id},
                    )
                    server.errors += response.status_code != 200
                    server.answers[request_id] = response.content
                    server.requests += 1
                server.cpu_s += process_cpu_s(server.proc.pid) - before
                server.loop_cpu_s += thread_cpu_s(server.proc.pid, server.proc.pid) - loop_before


def audit_entries(path: Path) -> tuple[list[dict[str, Any]], bool]:
    log = AuditLog(path)
    try:
        ok = log.verify().ok
        entries = []
        since = 0
        while True:
            page = log.entries(AuditQuery(since_seq=since, limit=1000, newest_first=False))
            if not page:
                break
            since = page[-1].seq
            for entry in page:
                if entry.route != "/v1/persons/search":
                    continue  # the readiness probes while the servers started
                data = entry.as_dict()
                for key in _UNCOMPARED:
                    data.pop(key)
                entries.append(data)
        return entries, ok
    finally:
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000, help="people")
    parser.add_argument("--per-class", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=1, help="ask the queries this many times")
    parser.add_argument("--batch", type=int, default=20, help="queries per turn of a server")
    parser.add_argument("--baseline", type=Path, help="another checkout served alongside")
    parser.add_argument(
        "--baseline-python",
        type=Path,
        help="the baseline's interpreter (a venv with the baseline's packages); default this one",
    )
    parser.add_argument("--py-spy", type=Path, help="sample this checkout's server into FILE")
    args = parser.parse_args(argv)
    tune_gc()  # the in-process searches stand for the route in an `icjs serve` process
    data = build(args.seed, args.gallery, args.per_class)
    search = names_index(args.seed, args.gallery, args.per_class, data)
    queries: list[Query] = data.queries
    bodies = [ftm.product_body(q, LIMIT) for q in queries] * args.repeat
    root = Path(tempfile.mkdtemp(prefix="icjs-bench-overhead-"))
    key_file = root / "profile-ids.key"
    ProfileIds.from_file(key_file)  # made once, before two servers could race to make it
    servers = [Server("this tree", ROOT, product_settings(root / "this", search))]
    if args.baseline:
        servers.append(
            Server(
                "baseline",
                args.baseline.resolve(),
                product_settings(root / "base", search),
                python=args.baseline_python or Path(sys.executable),
            )
        )
    keys_dir = servers[0].settings.auth.keys_dir
    for server in servers:
        server.settings.auth.keys_dir = keys_dir  # one key ring: one token for all
    auth = AuthService.from_settings(servers[0].settings.auth)
    token = officer_token(auth)
    auth.close()
    log = root / "servers.log"
    spy: subprocess.Popen[bytes] | None = None
    try:
        for server in servers:
            start(server, key_file, log)
        if args.py_spy:
            assert servers[0].proc is not None
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(servers[0].proc.pid),
                    "--format",
                    "raw",
                    "--gil",
                    "--rate",
                    "500",
                    "--output",
                    str(args.py_spy),
                ],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1)
        load_before = os.getloadavg()[0]
        ask(servers, bodies, token, args.batch)
        load_after = os.getloadavg()[0]
    finally:
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes what it sampled
            spy.wait(timeout=60)
        for server in servers:
            if server.proc is not None:
                server.proc.send_signal(signal.SIGUSR2)
                deadline = time.monotonic() + 10
                while not server.spent_file.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
                server.proc.terminate()
                server.proc.wait(timeout=30)
    print(
        f"{len(bodies)} searches, commit {head_commit()}, load {load_before:.1f}-{load_after:.1f}"
    )
    for server in servers:
        spent = json.loads(server.spent_file.read_text())
        per = 1000 * server.cpu_s / server.requests
        search_ms = 1000 * spent["search_cpu_s"] / spent["searches"]
        loop_ms = 1000 * server.loop_cpu_s / server.requests
        print(
            f"{server.name}: {per:.2f} ms CPU per request ({server.errors} errors), of which "
            f"the search {search_ms:.2f} ms and around it {per - search_ms:.2f} ms: the event "
            f"loop's thread {loop_ms:.2f} ms, the worker threads' beside the search "
            f"{per - search_ms - loop_ms:.2f} ms"
        )
    status = 0
    if args.baseline:
        this, base = servers
        differ = sum(this.answers[k] != base.answers.get(k) for k in this.answers)
        print(f"answers differing in bytes: {differ} of {len(this.answers)}")
        ours, ours_ok = audit_entries(this.settings.auth.audit_path)
        theirs, theirs_ok = audit_entries(base.settings.auth.audit_path)
        same = ours == theirs
        for a, b in zip(ours, theirs, strict=False):
            if a != b:
                shown = {
                    k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)
                }
                print(f"first differing audit entry: {shown}", file=sys.stderr)
                break
        print(
            f"audit: {len(ours)} and {len(theirs)} entries, same content: {same}, "
            f"chains verify: {ours_ok} and {theirs_ok}"
        )
        if this.cpu_s and base.cpu_s:
            print(f"CPU per request this tree / baseline: {this.cpu_s / base.cpu_s:.3f}")
        status = int(differ > 0 or not same or not ours_ok or not theirs_ok)
    return status


if __name__ == "__main__":
    sys.exit(main())
