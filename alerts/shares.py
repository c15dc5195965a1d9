"""How common each described value is among the people reports the matchers hold (identifying
marks, clothing, languages, complexion): the term frequencies `alerts.persons.agreement` reads.

Counted once per process from `alert_cases` (one read of the open cases), then kept current as
the alert step writes cases; a report written again replaces its old values.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

import sqlalchemy as sa

from state.schema import alert_cases

from .cases import FOUND, MISSING, Case

FEATURES = ("marks", "clothing", "languages", "complexion")
# Until a feature has been described this many times its shares are guesses: count each value
# as if seen at least once in this many reports (a smoothed, conservative share).
SMOOTHING = 20


def _values(case: Case) -> list[tuple[str, str]]:
    out = []
    for feature in FEATURES:
        value = getattr(case, feature)
        if isinstance(value, tuple):
            out.extend((feature, v) for v in value)
        elif value:
            out.append((feature, value))
    return out


class CaseShares:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._totals: Counter[str] = Counter()
        self._held: dict[str, list[tuple[str, str]]] = {}
        self.loaded = False

    def load(self, conn: sa.Connection) -> None:
        rows = conn.execute(
            sa.select(alert_cases.c.features).where(alert_cases.c.side.in_([MISSING, FOUND]))
        ).scalars()
        self.update(Case.from_json(json.loads(r)) for r in rows)
        self.loaded = True

    def update(self, cases: Iterable[Case]) -> None:
        for case in cases:
            if case.side not in (MISSING, FOUND):
                continue
            for key in self._held.pop(case.record_id, []):
                self._counts[key] -= 1
                self._totals[key[0]] -= 1
            values = _values(case)
            self._held[case.record_id] = values
            for key in values:
                self._counts[key] += 1
                self._totals[key[0]] += 1

    def share(self, feature: str, value: str) -> float:
        total = self._totals[feature]
        seen = self._counts[(feature, value)]
        return (seen + 1) / (total + SMOOTHING) if total else 1 / SMOOTHING
