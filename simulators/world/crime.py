"""Crime records: CCTNS accused rows (FIRs with co-accused) and e-Prisons inmates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from simulators.world import names_data as nd
from simulators.world import render
from simulators.world.formats import aadhaar, day_of, dmy, iso_ist, iso_z, spread
from simulators.world.people import Person
from simulators.world.recs import Ctx, Rec

_SECTIONS = (
    "IPC 379, 411",
    "IPC 420, 467, 468",
    "IPC 302",
    "IPC 307, 34",
    "IPC 392",
    "IPC 323, 504, 506",
    "BNS 303(2)",
    "BNS 318(4)",
    "NDPS 8(c), 21",
    "Arms Act 25",
    "IT Act 66C, 66D",
)
_SENSITIVE_SECTIONS = ("IPC 376", "POCSO 4, 6", "IPC 354", "BNS 64")
_ISO_DATE_STATES = frozenset({"KL", "TN", "KA"})  # some states send FIR_DATE as yyyy-mm-dd


@dataclass
class Fir:
    state: str
    district: str
    ps_code: str
    ps_name: str
    number: int
    year: int
    fir_date: date
    sections: str
    sensitive: bool
    accused: int = 0

    @property
    def reg_num(self) -> str:
        return f"{self.number:04d}/{self.year}"

    def date_text(self) -> str:
        return self.fir_date.isoformat() if self.state in _ISO_DATE_STATES else dmy(self.fir_date)


def new_fir(ctx: Ctx, state: str, district: str, when_ms: int) -> Fir:
    g = spread(ctx.alloc("fir"), 8999 * 9999)  # unique (station, number) per FIR
    rng = ctx.rng
    fir_date = day_of(when_ms)
    sensitive = rng.random() < 0.05
    sections = rng.choice(_SENSITIVE_SECTIONS if sensitive else _SECTIONS)
    return Fir(
        state=state,
        district=district,
        ps_code=f"{1000 + g % 8999:04d}",
        ps_name=rng.choice(nd.STATES[state][2]).upper(),
        number=1 + g // 8999,
        year=fir_date.year,
        fir_date=fir_date,
        sections=sections,
        sensitive=sensitive,
    )


def accused_row(person: Person, fir: Fir, ctx: Ctx, t_ms: int, *, in_prison: bool) -> Rec:
    """One `persons` row: this person as an accused in this FIR."""
    rng = ctx.rng
    fir.accused += 1
    pid = f"{fir.state}-PS{fir.ps_code}-{fir.year}-{fir.number:04d}-A{fir.accused}"
    name, local, aliases = render.cctns(person, rng)
    if in_prison:
        status = rng.choice(("ARRESTED", "CHARGESHEETED", "CONVICTED"))
    else:
        status = rng.choice(("ARRESTED", "ABSCONDING", "CHARGESHEETED", "ACQUITTED", "CONVICTED"))
    proclaimed = status == "ABSCONDING" and rng.random() < 0.35
    age = person.age_at(fir.fir_date)
    body = {
        "PERSON_ID": pid,
        "FIR_REG_NUM": fir.reg_num,
        "FIR_DATE": fir.date_text(),
        "STATE_CD": fir.state,
        "DISTRICT_NAME": fir.district.upper(),
        "PS_CD": fir.ps_code,
        "PS_NAME": fir.ps_name,
        "ACCUSED_NAME": name,
        "NAME_LOCAL": local,
        "ALIAS_NAMES": aliases,
        "RELATIVE_NAME": render.relative_upper(person, rng) or None,
        "RELATION_TYPE": person.relation if person.relative else None,
        "GENDER": person.gender if rng.random() > 0.03 else "",
        "AGE": age if rng.random() < 0.85 else None,
        # Many accused give an age, not a birth date; a year of birth only when it is known.
        "YOB": person.dob.year if person.dob_known and rng.random() < 0.6 else None,
        "ADDRESS": person.address.upper(),
        "ACT_SECTION": fir.sections,
        "ACCUSED_STATUS": status,
        "IS_PROCLAIMED_OFFENDER": "Y" if proclaimed else "N",
        "MOBILE_NO": person.mobile if rng.random() < 0.5 else None,
        "SENSITIVE_CASE": "Y" if fir.sensitive else "N",
        "LAST_UPDATED": iso_ist(t_ms),
        "RECORD_STATUS": "ACTIVE",
    }
    if rng.random() < 0.04:
        body["UID_NO"] = aadhaar(rng)  # Aadhaar, sent by some states; connectors must drop it
    return Rec(
        "cctns",
        "persons",
        pid,
        f"cctns:{pid}",
        t_ms,
        body,
        {person.pid: "subject"},
        state=fir.state,
    )


def offender_firs(person: Person, ctx: Ctx) -> list[Fir]:
    count = 1 if person.role != "offender" else ctx.rng.choice((1, 1, 1, 2, 2, 3))
    firs = []
    for _ in range(count):
        when = ctx.past_ms(min_age_ms=86_400_000 * 3)
        state = person.state if ctx.rng.random() < 0.85 else ctx.rng.choice(tuple(nd.STATES))
        district = person.district if state == person.state else nd.STATES[state][1][0]
        firs.append(new_fir(ctx, state, district, when))
    return firs


def inmate(person: Person, firs: list[Fir], ctx: Ctx) -> Rec:
    """An e-Prisons inmate admitted on the person's most recent FIR (older ones listed too)."""
    rng = ctx.rng
    last = max(firs, key=lambda f: f.fir_date)
    admitted = last.fir_date + timedelta(days=rng.randint(0, 20))
    today = day_of(ctx.now_ms)
    if admitted >= today:
        admitted = today - timedelta(days=1)
    prison_city = nd.STATES[last.state][1][0]
    serial = ctx.alloc("inmate")
    prison_code = prison_city.split()[0].upper()[:6]
    prisoner_id = f"{last.state}/{prison_code}/{admitted.year}/{serial:06d}"
    category = rng.choice(("UNDERTRIAL", "UNDERTRIAL", "UNDERTRIAL", "CONVICT", "DETENU"))
    release_date = release_type = parole_until = None
    roll = rng.random()
    if roll < 0.35:
        release_type = rng.choice(("BAIL", "BAIL", "ACQUITTED", "SENTENCE_COMPLETED"))
    elif roll < 0.38:
        release_type = "ESCAPED"
    elif roll < 0.42:
        release_type = "PAROLE"
    if release_type:
        span = max(1, (today - admitted).days)
        rel = admitted + timedelta(days=rng.randint(1, span))
        release_date = rel.isoformat()
        if release_type == "PAROLE":
            parole_until = (rel + timedelta(days=rng.choice((15, 30, 60)))).isoformat()
    t_ms = max(ctx.past_ms(max_age_ms=(today - admitted).days * 86_400_000), 0)
    local = person.local or None
    body = {
        "prisonerId": prisoner_id,
        "name": render.eprisons(person, rng),
        "nameLocal": local if local and rng.random() < 0.5 else None,
        "fatherName": person.relative_latin.title() or None,
        "gender": {"M": "MALE", "F": "FEMALE", "T": "TRANSGENDER"}[person.gender],
        "age": person.age_at(admitted),
        "dateOfAdmission": admitted.isoformat(),
        "prison": {
            "name": f"Central Prison {prison_city}",
            "state": last.state,
            "district": prison_city,
        },
        "cases": [
            {
                "firNumber": f.reg_num,
                "policeStation": f.ps_name.title(),
                "psCode": f.ps_code,
                "sections": f.sections,
            }
            for f in firs
        ],
        "category": category,
        "releaseDate": release_date,
        "releaseType": release_type,
        "paroleUntil": parole_until,
        "updatedAt": iso_z(t_ms),
    }
    if rng.random() < 0.1:
        body["aadhaarNo"] = aadhaar(rng)  # some prisons send it; connectors must drop it
    if rng.random() < 0.05:
        body["biometricEnrolled"] = rng.random() < 0.5  # a field no contract lists
    return Rec(
        "eprisons",
        "inmates",
        prisoner_id,
        f"eprisons:{prisoner_id}",
        t_ms,
        body,
        {person.pid: "subject"},
        state=last.state,
    )
