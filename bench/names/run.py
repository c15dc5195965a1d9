"""`make bench-names`: name-matching quality, ours against generic baselines, per variation class.

Builds the dataset (`bench.names.dataset`: a synthetic gallery with labelled queries in eight
variation classes, hand-curated real-world pairs, ~10% negatives), then for each method ranks the
gallery for every query and reports recall@1, recall@10 and MRR (a query is answered by any of its
right answers: the person it was written for and anyone it fits as well, `Query.also`), and the
share of negatives confidently matched, at two thresholds: the lowest keeping 95% precision over
all top-1 answers, and the lowest leaving at most 2% of negatives above it (with the precision
kept there; docs/decisions.md says why both).

- ours: `matching.name_keys` retrieval over an in-memory inverted index (candidates ranked by the
  IDF-weighted keys they share, top 300), then `matching.score` rescoring;
- soundex / metaphone / nysiis: `jellyfish` codes per token, candidates ranked by Dice overlap;
- wratio / token_sort: `rapidfuzz` over the whole gallery.

`--fit` refits the name part of `matching/calibration.json` on a dataset built with a different
seed from the one evaluated (`bench.names.fit`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import jellyfish
from rapidfuzz import fuzz, process

from bench.names.dataset import Dataset, build
from bench.names.generate import CLASSES
from bench.names.speed import measure
from matching.api import PersonQuery, analyse, name_keys, name_text, score
from records import Gender, Person

RESULTS = Path(__file__).resolve().parents[1] / "results"
TOP_K = 300
TRIGRAM_K = 50


def _trigrams(text: str) -> set[str]:
    out: set[str] = set()
    for w in text.split():
        w = f" {w} "
        out.update(w[i : i + 3] for i in range(len(w) - 2))
    return out


Ranking = list[tuple[str, float]]  # (pid, score), best first


def _record_names(g: object) -> list[str]:
    return [n for n in (getattr(g, "name", None), getattr(g, "name_local", None)) if n]


class Ours:
    name = "ours"

    def __init__(self, data: Dataset, *, attributes: bool = False) -> None:
        self.attributes = attributes
        # a person can have several records (the curated families): scored by the best one
        self.persons: dict[str, list[Person]] = defaultdict(list)
        self.postings: dict[str, list[str]] = defaultdict(list)
        for g in data.gallery:
            self.persons[g.pid].append(
                Person(
                    name=g.name,
                    name_local=g.name_local,
                    gender=Gender(g.gender) if g.gender else None,
                    birth_year=g.birth_year or None,
                    relative_name=g.relative_name,
                )
            )
            keys: set[str] = set()
            for n in _record_names(g):
                keys |= name_keys(n)
            for k in keys:
                if not self.postings[k] or self.postings[k][-1] != g.pid:
                    self.postings[k].append(g.pid)
        n = len(data.gallery)
        self.idf = {k: math.log(1 + n / len(v)) for k, v in self.postings.items()}
        # the product also retrieves on `name_text` trigrams (FTS5 trigram / n-gram fields):
        # the same here, so that a typo in a short name can still be found
        self.grams: dict[str, list[str]] = defaultdict(list)
        for g in data.gallery:
            grams: set[str] = set()
            for n_ in _record_names(g):
                grams |= _trigrams(name_text(n_))
            for t in grams:
                if not self.grams[t] or self.grams[t][-1] != g.pid:
                    self.grams[t].append(g.pid)
        if attributes:
            self.name = "ours+attributes"

    def candidates(self, text: str) -> list[str]:
        acc: Counter[str] = Counter()
        # sorted, and ties by id: a set's order changes with the process's hash seed, and so
        # would the float sums and the candidates at the cut
        for k in sorted(name_keys(text)):
            w = self.idf.get(k)
            if w is None:
                continue
            for pid in self.postings[k]:
                acc[pid] += w
        out = [pid for pid, _ in sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_K]]
        grams = _trigrams(name_text(text))
        shared: Counter[str] = Counter()
        for t in sorted(grams):
            for pid in self.grams.get(t, ()):
                shared[pid] += 1
        seen = set(out)
        need = max(1, len(grams) // 2)
        by_count = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:TRIGRAM_K]
        out += [p for p, c in by_count if c >= need and p not in seen]
        return out

    def rank(self, q: object) -> Ranking:
        text: str = q.text  # type: ignore[attr-defined]
        query = PersonQuery(name=text)
        if self.attributes:
            query = PersonQuery(
                name=text,
                gender=q.gender,  # type: ignore[attr-defined]
                birth_year=q.birth_year,  # type: ignore[attr-defined]
            )
        a = analyse(query)
        cands = self.candidates(text)
        scored = [(pid, max(score(a, p).score for p in self.persons[pid])) for pid in cands]
        scored.sort(key=lambda x: (-x[1], x[0]))  # ties: by id, stable across runs
        return scored


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

    def rank(self, q: object) -> Ranking:
        qc = self._codes(q.text)  # type: ignore[attr-defined]
        cands = {pid for c in qc for pid in self.postings[c]}
        scored = [
            (pid, 2 * len(qc & self.codes[pid]) / (len(qc) + len(self.codes[pid]))) for pid in cands
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))  # ties: by id, stable across runs
        return scored[:TOP_K]


class FuzzBaseline:
    def __init__(self, data: Dataset, name: str, scorer: Callable[..., float]) -> None:
        self.name = name
        self.scorer = scorer
        self.pids = [g.pid for g in data.gallery]
        self.texts = [" ".join(_record_names(g)).lower() for g in data.gallery]

    def rank(self, q: object) -> Ranking:
        hits = process.extract(
            q.text.lower(),  # type: ignore[attr-defined]
            self.texts,
            scorer=self.scorer,
            limit=20,
        )
        out: Ranking = []
        for _, s, i in hits:  # a person with several records appears once, by the best
            if all(pid != self.pids[i] for pid, _ in out):
                out.append((self.pids[i], s / 100.0))
        return out[:10]


def evaluate(method: object, data: Dataset) -> dict[str, object]:
    per: dict[str, list[tuple[int | None, float, bool]]] = defaultdict(list)
    tied: Counter[str] = Counter()
    shown: list[tuple[float, bool, bool]] = []  # every (score, right) of the top ten lists
    top1: list[tuple[float, bool, bool]] = []  # (score, correct, negative)
    started = time.perf_counter()
    several: Counter[str] = Counter()
    for q in data.queries:
        ranking: Ranking = method.rank(q)  # type: ignore[attr-defined]
        right = {q.target, *q.also} if q.target is not None else set()
        several[q.cls] += len(right) > 1
        rank = next((i for i, (pid, _) in enumerate(ranking) if pid in right), None)
        best = ranking[0][1] if ranking else 0.0
        correct = bool(ranking) and ranking[0][0] in right
        top1.append((best, correct, q.target is None))
        per[q.cls].append((rank, best, correct))
        shown.extend((sc, pid in right, q.target is None) for pid, sc in ranking[:10])
        if rank is not None and rank > 0 and abs(ranking[rank][1] - best) < 1e-12:
            tied[q.cls] += 1  # the true record scores exactly as high as the top one
    elapsed = time.perf_counter() - started

    def metrics(rows: list[tuple[int | None, float, bool]]) -> dict[str, float]:
        n = len(rows) or 1
        return {
            "n": len(rows),
            "recall@1": sum(1 for r, _, _ in rows if r == 0) / n,
            "recall@10": sum(1 for r, _, _ in rows if r is not None and r < 10) / n,
            "mrr": sum(1 / (r + 1) for r, _, _ in rows if r is not None) / n,
        }

    out: dict[str, object] = {}
    for c in CLASSES:
        if per[c]:
            out[c] = metrics(per[c]) | {
                "tied_at_top": tied[c] / len(per[c]),
                "several_right": several[c] / len(per[c]),
            }
    positives = [row for c in CLASSES for row in per[c]]
    out["overall"] = metrics(positives) | {
        "tied_at_top": sum(tied.values()) / len(positives),
        "several_right": sum(several[c] for c in CLASSES) / len(positives),
    }
    threshold = precision_threshold(top1, 0.95)
    negs = [s for s, _, neg in top1 if neg]
    out["negatives"] = {
        "n": len(negs),
        "threshold@95%precision": threshold,
        "confident_false_match_rate": (
            None if threshold is None else sum(1 for s in negs if s >= threshold) / (len(negs) or 1)
        ),
        "positives_confidently_matched": (
            sum(
                1
                for s, ok, neg in top1
                if not neg and ok and threshold is not None and s >= threshold
            )
            / (len(positives) or 1)
        ),
    }
    # the same question asked the other way round: the lowest threshold that leaves at most 2%
    # of negatives confidently matched, and the precision and recall kept there. The lowest
    # threshold keeping 95% precision sinks as answers to positives get better (it stops only
    # once wrong answers make up 5%, so a matcher right on every positive would admit negatives
    # up to 5% of the positives); this one does not move with the positives.
    t2 = false_match_threshold(negs, 0.02)
    confident = [(ok, neg) for s, ok, neg in top1 if s >= t2]
    negatives_ = out["negatives"]
    assert isinstance(negatives_, dict)
    negatives_["threshold@2%false_matches"] = t2
    negatives_["precision@2%false_matches"] = (
        sum(1 for ok, _ in confident if ok) / len(confident) if confident else None
    )
    negatives_["positives_confidently_matched@2%false_matches"] = sum(
        1 for ok, neg in confident if ok and not neg
    ) / (len(positives) or 1)
    for t in (0.5, 0.9):
        above = [(ok, neg) for s, ok, neg in top1 if s >= t]
        negatives = out["negatives"]
        assert isinstance(negatives, dict)
        negatives[f"false_match_rate@{t}"] = sum(1 for s in negs if s >= t) / (len(negs) or 1)
        negatives[f"precision@{t}"] = (
            sum(1 for ok, _ in above if ok) / len(above) if above else None
        )
    out["reliability"] = reliability(shown)
    out["seconds"] = round(elapsed, 2)
    return out


def reliability(pairs: list[tuple[float, bool, bool]]) -> list[dict[str, float]]:
    """Pairs shown to a user (each query's top ten) binned by score: mean score against the
    share that is the same person. For a calibrated score the two columns agree."""
    bins: list[dict[str, float]] = []
    for lo in (0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        hi = {0.0: 0.1, 0.1: 0.3, 0.3: 0.5, 0.5: 0.7, 0.7: 0.8, 0.8: 0.9, 0.9: 0.95}.get(lo, 1.01)
        rows = [(s, ok) for s, ok, _ in pairs if lo <= s < hi]
        if rows:
            bins.append(
                {
                    "from": lo,
                    "to": min(hi, 1.0),
                    "n": len(rows),
                    "mean_score": sum(s for s, _ in rows) / len(rows),
                    "share_right": sum(1 for _, ok in rows if ok) / len(rows),
                }
            )
    return bins


def false_match_threshold(negatives: list[float], rate: float) -> float:
    """The lowest score threshold that at most `rate` of the negatives' best scores reach."""
    allowed = int(rate * len(negatives))
    ranked = sorted(negatives, reverse=True)
    if len(ranked) <= allowed:
        return 0.0
    return math.nextafter(ranked[allowed], math.inf)  # just above the first one not allowed


def precision_threshold(top1: list[tuple[float, bool, bool]], target: float) -> float | None:
    """The lowest score threshold at which the top-1 answers above it are ≥ `target` precise."""
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


def table(results: dict[str, dict[str, object]]) -> str:
    methods = list(results)
    lines = []
    header = "| class | metric | " + " | ".join(methods) + " |"
    lines += [header, "|" + "---|" * (len(methods) + 2)]
    for cls in [*CLASSES, "overall"]:
        for metric in ("recall@1", "recall@10", "mrr", "tied_at_top", "several_right"):
            row = []
            for m in methods:
                cell = results[m].get(cls)
                row.append(f"{cell[metric]:.3f}" if isinstance(cell, dict) else "-")
            n = next((r[cls]["n"] for r in results.values() if isinstance(r.get(cls), dict)), 0)
            label = f"{cls} (n={n})" if metric == "recall@1" else ""
            lines.append(f"| {label} | {metric} | " + " | ".join(row) + " |")
    for metric in ("threshold@95%precision", "confident_false_match_rate",
                   "positives_confidently_matched", "threshold@2%false_matches",
                   "precision@2%false_matches", "positives_confidently_matched@2%false_matches",
                   "false_match_rate@0.5", "precision@0.5",
                   "false_match_rate@0.9", "precision@0.9"):  # fmt: skip
        row = []
        for m in methods:
            v = results[m]["negatives"][metric]  # type: ignore[index]
            row.append("-" if v is None else f"{v:.3f}")
        lines.append(f"| negatives | {metric} | " + " | ".join(row) + " |")
    lines.append("| | seconds | " + " | ".join(str(results[m]["seconds"]) for m in methods) + " |")
    if "ours" in results:
        lines += ["", "Calibration of `ours` (every pair in the top-ten lists, by score bin):", "",
                  "| score bin | n | mean score | share right |", "|---|---|---|---|"]  # fmt: skip
        for b in results["ours"]["reliability"]:  # type: ignore[union-attr]
            lines.append(
                f"| {b['from']:.2f}-{b['to']:.2f} | {b['n']} | {b['mean_score']:.3f} "
                f"| {b['share_right']:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000)
    parser.add_argument("--per-class", type=int, default=150)
    parser.add_argument("--only", action="append", help="methods to run (default: all)")
    parser.add_argument("--fit", action="store_true", help="refit matching/calibration.json")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.fit:
        from bench.names.fit import fit

        fit(seed=args.seed + 1000, gallery_size=args.gallery, per_class=args.per_class)
    data = build(args.seed, args.gallery, args.per_class)
    print(f"gallery {len(data.gallery)} records, {len(data.queries)} queries", file=sys.stderr)
    builders: dict[str, Callable[[], object]] = {
        "ours": lambda: Ours(data),
        "ours+attributes": lambda: Ours(data, attributes=True),
        "soundex": lambda: KeyBaseline(data, "soundex", jellyfish.soundex),
        "metaphone": lambda: KeyBaseline(data, "metaphone", jellyfish.metaphone),
        "nysiis": lambda: KeyBaseline(data, "nysiis", jellyfish.nysiis),
        "wratio": lambda: FuzzBaseline(data, "wratio", fuzz.WRatio),
        "token_sort": lambda: FuzzBaseline(data, "token_sort", fuzz.token_sort_ratio),
    }
    results: dict[str, dict[str, object]] = {}
    for name, make in builders.items():
        if args.only and name not in args.only:
            continue
        results[name] = evaluate(make(), data)
        print(f"[{name}] done in {results[name]['seconds']} s", file=sys.stderr)
    text = table(results)
    if "ours" in results:
        perf = measure(data, queries=60, repeats=3)  # what `python -m bench.names.speed` measures
        results["ours"]["speed"] = perf
        text += "\n\nSpeed (`ours`, one process, this process's GC settings; "
        text += "`python -m bench.names.speed` for both): "
        text += ", ".join(f"{k} {v}" for k, v in perf.items())
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        head = (
            f"# Name matching benchmark\n\nseed {args.seed}, gallery {len(data.gallery)} "
            f"records, {len(data.queries)} queries (`make bench-names`).\n\n"
        )
        (RESULTS / "names.md").write_text(head + text + "\n", encoding="utf-8")
        (RESULTS / "names.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
