"""Is a missing-person report on file for someone a citizen is looking for? (The citizen
portal's look-up, `web.public.missing_pages`.)

Only missing-person reports are searched (CCTNS missing persons, KhoyaPaya): the backend query
itself is limited to that kind and those sources, and records labelled as sexual offences are
never fetched, so no other police record can change the answer. A match says only that a report
exists and whom to contact (police station, district, state) with the report's reference;
nothing of the person (name, age, photo, relatives, address) is shown, and the answer for no
match is the same whichever other records exist. A name alone is not enough: the searcher gives
an age or a year of birth too, and only a confident match counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from indexer.backends.base import Backend, Filters, LabelRule
from records import Kind, Sensitivity, Source

from .planning import PersonSearch, plan_person
from .rescoring import rescore

REPORT_FILTERS = Filters(
    sources=frozenset({Source.CCTNS, Source.KHOYAPAYA}),
    kinds=frozenset({Kind.MISSING_PERSON}),
    hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE),),
)
# Confident matches only: a citizen acts on "a report exists", and a loose match would send a
# family to the wrong police station. Name, plus age within the tolerance, scores well above.
MIN_SCORE = 0.75
MAX_REPORTS = 3
AGE_TOLERANCE = 3


@dataclass(frozen=True)
class ReportOnFile:
    reference: str
    police_station: str | None
    district: str | None
    state: str | None


def reports_on_file(
    backend: Backend,
    name: str,
    *,
    age: int | None,
    birth_year: int | None,
    today: date,
    max_candidates: int = 200,
) -> list[ReportOnFile]:
    search = PersonSearch(name=name, age=age, birth_year=birth_year, tolerance=AGE_TOLERANCE)
    plan = plan_person(search, REPORT_FILTERS, max_candidates=max_candidates, today=today)
    scored = rescore(plan.analysed, backend.candidates(plan.candidates), min_score=MIN_SCORE)
    found: list[ReportOnFile] = []
    for s in scored:
        if s.record.kind is not Kind.MISSING_PERSON:  # the filter holds; this says it twice
            continue
        report = ReportOnFile(
            reference=s.record.provenance.native_id,
            police_station=s.record.police_station,
            district=s.record.district,
            state=s.record.state,
        )
        if report not in found:
            found.append(report)
    return found[:MAX_REPORTS]
