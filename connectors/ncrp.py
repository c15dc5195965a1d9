"""NCRP (sources/ncrp.md): cyber-crime complaints, OAuth2, page numbers.

We index the suspects' identifiers so that a number or account seen in other complaints and
cases surfaces. The complainant is a victim: kept as `PersonRole.COMPLAINANT` (never a search
subject), the record labelled `VICTIM`, and the complainant's phone and e-mail are not
identifiers of the record (they would make a victim findable by number).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.errors import MappingError
from connectors.feeds import envelope_list, rows_of
from connectors.mapping import digits, drop_none, identifier, lower, phones, unique
from connectors.paging import Fetched, walk_positions
from connectors.states import state_code_for
from matching import identifiers as ids
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Sensitivity, Source

MAX_PER_PAGE = 200


class NcrpConnector(Connector):
    source = Source.NCRP

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        per_page = min(self.page_size, MAX_PER_PAGE)

        async def fetch(bound: datetime | None, skip: int) -> Fetched:
            params: dict[str, Any] = {"page": skip // per_page + 1, "per_page": per_page}
            if bound is not None:
                params["updated_from"] = bound.isoformat()
            body = await self.client.get_json("/complaints", params=params)
            rows = rows_of(envelope_list(self.source, body, "complaints"))
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            total = meta.get("total") if isinstance(meta.get("total"), int) else None
            page = params["page"]
            last = len(rows) < per_page or (total is not None and page * per_page >= total)
            return Fetched(rows, total, last)

        async for page in walk_positions(
            fetch, _row_time, since=since, cursor=cursor, page_size=per_page, exact_offsets=False
        ):
            yield page

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("acknowledgement_no")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        native = p.required_text(raw, "acknowledgement_no")
        updated = p.required_datetime(raw, "updated_at")
        complained = p.datetime_field(raw, "complaint_date")
        state_name = p.text(raw, "state")
        state = state_code_for(state_name)
        if state_name is not None and state is None:
            raise MappingError(f"field 'state' names an unknown state {state_name!r}")
        suspects_raw = raw.get("suspects") or []
        if not isinstance(suspects_raw, list) or not all(isinstance(s, dict) for s in suspects_raw):
            raise MappingError("field 'suspects' should be a list of objects")
        people: list[Person] = []
        found: list[Identifier | None] = []
        for suspect in suspects_raw:
            mobile, email = p.text(suspect, "mobile"), p.text(suspect, "email")
            people.append(
                Person(
                    role=PersonRole.SUSPECT,
                    name=p.text(suspect, "name"),
                    phones=phones(mobile),
                    emails=(e,) if (e := lower(email)) else (),
                )
            )
            found += [
                identifier(IdType.MOBILE, mobile, ids.normalise_mobile),
                identifier(IdType.UPI, p.text(suspect, "upi_id"), ids.normalise_upi),
                identifier(IdType.BANK_ACCOUNT, p.text(suspect, "bank_account"), digits),
                identifier(IdType.EMAIL, email, lower),
                identifier(IdType.URL, p.text(suspect, "url"), lambda v: v.strip() if v else None),
            ]
        complainant = raw.get("complainant")
        sensitivity: frozenset[Sensitivity] = frozenset()
        if complainant is not None:
            if not isinstance(complainant, dict):
                raise MappingError("field 'complainant' should be an object")
            email = lower(p.text(complainant, "email"))
            people.append(
                Person(
                    role=PersonRole.COMPLAINANT,
                    name=p.text(complainant, "name"),
                    phones=phones(p.text(complainant, "mobile")),
                    emails=(email,) if email else (),
                )
            )
            sensitivity = frozenset({Sensitivity.VICTIM})
        amount = raw.get("amount_lost")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
            raise MappingError(f"field 'amount_lost' should be a number, got {amount!r}")
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.CYBER_COMPLAINT,
            status=p.text(raw, "status"),
            people=tuple(people),
            identifiers=unique(found),
            state=state,
            district=p.text(raw, "district"),
            event_date=complained.date() if complained else None,
            sensitivity=sensitivity,
            attributes=drop_none(
                {
                    "category": p.text(raw, "category"),
                    "sub_category": p.text(raw, "sub_category"),
                    "amount_lost": amount,
                    "fir_number": p.text(raw, "fir_number"),
                    "state_name": state_name,
                    "ifsc": [i for s in suspects_raw if (i := p.text(s, "ifsc"))] or None,
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
        )


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "updated_at")
    except MappingError:
        return None
