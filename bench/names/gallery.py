"""The gallery: several records per person, each written by its own register, each damaged its own
way, independent of any query.

A record is a `records.Record` as a connector would make it, so the benchmark indexes them into a
real backend and searches them through the code the API runs. Registers (`STYLES`) follow how
those systems write people: a police station upper-cases the name, puts `@` aliases and sometimes
`S/O …` in the name field and gives an age; a prison writes initials; the vehicle register puts an
honorific first and no birth date; the licence register spells a Tamil initial out; the arms
register writes the father as `Late Sh. …`; a cyber complaint knows a suspect by a first name or
an alias. Then each record meets its own clerk: another spelling, a keying slip (sometimes two in
one word), a scanner's confusions, a field that cut the name, a name in the local script only, a
surname left out because the father's name beside it carries it, a wrong or missing birth year,
a state the person moved from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bench.names.generate import GalleryRecord, render_script, titles, vary_spelling
from bench.names.noise import damage, truncate
from bench.names.people import ALL_STATES, Person, relative_given
from records import Gender, Kind, PersonRole, Provenance, Record, Relation, Source
from records import Person as RecordPerson
from records.model import make_record_id

_UPDATED = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Style:
    source: Source
    kind: Kind
    role: PersonRole
    weight: float
    upper: float  # share written in capitals
    relative: float  # share that names the father or husband
    relative_in_name: float  # of those, share written inside the name field (`S/O …`)
    birth: str  # how a birth year is given: "year", "age", "date", "none"
    gender: float
    local: float  # share with a local-script name beside the Latin one
    local_only: float
    honorific: float
    scanned: float  # share that went through a scanner (OCR damage)


STYLES: dict[str, Style] = {
    "fir": Style(Source.CCTNS, Kind.ACCUSED, PersonRole.SUBJECT, 0.3, 0.85, 0.8, 0.3, "age",
                 0.95, 0.3, 0.07, 0.05, 0.05),
    "prison": Style(Source.EPRISONS, Kind.INMATE, PersonRole.SUBJECT, 0.15, 0.2, 0.9, 0.05,
                    "year", 1.0, 0.1, 0.0, 0.1, 0.06),
    "vehicle": Style(Source.VAHAN, Kind.VEHICLE_REGISTRATION, PersonRole.OWNER, 0.2, 0.95, 0.7,
                     0.2, "none", 0.4, 0.1, 0.0, 0.6, 0.02),
    "licence": Style(Source.SARATHI, Kind.DRIVING_LICENCE, PersonRole.SUBJECT, 0.2, 0.2, 0.9,
                     0.0, "date", 1.0, 0.25, 0.03, 0.0, 0.01),
    "arms": Style(Source.ALIS, Kind.ARMS_LICENCE, PersonRole.SUBJECT, 0.07, 0.3, 0.95, 0.0,
                  "year", 0.9, 0.05, 0.0, 0.8, 0.08),
    "cyber": Style(Source.NCRP, Kind.CYBER_COMPLAINT, PersonRole.SUSPECT, 0.08, 0.3, 0.0, 0.0,
                   "none", 0.5, 0.0, 0.0, 0.0, 0.0),
}  # fmt: skip
_STYLE_NAMES = tuple(STYLES)
_STYLE_WEIGHTS = tuple(s.weight for s in STYLES.values())
SOUTH_HOUSE = frozenset({"tamil", "kannada", "malayali", "telugu"})


def _case(text: str, upper: bool) -> str:
    return text.upper() if upper else text


def written_tokens(
    p: Person, rng: random.Random, *, can_drop_surname: bool, complete: bool = False
) -> list[str]:
    """The name's words as one register writes them: the initial given or spelled out, a middle
    name kept or dropped, the surname first or left out (when the father's name beside it
    carries it). A `complete` record writes every part (a southern initial as a letter or in
    full)."""
    comm = p.community.name
    short = p.short
    if p.house and comm in SOUTH_HOUSE:
        r = rng.random() * (0.87 if complete else 1.0)
        initial = p.house[0] + "."
        if comm == "telugu":
            if r < 0.55:
                return [initial, *short]
            if r < 0.8:
                return [p.house, *short]
            return [*short, p.house] if r < 0.92 else short
        if r < 0.4:
            return [initial, *short]
        if r < 0.55:
            return [*short, initial.rstrip(".")]
        if r < 0.8:
            return [*short, p.house]
        if r < 0.87:
            return [p.house, *short]
        return short
    toks = p.tokens
    if complete:
        return list(toks)
    r = rng.random()
    if can_drop_surname and p.surname and r < 0.14:
        return toks[:-1]  # RAMESH, with S/O SURESH PATIL beside it
    if len(toks) >= 3 and r < 0.3:
        return [toks[0], toks[-1]]  # middle name dropped
    if len(toks) >= 2 and r < 0.36:
        return [*(t[0] + "." for t in toks[:-1]), toks[-1]]  # R. K. Sharma
    if len(toks) >= 2 and r < 0.42:
        return [toks[-1], *toks[:-1]]  # PATIL RAMESH SURESH
    return list(toks)


def _relative_text(p: Person, rng: random.Random, style: str) -> str:
    words = [vary_spelling(w, rng) if rng.random() < 0.15 else w for w in p.relative]
    text = " ".join(words)
    if style == "arms" and rng.random() < 0.3:
        text = f"Late Sh. {text}"
    elif rng.random() < 0.1:
        text = f"{'Sh.' if rng.random() < 0.5 else 'Shri'} {text}"
    if rng.random() < 0.05:
        text = damage(text, rng, "keyboard")
    return text


def _birth(p: Person, rng: random.Random, how: str, event: date) -> dict[str, object]:
    if how == "none":
        return {}
    year = p.birth_year
    r = rng.random()
    if r < 0.1:
        year += rng.choice((-1, 1))
    elif r < 0.14:
        year += rng.choice((-4, -3, -2, 2, 3, 4))
    if how == "year":
        return {"birth_year": year}
    if how == "date":
        return {"birth_date": date(year, rng.randint(1, 12), rng.randint(1, 28))}
    age = event.year - year
    if rng.random() < 0.1:
        age = 5 * round(age / 5)  # "about forty"
    return {"age_from": age, "age_on": event}


def render_record(
    p: Person, rng: random.Random, serial: int, *, scanned: bool, complete: bool = False
) -> Record:
    """One record of `p`. A `complete` one comes from a register that writes the whole name
    (every person has one: a name no record holds in full cannot be asked for)."""
    style_name = rng.choices(_STYLE_NAMES, weights=_STYLE_WEIGHTS)[0]
    while complete and style_name == "cyber":
        style_name = rng.choices(_STYLE_NAMES, weights=_STYLE_WEIGHTS)[0]
    st = STYLES[style_name]
    has_relative = rng.random() < st.relative
    tokens = written_tokens(p, rng, can_drop_surname=has_relative, complete=complete)
    if style_name == "cyber" and rng.random() < 0.5:
        tokens = [p.given[0]]  # a suspect known by a first name
    tokens = [vary_spelling(t, rng) if rng.random() < 0.12 and len(t) > 2 else t for t in tokens]
    upper = rng.random() < st.upper
    name = " ".join(tokens)
    aliases: tuple[str, ...] = ()
    if p.alias and style_name in ("fir", "cyber", "prison") and rng.random() < 0.6:
        p.alias_written = True
        if style_name == "cyber" and rng.random() < 0.4:
            name = p.alias  # only the alias is known
        elif rng.random() < 0.5:
            name = f"{name} @ {p.alias}" if rng.random() < 0.5 else f"{p.alias} @ {name}"
        else:
            aliases = (_case(p.alias, upper),)
    if rng.random() < st.honorific:
        name = f"{titles(p.gender, p.community.name, rng)} {name}"
    relative_name = _relative_text(p, rng, style_name) if has_relative else None
    local_only = rng.random() < st.local_only
    if relative_name and not local_only and rng.random() < st.relative_in_name:
        name, relative_name = f"{name} {p.relation} {relative_name}", None
    # one clerk's damage, independent of anything a query does
    r = rng.random()
    if scanned or r < st.scanned:
        name = damage(name, rng, "ocr" if rng.random() < 0.6 else "ocr2")
    elif r < st.scanned + 0.08:
        name = damage(name, rng, "keyboard")
    elif r < st.scanned + 0.11:
        name = damage(name, rng, "keyboard2")
    elif r < st.scanned + 0.13:
        name = truncate(name, rng.randint(12, 18))
    name = _case(name, upper)
    local = None
    if local_only or rng.random() < st.local:
        local = render_script(tokens, p.community, rng)
    latin: str | None = None if local_only else name
    event = date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28))
    gender = None
    if rng.random() < st.gender:
        gender = Gender(p.gender if rng.random() > 0.01 else ("F" if p.gender == "M" else "M"))
    state: str | None = p.state if rng.random() < 0.88 else rng.choice(ALL_STATES)
    if style_name == "cyber" and rng.random() < 0.4:
        state = None
    person = RecordPerson(
        role=st.role,
        name=latin,
        name_local=local,
        aliases=aliases,
        relative_name=_case(relative_name, upper) if relative_name else None,
        relation=Relation(p.relation) if relative_name else None,
        gender=gender,
        **_birth(p, rng, st.birth, event),  # type: ignore[arg-type]
    )
    native = f"{p.pid}-{serial}"
    return Record(
        record_id=make_record_id(st.source, native),
        source=st.source,
        kind=st.kind,
        people=(person,),
        state=state,
        event_date=event,
        provenance=Provenance(
            source=st.source,
            native_id=native,
            source_updated_at=_UPDATED,
            fetched_at=_UPDATED,
        ),
    )


def records_of(p: Person, rng: random.Random, *, scanned: bool = False) -> list[Record]:
    """One to five records of `p`, each from its own register and clerk."""
    n = rng.choices((1, 2, 3, 4, 5), weights=(15, 30, 30, 15, 10))[0]
    first = rng.randrange(n)  # which one writes the whole name
    return [render_record(p, rng, i, scanned=scanned, complete=i == first) for i in range(n)]


def view(pid: str, record: Record) -> GalleryRecord:
    """What the name-only baselines see of a record: its written names."""
    person = record.subjects()[0]
    return GalleryRecord(
        pid,
        person.name if person.name else (person.aliases[0] if person.aliases else None),
        person.name_local,
        person.gender.value if person.gender else "",
        person.birth_year or (person.birth_date.year if person.birth_date else 0),
        person.relative_name,
    )


def father_given(p: Person) -> str:
    return relative_given(p.relative, p.community)
