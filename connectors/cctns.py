"""CCTNS via the ICJS gateway (sources/cctns.md): four collections, opaque page tokens, tombstones.

A page token carries its filters and lives 15 minutes; on `410` the walk restarts its window at
the newest `LAST_UPDATED` it has committed (inclusive), which the ordering by `LAST_UPDATED`
makes safe: everything before it was already seen, and rows that changed mid-walk moved ahead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from connectors import parse as p
from connectors.base import Connector, Mapped, Page, Row, Tombstone
from connectors.errors import MappingError, PageExpired, SourceError
from connectors.feeds import envelope_list, from_iso, iso, later, rows_of
from connectors.mapping import (
    drop_none,
    gender,
    identifier,
    need_name,
    phones,
    relation,
    state_code,
    unique,
)
from matching import identifiers as ids
from records import IdType, Kind, Person, PersonRole, Record, Sensitivity, Source, Vehicle

PERSONS = "persons"
VEHICLES = "vehicles"
MISSING = "missing-persons"
UNIDENTIFIED = "unidentified-persons"

ID_FIELD = {
    PERSONS: "PERSON_ID",
    VEHICLES: "VEHICLE_REPORT_ID",
    MISSING: "REPORT_ID",
    UNIDENTIFIED: "REPORT_ID",
}

# Consecutive 410s without a page in between mean the token dies faster than we can use it.
MAX_RESTARTS = 5
MAX_PAGE_SIZE = 1000
# A chassis number this short is the fragment a theft report carries, not the whole VIN.
PARTIAL_CHASSIS_MAX = 8
ADULT_AGE = 18


class CctnsConnector(Connector):
    source = Source.CCTNS
    streams = (PERSONS, VEHICLES, MISSING, UNIDENTIFIED)
    default_page_size = 200

    async def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        token: str | None = None
        restart: datetime | None = None
        window = since
        if cursor is not None:
            window = from_iso(cursor.get("since"))
            token = cursor.get("token") if isinstance(cursor.get("token"), str) else None
            restart = from_iso(cursor.get("restart"))
        restarts = 0
        while True:
            params: dict[str, Any] = {"page_size": min(self.page_size, MAX_PAGE_SIZE)}
            if window is not None:
                params["updated_since"] = window.isoformat()
            if token is not None:
                params["page_token"] = token
            try:
                body = await self.client.get_json(f"/v1/{stream}", params=params)
            except (PageExpired, SourceError) as exc:
                # 410: the token expired. 400 on a resumed token: it no longer fits the filters
                # (the configured page size changed between runs). Either way, start the window
                # again where the committed pages end.
                if not isinstance(exc, PageExpired) and (token is None or exc.status != 400):
                    raise
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise SourceError(self.source, "page tokens keep expiring") from None
                window, token = later(window, restart), None
                continue
            restarts = 0
            rows = rows_of(envelope_list(self.source, body, "data"), stream)
            for row in rows:
                restart = later(restart, _row_time(row))
            next_token = body.get("next_page_token")
            if not isinstance(next_token, str) or not next_token:
                yield Page(rows, None)
                return
            token = next_token
            yield Page(rows, {"since": iso(window), "token": token, "restart": iso(restart)})

    def native_id(self, row: Row) -> str | None:
        key = ID_FIELD.get(row.collection or "", "")
        value = row.data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        collection = row.collection or ""
        if collection not in ID_FIELD:
            raise MappingError(f"unknown CCTNS collection {collection!r}")
        raw = row.data
        native = p.required_text(raw, ID_FIELD[collection])
        updated = p.required_datetime(raw, "LAST_UPDATED")
        if (p.text(raw, "RECORD_STATUS") or "ACTIVE").upper() == "DELETED":
            return Tombstone(self.record_id(native), native, updated)
        common: dict[str, Any] = {
            "record_id": self.record_id(native),
            "source": self.source,
            "state": state_code(p.text(raw, "STATE_CD"), "STATE_CD"),
            "district": p.text(raw, "DISTRICT_NAME"),
            "police_station": p.text(raw, "PS_CD"),
            "provenance": self.provenance(native, updated, fetched_at, collection),
            "raw": raw,
        }
        if collection == PERSONS:
            return self._person(raw, common)
        if collection == VEHICLES:
            return self._vehicle(raw, common)
        return self._report(raw, common, missing=collection == MISSING)

    def _fir(self, raw: dict[str, Any]) -> tuple[str | None, date | None]:
        fir = ids.normalise_fir(
            p.text(raw, "STATE_CD"), p.text(raw, "PS_CD"), p.text(raw, "FIR_REG_NUM")
        )
        return fir, p.date_field(raw, "FIR_DATE")

    def _person(self, raw: dict[str, Any], common: dict[str, Any]) -> Record:
        name, name_local = p.text(raw, "ACCUSED_NAME"), p.text(raw, "NAME_LOCAL")
        need_name(name, name_local, fields="ACCUSED_NAME, NAME_LOCAL")
        fir, fir_date = self._fir(raw)
        yob = p.integer(raw, "YOB")
        if yob is not None and not 1900 <= yob <= fir_date_year(fir_date):
            raise MappingError(f"field 'YOB' holds an impossible year {yob}")
        age = p.age(raw, "AGE")
        mobile = p.text(raw, "MOBILE_NO")
        person = Person(
            role=PersonRole.SUBJECT,
            name=name,
            name_local=name_local,
            aliases=p.string_list(raw, "ALIAS_NAMES"),
            relative_name=p.text(raw, "RELATIVE_NAME"),
            relation=relation(p.text(raw, "RELATION_TYPE"), "RELATION_TYPE"),
            gender=gender(p.text(raw, "GENDER"), "GENDER"),
            birth_year=yob,
            age_from=age,
            age_to=age,
            age_on=fir_date if age is not None else None,
            address=p.text(raw, "ADDRESS"),
            phones=phones(mobile),
        )
        sensitive = p.flag(raw, "SENSITIVE_CASE")
        return Record(
            kind=Kind.ACCUSED,
            status=p.text(raw, "ACCUSED_STATUS"),
            people=(person,),
            identifiers=unique(
                [
                    identifier(IdType.FIR, fir, lambda v: v),
                    identifier(IdType.MOBILE, mobile, ids.normalise_mobile),
                ]
            ),
            event_date=fir_date,
            sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}) if sensitive else frozenset(),
            attributes=drop_none(
                {
                    "fir_reg_num": p.text(raw, "FIR_REG_NUM"),
                    "ps_name": p.text(raw, "PS_NAME"),
                    "act_section": p.text(raw, "ACT_SECTION"),
                    "proclaimed_offender": p.flag(raw, "IS_PROCLAIMED_OFFENDER"),
                    "sensitive_case": sensitive,
                }
            ),
            **common,
        )

    def _vehicle(self, raw: dict[str, Any], common: dict[str, Any]) -> Record:
        fir, fir_date = self._fir(raw)
        reg_raw = p.text(raw, "REG_NO")
        chassis = ids.normalise_chassis(p.text(raw, "CHASSIS_NO"))
        engine = ids.normalise_engine(p.text(raw, "ENGINE_NO"))
        registration = ids.normalise_registration(reg_raw)
        vehicle = Vehicle(
            registration_no=registration,
            chassis_no=chassis,
            engine_no=engine,
            make_model=p.text(raw, "MAKE_MODEL"),
            colour=p.text(raw, "COLOUR"),
        )
        chassis_partial = chassis is not None and len(chassis) <= PARTIAL_CHASSIS_MAX
        return Record(
            kind=Kind.VEHICLE_REPORT,
            status=p.text(raw, "VEHICLE_STATUS"),
            vehicle=vehicle,
            identifiers=unique(
                [
                    identifier(IdType.REGISTRATION, registration, lambda v: v),
                    identifier(IdType.CHASSIS, chassis, lambda v: v, partial=chassis_partial),
                    identifier(IdType.ENGINE, engine, lambda v: v),
                    identifier(IdType.FIR, fir, lambda v: v),
                ]
            ),
            event_date=fir_date,
            attributes=drop_none(
                {
                    "fir_reg_num": p.text(raw, "FIR_REG_NUM"),
                    "ps_name": p.text(raw, "PS_NAME"),
                    # a plate that is not a valid registration (fake plates) is kept as written
                    "reg_no_as_written": reg_raw if registration is None else None,
                }
            ),
            **common,
        )

    def _report(self, raw: dict[str, Any], common: dict[str, Any], *, missing: bool) -> Record:
        name, name_local = p.text(raw, "NAME"), p.text(raw, "NAME_LOCAL")
        if missing:
            need_name(name, name_local, fields="NAME, NAME_LOCAL")
        age_from, age_to = p.age(raw, "AGE_FROM"), p.age(raw, "AGE_TO")
        if age_from is not None and age_to is not None and age_from > age_to:
            raise MappingError(f"AGE_FROM {age_from} is above AGE_TO {age_to}")
        report_date = p.date_field(raw, "REPORT_DATE")
        event = p.date_field(raw, "LAST_SEEN_DATE" if missing else "FOUND_DATE")
        person = Person(
            role=PersonRole.MISSING if missing else PersonRole.FOUND,
            name=name,
            name_local=name_local,
            relative_name=p.text(raw, "RELATIVE_NAME") if missing else None,
            relation=relation(p.text(raw, "RELATION_TYPE"), "RELATION_TYPE") if missing else None,
            gender=gender(p.text(raw, "GENDER"), "GENDER"),
            age_from=age_from,
            age_to=age_to,
            age_on=report_date if (age_from is not None or age_to is not None) else None,
            address=p.text(raw, "ADDRESS") if missing else None,
        )
        youngest = age_from if age_from is not None else age_to
        child = youngest is not None and youngest < ADULT_AGE
        keys = (
            ("last_seen_place", "LAST_SEEN_PLACE"),
            ("found_place", "FOUND_PLACE"),
            ("complexion", "COMPLEXION"),
            ("identification_marks", "IDENTIFICATION_MARKS"),
            ("ps_name", "PS_NAME"),
        )
        attributes: dict[str, Any] = {k: p.text(raw, f) for k, f in keys}
        attributes["height_cm"] = p.integer(raw, "HEIGHT_CM")
        attributes["report_date"] = report_date.isoformat() if report_date else None
        if not missing:
            attributes["dead_body"] = p.flag(raw, "IS_DEAD_BODY")
        return Record(
            kind=Kind.MISSING_PERSON if missing else Kind.FOUND_PERSON,
            status=p.text(raw, "CASE_STATUS"),
            people=(person,),
            event_date=event or report_date,
            sensitivity=frozenset({Sensitivity.CHILD}) if child else frozenset(),
            attributes=drop_none(attributes),
            **common,
        )


def fir_date_year(fir_date: date | None) -> int:
    return fir_date.year if fir_date else date.today().year


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("LAST_UPDATED")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "LAST_UPDATED")
    except MappingError:
        return None
