"""What the matcher answers, to compare two revisions: a speed change must not change it.

    python -m bench.names.fingerprint before.json     # on one revision, after.json on the other
    cmp before.json after.json                         # a speed change leaves them identical

Writes, for the names benchmark's data (seed 7): the retrieval keys and search text of every
gallery name and query (7,381 names), and the score and reasons of 26,867 query–record pairs:
every third query against 50 random records, a stride through the gallery and the records of
its own person; every other query with gender, birth year and (one in four) the relative's name,
against records that have them. Reasons are kept for pairs scoring above 0.3 and every seventh
record, so that explanations are compared too.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from bench.names.dataset import build
from bench.names.generate import GalleryRecord
from matching.api import PersonQuery, analyse, name_keys, name_text, score
from records import Person
from records.model import Gender


def _person(g: GalleryRecord, attributes: bool) -> Person:
    if not attributes:
        return Person(name=g.name, name_local=g.name_local)
    return Person(
        name=g.name,
        name_local=g.name_local,
        gender=Gender(g.gender) if g.gender else None,
        birth_year=g.birth_year,
        relative_name=g.relative_name,
    )


def fingerprint() -> dict[str, dict[str, object] | list[object]]:
    data = build()
    gallery = data.gallery
    rng = random.Random(3)
    by_pid: dict[str, list[int]] = {}
    for i, g in enumerate(gallery):
        by_pid.setdefault(g.pid, []).append(i)
    plain = [_person(g, False) for g in gallery]
    rich = [_person(g, True) for g in gallery]
    names = sorted(
        {n for g in gallery for n in (g.name, g.name_local) if n} | {q.text for q in data.queries}
    )
    pairs: list[object] = []
    for k, q in enumerate(data.queries[::3][:900]):
        with_attributes = k % 2 == 1
        own = by_pid.get(q.target, []) if q.target else []
        relative = gallery[own[0]].relative_name if own and k % 4 == 1 else None
        query = (
            PersonQuery(
                name=q.text, gender=q.gender, birth_year=q.birth_year, relative_name=relative
            )
            if with_attributes
            else PersonQuery(name=q.text)
        )
        analysed = analyse(query)
        people = rich if with_attributes else plain
        sample = rng.sample(range(len(people)), 50) + list(range(k % 50, len(people), 997)) + own
        for i in sample:
            result = score(analysed, people[i])
            explained = i % 7 == 0 or result.score > 0.3
            reasons = [r.as_dict() for r in result.reasons] if explained else None
            pairs.append((q.text, i, result.score, reasons))
    keys: dict[str, object] = {n: [sorted(name_keys(n)), name_text(n)] for n in names}
    return {"keys": keys, "pairs": pairs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="JSON file to write")
    args = parser.parse_args(argv)
    result = fingerprint()
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    print(f"{len(result['keys'])} names, {len(result['pairs'])} pairs → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
