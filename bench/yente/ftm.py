"""The benchmark's world and queries as yente reads them: each record's subjects as
FollowTheMoney `Person` entities (one entity per record, so both sides index the very same
records), and each query as a `/match` example.

FollowTheMoney has no husband's name on a `Person`: a son's or daughter's relative goes to
`fatherName`, any other relative is left out of yente's entity (its matcher reads names, birth
dates, gender and country; nothing it would score is lost)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.names.generate import Query
from bench.names.queries import TODAY_YEAR
from records import Gender, Record, Relation

DATASET = "icjs_world"
_GENDERS = {Gender.MALE: "male", Gender.FEMALE: "female", Gender.OTHER: "other"}
_FATHER = frozenset({Relation.SON_OF, Relation.DAUGHTER_OF, Relation.RELATIVE})


def entity(record: Record) -> dict[str, Any] | None:
    """The record's first named subject as a `Person`, keyed by the record id; None when it
    names nobody (the product has nothing to find it by either)."""
    person = next((p for p in record.subjects() if p.names), None)
    if person is None:
        return None
    props: dict[str, list[str]] = {"name": [n for n in (person.name, person.name_local) if n]}
    if person.aliases:
        props["alias"] = list(person.aliases)
    if person.relative_name and (person.relation is None or person.relation in _FATHER):
        props["fatherName"] = [person.relative_name]
    if person.birth_date is not None:
        props["birthDate"] = [person.birth_date.isoformat()]
    elif person.birth_year is not None:
        props["birthDate"] = [str(person.birth_year)]
    if person.gender in _GENDERS:
        props["gender"] = [_GENDERS[person.gender]]
    props["country"] = ["in"]
    return {"id": record.record_id, "schema": "Person", "properties": props, "datasets": [DATASET]}


def write_entities(records: Iterable[Record], path: Path) -> int:
    """One JSON entity a line (yente's `path:` dataset format); the number written."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            body = entity(record)
            if body is not None:
                out.write(json.dumps(body, ensure_ascii=False) + "\n")
                written += 1
    return written


def birth_year(q: Query) -> int | None:
    """A query's "about N years" as the birth year it means on the benchmark's date, so that
    both services are asked the same thing whatever today is."""
    if q.birth_year is not None:
        return q.birth_year
    return TODAY_YEAR - q.age if q.age is not None else None


def yente_example(q: Query) -> dict[str, Any]:
    """The query as one `/match` example: what the officer typed and knows beside the name."""
    props: dict[str, list[str]] = {"name": [q.text]}
    year = birth_year(q)
    if year is not None:
        props["birthDate"] = [str(year)]
    if q.gender in ("M", "F"):
        props["gender"] = ["male" if q.gender == "M" else "female"]
    if q.relative_name:
        props["fatherName"] = [q.relative_name]
    props["country"] = ["in"]
    return {"schema": "Person", "properties": props}


def product_body(q: Query, limit: int) -> dict[str, Any]:
    """The same query as `POST /v1/persons/search` takes it."""
    body: dict[str, Any] = {"name": q.text, "limit": limit, "purpose": "benchmark against yente"}
    year = birth_year(q)
    if year is not None:
        body["birth_year"] = year
    if q.gender:
        body["gender"] = q.gender
    if q.relative_name:
        body["father_name"] = q.relative_name
    if q.state:
        body["state"] = q.state
    return body
