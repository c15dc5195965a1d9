"""Does a backend change keep person search results identical? Old and new code, one process.

    .venv/bin/python -m bench.api.compare [--rev HEAD~1] [--records 100000] [--queries 200]

Loads the embedded backend's own modules (`embedded`, `sqlite_sql`, `sqlite_store`,
`sqlite_search`) as they were at git revision `--rev` and the working tree's, opens both on the
benchmark's cached index (`bench.api.run` builds it), and runs the benchmark's person searches
through `PersonSearchService` with each, plus opening the two best profiles of the first twenty.
Everything else (matcher, grouping, views) is the same code for both, so any difference is the
backend's. Prints how many full outcomes (profiles, their order, record views, scores, reasons,
links) differ, how many of those differ only in the order of profiles of equal confidence (and
how many of these show other equal ones at the limit), and the time per search of each
(alternating, so both see the same machine load). Exit status 1 if any differ beyond ties.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from auth.principal import Caller
from auth.service import AuthService
from bench.api.run import built_index, officer_token, person_searches, queries, settings_for
from bench.service import person_search_service
from federation import PersonSearch
from federation.persons import SearchOutcome
from indexer.backends.base import Backend
from indexer.backends.embedded import EmbeddedBackend

ROOT = Path(__file__).resolve().parents[2]


# The embedded backend's own modules: taken from the old revision together, so that the old
# embedded.py does not run the working tree's retrieval (the contract, `base`, stays shared).
OWN = ("embedded", "sqlite_sql", "sqlite_store", "sqlite_search")
PACKAGE = "icjs_old_backends"


def old_backend(rev: str, index: Path, tmp: Path) -> Backend:
    package = tmp / PACKAGE
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    for name in OWN:
        shown = subprocess.run(
            ["git", "show", f"{rev}:indexer/backends/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if shown.returncode != 0:
            continue  # not at that revision
        source = shown.stdout
        for other in OWN:
            source = source.replace(f"indexer.backends.{other}", f"{PACKAGE}.{other}")
            source = source.replace(
                f"from indexer.backends import {other}", f"from {PACKAGE} import {other}"
            )
        (package / f"{name}.py").write_text(source)
    sys.path.insert(0, str(tmp))
    module = importlib.import_module(f"{PACKAGE}.embedded")
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


def confidences(outcome: SearchOutcome) -> list[float]:
    return [p.confidence for p in outcome.profiles]


def scores(outcome: SearchOutcome) -> dict[str, float | None]:
    return {
        r.record_id: (r.match.score if r.match else None)
        for p in outcome.profiles
        for r in p.records
    }


def shown(outcome: SearchOutcome) -> list[str]:
    return sorted(outcome.record_ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD~1", help="git revision of the old embedded.py")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    index = built_index(args.records, args.seed)
    if index is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="icjs-bench-compare-") as tmp:
        settings = settings_for(Path(tmp), index)
        auth = AuthService.from_settings(settings.auth)
        caller: Caller = auth.authenticate(f"Bearer {officer_token(auth)}")
        old_store = old_backend(args.rev, index, Path(tmp))
        new_store = EmbeddedBackend(index)
        old = person_search_service(old_store, auth.policy, max_candidates=300)
        new = person_search_service(new_store, auth.policy, max_candidates=300)
        bodies = queries(args.records, args.queries, args.seed)
        searches = person_searches(bodies)
        searches += [PersonSearch(name=b["name"], limit=50, min_score=0.0) for b in bodies[:20]]
        differ = ties = cut = 0
        spent = {"old": 0.0, "new": 0.0}
        for search in searches:
            t = time.perf_counter()
            a = old.search(caller, search)
            spent["old"] += time.perf_counter() - t
            t = time.perf_counter()
            b = new.search(caller, search)
            spent["new"] += time.perf_counter() - t
            if signature(a) == signature(b):
                continue
            sa, sb = scores(a), scores(b)
            if confidences(a) == confidences(b) and all(sa[r] == sb[r] for r in sa.keys() & sb):
                ties += 1  # same confidences, same scores: equal ones reordered (or others shown)
                cut += shown(a) != shown(b)
            else:
                differ += 1
                print(f"differs: {search.name!r}", file=sys.stderr)
        opened = 0
        for search in searches[:20]:
            for profile in old.search(caller, search).profiles[:2]:
                x = old.profile(caller, profile.profile_id)
                y = new.profile(caller, profile.profile_id)
                opened += 1
                if (x and signature(SearchOutcome((x.profile,), 0, 0))) != (
                    y and signature(SearchOutcome((y.profile,), 0, 0))
                ):
                    differ += 1
                    print(f"profile differs: {profile.profile_id}", file=sys.stderr)
        old_store.close()
        new_store.close()
        auth.close()
    n = len(searches)
    print(
        f"{n} searches and {opened} profiles at {args.records:,} records: {differ} differ, "
        f"{ties} only in the order of equal-confidence profiles ({cut} of them showing other "
        f"equal ones at the limit); old {spent['old'] * 1000 / n:.1f} ms/search, "
        f"new {spent['new'] * 1000 / n:.1f} ms/search"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
