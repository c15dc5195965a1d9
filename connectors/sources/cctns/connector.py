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
from connectors.fields import Fields
from connectors.mapping import GENDERS, RELATIONS, drop_none, identifier, phones, unique
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

# The contract's enumerations (sources/cctns.md); anything else is kept as written, with an issue.
ACCUSED_STATUSES = frozenset({"ARRESTED", "ABSCONDING", "CHARGESHEETED", "ACQUITTED", "CONVICTED"})
VEHICLE_STATUSES = frozenset({"STOLEN", "RECOVERED", "CASE_PROPERTY"})
CASE_STATUSES = frozenset({"OPEN", "TRACED", "CLOSED"})
RECORD_STATUSES = frozenset({"ACTIVE", "DELETED"})


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
            as_of = _as_of(body)
            next_token = body.get("next_page_token")
            if not isinstance(next_token, str) or not next_token:
                yield Page(rows, None, as_of=as_of)
                return
            token = next_token
            cursor = {"since": iso(window), "token": token, "restart": iso(restart)}
            yield Page(rows, cursor, as_of=as_of)

    def native_id(self, row: Row) -> str | None:
        key = ID_FIELD.get(row.collection or "", "")
        value = row.data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        collection = row.collection or ""
        if collection not in ID_FIELD:
            raise MappingError(f"unknown CCTNS collection {collection!r}")
        raw = row.data
        f = Fields.of(row)
        native = f.required_id(ID_FIELD[collection])
        updated = f.updated("LAST_UPDATED")
        if (f.text("RECORD_STATUS") or "ACTIVE").upper() == "DELETED":
            return Tombstone(self.record_id(native), native, updated)
        f.enum("RECORD_STATUS", RECORD_STATUSES)
        common: dict[str, Any] = {
            "record_id": self.record_id(native),
            "source": self.source,
            "state": f.state_code("STATE_CD"),
            "district": f.text("DISTRICT_NAME"),
            "police_station": f.text("PS_CD"),
            "provenance": self.provenance(native, updated, fetched_at, collection),
            "raw": raw,
        }
        if collection == PERSONS:
            record = self._person(f, common)
        elif collection == VEHICLES:
            record = self._vehicle(f, common)
        else:
            record = self._report(f, common, missing=collection == MISSING)
        return record.model_copy(update={"data_issues": tuple(f.issues)})

    def _fir(self, f: Fields, state: str | None) -> tuple[str | None, date | None]:
        fir = ids.normalise_fir(state, f.text("PS_CD"), f.text("FIR_REG_NUM"))
        return fir, f.date("FIR_DATE")

    def _person(self, f: Fields, common: dict[str, Any]) -> Record:
        name, name_local = f.text("ACCUSED_NAME"), f.text("NAME_LOCAL")
        f.need_name((name, name_local), "ACCUSED_NAME", "NAME_LOCAL")
        fir, fir_date = self._fir(f, common["state"])
        yob = f.integer("YOB")
        if yob is not None and not 1900 <= yob <= fir_date_year(fir_date):
            f.issue("YOB", "impossible year, withheld")
            yob = None
        age = f.age("AGE")
        mobile = f.text("MOBILE_NO")
        person = Person(
            role=PersonRole.SUBJECT,
            name=name,
            name_local=name_local,
            aliases=f.strings("ALIAS_NAMES"),
            relative_name=f.text("RELATIVE_NAME"),
            relation=f.mapped("RELATION_TYPE", RELATIONS),
            gender=f.mapped("GENDER", GENDERS),
            birth_year=yob,
            age_from=age,
            age_to=age,
            age_on=fir_date if age is not None else None,
            address=f.text("ADDRESS"),
            phones=phones(mobile),
        )
        sensitive = f.flag("SENSITIVE_CASE")
        return Record(
            kind=Kind.ACCUSED,
            status=f.enum("ACCUSED_STATUS", ACCUSED_STATUSES),
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
                    "fir_reg_num": f.text("FIR_REG_NUM"),
                    "ps_name": f.text("PS_NAME"),
                    "act_section": f.text("ACT_SECTION"),
                    "proclaimed_offender": f.flag("IS_PROCLAIMED_OFFENDER"),
                    "sensitive_case": sensitive,
                }
            ),
            **common,
        )

    def _vehicle(self, f: Fields, common: dict[str, Any]) -> Record:
        fir, fir_date = self._fir(f, common["state"])
        reg_raw = f.text("REG_NO")
        chassis = ids.normalise_chassis(f.text("CHASSIS_NO"))
        engine = ids.normalise_engine(f.text("ENGINE_NO"))
        registration = ids.normalise_registration(reg_raw)
        vehicle = Vehicle(
            registration_no=registration,
            chassis_no=chassis,
            engine_no=engine,
            make_model=f.text("MAKE_MODEL"),
            colour=f.text("COLOUR"),
        )
        chassis_partial = chassis is not None and len(chassis) <= PARTIAL_CHASSIS_MAX
        return Record(
            kind=Kind.VEHICLE_REPORT,
            status=f.enum("VEHICLE_STATUS", VEHICLE_STATUSES),
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
                    "fir_reg_num": f.text("FIR_REG_NUM"),
                    "ps_name": f.text("PS_NAME"),
                    # a plate that is not a valid registration (fake plates) is kept as written
                    "reg_no_as_written": reg_raw if registration is None else None,
                }
            ),
            **common,
        )

    def _report(self, f: Fields, common: dict[str, Any], *, missing: bool) -> Record:
        name, name_local = f.text("NAME"), f.text("NAME_LOCAL")
        if missing:
            f.need_name((name, name_local), "NAME", "NAME_LOCAL")
        age_from, age_to = f.age("AGE_FROM"), f.age("AGE_TO")
        if age_from is not None and age_to is not None and age_from > age_to:
            f.issue("AGE_FROM", "above AGE_TO, both withheld")
            age_from = age_to = None
        report_date = f.date("REPORT_DATE")
        event = f.date("LAST_SEEN_DATE" if missing else "FOUND_DATE")
        person = Person(
            role=PersonRole.MISSING if missing else PersonRole.FOUND,
            name=name,
            name_local=name_local,
            relative_name=f.text("RELATIVE_NAME") if missing else None,
            relation=f.mapped("RELATION_TYPE", RELATIONS) if missing else None,
            gender=f.mapped("GENDER", GENDERS),
            age_from=age_from,
            age_to=age_to,
            age_on=report_date if (age_from is not None or age_to is not None) else None,
            address=f.text("ADDRESS") if missing else None,
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
        attributes: dict[str, Any] = {k: f.text(key) for k, key in keys}
        attributes["height_cm"] = f.integer("HEIGHT_CM")
        attributes["report_date"] = report_date.isoformat() if report_date else None
        if not missing:
            attributes["dead_body"] = f.flag("IS_DEAD_BODY")
        return Record(
            kind=Kind.MISSING_PERSON if missing else Kind.FOUND_PERSON,
            status=f.enum("CASE_STATUS", CASE_STATUSES),
            people=(person,),
            event_date=event or report_date,
            sensitivity=frozenset({Sensitivity.CHILD}) if child else frozenset(),
            attributes=drop_none(attributes),
            **common,
        )


def fir_date_year(fir_date: date | None) -> int:
    return fir_date.year if fir_date else date.today().year


def _as_of(body: dict[str, Any]) -> datetime | None:
    value = body.get("as_of")
    try:
        return p.parse_datetime(value, "as_of") if isinstance(value, str) else None
    except MappingError:
        return None


def _row_time(row: Row) -> datetime | None:
    value = row.data.get("LAST_UPDATED")
    if not isinstance(value, str):
        return None
    try:
        return p.parse_datetime(value, "LAST_UPDATED")
    except MappingError:
        return None
