"""The benchmark dataset: a gallery of records (several per person, each damaged its own way),
queries in variation classes with what officers know beside the name, and negatives that are
near neighbours of people in the gallery.

- people: `people.population` (families, namesakes on purpose);
- records: `gallery.records_of`, independent of every query; a few people's records all went
  through a bad scanner (the `damaged_record` class asks for them);
- queries: `queries.write`, per class; `Query.also` lists every other person the query is as
  right for (`queries.fits` and `queries.consistent`, from the generator alone);
- hand-curated real-world pairs (`families.tsv`): each line's record joins the gallery, its query
  is asked in its class;
- negatives: people not in the gallery, near neighbours of people who are: an absent namesake
  (same name, another father, birth year or state, said in the query), the same given name with
  another surname, the same surname with another given name. A negative that fits someone in the
  gallery as well and contradicts nothing is no negative, and is not drawn.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources

from bench.names.gallery import records_of, view
from bench.names.generate import CLASSES, GalleryRecord, Query
from bench.names.people import Person, population
from bench.names.queries import consistent, fits, has_house, write
from records import Kind, PersonRole, Provenance, Record, Source
from records import Person as RecordPerson
from records.model import make_record_id

SCANNED_SHARE = 0.04  # people whose every record went through a bad scanner


@dataclass
class Dataset:
    gallery: list[GalleryRecord]  # what name-only methods see, one per record
    records: list[Record]  # the same records as the product indexes them
    queries: list[Query]
    # everyone a query was written about: the gallery's people and the negatives' absent ones
    people: dict[str, Person] = field(default_factory=dict)
    pid_of: dict[str, str] = field(default_factory=dict)  # record id → person id


def curated() -> list[tuple[str, str, str]]:
    text = resources.files("bench.names").joinpath("families.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cls, record, query = line.split("\t")
        out.append((cls, record, query))
    return out


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


def _curated_record(pid: str, serial: int, written: str) -> Record:
    local = any(ord(c) > 0x900 for c in written)
    native = f"{pid}-{serial}"
    when = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    return Record(
        record_id=make_record_id(Source.CCTNS, native),
        source=Source.CCTNS,
        kind=Kind.ACCUSED,
        people=(
            RecordPerson(
                role=PersonRole.SUBJECT,
                name=None if local else written,
                name_local=written if local else None,
            ),
        ),
        provenance=Provenance(
            source=Source.CCTNS, native_id=native, source_updated_at=when, fetched_at=when
        ),
    )


class _Index:
    """People by the words of their names, to find who else a query fits."""

    def __init__(self, people: list[Person]) -> None:
        self.pid = {p.pid: p for p in people}
        self.by_word: dict[str, list[Person]] = {}
        for p in people:
            words = {w.lower() for w in p.tokens} | ({p.alias.lower()} if p.alias else set())
            for w in words:
                self.by_word.setdefault(w, []).append(p)

    def fitting(self, meant: list[str], target: Person) -> list[str]:
        """Everyone (other than the target) whose name fits the meant words as well."""
        words = [w.lower() for w in meant if not w.endswith(".")]
        if not words:
            return []
        seen: set[str] = {target.pid}
        out: list[str] = []
        for p in self.by_word.get(words[0], ()):
            if p.pid not in seen:
                seen.add(p.pid)
                if fits(p, meant, target):
                    out.append(p.pid)
        return out

    def right(self, q: Query, meant: list[str], target: Person) -> list[str]:
        """Everyone (other than the target) the query is as right for."""
        return [pid for pid in self.fitting(meant, target) if consistent(self.pid[pid], q, target)]


def _eligible(cls: str, p: Person) -> bool:
    if cls == "relative_surname":
        return p.surname is not None and not has_house(p) and p.surname in p.relative
    if cls == "south_initial":
        return has_house(p)
    if cls == "initials":
        return len(p.tokens) >= 2 and not has_house(p)
    if cls == "missing_token":
        return len(p.tokens) >= 2
    return True


def _negatives(
    rng: random.Random, people: list[Person], index: _Index, n: int
) -> list[tuple[Query, Person]]:
    """Near neighbours of gallery people who are not in the gallery (see the module doc)."""
    out: list[tuple[Query, Person]] = []
    names = {p.name_key for p in people}
    outsiders = population(rng, n * 6, "n", namesakes=0.0)
    tries = 0
    while len(out) < n and tries < n * 40:
        tries += 1
        kind = rng.random()
        near = rng.choice(people)
        other = copy.copy(outsiders[tries % len(outsiders)])
        if other.community.name != near.community.name:
            continue
        other.pid = f"n{len(out)}"
        if kind < 0.4:  # an absent namesake: same name, another family, birth year, place
            other.given, other.middle, other.surname = (
                list(near.given),
                list(near.middle),
                (near.surname),
            )
            other.house, other.gender = near.house, near.gender
            while abs(other.birth_year - near.birth_year) < 8:
                other.birth_year = rng.randint(1950, 2005)
        elif kind < 0.7:  # the same given name, another surname
            other.given, other.gender = list(near.given), near.gender
        elif near.surname:  # the same surname, another given name
            other.surname = near.surname
        if other.name_key in names and kind >= 0.4:
            continue
        cls = rng.choice([c for c in CLASSES if c not in ("damaged_record",)])
        if not _eligible(cls, other):
            continue
        q, draft = write(cls, other, rng, None)
        if kind < 0.4 and q.birth_year is None and q.age is None:
            q.birth_year = other.birth_year  # the query says what sets the namesake apart
        if index.right(q, draft.meant, other):
            continue  # fits someone in the gallery as well: no negative
        q.subject = other.pid
        q.fits = tuple(index.fitting(draft.meant, other))
        near_kind = (
            "absent_namesake" if kind < 0.4 else ("same_given" if kind < 0.7 else "same_surname")
        )
        q.notes = [cls, near_kind]
        q.cls = "negative"
        out.append((q, other))
    return out


def build(seed: int = 7, gallery_size: int = 5000, per_class: int = 150) -> Dataset:
    rng = random.Random(seed)
    people = population(rng, gallery_size, "p")
    scanned = {p.pid for p in people if rng.random() < SCANNED_SHARE}
    records: list[Record] = []
    gallery: list[GalleryRecord] = []
    pid_of: dict[str, str] = {}
    for p in people:
        for r in records_of(p, rng, scanned=p.pid in scanned):
            records.append(r)
            gallery.append(view(p.pid, r))
            pid_of[r.record_id] = p.pid
    index = _Index(people)
    by_pid = {p.pid: p for p in people}
    queries: list[Query] = []
    for cls in CLASSES:
        pool = [p for p in people if _eligible(cls, p)]
        if cls == "damaged_record":
            pool = [p for p in pool if p.pid in scanned]
        for p in rng.sample(pool, min(per_class, len(pool))):
            q, draft = write(cls, p, rng, p.pid)
            q.subject = p.pid
            q.fits = tuple(index.fitting(draft.meant, p))
            q.also = tuple(pid for pid in q.fits if consistent(by_pid[pid], q, p))
            queries.append(q)
    for pid, written, qs in _curated_groups():
        for serial, w in enumerate(written):
            r = _curated_record(pid, serial, w)
            records.append(r)
            gallery.append(view(pid, r))
            pid_of[r.record_id] = pid
        for cls, text in qs:
            queries.append(Query(text, cls, pid, source="curated", subject=pid))
    for q, outsider in _negatives(rng, people, index, max(1, len(queries) // 9)):
        queries.append(q)
        by_pid[outsider.pid] = outsider
    return Dataset(gallery, records, queries, by_pid, pid_of)
