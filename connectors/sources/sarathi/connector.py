"""Sarathi (sources/sarathi.md): driving licences by page number, `since` in epoch milliseconds,
and a point look-up by DL number. Record id: the normalised DL number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.clean import scrub_aadhaar
from connectors.errors import MappingError, SourceNotFound
from connectors.feeds import envelope_list, rows_of
from connectors.fields import UNDATED, Fields
from connectors.mapping import GENDERS, drop_none, identifier, unique
from connectors.paging import Fetched, walk_positions
from connectors.reading import read_row
from matching import identifiers as ids
from records import IdType, Kind, Person, PersonRole, Record, Relation, Source

MAX_SIZE = 500
DL_STATUSES = frozenset({"ACTIVE", "SUSPENDED", "REVOKED", "EXPIRED"})


class SarathiConnector(Connector):
    source = Source.SARATHI

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        size = min(self.page_size, MAX_SIZE)

        async def fetch(bound: datetime | None, skip: int) -> Fetched:
            params: dict[str, Any] = {"page": skip // size + 1, "size": size}
            if bound is not None:
                params["since"] = int(bound.timestamp() * 1000)
            body = await self.client.get_json("/v2/licences", params=params)
            rows = rows_of(envelope_list(self.source, body, "content"))
            total_pages = body.get("totalPages")
            total = total_pages * size if isinstance(total_pages, int) else None
            last = body.get("last") is True or len(rows) < size
            return Fetched(rows, total, last)

        async for page in walk_positions(
            fetch, _row_time, since=since, cursor=cursor, page_size=size, exact_offsets=False
        ):
            yield page

    async def lookup_licence(
        self, dl_no: str, *, fetched_at: datetime | None = None
    ) -> Record | None:
        """One licence straight from Sarathi (None when unknown)."""
        normalised = ids.normalise_dl(dl_no)
        if normalised is None:
            raise ValueError(f"{dl_no!r} is not a driving licence number")
        try:
            body = await self.client.get_json(f"/v2/licences/{quote(normalised)}")
        except SourceNotFound:
            return None
        if not isinstance(body, dict):
            raise MappingError("Sarathi look-up answered with something other than a record")
        cleaned, _ = scrub_aadhaar(body)
        mapped = read_row(self, Row(cleaned), fetched_at or self.clock())
        assert isinstance(mapped, Record)
        return mapped

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("dlNo")
        return ids.normalise_dl(value) if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        f = Fields.of(row)
        dl_raw = f.required_id("dlNo")
        dl = ids.normalise_dl(dl_raw)
        if dl is None:
            raise MappingError(f"field 'dlNo' is not a driving licence number: {dl_raw!r}")
        updated = f.updated_epoch("updatedAt", millis=True)
        name, name_local = f.text("holderName"), f.text("holderNameLocal")
        f.need_name((name, name_local), "holderName", "holderNameLocal")
        # an undated row cannot say how old its holder was: judge the birth date by today
        dob = f.birth_date("dob", on=(updated if updated != UNDATED else fetched_at).date())
        issued = f.date("issueDate")
        validity = f.child("validity")
        relative = f.text("swdOf")
        person = Person(
            role=PersonRole.SUBJECT,
            name=name,
            name_local=name_local,
            relative_name=relative,
            relation=Relation.RELATIVE if relative else None,
            gender=f.mapped("gender", GENDERS),
            birth_date=dob,
            birth_year=dob.year if dob else None,
            address=f.text("permAddress"),
        )
        valid_nt = validity.date("nonTransport")
        valid_t = validity.date("transport")
        return Record(
            record_id=self.record_id(dl),
            source=self.source,
            kind=Kind.DRIVING_LICENCE,
            status=f.enum("status", DL_STATUSES),
            people=(person,),
            identifiers=unique([identifier(IdType.DRIVING_LICENCE, dl, lambda v: v)]),
            state=f.state_code("stateCode"),
            event_date=issued,
            attributes=drop_none(
                {
                    "rto_code": f.text("rtoCode"),
                    "blood_group": f.text("bloodGroup"),
                    "temp_address": f.text("tempAddress"),
                    "cov": list(f.strings("cov")),
                    "valid_non_transport": valid_nt.isoformat() if valid_nt else None,
                    "valid_transport": valid_t.isoformat() if valid_t else None,
                    "dl_no_as_written": dl_raw if dl_raw != dl else None,
                }
            ),
            provenance=self.provenance(dl, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _row_time(row: Row) -> datetime | None:
    try:
        return p.epoch(row.data, "updatedAt", millis=True)
    except MappingError:
        return None
