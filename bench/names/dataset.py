"""The benchmark dataset: gallery records and labelled queries (synthetic + curated)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from bench.names.generate import (
    CLASSES,
    GalleryRecord,
    Query,
    _case,
    gallery_record,
    people,
    render_query,
)


@dataclass
class Dataset:
    gallery: list[GalleryRecord]
    queries: list[Query]


def curated() -> list[tuple[str, str, str]]:
    text = resources.files("bench.names").joinpath("families.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cls, record, query = line.split("\t")
        out.append((cls, record, query))
    return out


def _name_set(tokens: list[str]) -> frozenset[str]:
    """A person's name as a set of lower-case tokens, Gujarati `-bhai`/`-ben` taken off."""
    out = set()
    for t in tokens:
        t = t.lower()
        for suffix in ("bhai", "ben"):
            if t.endswith(suffix) and len(t) > len(suffix) + 2:
                t = t[: -len(suffix)]
        out.add(t)
    return frozenset(out)


def _curated_groups() -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """Curated lines that share a written name are one person: group them (union-find) so that
    the gallery holds each person once, with every record form the lines give."""
    rows = curated()
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, record, query in rows:
        parent[find(record)] = find(query)
    groups: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    for cls, record, query in rows:
        records, queries = groups.setdefault(find(record), ([], []))
        if record not in records:
            records.append(record)
        queries.append((cls, query))
    return [(f"c{i}", recs, qs) for i, (recs, qs) in enumerate(groups.values())]


def build(seed: int = 7, gallery_size: int = 5000, per_class: int = 150) -> Dataset:
    rng = random.Random(seed)
    groups = _curated_groups()
    taken: set[tuple[str, str]] = set()
    for _, records, _ in groups:
        for r in records:
            words = r.lower().split()
            taken.add((words[0], words[-1]))
    persons = people(rng, gallery_size, "p", taken)
    gallery = [gallery_record(p, rng) for p in persons]
    by_pid = {g.pid: g for g in gallery}
    queries: list[Query] = []
    for cls in CLASSES:
        for p in rng.sample(persons, per_class):
            rec = by_pid[p.pid]
            if cls == "local_script" and rec.name is None:
                text = _case(" ".join(p.tokens), rng)  # a Latin query for a script-only record
            else:
                text = render_query(cls, p, rng)
            queries.append(Query(text, cls, p.pid, gender=p.gender, birth_year=p.birth_year))
    # curated real-world pairs: the records join the gallery, the queries are labelled
    for pid, records, qs in groups:
        for record in records:
            local = any(ord(c) > 0x900 for c in record)
            gallery.append(
                GalleryRecord(pid, None if local else record, record if local else None, "", 0)
            )
        for cls, query in qs:
            queries.append(Query(query, cls, pid, source="curated"))
    # negatives: people of the same communities, absent from the gallery. A person whose name
    # contains a gallery person's whole name, or is contained in it (`Harjeet Kaur Dhillon` vs
    # `Harjeet Kaur`), is not a negative: a missing surname is one of the variations the
    # matcher must accept, so no name-only method could call that pair different.
    n_neg = len(queries) // 9
    gallery_sets = [_name_set(p.tokens) for p in persons]
    by_token: dict[str, list[frozenset[str]]] = {}
    for gs in gallery_sets:
        for tok in gs:
            by_token.setdefault(tok, []).append(gs)
    negatives = []
    for p in people(rng, n_neg * 3, "n", taken):
        ns = _name_set(p.tokens)
        if any(gs <= ns or ns <= gs for tok in ns for gs in by_token.get(tok, ())):
            continue
        negatives.append(p)
        if len(negatives) == n_neg:
            break
    for p in negatives:
        cls = rng.choice(CLASSES)
        queries.append(
            Query(render_query(cls, p, rng), "negative", None, gender=p.gender,
                  birth_year=p.birth_year, notes=[cls])
        )  # fmt: skip
    return Dataset(gallery, queries)
