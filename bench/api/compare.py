"""Does a backend change keep person search results identical? Old and new code, one process.

    .venv/bin/python -m bench.api.compare [--rev HEAD~1] [--records 100000] [--queries 200]

Loads `indexer/backends/embedded.py` as it was at git revision `--rev` (beside the modules of the
working tree it imports) and the working tree's own, opens both on the benchmark's cached index
(`bench.api.run` builds it), and runs the benchmark's person searches through
`PersonSearchService` with each, plus opening the two best profiles of the first twenty. The
matcher is the same object for both, so any difference is the backend's: the full outcome
(profiles, their order, record views, match scores and reasons, links) must be equal. Prints how
many differ and the time per search of each (alternating, so both see the same machine load).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from auth.principal import Caller, Role
from auth.service import AuthService
from bench.api.run import CACHE, queries, settings_for
from federation import PersonSearch, PersonSearchService
from federation.persons import SearchOutcome
from indexer.backends.base import Backend
from indexer.backends.embedded import EmbeddedBackend

ROOT = Path(__file__).resolve().parents[2]


def old_backend(rev: str, index: Path, tmp: Path) -> Backend:
    source = subprocess.run(
        ["git", "show", f"{rev}:indexer/backends/embedded.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = tmp / "embedded_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("embedded_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    backend: Backend = module.EmbeddedBackend(index)
    return backend


def signature(outcome: SearchOutcome) -> Any:
    return (
        outcome.candidates,
        outcome.matched_records,
        outcome.withheld_fields,
        outcome.restrictions,
        [
            (
                p.profile_id,
                p.confidence,
                p.display_name,
                p.names,
                [(r.record_id, r.match, r.fields, r.withheld) for r in p.records],
                p.links,
            )
            for p in outcome.profiles
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD~1", help="git revision of the old embedded.py")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    index = (CACHE / f"records-{args.records}-{args.seed}.db").resolve()
    if not index.exists():
        print(f"no index at {index}: run bench.api.run --records {args.records}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="icjs-bench-compare-") as tmp:
        settings = settings_for(Path(tmp), index)
        auth = AuthService.from_settings(settings.auth)
        assert auth.demo is not None
        caller: Caller = auth.authenticate(
            "Bearer " + auth.demo.mint(role=Role.OFFICER, state="MH", district="PUNE")
        )
        old_store = old_backend(args.rev, index, Path(tmp))
        new_store = EmbeddedBackend(index)
        old = PersonSearchService(old_store, auth.policy, max_candidates=300)
        new = PersonSearchService(new_store, auth.policy, max_candidates=300)
        bodies = queries(args.records, args.queries, args.seed)
        searches = [
            PersonSearch(name=b["name"], birth_year=b.get("birth_year"), limit=20) for b in bodies
        ]
        searches += [PersonSearch(name=b["name"], limit=50, min_score=0.0) for b in bodies[:20]]
        differ = 0
        spent = {"old": 0.0, "new": 0.0}
        for search in searches:
            t = time.perf_counter()
            a = old.search(caller, search)
            spent["old"] += time.perf_counter() - t
            t = time.perf_counter()
            b = new.search(caller, search)
            spent["new"] += time.perf_counter() - t
            if signature(a) != signature(b):
                differ += 1
                print(f"differs: {search.name!r}", file=sys.stderr)
        opened = 0
        for search in searches[:20]:
            for profile in old.search(caller, search).profiles[:2]:
                x = old.profile(caller, profile.profile_id)
                y = new.profile(caller, profile.profile_id)
                opened += 1
                if (x and signature(SearchOutcome((x,), 0, 0))) != (
                    y and signature(SearchOutcome((y,), 0, 0))
                ):
                    differ += 1
                    print(f"profile differs: {profile.profile_id}", file=sys.stderr)
        old_store.close()
        new_store.close()
        auth.close()
    n = len(searches)
    print(
        f"{n} searches and {opened} profiles at {args.records:,} records: {differ} differ; "
        f"old {spent['old'] * 1000 / n:.1f} ms/search, new {spent['new'] * 1000 / n:.1f} ms/search"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
