"""`make bench-names`: name-matching quality through the code the API runs, on every backend,
against generic baselines, per variation class, with a calibration table.

Builds the dataset (`bench.names.dataset`: people with families and namesakes, several records
each damaged its own way, queries in twelve classes with what officers know beside the name,
hand-curated real-world pairs, near-neighbour negatives), indexes the records into each backend
(embedded always; OpenSearch when `ICJS_TEST_OPENSEARCH_URL` is set, as `make bench-names` does),
and asks every query through `federation.PersonSearchService.search`, as `POST
/v1/persons/search` does (default score floor, ten profiles). A profile answers a query when it
holds a record of one of the query's right answers (the person it was written for, or anyone it
fits as well: `Query.also`).

Reported per class: recall@1, recall@10, MRR; for negatives, the share confidently matched at
0.5 and 0.9 and at the lowest threshold keeping 95% precision; a calibration table (every profile
shown, by score decile: mean score against the share that is the person the query was written
for) and its expected calibration error, over the ten profiles shown and over the first answers.

Baselines, by name alone over the same records: jellyfish soundex / metaphone / NYSIIS keys
(candidates ranked by Dice overlap of codes) and rapidfuzz WRatio / token-sort.

`--fit` refits `matching/calibration.json` on a dataset built with another seed first
(`bench.names.fit`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import jellyfish
from rapidfuzz import fuzz, process

from auth.policy import Policy
from auth.principal import Caller, Role
from bench.names.dataset import Dataset, build
from bench.names.generate import CLASSES, GalleryRecord, Query
from bench.names.product import LIMIT, TOP_K, indexed, person_search
from bench.names.queries import TODAY_YEAR
from bench.service import person_search_service
from indexer.backends.base import Backend

RESULTS = Path(__file__).resolve().parents[1] / "results"

# (score, is the person the query was written for) of a shown answer
Shown = tuple[float, bool]
# per query: the sets of person ids of the profiles returned, best first, with their scores
Ranking = list[tuple[frozenset[str], float]]


def _record_names(g: GalleryRecord) -> list[str]:
    return [n for n in (g.name, g.name_local) if n]


# -- the product, through the API's code ----------------------------------------------------------


def bench_caller(policy: Policy) -> Caller:
    """An officer: every source and kind (the records carry no restricted label)."""
    return Caller(subject="bench", role=Role.OFFICER, scopes=policy.role_scopes(Role.OFFICER))


class Product:
    """`PersonSearchService.search` on one backend, as the API calls it."""

    def __init__(self, name: str, backend: Backend, data: Dataset) -> None:
        self.name = name
        policy = Policy.load()
        self.caller = bench_caller(policy)
        self.service = person_search_service(
            backend, policy, max_candidates=TOP_K, today=lambda: date(TODAY_YEAR, 6, 30)
        )
        self.pid_of = data.pid_of
        self.latencies: list[float] = []

    def rank(self, q: Query) -> Ranking:
        started = time.perf_counter()
        try:
            outcome = self.service.search(self.caller, person_search(q))
        except ValueError:
            return []
        finally:
            self.latencies.append(time.perf_counter() - started)
        return [
            (frozenset(self.pid_of[r.record_id] for r in p.records), p.confidence)
            for p in outcome.profiles
        ]


# -- baselines: the name alone, over every record -------------------------------------------------


class KeyBaseline:
    def __init__(self, data: Dataset, name: str, code: Callable[[str], str]) -> None:
        self.name = name
        self.code = code
        self.codes: dict[str, set[str]] = {}
        self.postings: dict[str, list[str]] = defaultdict(list)
        for g in data.gallery:
            codes = self._codes(" ".join(_record_names(g)))
            self.codes[g.pid] = self.codes.get(g.pid, set()) | codes
        for pid, codes in self.codes.items():
            for c in codes:
                self.postings[c].append(pid)

    def _codes(self, text: str) -> set[str]:
        out = set()
        for w in text.lower().replace(".", " ").split():
            if w.isalpha() and w.isascii():
                c = self.code(w)
                if c:
                    out.add(c)
        return out

    def rank(self, q: Query) -> Ranking:
        qc = self._codes(q.text)
        cands = {pid for c in qc for pid in self.postings[c]}
        scored = [
            (pid, 2 * len(qc & self.codes[pid]) / (len(qc) + len(self.codes[pid]))) for pid in cands
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))  # ties: by id, stable across runs
        return [(frozenset({pid}), s) for pid, s in scored[:LIMIT]]


class FuzzBaseline:
    def __init__(self, data: Dataset, name: str, scorer: Callable[..., float]) -> None:
        self.name = name
        self.scorer = scorer
        self.pids = [g.pid for g in data.gallery]
        self.texts = [" ".join(_record_names(g)).lower() for g in data.gallery]

    def rank(self, q: Query) -> Ranking:
        hits = process.extract(q.text.lower(), self.texts, scorer=self.scorer, limit=40)
        out: Ranking = []
        seen: set[str] = set()
        for _, s, i in hits:  # a person with several records appears once, by the best
            if self.pids[i] not in seen:
                seen.add(self.pids[i])
                out.append((frozenset({self.pids[i]}), s / 100.0))
        return out[:LIMIT]


# -- metrics --------------------------------------------------------------------------------------


def evaluate(method: Any, data: Dataset) -> dict[str, Any]:
    per: dict[str, list[int | None]] = defaultdict(list)
    several: Counter[str] = Counter()
    shown: list[Shown] = []  # every profile of every positive's and negative's answer
    first: list[tuple[float, bool, bool]] = []  # (score, right, negative) of each first answer
    started = time.perf_counter()
    for q in data.queries:
        ranking: Ranking = method.rank(q)
        right = {q.target, *q.also} if q.target is not None else set()
        several[q.cls] += len(right) > 1
        rank = next((i for i, (pids, _) in enumerate(ranking) if pids & right), None)
        per[q.cls].append(rank)
        best = ranking[0][1] if ranking else 0.0
        first.append((best, bool(ranking) and q.target in ranking[0][0], q.target is None))
        shown.extend((s, q.target in pids) for pids, s in ranking)
    elapsed = time.perf_counter() - started

    def metrics(rows: list[int | None]) -> dict[str, float]:
        n = len(rows) or 1
        return {
            "n": len(rows),
            "recall@1": sum(1 for r in rows if r == 0) / n,
            "recall@10": sum(1 for r in rows if r is not None and r < 10) / n,
            "mrr": sum(1 / (r + 1) for r in rows if r is not None) / n,
        }

    out: dict[str, Any] = {}
    for c in CLASSES:
        if per[c]:
            out[c] = metrics(per[c]) | {"several_right": several[c] / len(per[c])}
    positives = [r for c in CLASSES for r in per[c]]
    out["overall"] = metrics(positives) | {
        "several_right": sum(several[c] for c in CLASSES) / len(positives)
    }
    negs = [s for s, _, neg in first if neg]
    negatives: dict[str, Any] = {"n": len(negs)}
    for t in (0.5, 0.9):
        above = [ok for s, ok, _ in first if s >= t]
        negatives[f"false_match_rate@{t}"] = sum(1 for s in negs if s >= t) / (len(negs) or 1)
        negatives[f"precision@{t}"] = sum(above) / len(above) if above else None
    threshold = precision_threshold(first, 0.95)
    negatives["threshold@95%precision"] = threshold
    negatives["false_match_rate@95%precision"] = (
        None if threshold is None else sum(1 for s in negs if s >= threshold) / (len(negs) or 1)
    )
    out["negatives"] = negatives
    out["calibration"] = calibration(shown)
    out["calibration_first"] = calibration([(s, ok) for s, ok, _ in first])
    out["ece"] = ece(out["calibration"])
    out["ece_first"] = ece(out["calibration_first"])
    out["seconds"] = round(elapsed, 2)
    latencies = getattr(method, "latencies", None)
    if latencies:
        ms = sorted(x * 1000 for x in latencies)
        out["search_ms"] = {
            "p50": round(ms[len(ms) // 2], 2),
            "p95": round(ms[int(len(ms) * 0.95)], 2),
        }
    return out


def calibration(pairs: list[Shown]) -> list[dict[str, float]]:
    """Answers by score decile: mean score against the share that is the person asked for."""
    bins: list[dict[str, float]] = []
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        rows = [(s, ok) for s, ok in pairs if lo <= s < hi or (k == 9 and s == 1.0)]
        if rows:
            bins.append(
                {
                    "from": lo,
                    "to": hi,
                    "n": len(rows),
                    "mean_score": sum(s for s, _ in rows) / len(rows),
                    "share_right": sum(1 for _, ok in rows if ok) / len(rows),
                }
            )
    return bins


def ece(bins: list[dict[str, float]]) -> float:
    """Expected calibration error: the bins' gaps between score and share right, by size."""
    total = sum(b["n"] for b in bins) or 1
    return sum(b["n"] / total * abs(b["mean_score"] - b["share_right"]) for b in bins)


