"""KhoyaPaya / TrackChild (sources/khoyapaya.md): missing, found and sighted children.

Every record is a child's: all carry the `CHILD` label, and the guardian's phone is kept on the
guardian (restricted by policy), never as a searchable identifier. Paging follows `next` exactly
as the source gives it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Connector, Mapped, Page, Row
from connectors.feeds import envelope_list, rows_of
from connectors.fields import MISSING, OUTSIDE_LIST, Fields
from connectors.mapping import GENDERS, drop_none, guardian_relation, phones
from records import Gender, Kind, Person, PersonRole, Record, Relation, Sensitivity, Source

MAX_LIMIT = 500
REPORT_STATUSES = frozenset({"OPEN", "TRACED"})
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
        f = Fields.of(row)
        native = f.required_id("report_id")
        updated = f.updated("updated_at")
        written_type = f.text("report_type")
        report_type = (written_type or "").upper()
        if report_type not in _KINDS:
            # missing or unknown: still a child's report, read as the kind every report can
            # be matched against (missing); the type stays as written in the attributes
            f.issue("report_type", MISSING if written_type is None else OUTSIDE_LIST)
        kind, role = _KINDS.get(report_type, (Kind.MISSING_PERSON, PersonRole.MISSING))
        name, name_local = f.text("child_name"), f.text("child_name_local")
        if report_type == "MISSING":
            f.need_name((name, name_local), "child_name", "child_name_local")
        years = f.age("age_years")
        estimate = f.age_range("age_estimate")
        age_from, age_to = (years, years) if years is not None else (estimate or (None, None))
        event = f.date("event_date")
        child_gender = f.mapped("gender", GENDERS)
        guardian_name = f.text("guardian_name")
        relation_raw = f.text("guardian_relation")
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
        guardian_mobile = f.text("guardian_mobile")
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
            status=f.enum("status", REPORT_STATUSES),
            people=tuple(people),
            state=f.state_code("state"),
            district=f.text("district"),
            event_date=event,
            sensitivity=frozenset({Sensitivity.CHILD}),
            attributes=drop_none(
                {
                    "report_type": written_type,
                    "guardian_relation": relation_raw,
                    "last_seen_place": f.text("last_seen_place"),
                    "found_place": f.text("found_place"),
                    "identifying_marks": f.text("identifying_marks"),
                    "clothing": f.text("clothing"),
                    "languages_spoken": f.text("languages_spoken"),
                    "photo_url": f.text("photo_url"),
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )
