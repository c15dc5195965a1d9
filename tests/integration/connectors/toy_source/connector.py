"""The toy source's contract: `GET /people?updated_after=ISO&offset=N&limit=N` with `X-API-Key`
answers `{"results": [{"id", "name", "father", "updated_at"}], "next_offset": N | null}`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from connectors.base import Connector, Mapped, Page, Row
from connectors.feeds import envelope_list, rows_of
from connectors.fields import Fields
from records import Kind, Person, PersonRole, Record, Relation, register_source

MAX_LIMIT = 50


class ToyConnector(Connector):
    source = register_source("toy")  # the folder names its source

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        offset = int((cursor or {}).get("offset", 0))
        while True:
            params: dict[str, Any] = {"offset": offset, "limit": min(self.page_size, MAX_LIMIT)}
            if since is not None:
                params["updated_after"] = since.isoformat()
            body = await self.client.get_json("/people", params=params)
            rows = rows_of(envelope_list(self.source, body, "results"))
            following = body.get("next_offset")
            if not isinstance(following, int):
                yield Page(rows, None)
                return
            offset = following
            yield Page(rows, {"offset": offset})

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("id")
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        f = Fields.of(row)
        native = f.required_id("id")
        updated = f.updated("updated_at")
        name, father = f.text("name"), f.text("father")
        f.need_name((name,), "name")
        person = Person(
            role=PersonRole.SUBJECT,
            name=name,
            relative_name=father,
            relation=Relation.SON_OF if father else None,
        )
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.ACCUSED,
            people=(person,),
            provenance=self.provenance(native, updated, fetched_at),
            raw=row.data,
            data_issues=tuple(f.issues),
        )
