"""Stolen meets seen: a CCTNS stolen-vehicle report and a Vahan registration (a new one, a transfer,
a re-registration under another plate) carrying the same chassis or engine number; and a
`RECOVERED` report about a vehicle another report says is stolen.

The chassis and engine numbers decide, not the plate (thieves change plates). A full number
that agrees is near proof; a partial one (a report keeps the last five or six characters) is
strong when it is long enough and the make or colour agrees too. A plate alone never sends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matching.identifiers import chassis_matches, normalise_chassis, normalise_engine

from .cases import Case
from .evidence import CaseEvidence

PRIOR = -3.0
# Chassis serials end in digits: each character a fragment keeps beyond five divides the
# vehicles it could be by about ten (ln 10 ≈ 2.3). Five characters alone fit thousands of
# vehicles nationally, so they need the make, colour or plate to agree before an alert is sent.
PER_CHARACTER = 2.3


@dataclass(frozen=True)
class VehicleMatch:
    report: Case  # the stolen (or recovered) report
    other: Case  # a registration, or another report about the same vehicle
    score: float
    evidence: tuple[CaseEvidence, ...]


def _engine_matches(full: str | None, fragment: str | None) -> bool:
    a, b = normalise_engine(full), normalise_engine(fragment)
    if not a or not b or len(b) < 5:
        return False
    return a.endswith(b) if len(b) < len(a) else a == b


def _words(value: str | None) -> set[str]:
    return set((value or "").split())


def compare(report: Case, other: Case) -> VehicleMatch | None:
    """The match between a stolen report and a registration (or a second report), or None when
    no chassis or engine number agrees (or one disagrees in full)."""
    evidence: list[CaseEvidence] = []
    r_chassis, o_chassis = normalise_chassis(report.chassis_no), normalise_chassis(other.chassis_no)
    if r_chassis and o_chassis:
        longer, shorter = (
            (o_chassis, r_chassis) if len(o_chassis) >= len(r_chassis) else (r_chassis, o_chassis)
        )
        if chassis_matches(longer, shorter):
            full = len(shorter) >= 11
            evidence.append(
                CaseEvidence(
                    "chassis number" if full else "chassis number (partial)",
                    report.chassis_no,
                    other.chassis_no,
                    9.0 if full else min(8.0, 3.0 + PER_CHARACTER * (len(shorter) - 5)),
                )
            )
        elif len(r_chassis) >= 11 and len(o_chassis) >= 11:
            return None  # two full numbers that differ: two vehicles
    if report.engine_no and other.engine_no:
        r_engine, o_engine = normalise_engine(report.engine_no), normalise_engine(other.engine_no)
        longer_e, shorter_e = (
            (o_engine, r_engine)
            if len(o_engine or "") >= len(r_engine or "")
            else (r_engine, o_engine)
        )
        if _engine_matches(longer_e, shorter_e):
            evidence.append(CaseEvidence("engine number", report.engine_no, other.engine_no, 5.0))
        elif r_engine and o_engine and len(r_engine) >= 8 and len(o_engine) >= 8:
            evidence.append(CaseEvidence("engine number", report.engine_no, other.engine_no, -5.0))
    if not any(e.weight > 0 for e in evidence):
        return None
    if report.registration_no and other.registration_no:
        same = report.registration_no == other.registration_no
        evidence.append(
            CaseEvidence(
                "registration",
                report.registration_no,
                other.registration_no,
                1.0 if same else 0.0,  # another plate is what a re-registration looks like
            )
        )
    if report.make_model and other.make_model:
        shared = _words(report.make_model) & _words(other.make_model)
        evidence.append(
            CaseEvidence(
                "make and model", report.make_model, other.make_model, 1.0 if shared else -1.5
            )
        )
    if report.colour and other.colour:
        same = report.colour == other.colour
        evidence.append(CaseEvidence("colour", report.colour, other.colour, 0.5 if same else -0.5))
    total = PRIOR + sum(e.weight for e in evidence)
    return VehicleMatch(report, other, round(1.0 / (1.0 + math.exp(-total)), 4), tuple(evidence))
