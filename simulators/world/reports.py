"""Reports: NCRP cyber complaints, IVFRT foreigners, missing and found persons (CCTNS and
KhoyaPaya), with the missing/found pairs that the ground truth records as matches."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, TypeVar

from simulators.world import formats as fm
from simulators.world import looks, render
from simulators.world import names_data as nd
from simulators.world.people import Person
from simulators.world.recs import Ctx, Rec

_T = TypeVar("_T")
_CATEGORIES = (
    ("Online Financial Fraud", "UPI Related Frauds"),
    ("Online Financial Fraud", "Internet Banking Related Fraud"),
    ("Online Financial Fraud", "Fraud Call/Vishing"),
    ("Online and Social Media Related Crime", "Cyber Bullying/Stalking"),
    ("Online and Social Media Related Crime", "Fake/Impersonating Profile"),
    ("Online Cyber Trafficking", "Online Job Fraud"),
)
_FRRO = {"DL": "DEL", "MH": "MUM", "KA": "BLR", "TN": "CHE", "WB": "KOL", "TS": "HYD", "KL": "COK"}
_PORTS = (
    "IGI AIRPORT DELHI",
    "CSMI AIRPORT MUMBAI",
    "KEMPEGOWDA AIRPORT BENGALURU",
    "HARIDASPUR LCS",
    "RAXAUL LCS",
)


class SuspectKit:
    """Identifiers a cyber-criminal reuses across complaints (phones, UPI ids, accounts)."""

    def __init__(self, person: Person | None, rng: random.Random):
        self.person = person
        name = person.latin if person else rng.choice(("Rahul", "Amit", "Pooja", "Vikram", "Neha"))
        self.phones = [fm.mobile(rng) for _ in range(rng.randint(1, 2))]
        self.upi = fm.upi_id(name, rng)
        self.account, self.ifsc = fm.account(rng)
        self.fallback_name = name

    def suspect(self, rng: random.Random) -> dict[str, Any]:
        name = render.ncrp_suspect(self.person, rng) if self.person else self.fallback_name
        return {
            "name": name if rng.random() < 0.85 else None,
            "mobile": "+91" + rng.choice(self.phones) if rng.random() < 0.8 else None,
            "bank_account": self.account if rng.random() < 0.6 else None,
            "ifsc": self.ifsc if rng.random() < 0.5 else None,
            "upi_id": self.upi if rng.random() < 0.6 else None,
            "email": None,
            "url": None,
        }


def complaint(ctx: Ctx, suspects: list[SuspectKit], complainant: Person | None, state: str) -> Rec:
    rng = ctx.rng
    n = ctx.alloc("ncrp")
    state_name, districts, _ = nd.STATES[state]
    created = ctx.past_ms(max_age_ms=500 * 86_400_000)
    if rng.random() < 0.3:  # a complaint written another way: still that state
        state_name = rng.choice(nd.STATE_NAME_VARIANTS.get(state, (state_name,)))
    t_ms = min(ctx.now_ms, created + rng.randint(0, 60) * 86_400_000)
    t_ms -= t_ms % 1000
    ack = f"{31505 + n % 7:05d}{n % 10**9:09d}"
    category, sub = rng.choice(_CATEGORIES)
    status = rng.choice(
        ("REGISTERED", "UNDER_INVESTIGATION", "FIR_REGISTERED", "CLOSED", "WITHDRAWN")
    )
    complainant_name = complainant.latin if complainant else "Anonymous Citizen"
    people = {k.person.pid: "suspect" for k in suspects if k.person}
    if complainant:
        people[complainant.pid] = "complainant"
    body = {
        "acknowledgement_no": ack,
        "complaint_date": fm.iso_ist(created),
        "category": category,
        "sub_category": sub,
        "state": state_name,
        "district": rng.choice(districts),
        "amount_lost": float(rng.randrange(500, 500_000))
        if category.startswith("Online Fin")
        else None,
        "complainant": {
            "name": complainant_name,
            "mobile": "+91" + complainant.mobile if complainant else None,
            "email": None,
        },
        "suspects": [k.suspect(rng) for k in suspects],
        "status": status,
        "fir_number": f"{rng.randint(1, 999):04d}/{fm.day_of(created).year}"
        if status == "FIR_REGISTERED"
        else None,
        "updated_at": fm.iso_ist(t_ms),
    }
    return Rec("ncrp", "complaints", ack, f"ncrp:{ack}", t_ms, body, people, state=state)


def foreigner(person: Person, ctx: Ctx) -> Rec:
    rng = ctx.rng
    city = _FRRO.get(person.state, "DEL")
    arrived = fm.day_of(ctx.past_ms(max_age_ms=5 * 365 * 86_400_000, min_age_ms=86_400_000 * 10))
    reg = f"FRRO/{city}/{arrived.year}/{ctx.alloc('frro'):06d}"
    visa_until = arrived + timedelta(days=rng.choice((90, 180, 365, 730)))
    today = fm.day_of(ctx.now_ms)
    status = rng.choices(("IN_INDIA", "EXITED", "DEPORTED"), (75, 20, 5))[0]
    t_ms = ctx.past_ms(max_age_ms=max(1, (today - arrived).days) * 86_400_000)
    visa = None
    if rng.random() < 0.9:
        visa = {
            "Number": f"V{rng.randrange(10**7):07d}",
            "Type": rng.choice(("STUDENT", "BUSINESS", "TOURIST", "EMPLOYMENT", "MEDICAL")),
            "ValidUntil": visa_until.isoformat(),
        }
    loc = None
    if rng.random() < 0.08:
        loc = {
            "Number": f"LOC/{arrived.year}/{rng.randrange(1, 9999):04d}",
            "IssuedBy": rng.choice(("NCB", "CBI", "ED", "STATE POLICE")),
        }
    nat = person.nationality or "NPL"
    letter = rng.choice("ABCEGHKLMNPRSTZ")
    body = {
        "RegistrationNo": reg,
        "Surname": person.foreign_surname,
        "GivenName": person.foreign_given,
        "Sex": "X" if rng.random() < 0.01 else person.gender,
        "DateOfBirth": person.dob.isoformat(),
        "Nationality": nat,
        "Passport": {
            "Number": f"{letter}{rng.randrange(10**8):08d}",
            "IssueCountry": nat,
            "Expiry": (arrived + timedelta(days=3650)).isoformat(),
        },
        "Visa": visa,
        "ArrivalDate": arrived.isoformat(),
        "PortOfEntry": rng.choice(_PORTS),
        "AddressInIndia": person.address.upper(),
        "Overstay": bool(visa and status == "IN_INDIA" and visa_until < today),
        "LookOutCircular": loc,
        "Status": status,
        "ChangedOn": fm.iso_ist(t_ms),
    }
    return Rec(
        "ivfrt",
        "foreigners",
        reg,
        f"ivfrt:{reg}",
        t_ms,
        body,
        {person.pid: "subject"},
        state=person.state,
    )


def _ps(ctx: Ctx, state: str) -> tuple[str, str]:
    return f"{1000 + ctx.rng.randrange(8999):04d}", ctx.rng.choice(nd.STATES[state][2]).upper()


def missing_report(person: Person, ctx: Ctx) -> Rec:
    """A CCTNS missing-person report."""
    rng = ctx.rng
    n = ctx.alloc("mp")
    seen_ms = ctx.past_ms(max_age_ms=400 * 86_400_000, min_age_ms=2 * 86_400_000)
    seen = fm.day_of(seen_ms)
    t_ms = min(ctx.now_ms - ctx.now_ms % 1000, seen_ms + rng.randint(1, 20) * 86_400_000)
    ps_code, ps_name = _ps(ctx, person.state)
    report_id = f"{person.state}-PS{ps_code}-{seen.year}-MP-{n:04d}"
    age = person.age_at(seen)
    has_latin = rng.random() < 0.9
    look = _look(person, ctx)
    said = random.Random(f"{ctx.seed}:said:{report_id}")
    body = {
        "REPORT_ID": report_id,
        "REPORT_DATE": fm.dmy(seen + timedelta(days=1)),
        "STATE_CD": person.state,
        "DISTRICT_NAME": person.district.upper(),
        "PS_CD": ps_code,
        "PS_NAME": ps_name,
        "NAME": render.plain(person, rng).upper() if has_latin else None,
        "NAME_LOCAL": (person.local or None) if (not has_latin or rng.random() < 0.4) else None,
        "GENDER": person.gender,
        "AGE_FROM": age,
        "AGE_TO": age,
        "HEIGHT_CM": _height(person, rng),
        "COMPLEXION": _instead_of(rng, 3, looks.describe_complexion(look, said, found=False)),
        "IDENTIFICATION_MARKS": _instead_of(
            rng, 4, _upper(looks.describe_marks(look, said, found=False, child=_child(person)))
        ),
        "RELATIVE_NAME": render.relative_upper(person, rng) or None,
        "RELATION_TYPE": "F/O" if person.role == "child" else person.relation,
        "ADDRESS": person.address.upper(),
        "LAST_SEEN_PLACE": f"{rng.choice(nd.LOCALITIES)}, {person.district}".upper(),
        "LAST_SEEN_DATE": fm.dmy(seen),
        "CASE_STATUS": "OPEN",
        "LAST_UPDATED": fm.iso_ist(t_ms),
        "RECORD_STATUS": "ACTIVE",
    }
    if body["NAME"] is None and body["NAME_LOCAL"] is None:
        body["NAME"] = render.plain(person, rng).upper()
    return Rec(
        "cctns",
        "missing-persons",
        report_id,
        f"cctns:{report_id}",
        t_ms,
        body,
        {person.pid: "missing"},
        state=person.state,
    )


def _look(person: Person, ctx: Ctx) -> looks.Look:
    return looks.look_of(ctx.seed, person.pid, person.region.key, person.gender, _child(person))


def _upper(text: str | None) -> str | None:
    return text.upper() if text else None


def _child(person: Person) -> bool:
    return person.role == "child"


def _instead_of(rng: random.Random, size: int, value: _T) -> _T:
    """`value`, after spending the draw (a choice among `size`) that this description once took
    from the block's random stream: descriptions now come from each report's own generator, and
    every other record of the block stays as other benchmarks measured it."""
    rng.choice(range(size))
    return value


def _height(person: Person, rng: random.Random) -> int:
    if person.role == "child":
        return 80 + (2024 - person.dob.year) * 6 + rng.randint(-5, 5)
    return rng.randint(150, 182) - (10 if person.gender == "F" else 0)


def unidentified_report(person: Person, missing: Rec, ctx: Ctx) -> Rec:
    """A CCTNS unidentified-person report for someone who is missing: no name, an age range."""
    rng = ctx.rng
    n = ctx.alloc("up")
    last_t = missing.t_ms
    found_ms = min(ctx.now_ms - 3_600_000, last_t + rng.randint(1, 90) * 86_400_000)
    found_ms -= found_ms % 1000
    state = person.state if rng.random() < 0.7 else rng.choice(tuple(nd.STATES))
    ps_code, ps_name = _ps(ctx, state)
    found = fm.day_of(found_ms)
    report_id = f"{state}-PS{ps_code}-{found.year}-UP-{n:04d}"
    age = person.age_at(found)
    look = _look(person, ctx)
    said = random.Random(f"{ctx.seed}:said:{report_id}")
    body = {
        "REPORT_ID": report_id,
        "REPORT_DATE": fm.dmy(found),
        "STATE_CD": state,
        "DISTRICT_NAME": nd.STATES[state][1][0].upper(),
        "PS_CD": ps_code,
        "PS_NAME": ps_name,
        "NAME": None,
        "NAME_LOCAL": None,
        "GENDER": person.gender,
        "AGE_FROM": max(0, age - rng.randint(2, 6)),
        "AGE_TO": age + rng.randint(2, 6),
        "HEIGHT_CM": missing.body.get("HEIGHT_CM", 160) + rng.randint(-3, 3),
        "COMPLEXION": looks.describe_complexion(look, said, found=True),
        "IDENTIFICATION_MARKS": _upper(
            looks.describe_marks(look, said, found=True, child=_child(person))
        ),
        "FOUND_PLACE": f"NEAR {rng.choice(nd.LOCALITIES).upper()}",
        "FOUND_DATE": fm.dmy(found),
        "IS_DEAD_BODY": "Y" if rng.random() < 0.25 else "N",
        "CASE_STATUS": "OPEN",
        "LAST_UPDATED": fm.iso_ist(found_ms),
        "RECORD_STATUS": "ACTIVE",
    }
    return Rec(
        "cctns",
        "unidentified-persons",
        report_id,
        f"cctns:{report_id}",
        found_ms,
        body,
        {person.pid: "found"},
        state=state,
        matches=[missing.rid],
    )


def child_reports(person: Person, ctx: Ctx) -> list[Rec]:
    """KhoyaPaya: the MISSING report, and for many children a FOUND or SIGHTED report elsewhere,
    describing the same child in other words (`looks`)."""
    rng = ctx.rng
    missing_ms = ctx.past_ms(max_age_ms=300 * 86_400_000, min_age_ms=5 * 86_400_000)
    missing = child_report(person, ctx, "MISSING", missing_ms)
    out = [missing]
    if rng.random() < 0.5:
        kind = "FOUND" if rng.random() < 0.8 else "SIGHTED"
        found_ms = min(ctx.now_ms - 3_600_000, missing_ms + rng.randint(1, 60) * 86_400_000)
        days_later = (found_ms - missing_ms) // 86_400_000
        found = child_report(person, ctx, kind, found_ms - found_ms % 1000, days_later)
        found.matches.append(missing.rid)
        out.append(found)
        if kind == "FOUND" and rng.random() < 0.5:
            missing.body["status"] = "TRACED"
    return out


def child_report(
    person: Person, ctx: Ctx, kind: str, t_ms: int, days_later: int | None = None
) -> Rec:
    """One KhoyaPaya report about this child: `MISSING`, `FOUND` or `SIGHTED` (`days_later`
    than the missing report). A found child may be nameless, or known by another name (the
    one a carer or the child gave); their age is the finder's estimate."""
    rng = ctx.rng
    n = ctx.alloc("kp")
    state = (
        person.state if kind == "MISSING" or rng.random() < 0.6 else rng.choice(tuple(nd.STATES))
    )
    event = fm.day_of(t_ms)
    report_id = f"KP-{event.year}-{state}-{n:06d}"
    age = person.age_at(event)
    named = kind == "MISSING" or rng.random() < 0.3
    look = _look(person, ctx)
    said = random.Random(f"{ctx.seed}:said:{report_id}")
    found = kind != "MISSING"
    low, high = looks.estimate_age(age, said)
    name = render.child_name(person, rng) if named else None
    renamed = name is not None and found and said.random() < 0.25
    if renamed:
        pool = person.region.female if person.gender == "F" else person.region.male
        name = said.choice(pool).partition("|")[0]  # the name the child was given, or gave
    body = {
        "report_id": report_id,
        "report_type": kind,
        "child_name": name,
        "child_name_local": person.given.local
        if named and person.given.local and rng.random() < 0.4 and not renamed
        else None,
        "gender": person.gender,
        "age_years": age if kind == "MISSING" else None,
        "age_estimate": None if kind == "MISSING" else f"{low}-{high}",
        "guardian_name": person.relative_latin.title() if kind == "MISSING" else None,
        "guardian_relation": "FATHER" if kind == "MISSING" else None,
        "guardian_mobile": "+91" + person.mobile if kind == "MISSING" else None,
        "last_seen_place": f"{rng.choice(nd.LOCALITIES)}, {person.district}"
        if kind == "MISSING"
        else None,
        "found_place": None
        if kind == "MISSING"
        else f"{rng.choice(nd.LOCALITIES)}, {nd.STATES[state][1][0]}",
        "event_date": event.isoformat(),
        "state": state,
        "district": person.district if state == person.state else nd.STATES[state][1][0],
        "identifying_marks": _instead_of(
            rng, 3, looks.describe_marks(look, said, found=found, child=True)
        ),
        "clothing": _instead_of(
            rng,
            3,
            looks.describe_clothing(look, said, days_later=days_later, gender=person.gender),
        ),
        "languages_spoken": _instead_of(rng, 5, looks.describe_languages(look, said, found=found)),
        "photo_url": None,
        "status": "OPEN",
        "updated_at": fm.iso_ist(t_ms),
    }
    role = "missing" if kind == "MISSING" else "found"
    return Rec(
        "khoyapaya",
        "reports",
        report_id,
        f"khoyapaya:{report_id}",
        t_ms,
        body,
        {person.pid: role},
        state=state,
    )
