"""What the data says about the described features of people reports (identifying marks,
clothing, languages, complexion), for `alerts.evidence.agreement`:

- `share`: how common each value is among the reports (term frequency, u), counted once per
  process from `alert_cases` (one read of the cases), then kept current as the step writes
  cases (a report written again replaces its old values);
- `agree`: how often the two reports of a true pair describe a feature alike (m), learnt from
  the pairs the matcher is sure of by name, sex and age (`alerts.persons.sure`) and kept in
  `alert_params`, so that a world where reporters' descriptions agree rarely (or always) is
  weighed as it is, not as assumed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from state.schema import alert_cases, alert_params

from .cases import FOUND, MISSING, Case
from .evidence import AGREE
from .persons import described_values

# Until a feature has been described this many times its shares are guesses: count each value
# as if seen at least once in this many reports (a smoothed, conservative share).
SMOOTHING = 20
# The prior `AGREE` counts as this many sure pairs: a few pairs move it, one does not.
PRIOR_PAIRS = 4


class CaseShares:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._totals: Counter[str] = Counter()
        self._held: dict[str, list[tuple[str, str]]] = {}
        self._agree: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()
        self._pairs: set[str] = set()
        self.loaded = False

    def load(self, conn: sa.Connection) -> None:
        rows = conn.execute(
            sa.select(alert_cases.c.features).where(alert_cases.c.side.in_([MISSING, FOUND]))
        ).scalars()
        self.update(Case.from_json(json.loads(r)) for r in rows)
        for feature, agree, seen in conn.execute(sa.select(alert_params)).all():
            self._agree[feature], self._seen[feature] = int(agree), int(seen)
        self.loaded = True

    def update(self, cases: Iterable[Case]) -> None:
        for case in cases:
            if case.side not in (MISSING, FOUND):
                continue
            for key in self._held.pop(case.record_id, []):
                self._counts[key] -= 1
                self._totals[key[0]] -= 1
            values = described_values(case)
            self._held[case.record_id] = values
            for key in values:
                self._counts[key] += 1
                self._totals[key[0]] += 1

    def learn(self, conn: sa.Connection, pair: str, alike: Mapping[str, bool]) -> None:
        """Count one sure pair's agreements (once per pair per process)."""
        if pair in self._pairs or not alike:
            return
        self._pairs.add(pair)
        for feature, same in alike.items():
            self._agree[feature] += int(same)
            self._seen[feature] += 1
            row = {"feature": feature, "agree": self._agree[feature], "seen": self._seen[feature]}
            updated = conn.execute(
                alert_params.update()
                .where(alert_params.c.feature == feature)
                .values(agree=row["agree"], seen=row["seen"])
            ).rowcount
            if not updated:
                conn.execute(alert_params.insert(), row)

    def share(self, feature: str, value: str) -> float:
        total = self._totals[feature]
        seen = self._counts[(feature, value)]
        return (seen + 1) / (total + SMOOTHING) if total else 1 / SMOOTHING

    def agree(self, feature: str) -> float:
        return (self._agree[feature] + AGREE * PRIOR_PAIRS) / (self._seen[feature] + PRIOR_PAIRS)