def precision_threshold(top1: list[tuple[float, bool, bool]], target: float) -> float | None:
    """The lowest score threshold at which the first answers above it are ≥ `target` precise."""
    rows = sorted(top1, key=lambda x: -x[0])
    best: float | None = None
    correct = total = 0
    i = 0
    while i < len(rows):
        s = rows[i][0]
        while i < len(rows) and rows[i][0] == s:  # ties go in together
            correct += rows[i][1]
            total += 1
            i += 1
        if correct / total >= target:
            best = s
    return best


# -- tables ---------------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    methods = list(results)
    lines = ["| class | metric | " + " | ".join(methods) + " |", "|" + "---|" * (len(methods) + 2)]
    for cls in [*CLASSES, "overall"]:
        for metric in ("recall@1", "recall@10", "mrr", "several_right"):
            row = [_cell(results[m][cls][metric]) if cls in results[m] else "-" for m in methods]
            n = next((r[cls]["n"] for r in results.values() if cls in r), 0)
            label = f"{cls} (n={n})" if metric == "recall@1" else ""
            lines.append(f"| {label} | {metric} | " + " | ".join(row) + " |")
    for metric in ("false_match_rate@0.5", "precision@0.5", "false_match_rate@0.9",
                   "precision@0.9", "threshold@95%precision",
                   "false_match_rate@95%precision"):  # fmt: skip
        row = [_cell(results[m]["negatives"][metric]) for m in methods]
        lines.append(f"| negatives | {metric} | " + " | ".join(row) + " |")
    lines.append("| calibration | ECE, profiles shown | " + " | ".join(
        _cell(results[m]["ece"]) for m in methods) + " |")  # fmt: skip
    lines.append("| calibration | ECE, first answers | " + " | ".join(
        _cell(results[m]["ece_first"]) for m in methods) + " |")  # fmt: skip
    lines.append("| | seconds | " + " | ".join(str(results[m]["seconds"]) for m in methods) + " |")
    for m in methods:
        if m.startswith("ours"):
            lines += ["", f"Calibration of `{m}` (every profile shown, by score decile; right "
                      "= the person the query was written for):", "",
                      "| score | n | mean score | share right | first answers n | mean | right |",
                      "|---|---|---|---|---|---|---|"]  # fmt: skip
            firsts = {b["from"]: b for b in results[m]["calibration_first"]}
            for b in results[m]["calibration"]:
                f = firsts.get(b["from"])
                tail = (
                    f"{f['n']} | {f['mean_score']:.3f} | {f['share_right']:.3f}"
                    if f
                    else "- | - | -"
                )
                lines.append(
                    f"| {b['from']:.1f}-{b['to']:.1f} | {b['n']} | {b['mean_score']:.3f} "
                    f"| {b['share_right']:.3f} | {tail} |"
                )
    return "\n".join(lines)


