"""One tree's side of `bench.linkage.speed`, run as a script inside that tree (`--tree`): written
against the APIs of both the trees it compares (before and after issue 16), so it uses only what
both have and asks the service's signature for the rest.

    speed_child.py --tree T sync --engine E --manifest M --work DIR   → {"settings": file}
    speed_child.py --tree T names --engine E --settings F --count N --seed S  → {"names": […]}
    speed_child.py --tree T search --engine E --settings F --names FILE [--settle]
                                                                  → {"times": […], …}
    speed_child.py --tree T drop --engine E --settings F
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import inspect
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

WARM_UP = 20
_GROUPING = "group"  # `federation.persons.group`, timed by `_Split`


def _tree_first(tree: str) -> None:
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [tree] + [p for p in sys.path if p not in (here, tree)]


def _search_settings(engine: str, work: Path) -> dict[str, Any]:
    if engine == "embedded":
        return {"backend": "embedded", "path": str(work / "index.db")}
    return {
        "backend": engine,
        "url": os.environ[f"ICJS_TEST_{engine.upper()}_URL"],
        "index_prefix": f"icjs-bench-speed-{uuid.uuid4().hex[:8]}",
    }


def _backend(settings_file: str) -> Any:
    from config import SearchSettings
    from indexer import open_backend

    return open_backend(SearchSettings(**json.loads(Path(settings_file).read_text())))


def sync(args: argparse.Namespace) -> dict[str, Any]:
    from config import SearchSettings, SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from indexer import open_backend

    work = Path(args.work)
    settings = _search_settings(args.engine, work)
    backend = open_backend(SearchSettings(**settings))
    manifest = json.loads(Path(args.manifest).read_text())
    sources = {n: SourceSettings(**e) for n, e in manifest.items()}
    state = work / "sync.db"
    report = asyncio.run(run_sync(sources, backend, state, SyncSettings(state_path=state), True))
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    if failed:
        raise RuntimeError(f"sync failed: {failed}")
    backend.flush()
    backend.close()
    out = work / "search.json"
    out.write_text(json.dumps(settings))
    return {"settings": str(out)}


def names(args: argparse.Namespace) -> dict[str, Any]:
    from federation.planning import PERSON_KINDS

    backend = _backend(args.settings)
    written = sorted(
        {
            p.name or p.names[0]
            for r in backend.records()
            if r.kind in PERSON_KINDS
            for p in r.subjects()
            if p.names
        }
    )
    backend.close()
    rng = random.Random(args.seed)
    return {"names": rng.sample(written, min(args.count, len(written)))}


def _service(backend: Any) -> Any:
    from auth.policy import Policy
    from federation import PersonSearchService

    wanted = inspect.signature(PersonSearchService).parameters
    extra: dict[str, Any] = {}
    if "ids" in wanted:  # sealed profile ids (issue 16)
        from federation.profile_ids import KEY_BYTES, ProfileIds

        extra["ids"] = ProfileIds([os.urandom(KEY_BYTES)])
    if "model" in wanted:  # the linkage model: the packaged one, as before an estimate
        from federation.linkage import load_model

        extra["model"] = load_model(None)
    return PersonSearchService(backend, Policy.load(), **extra)


def _quiet_collector() -> Any:
    """The bench's own tree's `config.runtime.QuietCollector`, loaded from its file (it needs
    only `gc`), so that a tree from before it is measured under the same policy."""
    path = Path(__file__).resolve().parents[2] / "config" / "runtime.py"
    spec = importlib.util.spec_from_file_location("_bench_runtime", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    collector = module.QuietCollector()
    collector.install()
    return collector


def search(args: argparse.Namespace) -> dict[str, Any]:
    from auth.principal import Caller, Role
    from federation import PersonSearch

    try:
        from config.runtime import tune_gc

        tune_gc()
    except ImportError:
        pass
    backend = _backend(args.settings)
    service = _service(backend)
    caller = Caller(
        subject="bench-speed",
        role=Role.SUPERVISOR,
        scopes=frozenset({"persons:search", "persons:read"}),
        state="MH",
        district="PUNE",
        clearances=frozenset({"sensitive"}),
    )
    queries = json.loads(Path(args.names).read_text())
    # as an API worker after each response (`api.middleware.CollectorMiddleware`): the
    # settling's CPU is not in the search's (it is after the response), and is reported apart
    collector = _quiet_collector() if args.settle else None
    for name in queries[:WARM_UP]:
        service.search(caller, PersonSearch(name=name))
        if collector is not None:
            collector.settle()
    split = _Split()
    kept_before = len(gc.get_objects()) + gc.get_freeze_count()
    times, cpu, settle_cpu = [], [], []
    for name in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        service.search(caller, PersonSearch(name=name))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if collector is not None:
            split.paused = True
            settling = time.process_time()
            collector.settle()
            settle_cpu.append(time.process_time() - settling)
            split.paused = False
    split.stop()
    kept = (len(gc.get_objects()) + gc.get_freeze_count() - kept_before) / max(1, len(queries))
    backend.close()
    return {
        "times": times,
        "cpu": cpu,
        "settle_cpu": settle_cpu,
        "full_collections": collector.full_collections if collector is not None else 0,
        "grouping_cpu": split.grouping / max(1, len(queries)),
        "collector_cpu": split.collector / max(1, len(queries)),
        "kept": kept,
    }


class _Split:
    """Where a tree's search CPU goes, summed over the searches: inside grouping
    (`federation.persons.group`, whose module both trees import it into) and inside the garbage
    collector (`gc.callbacks`); one more Python frame a search and a callback a collection."""

    def __init__(self) -> None:
        from federation import persons

        self.grouping = 0.0
        self.collector = 0.0
        self.paused = False  # while the policy settles, after a search
        self._persons = persons
        # replaced in the module that calls it (both trees import `group` into it)
        self._group = getattr(persons, _GROUPING)
        self._collecting = 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return self._group(*args, **kwargs)
            finally:
                self.grouping += time.process_time() - started

        setattr(persons, _GROUPING, timed)
        gc.callbacks.append(self._collection)

    def _collection(self, phase: str, info: dict[str, Any]) -> None:
        if self.paused:
            return
        if phase == "start":
            self._collecting = time.process_time()
        else:
            self.collector += time.process_time() - self._collecting

    def stop(self) -> None:
        setattr(self._persons, _GROUPING, self._group)
        gc.callbacks.remove(self._collection)


def drop(args: argparse.Namespace) -> dict[str, Any]:
    settings = json.loads(Path(args.settings).read_text())
    if settings["backend"] == "embedded":
        return {}
    import httpx

    httpx.delete(f"{settings['url'].split(',')[0]}/{settings['index_prefix']}-*", timeout=60)
    return {}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sync")
    s.add_argument("--engine", required=True)
    s.add_argument("--manifest", required=True)
    s.add_argument("--work", required=True)
    n = sub.add_parser("names")
    n.add_argument("--engine", required=True)
    n.add_argument("--settings", required=True)
    n.add_argument("--count", type=int, required=True)
    n.add_argument("--seed", type=int, required=True)
    q = sub.add_parser("search")
    q.add_argument("--engine", required=True)
    q.add_argument("--settings", required=True)
    q.add_argument("--names", required=True)
    q.add_argument("--settle", action="store_true", help="QuietCollector.settle() after each")
    d = sub.add_parser("drop")
    d.add_argument("--engine", required=True)
    d.add_argument("--settings", required=True)
    args = parser.parse_args()
    _tree_first(args.tree)
    command = {"sync": sync, "names": names, "search": search, "drop": drop}[args.command]
    print(json.dumps(command(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
