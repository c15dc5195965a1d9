"""KhoyaPaya / TrackChild (sources/khoyapaya.md): missing, found and sighted children.

Every record is a child's: all carry the `CHILD` label, and the guardian's phone is kept on the
guardian (restricted by policy), never as a searchable identifier. Paging follows `next` exactly
as the source gives it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.errors import MappingError
from connectors.feeds import envelope_list, rows_of
from connectors.mapping import (
    drop_none,
    gender,
    guardian_relation,
    need_name,
    phones,
    state_code,
)
from records import Gender, Kind, Person, PersonRole, Record, Relation, Sensitivity, Source

MAX_LIMIT = 500
_KINDS = {
    "MISSING": (Kind.MISSING_PERSON, PersonRole.MISSING),
    "FOUND": (Kind.FOUND_PERSON, PersonRole.FOUND),
    "SIGHTED": (Kind.FOUND_PERSON, PersonRole.FOUND),
}
_CHILD_OF = {Gender.MALE: Relation.SON_OF, Gender.FEMALE: Relation.DAUGHTER_OF}


class KhoyapayaConnector(Connector):
    source = Source.KHOYAPAYA

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        limit = min(self.page_size, MAX_LIMIT)
        url: str = "/reports"
        params: dict[str, Any] | None = {"limit": limit}
        if since is not None:
            # `updated_after` is exclusive: ask from one second earlier to include `since`.
            assert params is not None
            params["updated_after"] = (since - timedelta(seconds=1)).isoformat()
        if cursor is not None and isinstance(cursor.get("next"), str):
            url, params = cursor["next"], None
        while True:
            body = await self.client.get_json(url, params=params)
            rows = rows_of(envelope_list(self.source, body, "results"))
            following = body.get("next")
            if not isinstance(following, str) or not following:
                yield Page(rows, None)
                return
            url, params = following, None
            yield Page(rows, {"next": url})

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("report_id")
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        native = p.required_text(raw, "report_id")
        updated = p.required_datetime(raw, "updated_at")
        report_type = (p.required_text(raw, "report_type")).upper()
        if report_type not in _KINDS:
            raise MappingError(f"field 'report_type' holds an unknown type {report_type!r}")
        kind, role = _KINDS[report_type]
        name, name_local = p.text(raw, "child_name"), p.text(raw, "child_name_local")
        if report_type == "MISSING":
            need_name(name, name_local, fields="child_name, child_name_local")
        years = p.age(raw, "age_years")
        estimate = p.age_range(p.text(raw, "age_estimate"), "age_estimate")
        age_from, age_to = (years, years) if years is not None else (estimate or (None, None))
        event = p.date_field(raw, "event_date")
        child_gender = gender(p.text(raw, "gender"), "gender")
        guardian_name = p.text(raw, "guardian_name")
        relation_raw = p.text(raw, "guardian_relation")
        guardian_rel = guardian_relation(relation_raw)
        parent = guardian_rel in (Relation.FATHER_OF, Relation.MOTHER_OF)
        child_rel: Relation | None = None
        if guardian_name:
            as_child = _CHILD_OF.get(child_gender) if child_gender else None
            child_rel = (as_child or Relation.RELATIVE) if parent else Relation.GUARDIAN
        child = Person(
            role=role,
            name=name,
            name_local=name_local,
            relative_name=guardian_name,
            relation=child_rel,
            gender=child_gender,
            age_from=age_from,
            age_to=age_to,
            age_on=event if age_from is not None else None,
        )
        people = [child]
        guardian_mobile = p.text(raw, "guardian_mobile")
        if guardian_name or guardian_mobile:
            people.append(
                Person(
                    role=PersonRole.GUARDIAN,
                    name=guardian_name,
                    relative_name=name or name_local,
                    relation=guardian_rel,
                    phones=phones(guardian_mobile),
                )
            )
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=kind,
            status=p.text(raw, "status"),
            people=tuple(people),
            state=state_code(p.text(raw, "state"), "state"),
            district=p.text(raw, "district"),
            event_date=event,
            sensitivity=frozenset({Sensitivity.CHILD}),
            attributes=drop_none(
                {
                    "report_type": report_type,
                    "guardian_relation": relation_raw,
                    "last_seen_place": p.text(raw, "last_seen_place"),
                    "found_place": p.text(raw, "found_place"),
                    "identifying_marks": p.text(raw, "identifying_marks"),
                    "clothing": p.text(raw, "clothing"),
                    "languages_spoken": p.text(raw, "languages_spoken"),
                    "photo_url": p.text(raw, "photo_url"),
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
        )