def engines() -> list[str]:
    return ["embedded"] + [
        e for e in ("opensearch", "elasticsearch") if os.environ.get(f"ICJS_TEST_{e.upper()}_URL")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000, help="people")
    parser.add_argument("--per-class", type=int, default=150)
    parser.add_argument("--only", action="append", help="methods to run (default: all)")
    parser.add_argument("--fit", action="store_true", help="refit matching/calibration.json")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.fit:
        from bench.names.fit import fit

        fit(seed=args.seed + 1000, gallery_size=args.gallery, per_class=args.per_class)
    data = build(args.seed, args.gallery, args.per_class)
    print(
        f"{len(data.people)} people, {len(data.records)} records, {len(data.queries)} queries",
        file=sys.stderr,
    )
    results: dict[str, dict[str, Any]] = {}
    for engine in engines():
        name = f"ours-{engine}"
        if args.only and name not in args.only:
            continue
        with indexed(engine, data) as backend:
            results[name] = evaluate(Product(name, backend, data), data)
        print(f"[{name}] done in {results[name]['seconds']} s", file=sys.stderr)
    baselines: dict[str, Callable[[], Any]] = {
        "soundex": lambda: KeyBaseline(data, "soundex", jellyfish.soundex),
        "metaphone": lambda: KeyBaseline(data, "metaphone", jellyfish.metaphone),
        "nysiis": lambda: KeyBaseline(data, "nysiis", jellyfish.nysiis),
        "wratio": lambda: FuzzBaseline(data, "wratio", fuzz.WRatio),
        "token_sort": lambda: FuzzBaseline(data, "token_sort", fuzz.token_sort_ratio),
    }
    for name, make in baselines.items():
        if args.only and name not in args.only:
            continue
        results[name] = evaluate(make(), data)
        print(f"[{name}] done in {results[name]['seconds']} s", file=sys.stderr)
    text = table(results)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        head = (
            f"# Name matching benchmark\n\nseed {args.seed}, {len(data.people)} people, "
            f"{len(data.records)} records, {len(data.queries)} queries (`make bench-names`).\n\n"
        )
        (RESULTS / "names.md").write_text(head + text + "\n", encoding="utf-8")
        (RESULTS / "names.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
