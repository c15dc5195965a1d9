"""A small, readable linkage model for tests: plausible m and u per level, no term-frequency
adjustment (no frequency tables), so that a test says which evidence joins without depending on
any estimate."""

from __future__ import annotations

from federation.linkage import Model

# comparison: (m per level, u per level), levels as `indexer.comparison.LEVELS`
_LEVELS = {
    "name": ((0.85, 0.08, 0.04, 0.02, 0.01), (0.03, 0.003, 0.015, 0.02, 0.932)),
    "relative": ((0.9, 0.05, 0.04, 0.01), (0.02, 0.001, 0.004, 0.975)),
    "birth": ((0.15, 0.8, 0.04, 0.01), (0.0001, 0.03, 0.06, 0.9099)),
    "gender": ((0.99, 0.01), (0.7, 0.3)),
    "address": ((0.8, 0.05, 0.15), (0.00005, 0.01, 0.98995)),
    "phone": ((0.6, 0.4), (0.0002, 0.9998)),
    "account": ((0.6, 0.4), (0.005, 0.995)),
    "place": ((0.15, 0.6, 0.25), (0.03, 0.25, 0.72)),
    "fir": ((0.7, 0.3), (0.0002, 0.9998)),
    "missing": ((0.8, 0.2), (0.06, 0.94)),
}


def model(prior: float = 0.02) -> Model:
    return Model(
        prior=prior,
        m=tuple(m for m, _ in _LEVELS.values()),
        u=tuple(u for _, u in _LEVELS.values()),
    )
