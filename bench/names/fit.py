"""Fit the search part of `matching/calibration.json` (logistic regression, Newton's method) on
the names benchmark built with a *different seed* from the one it evaluates, through the
retrieval the API runs.

The model answers two questions. **How well two names agree** (`name`,
`matching.calibration.name_logit`: what `name_score` and grouping use) was fitted on name
pairs by earlier sessions and is kept as it is, so that what grouping reads does not move; only
its weight for a form inferred from a relative is fitted here. **Whether a record is the person a
search asks for** (`search` and `attributes`: `calibration.search_logit`) is fitted here: for
each query as asked (with what it gives beside the name), the best `PER_QUERY` retrieved
records and every other retrieved record of its target, labelled by whether the record is the
target's (a namesake the query cannot tell apart is another person: the model learns to give
each its share). Features: the name's log-odds, whether it rests on an inferred form, the log of
the name's frequency in the index (`Candidate.key_frequency`, as federation passes it), and the
attribute levels (`matching.api.attribute_levels`). A small L2 penalty keeps the weights from
chasing the generator.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np

import matching
from bench.names.dataset import Dataset, build
from bench.names.product import TOP_K, indexed, person_search
from bench.names.queries import TODAY_YEAR
from federation.planning import PersonSearch, plan_person
from indexer.backends.base import Backend, Candidate, Filters
from matching import calibration
from matching.api import AnalysedQuery, attribute_levels, name_comparison, score
from matching.calibration import name_logit
from records import Person

L2 = 1.0
PER_QUERY = 20
# A name match that f records of the index share makes each of them one of f: the log-odds fall
# by log f. Fixed by that reasoning, not fitted: on a benchmark gallery few names are common,
# and a fitted slope comes out flatter (about -0.6), which overstates confidence in an index
# where many are (the demo world at 20,000 people: a name shared by a median of 8 people).
FREQUENCY_SLOPE = -1.0
LEVELS = (
    "birth_year_match", "birth_year_near", "birth_year_mismatch", "birth_year_unknown",
    "gender_match", "gender_mismatch", "relative_match", "relative_unsure", "relative_mismatch",
    "relative_unknown", "state_match", "state_mismatch", "district_match",
)  # fmt: skip
TODAY = date(TODAY_YEAR, 6, 30)
# The search model's columns by name: what `fit` learns (the intercept first, unpenalised), and
# the log of the name's frequency, whose slope is fixed (an offset, not a column)
FITTED = ("intercept", "name", "inferred", *LEVELS)


def logistic(
    xs: list[list[float]], ys: list[int], offsets: list[float] | None = None, iters: int = 50
) -> list[float]:
    """Weights maximising the L2-penalised log-likelihood (the intercept, first, unpenalised),
    each row's log-odds shifted by its fixed `offsets`."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    fixed = np.zeros(len(ys)) if offsets is None else np.asarray(offsets, dtype=np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w + fixed, -30.0, 30.0)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-7:
            break
    return [float(v) for v in w]


def _candidates(
    backend: Backend, search: PersonSearch
) -> tuple[AnalysedQuery, list[tuple[Candidate, Person, int | None]]] | None:
    try:
        plan = plan_person(search, Filters(), max_candidates=TOP_K, today=TODAY)
    except ValueError:
        return None
    candidates = backend.candidates(plan.candidates)
    fallback = min((c.key_frequency for c in candidates if c.key_frequency), default=1)
    return plan.analysed, [
        (c, c.record.subjects()[0], c.key_frequency or fallback) for c in candidates
    ]


def search_pairs(data: Dataset, backend: Backend) -> tuple[list[dict[str, float]], list[int]]:
    """The search pairs as rows of named values (`FITTED` and `log_frequency`), and labels."""
    rows: list[dict[str, float]] = []
    ys: list[int] = []
    for q in data.queries:
        found = _candidates(backend, person_search(q))
        if found is None:
            continue
        analysed, candidates = found
        scored = sorted(
            (
                (score(analysed, p, state=c.record.state, frequency=f).score, c, p, f)
                for c, p, f in candidates
            ),
            key=lambda x: -x[0],
        )
        mine = [x for x in scored[PER_QUERY:] if data.pid_of[x[1].record.record_id] == q.target]
        for _, c, person, frequency in scored[:PER_QUERY] + mine:
            compared = name_comparison(analysed, person)
            if compared is None:
                continue
            levels = {
                level
                for _, level, _, _ in attribute_levels(
                    analysed, person, c.record.state, c.record.district
                )
            }
            inferred = calibration.inferred(compared)
            row = {
                "intercept": 1.0,
                # the name's log-odds without its inferred-form term, fitted here beside it
                "name": name_logit(compared)
                - inferred * calibration.model().name.weight("inferred"),
                "inferred": inferred,
                "log_frequency": math.log(frequency) if frequency else 0.0,
            }
            row.update((level, 1.0 if level in levels else 0.0) for level in LEVELS)
            rows.append(row)
            ys.append(1 if data.pid_of[c.record.record_id] == q.target else 0)
    return rows, ys


def fit(seed: int, gallery_size: int, per_class: int) -> None:
    data = build(seed, gallery_size, per_class)
    # beside the package's __init__ (never compiled): a compiled module's __file__ is the build's
    path = Path(matching.__file__).with_name("calibration.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    with indexed("embedded", data) as backend:
        rows, ys = search_pairs(data, backend)
    # the frequency's slope is fixed, not fitted: see FREQUENCY_SLOPE
    fitted = logistic(
        [[row[c] for c in FITTED] for row in rows],
        ys,
        [FREQUENCY_SLOPE * row["log_frequency"] for row in rows],
    )
    w = dict(zip(FITTED, fitted, strict=True))
    # the names' own weights by name, as `matching.calibration` reads them; only the weight of
    # an inferred form is refitted, on the names' own scale
    name = calibration.model().name.reweighted({"inferred": round(w["inferred"] / w["name"], 4)})
    raw["name"] = name.weights()
    raw["search"] = {"intercept": round(w["intercept"], 4), "name": round(w["name"], 4),
                     "log_frequency": FREQUENCY_SLOPE}  # fmt: skip
    raw["attributes"] = {level: round(w[level], 4) for level in LEVELS}
    counts = f"{len(ys)} search pairs ({sum(ys)} the person asked for)"
    raw["_comment"] = (
        "`name`: how well two names agree, a logistic regression fitted on 14067 name pairs of "
        "the earlier names benchmark (seed 1007), kept as it was; its `inferred` weight, and "
        "`search` and `attributes`, fitted by `python -m bench.names.run --fit` "
        f"(bench/names/fit.py: logistic regression, L2={L2}, Newton) on the names benchmark "
        f"built with seed {seed} (the evaluated run uses another), through the retrieval the "
        f"API runs: {counts}: whether a record is the person a search asks for, from the "
        "name's log-odds, the log of the name's frequency in the index and what the query "
        "gives beside the name."
    )
    _save(path, raw)
    print(f"fitted on {counts}: {raw['name']} {raw['search']} {raw['attributes']}")


def _save(path: Path, raw: dict[str, object]) -> None:
    path.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    calibration.reload()
