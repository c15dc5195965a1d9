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
from connectors.fields import Fields
from connectors.mapping import digits, drop_none, identifier, lower, phones, unique
from connectors.paging import Fetched, walk_positions
from matching import identifiers as ids
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Sensitivity, Source

MAX_PER_PAGE = 200
COMPLAINT_STATUSES = frozenset(
    {"REGISTERED", "UNDER_INVESTIGATION", "FIR_REGISTERED", "CLOSED", "WITHDRAWN"}
)


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
        f = Fields.of(row)
        native = f.required_id("acknowledgement_no")
        updated = f.updated("updated_at")
        complained = f.datetime("complaint_date")
        state, state_name = f.state_name("state")
        people: list[Person] = []
        found: list[Identifier | None] = []
        suspects = f.children("suspects")
        for suspect in suspects:
            mobile, email = suspect.text("mobile"), suspect.text("email")
            people.append(
                Person(
                    role=PersonRole.SUSPECT,
                    name=suspect.text("name"),
                    phones=phones(mobile),
                    emails=(e,) if (e := lower(email)) else (),
                )
            )
            found += [
                identifier(IdType.MOBILE, mobile, ids.normalise_mobile),
                identifier(IdType.UPI, suspect.text("upi_id"), ids.normalise_upi),
                identifier(IdType.BANK_ACCOUNT, suspect.text("bank_account"), digits),
                identifier(IdType.EMAIL, email, lower),
                identifier(IdType.URL, suspect.text("url"), lambda v: v.strip() if v else None),
            ]
        sensitivity: frozenset[Sensitivity] = frozenset()
        if raw.get("complainant") is not None:
            complainant = f.child("complainant")
            email = lower(complainant.text("email"))
            people.append(
                Person(
                    role=PersonRole.COMPLAINANT,
                    name=complainant.text("name"),
                    phones=phones(complainant.text("mobile")),
                    emails=(email,) if email else (),
                )
            )
            sensitivity = frozenset({Sensitivity.VICTIM})
        amount = raw.get("amount_lost")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
            f.issue("amount_lost", "not a number, withheld")
            amount = None
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.CYBER_COMPLAINT,
            status=f.enum("status", COMPLAINT_STATUSES),
            people=tuple(people),
            identifiers=unique(found),
            state=state,
            district=f.text("district"),
            event_date=complained.date() if complained else None,
            sensitivity=sensitivity,
            attributes=drop_none(
                {
                    "category": f.text("category"),
                    "sub_category": f.text("sub_category"),
                    "amount_lost": amount,
                    "fir_number": f.text("fir_number"),
                    "state_name": state_name,
                    "ifsc": [i for s in suspects if (i := s.text("ifsc"))] or None,
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "updated_at")
    except MappingError:
        return None
