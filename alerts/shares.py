"""What the data says about the described features of people reports (identifying marks,
clothing, languages, complexion), for `alerts.evidence.agreement`:

- `share`: how common each value is among the reports (term frequency, u), counted once per
  process from `alert_cases` (one read of the cases), then kept current as the step writes
  cases (a report written again replaces its old values);
- `agree`: how often the two reports of a true pair describe a feature alike (m), learnt from
  the pairs the matcher is sure of by name, sex and age (`alerts.persons.sure`) and kept in
  `alert_learnt`, one row per pair and feature, so that a world where reporters' descriptions
  agree rarely (or always) is weighed as it is, not as assumed. A pair met again (in this
  process or a later sync's) replaces its observation; rows learnt under another `READING` of
  "alike" are not counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from state.schema import alert_cases, alert_learnt

from .cases import FOUND, MISSING, Case
from .evidence import AGREE
from .persons import described_values

# Until a feature has been described this many times its shares are guesses: count each value
# as if seen at least once in this many reports (a smoothed, conservative share).
SMOOTHING = 20
# The prior `AGREE` counts as this many sure pairs: a few pairs move it, one does not.
PRIOR_PAIRS = 4
# How `alerts.persons.described_alike` reads "alike". Raise it when that reading changes: what
# was learnt under another reading then stops counting (and is replaced as pairs are met again).
# 2: marks, clothing and languages read by meaning (1 was string equality).
READING = 2


class CaseShares:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._totals: Counter[str] = Counter()
        self._held: dict[str, list[tuple[str, str]]] = {}
        self._agree: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()
        self._learnt: dict[str, dict[str, bool]] = {}  # pair → feature → alike
        self.loaded = False

    def load(self, conn: sa.Connection) -> None:
        rows = conn.execute(
            sa.select(alert_cases.c.features).where(alert_cases.c.side.in_([MISSING, FOUND]))
        ).scalars()
        self.update(Case.from_json(json.loads(r)) for r in rows)
        learnt = conn.execute(
            sa.select(alert_learnt.c.pair, alert_learnt.c.feature, alert_learnt.c.alike).where(
                alert_learnt.c.reading == READING
            )
        )
        for pair, feature, alike in learnt:
            self._count(pair, feature, bool(alike))
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
        """Record one sure pair's agreements, replacing what the pair taught before."""
        changed = {
            f: same for f, same in alike.items() if self._learnt.get(pair, {}).get(f) != same
        }
        for feature, same in changed.items():
            self._count(pair, feature, same)
            row = {"reading": READING, "alike": int(same)}
            updated = conn.execute(
                alert_learnt.update()
                .where(alert_learnt.c.pair == pair, alert_learnt.c.feature == feature)
                .values(**row)
            ).rowcount
            if not updated:
                conn.execute(alert_learnt.insert(), {"pair": pair, "feature": feature, **row})

    def _count(self, pair: str, feature: str, same: bool) -> None:
        held = self._learnt.setdefault(pair, {})
        if feature in held:  # the pair's earlier observation of this feature is replaced
            self._agree[feature] -= int(held[feature])
            self._seen[feature] -= 1
        held[feature] = same
        self._agree[feature] += int(same)
        self._seen[feature] += 1

    def share(self, feature: str, value: str) -> float:
        total = self._totals[feature]
        seen = self._counts[(feature, value)]
        return (seen + 1) / (total + SMOOTHING) if total else 1 / SMOOTHING

    def agree(self, feature: str) -> float:
        return (self._agree[feature] + AGREE * PRIOR_PAIRS) / (self._seen[feature] + PRIOR_PAIRS)
