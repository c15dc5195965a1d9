"""Fit the name part of `matching/calibration.json` (logistic regression, Newton's method).

Labelled pairs come from a benchmark dataset built with a *different seed* from the one the
benchmark evaluates: for each query, its ten best-retrieved candidates (the population an officer
sees) plus the true record when retrieval found it, labelled same person or not. A small L2
penalty keeps the weights from chasing the generator. Attribute weights are not fitted here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matching
from bench.names.dataset import build
from bench.names.run import Ours
from matching import calibration
from matching.api import PersonQuery, _best, analyse
from matching.parse import parse_name

L2 = 1.0
PER_QUERY = 10


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row[:], b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col and m[col][col]:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] if m[i][i] else 0.0 for i in range(n)]


def logistic(xs: list[list[float]], ys: list[int], iters: int = 30) -> list[float]:
    d = len(xs[0])
    w = [0.0] * d
    for _ in range(iters):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y in zip(xs, ys, strict=True):
            z = sum(wi * xi for wi, xi in zip(w, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - y
            h = p * (1 - p)
            for i in range(d):
                grad[i] += g * x[i]
                hi = h * x[i]
                row = hess[i]
                for j in range(d):
                    row[j] += hi * x[j]
        for i in range(1, d):
            grad[i] += L2 * w[i]
            hess[i][i] += L2
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return w


def pairs(seed: int, gallery_size: int, per_class: int) -> tuple[list[list[float]], list[int]]:
    data = build(seed, gallery_size, per_class)
    ours = Ours(data)
    names: dict[str, list[str]] = {}
    for g in data.gallery:  # a curated person can have several records
        names.setdefault(g.pid, []).extend(n for n in (g.name, g.name_local) if n)
    xs: list[list[float]] = []
    ys: list[int] = []
    for q in data.queries:
        a = analyse(PersonQuery(name=q.text))
        forms = a.parsed.forms if a.parsed else ()
        ranked = ours.rank(q)
        chosen = [pid for pid, _ in ranked[:PER_QUERY]]
        if q.target in {pid for pid, _ in ranked} and q.target not in chosen:
            chosen.append(q.target)
        for pid in chosen:
            best = max((_best(forms, parse_name(n)) for n in names[pid]), key=lambda zc: zc[0])
            if best[1] is None:
                continue
            xs.append([1.0, *calibration.name_features(best[1])])
            ys.append(1 if pid == q.target or pid in q.also else 0)
    return xs, ys


def fit(seed: int, gallery_size: int, per_class: int) -> None:
    xs, ys = pairs(seed, gallery_size, per_class)
    w = logistic(xs, ys)
    # beside the package's __init__ (never compiled): a compiled module's __file__ is the build's
    path = Path(matching.__file__).with_name("calibration.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["_comment"] = (
        "Name part: logistic regression (L2=1.0, Newton) fitted by `python -m bench.names.run "
        f"--fit` on {len(ys)} labelled pairs ({sum(ys)} same person) from the names benchmark "
        f"built with seed {seed} (the evaluated run uses another seed): each query's ten best "
        "retrieved candidates plus its true record, labelled same person when they are one of "
        "the query's right answers (`Query.also`). Attribute part: log-likelihood ratios set "
        "by hand from how often records of one person disagree (birth year off by more than the "
        "tolerance in ~5% of true pairs, gender in ~1%), not fitted."
    )
    raw["name"] = {"intercept": round(w[0], 4)} | {
        f: round(v, 4) for f, v in zip(calibration.NAME_FEATURES, w[1:], strict=True)
    }
    path.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    calibration.model.cache_clear()
    calibration._weights.cache_clear()
    print(f"fitted on {len(ys)} pairs: {raw['name']}")
