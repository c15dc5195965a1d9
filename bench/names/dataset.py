"""The benchmark dataset: gallery records and labelled queries (synthetic + curated)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from bench.names.generate import (
    CLASSES,
    GalleryRecord,
    Query,
    SynthPerson,
    _case,
    gallery_record,
    people,
    render_query,
)


@dataclass
class Dataset:
    gallery: list[GalleryRecord]
    queries: list[Query]


class Renderings:
    """Who else a query could have been written for. `people()` keeps names unique, but a
    variation can still make two people read the same: `R. K. Sharma` is both Rajesh Kumar and
    Ranjit Kumar Sharma, and `Harleen Kaur` with her surname dropped is another Harleen Kaur's
    whole name. No method can tell those apart by name, so such a query has several right
    answers, and a negative written that way is no negative. Judged from the generator alone
    (never from a matcher): the query is another person's name abbreviated to initials or with
    one token dropped (the two deterministic variations), or the same variation with the same
    random choices writes them identically, or it is their plain name."""

    def __init__(self, persons: list[SynthPerson]) -> None:
        self.by_token: dict[str, list[SynthPerson]] = {}
        for p in persons:
            for t in {t.lower() for t in p.tokens}:
                self.by_token.setdefault(t, []).append(p)

    def others(self, cls: str, p: SynthPerson, state: object, text: str) -> tuple[str, ...]:
        full, initials = _shape(text)
        out: list[str] = []
        seen = {p.pid}
        # candidates share a token with the query or the first or last of the person's own
        ends = {p.tokens[0].lower(), p.tokens[-1].lower()}
        for t in set(full) | ends:
            for other in self.by_token.get(t, ()):
                if other.pid in seen:
                    continue
                seen.add(other.pid)
                if _could_write(other.tokens, full, initials):
                    out.append(other.pid)
                    continue
                if cls in ("plain", "") or state is None:
                    continue
                r = random.Random()
                r.setstate(state)  # type: ignore[arg-type]
                if render_query(cls, other, r) == text:
                    out.append(other.pid)
        return tuple(out)


def _shape(text: str) -> tuple[list[str], list[str]]:
    """A Latin query as its full tokens and its initials (`RK` is two), lower case."""
    full: list[str] = []
    initials: list[str] = []
    for w in text.replace(".", " ").split():
        if not w.isascii() or not w.isalpha():
            return [], []  # script, titles with marks, relations: not one of the plain shapes
        if len(w) == 1 or (len(w) == 2 and w.isupper() and text.upper() != text):
            initials.extend(w.lower())
        else:
            full.append(w.lower())
    return full, initials


def _could_write(tokens: list[str], full: list[str], initials: list[str]) -> bool:
    """Whether initials (all but the kept token), one dropped token or one added token turn
    `tokens` into a query with these full tokens and initials, in any order."""
    toks = [t.lower() for t in tokens]
    if sorted(full) == sorted(toks):
        return not initials
    if initials:
        if full == [toks[-1]] and sorted(initials) == sorted(t[0] for t in toks[:-1]):
            return True
        return len(toks) == 2 and full == [toks[0]] and initials == [toks[1][0]]
    if len(full) == len(toks) + 1:  # a two-token name gains a middle name in its other records
        rest = list(full)
        for t in toks:
            if t not in rest:
                return False
            rest.remove(t)
        return True
    return len(toks) >= 3 and any(
        sorted(full) == sorted(toks[:i] + toks[i + 1 :]) for i in range(1, len(toks))
    )


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
    renderings = Renderings(persons)
    queries: list[Query] = []
    for cls in CLASSES:
        for p in rng.sample(persons, per_class):
            rec = by_pid[p.pid]
            state = rng.getstate()
            if cls == "local_script" and rec.name is None:
                text = _case(" ".join(p.tokens), rng)  # a Latin query for a script-only record
                also = renderings.others("plain", p, state, text)
            else:
                text = render_query(cls, p, rng)
                also = renderings.others(cls, p, state, text)
            queries.append(
                Query(text, cls, p.pid, gender=p.gender, birth_year=p.birth_year, also=also)
            )
    # curated real-world pairs: the records join the gallery, the queries are labelled
    for pid, records, qs in groups:
        for record in records:
            local = any(ord(c) > 0x900 for c in record)
            gallery.append(
                GalleryRecord(pid, None if local else record, record if local else None, "", 0)
            )
        for cls, query in qs:
            queries.append(Query(query, cls, pid, source="curated"))
    # a query that is some other gallery person's name exactly as written is an answer for them
    written: dict[str, set[str]] = {}
    for g in gallery:
        for n in (g.name, g.name_local):
            if n:
                written.setdefault(" ".join(n.lower().split()), set()).add(g.pid)
    for q in queries:
        same = written.get(" ".join(q.text.lower().split()), set()) - {q.target, *q.also}
        q.also = (*q.also, *sorted(same))
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
        state = rng.getstate()
        text = render_query(cls, p, rng)
        if renderings.others(cls, p, state, text):
            continue  # could be written for a gallery person: not a negative
        queries.append(
            Query(text, "negative", None, gender=p.gender, birth_year=p.birth_year, notes=[cls])
        )
    return Dataset(gallery, queries)
