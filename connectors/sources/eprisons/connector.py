"""e-Prisons (sources/eprisons.md): OAuth2 client credentials, offset paging, no deletes.

Offsets over a live table shift, so the walk moves its `from` bound up page by page
(`connectors.paging`). The feed never says that an inmate record was removed; a periodic
reconciliation pages through `/inmates/ids` and the engine deletes what the index holds and the
source no longer does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row
from connectors.errors import MappingError, SourceError
from connectors.feeds import envelope_list, rows_of
from connectors.fields import Fields
from connectors.mapping import GENDERS, drop_none, identifier, unique
from connectors.paging import Fetched, walk_positions
from matching import identifiers as ids
from records import Identifier, IdType, Kind, Person, PersonRole, Record, Relation, Source
from records.firs import UNSTATED, fir_without_state

IDS_PAGE = 1000
MAX_PAGE = 500
# The contract's enumerations (sources/eprisons.md): anything else is kept, with an issue.
CATEGORIES = frozenset({"UNDERTRIAL", "CONVICT", "DETENU"})
RELEASE_TYPES = frozenset({"BAIL", "ACQUITTED", "SENTENCE_COMPLETED", "ESCAPED", "PAROLE"})
# A case's fields that name its FIR: the FIR's own state (not in the contract, sent by some
# prisons), the police station's code, the FIR number/year.
CASE_FIR = ("state", "psCode", "firNumber")


class ReconcileShifted(SourceError):
    """The id list changed under the reconciliation walk; deleting now could delete live ids."""


class EprisonsConnector(Connector):
    source = Source.EPRISONS
    reconciles = True

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        limit = min(self.page_size, MAX_PAGE)

        async def fetch(bound: datetime | None, offset: int) -> Fetched:
            params: dict[str, Any] = {"offset": offset, "limit": limit}
            if bound is not None:
                params["from"] = bound.isoformat()
            body = await self.client.get_json("/inmates", params=params)
            rows = rows_of(envelope_list(self.source, body, "items"))
            total = body.get("total") if isinstance(body.get("total"), int) else None
            return Fetched(rows, total, last=len(rows) < limit)

        async for page in walk_positions(
            fetch, _row_time, since=since, cursor=cursor, page_size=limit, exact_offsets=True
        ):
            yield page

    async def reconcile_ids(self) -> AsyncIterator[list[str]]:
        """Pages of ids, ascending. Each page is asked to start on the previous page's last id;
        if it does not, the list shifted under us and the walk is abandoned (`ReconcileShifted`)
        rather than risk deleting a live record that moved out of view."""
        offset = 0
        last: str | None = None
        while True:
            body = await self.client.get_json(
                "/inmates/ids", params={"offset": offset, "limit": IDS_PAGE}
            )
            page = [
                i.strip() for i in envelope_list(self.source, body, "ids") if isinstance(i, str)
            ]
            if last is not None:
                if not page or page[0] != last:
                    raise ReconcileShifted(self.source, "id list shifted during reconciliation")
                page = page[1:]
            if page:
                yield page
                last = page[-1]
            if len(page) < IDS_PAGE - (1 if offset else 0):
                return
            offset += IDS_PAGE - 1

    def native_id(self, row: Row) -> str | None:
        value = row.data.get("prisonerId")
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        f = Fields.of(row)
        native = f.required_id("prisonerId")
        updated = f.updated("updatedAt")
        name, name_local = f.text("name"), f.text("nameLocal")
        f.need_name((name, name_local), "name", "nameLocal")
        admitted = f.date("dateOfAdmission")
        age = f.age("age")
        prison = f.child("prison")
        state = prison.state_code("state")
        firs = [_case_fir(case.text(k) for k in CASE_FIR) for case in f.children("cases")]
        cases = f.children("cases")
        release = f.date("releaseDate")
        parole_until = f.date("paroleUntil")
        release_type = f.enum("releaseType", RELEASE_TYPES)
        category = f.enum("category", CATEGORIES)
        father = f.text("fatherName")
        person = Person(
            role=PersonRole.SUBJECT,
            name=name,
            name_local=name_local,
            relative_name=father,
            relation=Relation.RELATIVE if father else None,
            gender=f.mapped("gender", GENDERS),
            age_from=age,
            age_to=age,
            age_on=admitted if age is not None else None,
        )
        status = (release_type or "RELEASED") if release or release_type else category
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.INMATE,
            status=status,
            people=(person,),
            identifiers=unique([identifier(IdType.PRISONER, native, lambda v: v), *firs]),
            state=state,
            district=prison.text("district"),
            police_station=None,
            event_date=admitted,
            attributes=drop_none(
                {
                    "prison": prison.text("name"),
                    "category": category,
                    "release_date": release.isoformat() if release else None,
                    "release_type": release_type,
                    "parole_until": parole_until.isoformat() if parole_until else None,
                    "cases": [
                        drop_none({k: c.text(k) for k in c.data if k and isinstance(k, str)})
                        for c in cases
                    ],
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _case_fir(parts: Iterable[str | None]) -> Identifier | None:
    """The FIR a case names. A case states its police station's code, not the station's state,
    and an inmate is often held outside the state of an older FIR (arrested in Bihar on a Kerala
    FIR): the prison's state is not the FIR's. A case that does state it (`state`) gives the
    full FIR; one that does not gives the FIR without its state, marked partial, which the
    linker matches on station code, number, year and the station's name
    (`indexer.links.fir_links`), never as a whole FIR."""
    state, ps_code, number = parts
    if state:
        return identifier(IdType.FIR, ids.normalise_fir(state, ps_code, number), lambda v: v)
    stateless = fir_without_state(ids.normalise_fir(UNSTATED, ps_code, number))
    return identifier(IdType.FIR, stateless, lambda v: v, partial=True)


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("updatedAt")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "updatedAt")
    except MappingError:
        return None
