"""IVFRT (sources/ivfrt.md): foreigners, visas and look-out circulars, as XML pages.

Elements are read by name, never by position (order is not guaranteed), and unknown elements are
kept in the raw payload. A page whose XML does not parse as a whole is salvaged record by record
when it is complete (its closing root tag arrived): each `<Foreigner>` that parses is used and
each that does not is quarantined with its text. A page cut short is retried.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.errors import MappingError, RetryableError
from connectors.fields import MISSING, UNDATED, Fields
from connectors.mapping import GENDERS, drop_none, identifier, unique, upper
from connectors.paging import Fetched, walk_positions
from matching import identifiers as ids
from records import IdType, Kind, Person, PersonRole, Record, Source

PAGE_SIZE = 100  # fixed by the contract: IVFRT pages hold 100
_FOREIGNER = re.compile(r"<Foreigner[\s>].*?</Foreigner\s*>", re.DOTALL)
_ROOT_END = re.compile(r"</ForeignerList\s*>\s*$")
_TRUE = {"true", "1", "yes", "y"}
FOREIGNER_STATUSES = frozenset({"IN_INDIA", "EXITED", "DEPORTED"})


def element_to_dict(element: ET.Element) -> dict[str, Any]:
    """`<A x="1"><B>t</B><B>u</B><C/></A>` → `{"@x": "1", "B": ["t", "u"], "C": None}`."""
    out: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    for child in element:
        value: Any = element_to_dict(child) if (len(child) or child.attrib) else child.text
        if isinstance(value, str):
            value = value.strip() or None
        if child.tag in out:
            existing = out[child.tag]
            out[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[child.tag] = value
    return out


def parse_page(source: str, body: bytes) -> tuple[list[Row], int | None]:
    """Rows and `totalPages` of one XML page."""
    text = body.decode("utf-8-sig", errors="replace")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        if not _ROOT_END.search(text):
            raise RetryableError(source, f"XML page cut short ({exc})") from None
        return _salvage(text), _total_pages(text)
    if root.tag != "ForeignerList":
        raise RetryableError(source, f"XML page has root <{root.tag}>, not <ForeignerList>")
    rows = [Row(element_to_dict(el)) for el in root if el.tag == "Foreigner"]
    total = root.attrib.get("totalPages")
    return rows, int(total) if total and total.isdigit() else None


def _total_pages(text: str) -> int | None:
    m = re.search(r"<ForeignerList[^>]*\btotalPages=\"(\d+)\"", text)
    return int(m[1]) if m else None


def _salvage(text: str) -> list[Row]:
    rows = []
    for chunk in _FOREIGNER.findall(text):
        try:
            rows.append(Row(element_to_dict(ET.fromstring(chunk))))
        except ET.ParseError as exc:
            native = re.search(r"<RegistrationNo>\s*([^<]+?)\s*</RegistrationNo>", chunk)
            data: dict[str, Any] = {"xml": chunk}
            if native:
                data["RegistrationNo"] = native[1]
            rows.append(Row(data, problem=f"malformed XML record ({exc})"))
    return rows


class IvfrtConnector(Connector):
    source = Source.IVFRT
    default_page_size = PAGE_SIZE

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        async def fetch(bound: datetime | None, skip: int) -> Fetched:
            page = skip // PAGE_SIZE + 1
            params: dict[str, Any] = {"page": page}
            if bound is not None:
                params["changedSince"] = bound.isoformat()

            async def attempt() -> tuple[list[Row], int | None]:
                response = await self.client.send("GET", "/foreigners", params=params)
                return parse_page(self.source, response.content)

            rows, total_pages = await self.client.call(attempt)
            last = len(rows) < PAGE_SIZE or (total_pages is not None and page >= total_pages)
            total = total_pages * PAGE_SIZE if total_pages is not None else None
            return Fetched(rows, total, last)

        async for page in walk_positions(
            fetch, _row_time, since=since, cursor=cursor, page_size=PAGE_SIZE, exact_offsets=False
        ):
            yield page

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("RegistrationNo")
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        f = Fields.of(row)
        native = f.required_id("RegistrationNo")
        updated = f.updated("ChangedOn")
        given, surname = f.text("GivenName"), f.text("Surname")
        f.need_name((given, surname), "GivenName", "Surname")
        passport = _section(f, "Passport")
        visa = _section(f, "Visa")
        loc = _section(f, "LookOutCircular")
        loc_issued = (
            (str(loc.data.get("@issued", "true")).strip().lower() in _TRUE) if loc.data else False
        )
        passport_no = passport.text("Number")
        if passport_no is None and "Number" not in passport.data:
            passport.issue("Number", MISSING)
        on = (updated if updated != UNDATED else fetched_at).date()
        dob = f.birth_date("DateOfBirth", on=on)
        nationality = upper(f.text("Nationality"))
        person = Person(
            role=PersonRole.SUBJECT,
            name=" ".join(x for x in (given, surname) if x) or None,
            gender=f.mapped("Sex", GENDERS),
            birth_date=dob,
            birth_year=dob.year if dob else None,
            address=f.text("AddressInIndia"),
            nationality=nationality,
        )
        arrival = f.date("ArrivalDate")
        visa_until = visa.date("ValidUntil")
        overstay = f.text("Overstay")
        passport_expiry = passport.date("Expiry")
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.FOREIGNER,
            status=f.enum("Status", FOREIGNER_STATUSES),
            people=(person,),
            identifiers=unique(
                [
                    identifier(
                        IdType.PASSPORT,
                        passport_no,
                        lambda v: ids.normalise_passport(v, indian=False),
                    ),
                    identifier(IdType.VISA, visa.text("Number"), upper),
                    identifier(IdType.LOC, loc.text("Number") if loc_issued else None, upper),
                ]
            ),
            event_date=arrival,
            attributes=drop_none(
                {
                    "surname": surname,
                    "given_name": given,
                    "passport_issue_country": upper(passport.text("IssueCountry")),
                    "passport_expiry": passport_expiry.isoformat() if passport_expiry else None,
                    "visa_type": visa.text("Type"),
                    "visa_valid_until": visa_until.isoformat() if visa_until else None,
                    "port_of_entry": f.text("PortOfEntry"),
                    "overstay": overstay.lower() in _TRUE if overstay else None,
                    "loc_issued": loc_issued if loc.data else None,
                    "loc_issued_by": loc.text("IssuedBy") if loc_issued else None,
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _section(f: Fields, key: str) -> Fields:
    """A child element; repeated where it should be single: withheld, with an issue."""
    if isinstance(f.data.get(key), list):
        f.issue(key, "appears more than once, withheld")
        return Fields({}, path=f.where(key), issues=f.issues)
    return f.child(key)


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("ChangedOn")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "ChangedOn")
    except MappingError:
        return None
