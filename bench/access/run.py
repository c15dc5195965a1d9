"""What hit-flags cost a partner's person search, in-process.

    .venv/bin/python -m bench.access.run [--records 100000] [--queries 200]

Reuses (or builds) `bench.api.run`'s synthetic index, then runs one set of misspelled-name
searches as three callers, interleaved query by query so that all see the same load on the
shared cores:

- an officer (every source, no hit-flag: one backend query);
- a partner entitled to Sarathi and Vahan, answered hit-flags for the other sources (the default
  policy: a second backend query over the flagged sources, rescored, grouped by place);
- the same partner under a policy without hit-flags (silence outside its entitlement).

Prints p50/p95 per caller, the ratio of the hit-flag partner to the silent one, and how many
hit-flags the searches answered; writes bench/results/access.md.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from auth.policy import Policy
from auth.principal import Caller, Role
from bench.api.run import build_index, index_path, person_searches, queries
from config.settings import SearchSettings
from federation import PersonSearchService
from federation.linkage import load_model
from federation.profile_ids import KEY_BYTES, ProfileIds
from indexer import open_backend
from records import Source

RESULTS = Path("bench/results/access.md")


def _silent_policy() -> Policy:
    data = tomllib.loads(resources.files("auth").joinpath("default_policy.toml").read_text("utf-8"))
    data["roles"]["partner"]["hit_flag_outside_entitlement"] = False
    return Policy.from_mapping(data)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    index = index_path(args.records, args.seed)
    index.parent.mkdir(parents=True, exist_ok=True)
    build_index(index, args.records, args.seed)
    backend = open_backend(SearchSettings(backend="embedded", path=index))
    ids = ProfileIds([secrets.token_bytes(KEY_BYTES)])
    model = load_model(None)
    flagging = PersonSearchService(backend, Policy.load(), ids=ids, model=model)
    silent = PersonSearchService(backend, _silent_policy(), ids=ids, model=model)
    officer = Caller("bench-officer", Role.OFFICER, frozenset(), state="MH", district="PUNE")
    partner = Caller(
        "bench-cbi",
        Role.PARTNER,
        frozenset(),
        client_id="bench-cbi",
        sources=frozenset({Source.SARATHI, Source.VAHAN}),
    )
    runs = {
        "officer": (flagging, officer),
        "partner, hit-flags": (flagging, partner),
        "partner, silence": (silent, partner),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    hits: list[int] = []
    searches = person_searches(queries(args.records, args.queries, args.seed))
    try:
        for search in searches[:10]:  # warm the caches of every path
            for service, caller in runs.values():
                service.search(caller, search)
        for search in searches:
            for name, (service, caller) in runs.items():
                started = time.perf_counter()
                outcome = service.search(caller, search)
                times[name].append((time.perf_counter() - started) * 1000)
                if name == "partner, hit-flags":
                    hits.append(len(outcome.hits))
    finally:
        backend.close()
    lines = [
        f"# Hit-flags: what they cost a partner's person search ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"`python -m bench.access.run --records {args.records} --queries {args.queries}`: "
        "in-process `PersonSearchService.search`, embedded index, the three callers "
        "interleaved query by query on the same two shared cores.",
        "",
        "| caller | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|",
    ]
    for name, values in times.items():
        lines.append(
            f"| {name} | {_p(values, 0.5):.1f} | {_p(values, 0.95):.1f} | "
            f"{statistics.fmean(values):.1f} |"
        )
    ratio = _p(times["partner, hit-flags"], 0.5) / _p(times["partner, silence"], 0.5)
    lines += [
        "",
        f"Partner with hit-flags / partner in silence, p50: **{ratio:.2f}×**. Searches answering "
        f"at least one hit-flag: {sum(1 for h in hits if h)}/{len(hits)}; hit-flags per search "
        f"(one per source and police station): mean {statistics.fmean(hits):.1f}, "
        f"max {max(hits)}.",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
