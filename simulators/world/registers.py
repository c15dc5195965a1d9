"""Registers: Vahan registrations (with owner history), CCTNS stolen-vehicle reports, Sarathi
driving licences and ALIS arms licences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.world import formats as fm
from simulators.world import render
from simulators.world.crime import new_fir
from simulators.world.people import Person, make_person
from simulators.world.recs import Ctx, Rec

_MODELS = (
    ("MARUTI SUZUKI INDIA LTD", "SWIFT VXI", "Motor Car(LMV)", "PETROL", "MARUTI SWIFT"),
    ("MARUTI SUZUKI INDIA LTD", "WAGON R LXI", "Motor Car(LMV)", "CNG", "MARUTI WAGON R"),
    ("HYUNDAI MOTOR INDIA LTD", "CRETA 1.6 SX", "Motor Car(LMV)", "DIESEL", "HYUNDAI CRETA"),
    ("TATA MOTORS LTD", "NEXON XZ", "Motor Car(LMV)", "PETROL", "TATA NEXON"),
    ("HERO MOTOCORP LTD", "SPLENDOR PLUS", "M-Cycle/Scooter(2WN)", "PETROL", "HERO SPLENDOR"),
    ("HONDA MOTORCYCLE AND SCOOTER", "ACTIVA 6G", "M-Cycle/Scooter(2WN)", "PETROL", "HONDA ACTIVA"),
    ("BAJAJ AUTO LTD", "PULSAR 150", "M-Cycle/Scooter(2WN)", "PETROL", "BAJAJ PULSAR"),
    ("MAHINDRA AND MAHINDRA LTD", "BOLERO SLX", "Motor Car(LMV)", "DIESEL", "MAHINDRA BOLERO"),
    ("BAJAJ AUTO LTD", "RE COMPACT", "e-Rickshaw(P)", "ELECTRIC", "BAJAJ AUTO RICKSHAW"),
)
_COLOURS = ("WHITE", "SILVER", "BLACK", "RED", "GREY", "BLUE")


def _mask(mobile: str) -> str:
    return f"{mobile[:2]}XXXXXX{mobile[-2:]}"


def owner_fields(person: Person, ctx: Ctx, sr: int) -> dict[str, Any]:
    rng = ctx.rng
    mobile = person.mobile if rng.random() > 0.2 else _mask(person.mobile)
    return {
        "rc_owner_name": render.vahan(person, rng),
        "rc_f_name": render.relative_upper(person, rng) or None,
        "rc_owner_sr": sr,
        "rc_present_address": person.address.upper(),
        "rc_permanent_address": person.address.upper(),
        "rc_mobile_no": mobile if rng.random() < 0.8 else None,
    }


def vehicle(
    person: Person, ctx: Ctx, earlier_owners: Sequence[Person] = ()
) -> tuple[Rec, list[dict[str, Any]], Rec | None]:
    """A vehicle this person owns now: its Vahan row, the owner history, maybe a theft report.

    Earlier owners are other people of the world (from `earlier_owners` when given, which is
    cheaper than regenerating someone); only their names and addresses survive in the history.
    """
    rng = ctx.rng
    v = ctx.alloc("vehicle")
    regn = fm.regn_no(person.state, v)
    maker, model, vclass, fuel, short = rng.choice(_MODELS)
    chassis = fm.chassis(v, rng)
    regn_date = fm.day_of(ctx.past_ms(max_age_ms=12 * 365 * 86_400_000, min_age_ms=86_400_000 * 40))
    sr = 1 if rng.random() < 0.7 else rng.randint(2, 3)
    regn_ms = (
        int(datetime(regn_date.year, regn_date.month, regn_date.day, tzinfo=UTC).timestamp()) * 1000
    )
    t_ms = max(ctx.past_ms(), regn_ms + 86_400_000)
    history: list[dict[str, Any]] = []
    for earlier in range(1, sr):
        # Previous owners are other people of the world; only their names survive here.
        if earlier_owners:
            prev = rng.choice(earlier_owners)
        else:
            prev = make_person(ctx.seed, rng.randrange(max(1, person.index + 1)))
        history.append(owner_fields(prev, ctx, earlier))
    body: dict[str, Any] = {
        "rc_regn_no": fm.regn_display(regn, rng),
        "rc_regn_dt": fm.dmony(regn_date),
        "rc_chasi_no": chassis,
        "rc_eng_no": fm.engine(rng),
        **owner_fields(person, ctx, sr),
        "rc_maker_desc": maker,
        "rc_maker_model": model,
        "rc_color": rng.choice(_COLOURS),
        "rc_vh_class_desc": vclass,
        "rc_fuel_desc": fuel,
        "rc_status": rng.choices(("ACTIVE", "SUSPENDED", "CANCELLED", "SCRAPPED"), (90, 3, 3, 4))[
            0
        ],
        "rc_blacklist_status": None,
        "rc_noc_details": None,
        "state_cd": person.state,
        "rto_cd": regn[:4],
        "rc_modified_on": t_ms // 1000,
    }
    if rng.random() < 0.1:
        # Not in the contract: unknown fields appear without notice and must be ignored.
        body["rc_insurance_upto"] = fm.dmony(fm.day_of(t_ms + 200 * 86_400_000))
    history.append({k: body[k] for k in history_keys()})
    vid = f"V{v:07d}"
    rec = Rec(
        "vahan",
        "rc",
        regn,
        f"vahan:{regn}#{sr}",
        t_ms,
        body,
        {person.pid: "owner"},
        vehicle=vid,
        state=person.state,
        key2=chassis[::-1],
    )
    theft = None
    if rng.random() < 0.05:
        theft = vehicle_report(ctx, person, body, vid, short)
        if rng.random() < 0.5:
            body["rc_blacklist_status"] = "BLACKLISTED-THEFT"
    return rec, history, theft


def history_keys() -> tuple[str, ...]:
    return (
        "rc_owner_name",
        "rc_f_name",
        "rc_owner_sr",
        "rc_present_address",
        "rc_permanent_address",
        "rc_mobile_no",
    )


def vehicle_report(ctx: Ctx, person: Person, rc: dict[str, Any], vid: str, short: str) -> Rec:
    """A CCTNS `vehicles` row: this vehicle reported stolen (later perhaps recovered)."""
    rng = ctx.rng
    t_ms = ctx.past_ms(max_age_ms=400 * 86_400_000)
    fir = new_fir(ctx, person.state, person.district, t_ms)
    report_id = f"{fir.state}-PS{fir.ps_code}-{fir.year}-{fir.number:04d}-V1"
    chassis = rc["rc_chasi_no"]
    body = {
        "VEHICLE_REPORT_ID": report_id,
        "FIR_REG_NUM": fir.reg_num,
        "FIR_DATE": fir.date_text(),
        "STATE_CD": fir.state,
        "PS_CD": fir.ps_code,
        "PS_NAME": fir.ps_name,
        "REG_NO": fm.regn_display(fm.normalise_regn(rc["rc_regn_no"]), rng)
        if rng.random() < 0.9
        else None,
        "CHASSIS_NO": chassis[-rng.randint(5, 6) :] if rng.random() < 0.6 else chassis,
        "ENGINE_NO": rc["rc_eng_no"] if rng.random() < 0.5 else None,
        "MAKE_MODEL": short,
        "COLOUR": rc["rc_color"],
        "VEHICLE_STATUS": rng.choices(("STOLEN", "RECOVERED", "CASE_PROPERTY"), (70, 25, 5))[0],
        "LAST_UPDATED": fm.iso_ist(t_ms),
        "RECORD_STATUS": "ACTIVE",
    }
    return Rec(
        "cctns",
        "vehicles",
        report_id,
        f"cctns:{report_id}",
        t_ms,
        body,
        vehicle=vid,
        state=fir.state,
    )


def licence(person: Person, ctx: Ctx) -> Rec:
    """A Sarathi driving licence."""
    rng = ctx.rng
    issued = fm.day_of(ctx.past_ms(max_age_ms=15 * 365 * 86_400_000, min_age_ms=86_400_000 * 30))
    adult = person.dob + timedelta(days=18 * 366)
    if issued < adult:
        issued = adult
    rto = rng.randint(1, 50)
    dl = fm.dl_no(person.state, rto, issued.year, ctx.alloc("dl"))
    expiry = issued + timedelta(days=20 * 365)
    transport = rng.random() < 0.15
    local = person.local or None
    t_ms = ctx.past_ms() + rng.randrange(1000)
    body = {
        "dlNo": fm.dl_display(dl, rng),
        "holderName": render.sarathi(person, rng),
        "holderNameLocal": local if local and rng.random() < 0.6 else None,
        "swdOf": person.relative_latin.title() or None,
        "dob": person.dob.isoformat(),
        "gender": person.gender,
        "bloodGroup": rng.choice(("A+", "B+", "O+", "AB+", "O-", None)),
        "permAddress": person.address.title(),
        "tempAddress": person.address.title() if rng.random() < 0.7 else None,
        "rtoCode": f"{person.state}{rto:02d}",
        "stateCode": person.state,
        "issueDate": issued.isoformat(),
        "validity": {
            "nonTransport": expiry.isoformat(),
            "transport": (issued + timedelta(days=5 * 365)).isoformat() if transport else None,
        },
        "cov": ["MCWG", "LMV", "TRANS"]
        if transport
        else rng.choice((["MCWG"], ["LMV"], ["MCWG", "LMV"])),
        "status": rng.choices(("ACTIVE", "SUSPENDED", "REVOKED", "EXPIRED"), (88, 3, 3, 6))[0],
        "updatedAt": t_ms,
    }
    if rng.random() < 0.08:
        body["aadhaarNo"] = fm.aadhaar(rng)  # sent by some RTOs; connectors must drop it
    return Rec(
        "sarathi",
        "licences",
        dl,
        f"sarathi:{dl}",
        t_ms,
        body,
        {person.pid: "subject"},
        state=person.state,
    )


def arms_licence(person: Person, ctx: Ctx) -> list[Rec]:
    """ALIS rows for one licence: its current version, and sometimes an older one in an
    earlier daily file (each file holds every licence created or changed that day)."""
    rng = ctx.rng
    district = person.district
    issued = fm.day_of(ctx.past_ms(max_age_ms=20 * 365 * 86_400_000, min_age_ms=86_400_000 * 30))
    serial = ctx.alloc("arms")
    lic = f"{person.state}/{district.replace(' ', '')[:3].upper()}/{issued.year}/{serial}"
    holder, father = render.alis(person, rng)
    row = {
        "licence_no": lic,
        "holder_name": holder,
        "father_name": father,
        "dob": fm.dmy(person.dob),
        "address": person.address.title(),
        "district": district,
        "state": person.state,
        "weapon_type": rng.choice(
            ("NPB .32 REVOLVER", "NPB .32 PISTOL", "12 BORE DBBL GUN", ".315 RIFLE")
        ),
        "weapon_no": f"{rng.randrange(10**5):05d}-{rng.choice(('IOF', 'OFB', 'PVT'))}",
        "issue_date": fm.dmy(issued),
        "valid_upto": fm.dmy(issued + timedelta(days=5 * 365)),
        "status": rng.choices(("VALID", "EXPIRED", "SUSPENDED", "CANCELLED"), (80, 12, 3, 5))[0],
        "issuing_authority": f"DM {district.upper()}",
    }
    # ALIS exports cover a window that grows with the world (a month for a test world, two
    # years for a large one), so that daily files are neither empty nor one row each.
    window = ctx.export_window_ms
    t_ms = ctx.past_ms(max_age_ms=window)
    recs = []
    if rng.random() < 0.2:
        older = dict(row, status="VALID")
        t_old = max(ctx.now_ms - window, t_ms - rng.randint(2, 200) * 86_400_000)
        t_old -= t_old % 1000
        recs.append(_alis_rec(person, older, t_old, lic))
    recs.append(_alis_rec(person, row, t_ms, lic))
    return recs


def _alis_rec(person: Person, row: dict[str, Any], t_ms: int, lic: str) -> Rec:
    day = fm.day_of(t_ms).isoformat()
    return Rec(
        "alis", day, lic, f"alis:{lic}", t_ms, row, {person.pid: "subject"}, state=person.state
    )
