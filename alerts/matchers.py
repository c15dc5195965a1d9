"""Which matcher compares which cases, how the matches are ranked, and which are sent.

Kinds of alert:
- `missing_found`: a missing adult and a found person or unidentified body (CCTNS);
- `missing_child_found`: a missing child (KhoyaPaya or CCTNS) and a found or sighted child
  (KhoyaPaya) or an unidentified found person (CCTNS);
- `stolen_vehicle_seen`: a stolen report and a Vahan registration with its chassis or engine
  number;
- `vehicle_recovered`: a `RECOVERED` report about a vehicle another report has as stolen.

Only the top `TOP` candidates of a changed case are considered, and of those only matches at or
above their kind's threshold are sent (`THRESHOLDS`). The person thresholds are calibrated on
the simulated world's true pairs by `bench/alerts`'s sweep: on two worlds pooled (3,000 people,
seeds 5 and 13) the lowest threshold, in steps of 0.05, at which the alerts it would send are at
least 85% true (the target is 80%: the margin is for worlds it was not chosen on), then checked
on two held-out worlds (seeds 21 and 29). Anything compared with a damaged record is sent for
REVIEW, never as a conclusion, whatever its score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import persons, vehicles
from .cases import FOUND, MISSING, REGISTRATION, STOLEN, Case, recipient
from .evidence import CaseEvidence, Shares, day

TOP = 5
THRESHOLDS: dict[str, float] = {
    # seeds 5 + 13: 109 sent, 0.89 true (at 0.70: 0.84; at 0.65: 0.79); re-checked offline
    # after the age-in-estimate and smooth-timing rules: 113 sent, 0.88 (at 0.70: 0.84)
    "missing_found": 0.75,
    # seeds 5 + 13: 73 sent, 0.89 true (at 0.75: 0.83; at 0.70: 0.75); re-checked as above:
    # 74 sent, 0.89 (at 0.75: 0.82)
    "missing_child_found": 0.8,
    "stolen_vehicle_seen": 0.9,
    "vehicle_recovered": 0.9,
}


@dataclass(frozen=True)
class Match:
    kind: str
    a: Case  # the missing report, or the stolen report
    b: Case  # the found report, the registration, or the recovered report
    score: float
    evidence: tuple[CaseEvidence, ...]
    # the unrounded log-odds of a person match (`persons.PersonMatch.log_odds`): scores are
    # rounded to four places, and below 0.1 that merges candidates the evidence tells apart
    strength: float = 0.0

    @property
    def pair_key(self) -> str:
        return f"{self.a.record_id}|{self.b.record_id}"

    @property
    def review(self) -> bool:
        return self.a.review or self.b.review

    def recipients(self) -> list[Case]:
        """The sides whose desks are told: both reports' stations; for a registration only the
        report's (the RTO is not a police desk)."""
        sides = [self.a] if self.b.side == REGISTRATION else [self.a, self.b]
        seen: set[str] = set()
        out = []
        for side in sides:
            to = recipient(side)
            if to not in seen:
                seen.add(to)
                out.append(side)
        return out

    def payload(self, own: Case) -> dict[str, Any]:
        """What the alert carries (the API cuts it down to the reader: `alerts.content`)."""
        other = self.b if own is self.a else self.a
        return {
            "kind": self.kind,
            "score": self.score,
            "review": self.review,
            "own": summary(own),
            "match": summary(other),
            "evidence": [e.as_dict() for e in self.evidence],
        }


_SUMMARY = (
    "record_id",
    "side",
    "source",
    "status",
    "state",
    "district",
    "police_station",
    "station_name",
    "event_date",
    "labels",
    "review",
    "names",
    "gender",
    "born_from",
    "born_to",
    "dead_body",
    "place",
    "marks",
    "registration_no",
    "chassis_no",
    "engine_no",
    "make_model",
    "colour",
    "reported_status",
)


def summary(case: Case) -> dict[str, Any]:
    data = case.as_json()
    out = {k: data[k] for k in _SUMMARY if data.get(k) not in (None, (), [], False)}
    out["contact"] = recipient(case)
    return out


def person_kind(missing: Case, found: Case) -> str:
    """A missing child's alert is a child's, whoever found them (an unidentified person's age
    range can dip below 18 for an adult: the missing report says who is missing)."""
    return "missing_child_found" if missing.child else "missing_found"


def compare(case: Case, other: Case, shares: Shares | None = None) -> Match | None:
    """The match of a changed case with one candidate, oriented (missing or stolen first)."""
    if case.side in (MISSING, FOUND):
        m, f = (case, other) if case.side == MISSING else (other, case)
        if m.side != MISSING or f.side != FOUND:
            return None
        pm = persons.compare(m, f, shares)
        if pm is None:
            return None
        return Match(person_kind(m, f), m, f, pm.score, pm.evidence, pm.log_odds)
    if case.side == REGISTRATION:
        if other.side != STOLEN:
            return None
        vm = vehicles.compare(other, case)
        return (
            None if vm is None else Match("stolen_vehicle_seen", other, case, vm.score, vm.evidence)
        )
    if case.side == STOLEN:
        if other.side == REGISTRATION:
            vm = vehicles.compare(case, other)
            kind = "stolen_vehicle_seen"
            return None if vm is None else Match(kind, case, other, vm.score, vm.evidence)
        if other.side == STOLEN:
            # a recovered report about a vehicle another report still has as stolen
            statuses = {case.reported_status, other.reported_status}
            if statuses != {"STOLEN", "RECOVERED"}:
                return None
            stolen, recovered = (case, other) if case.reported_status == "STOLEN" else (other, case)
            vm = vehicles.compare(stolen, recovered)
            kind = "vehicle_recovered"
            return None if vm is None else Match(kind, stolen, recovered, vm.score, vm.evidence)
    return None


def ranked(case: Case, candidates: Iterable[Case], shares: Shares | None = None) -> list[Match]:
    """Every candidate's match with `case`, best first: by score, then by the unrounded
    evidence; where the evidence is exactly alike, the pair nearer in time first (of two
    reports that say the same, the one filed closer to the other), then the pair's record ids
    (so that runs agree)."""
    out = [m for m in (compare(case, c, shares) for c in candidates) if m is not None]
    out.sort(key=lambda m: (-m.score, -m.strength, days_apart(m), m.pair_key))
    return out


def days_apart(match: Match) -> int:
    """Days between the two reports' dates (a large number when either has none)."""
    a, b = day(match.a.event_date), day(match.b.event_date)
    return abs((b - a).days) if a and b else 1_000_000


def sendable(match: Match) -> bool:
    """Whether a match is worth an officer's attention: above its kind's threshold, and about a
    case that is still open (a stolen report, not one already recovered; a missing person not
    yet traced)."""
    if match.score < THRESHOLDS[match.kind]:
        return False
    if match.kind == "stolen_vehicle_seen":
        return match.a.reported_status == "STOLEN"
    if match.kind == "vehicle_recovered":
        return True
    return match.a.open and match.b.open


def to_send(case: Case, candidates: Iterable[Case], shares: Shares | None = None) -> list[Match]:
    return [m for m in ranked(case, candidates, shares)[:TOP] if sendable(m)]
