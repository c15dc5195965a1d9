"""Vahan (sources/vahan.md): registrations by cursor, plus the point look-ups the API uses when a
plate has not synced yet.

One record per owner: `vahan:{normalised regn}#{owner serial}`. A transfer adds the new owner's
record and leaves the previous one (the person did own that vehicle; officers ask about it).
`modified_after` is exclusive with one-second resolution, so a walk asks from one second before
its bound and lets de-duplication absorb the repeats.
"""

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
from connectors.fields import Fields
from connectors.mapping import drop_none, identifier, phones, unique
from connectors.reading import read_row
from matching import identifiers as ids
from records import IdType, Kind, Person, PersonRole, Record, Relation, Source, Vehicle

MAX_LIMIT = 1000
RC_STATUSES = frozenset({"ACTIVE", "SUSPENDED", "CANCELLED", "SCRAPPED"})


def regn_key(value: str | None) -> str | None:
    """The registration as the record id carries it: `matching`'s one normal form, so that every
    way a clerk writes the same plate (`GJ 9 AA 1`, `GJ-09-AA-0001`) gives the same record id."""
    return ids.normalise_registration(value)


class VahanConnector(Connector):
    source = Source.VAHAN

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        after: int | None = None if since is None else int(since.timestamp()) - 1
        next_cursor: str | None = None
        if cursor is not None:
            after = (
                cursor.get("modified_after")
                if isinstance(cursor.get("modified_after"), int)
                else None
            )
            next_cursor = cursor.get("cursor") if isinstance(cursor.get("cursor"), str) else None
        limit = min(self.page_size, MAX_LIMIT)
        while True:
            params: dict[str, Any] = {"limit": limit}
            if after is not None:
                params["modified_after"] = after
            if next_cursor:
                params["cursor"] = next_cursor
            body = await self.client.get_json("/rc", params=params)
            rows = rows_of(envelope_list(self.source, body, "records"))
            value = body.get("cursor")
            next_cursor = value if isinstance(value, str) and value else None
            if next_cursor is None:
                yield Page(rows, None)
                return
            yield Page(rows, {"modified_after": after, "cursor": next_cursor})

    # -- point look-ups -------------------------------------------------------------------

    async def lookup_registration(
        self, regn_no: str, *, fetched_at: datetime | None = None
    ) -> Record | None:
        """The current registration of a plate, straight from Vahan (None when unknown)."""
        normalised = ids.normalise_registration(regn_no)
        if normalised is None:
            raise ValueError(f"{regn_no!r} is not a registration number")
        try:
            body = await self.client.get_json(f"/rc/{quote(normalised)}")
        except SourceNotFound:
            return None
        if not isinstance(body, dict):
            raise MappingError("Vahan look-up answered with something other than a record")
        return self._as_record(body, fetched_at)

    async def lookup_chassis_suffix(
        self, suffix: str, *, fetched_at: datetime | None = None
    ) -> list[Record]:
        """Every registration whose chassis number ends with `suffix` (5 characters or more)."""
        cleaned = ids.normalise_chassis(suffix)
        if cleaned is None:
            raise ValueError("a chassis suffix needs at least 5 letters or digits")
        body = await self.client.get_json("/rc", params={"chassis_no": cleaned})
        return [
            self._as_record(r, fetched_at)
            for r in envelope_list(self.source, body, "records")
            if isinstance(r, dict)
        ]

    async def owner_history(
        self, regn_no: str, *, fetched_at: datetime | None = None
    ) -> list[Record]:
        """Every owner of a plate, oldest first, each as its own record (empty when unknown).

        The history carries owner fields only, so each owner is laid over the current
        registration's vehicle fields (and its update time); an owner row that still cannot be
        mapped is left out of this answer (it is a live look-up, not a sync: nothing is lost)."""
        normalised = ids.normalise_registration(regn_no)
        if normalised is None:
            raise ValueError(f"{regn_no!r} is not a registration number")
        try:
            current = await self.client.get_json(f"/rc/{quote(normalised)}")
            body = await self.client.get_json(f"/rc/{quote(normalised)}/owners")
        except SourceNotFound:
            return []
        if not isinstance(current, dict):
            raise MappingError("Vahan look-up answered with something other than a record")
        owners = envelope_list(self.source, body, "owners")
        out = []
        for owner in owners:
            if not isinstance(owner, dict):
                continue
            try:
                out.append(self._as_record({**current, **owner}, fetched_at))
            except MappingError:
                continue
        return out

    def _as_record(self, raw: dict[str, Any], fetched_at: datetime | None) -> Record:

        cleaned, _ = scrub_aadhaar(raw)
        mapped = read_row(self, Row(cleaned), fetched_at or self.clock())
        assert isinstance(mapped, Record)
        return mapped

    def superseded(self, record: Record) -> list[str]:
        """A transfer replaces the previous owners: the feed carries the current owner only, and
        the history stays reachable through `owner_history`."""
        vehicle = record.vehicle
        if vehicle is None or vehicle.owner_serial is None or vehicle.registration_no is None:
            return []
        regn = regn_key(vehicle.registration_no)
        return [self.record_id(f"{regn}#{n}") for n in range(1, vehicle.owner_serial)]

    # -- mapping ----------------------------------------------------------------------------

    def native_id(self, row: Row) -> str | None:
        regn = regn_key(_str(row.data.get("rc_regn_no")))
        serial = row.data.get("rc_owner_sr")
        if regn is None or serial is None:
            return None
        return f"{regn}#{str(serial).strip()}"

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        raw = row.data
        f = Fields.of(row)
        regn_raw = f.required_id("rc_regn_no")
        regn = ids.normalise_registration(regn_raw)
        if regn is None:
            raise MappingError(f"field 'rc_regn_no' is not a registration number: {regn_raw!r}")
        serial = p.integer(raw, "rc_owner_sr")
        if serial is None:
            raise MappingError("required field 'rc_owner_sr' is missing")
        if serial < 1:
            raise MappingError(f"field 'rc_owner_sr' should be 1 or more, got {serial}")
        owner = f.text("rc_owner_name")
        f.need_name((owner,), "rc_owner_name")
        updated = f.updated_epoch("rc_modified_on", millis=False)
        native = f"{regn_key(regn)}#{serial}"
        chassis = ids.normalise_chassis(f.text("rc_chasi_no"))
        engine = ids.normalise_engine(f.text("rc_eng_no"))
        relative = f.text("rc_f_name")
        maker, model = f.text("rc_maker_desc"), f.text("rc_maker_model")
        person = Person(
            role=PersonRole.OWNER,
            name=owner,
            relative_name=relative,
            relation=Relation.RELATIVE if relative else None,
            address=f.text("rc_present_address"),
            phones=phones(f.text("rc_mobile_no")),
        )
        vehicle = Vehicle(
            registration_no=regn,
            chassis_no=chassis,
            engine_no=engine,
            make_model=" ".join(x for x in (maker, model) if x) or None,
            colour=f.text("rc_color"),
            vehicle_class=f.text("rc_vh_class_desc"),
            owner_serial=serial,
        )
        registered = f.date("rc_regn_dt")
        return Record(
            record_id=self.record_id(native),
            source=self.source,
            kind=Kind.VEHICLE_REGISTRATION,
            status=f.enum("rc_status", RC_STATUSES),
            people=(person,),
            vehicle=vehicle,
            identifiers=unique(
                [
                    identifier(IdType.REGISTRATION, regn, lambda v: v),
                    identifier(IdType.CHASSIS, chassis, lambda v: v),
                    identifier(IdType.ENGINE, engine, lambda v: v),
                ]
            ),
            state=f.state_code("state_cd"),
            district=None,
            event_date=registered,
            attributes=drop_none(
                {
                    "rto_cd": f.text("rto_cd"),
                    "fuel": f.text("rc_fuel_desc"),
                    "blacklist_status": f.text("rc_blacklist_status"),
                    "noc_details": f.text("rc_noc_details"),
                    "permanent_address": f.text("rc_permanent_address"),
                    "regn_no_as_written": regn_raw if regn_raw != regn else None,
                }
            ),
            provenance=self.provenance(native, updated, fetched_at),
            raw=raw,
            data_issues=tuple(f.issues),
        )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
