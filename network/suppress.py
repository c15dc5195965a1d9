"""Placeholders and hubs: the values that must not connect thousands of people.

A record keeper who does not know a suspect's number writes the police station's, or
`9999999999`; a typist writes `NA@NA.COM`. Followed as evidence, one such value would make
every person in a district one gang. Two guards, both shown in the answer (the node is there,
marked `suppressed`, with the reason and, counted over what the caller may see, its holders),
and neither followed:

- a **stop-list** of values that are placeholders by their form (one digit repeated, the
  sequences typists use, e-mails of nobody), plus the operator's own list (a station's phones)
  in `data_dir/network-stoplist.txt`, one node id a line (`phone:+919422000100`);
- a **degree cap learnt from the data**, per kind of value: `HUB_FACTOR` times the degree at
  the 99.9th percentile among values of that kind, never below the kind's floor. A family
  shares a phone (two to six holders), an FIR names its co-accused (up to tens in a riot); the
  0.1% tail is where placeholders live, and the factor leaves room for a genuinely busy value.
  The cap applies to the holders the *caller* may see, so what is hidden from him neither
  suppresses a node for him nor is counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .model import NodeKind, node_id, split_node
from .store import GraphStore

# Floors: below these a value is never a hub, whatever the data says (a small world has no
# tail to learn from). An FIR may name dozens of accused; a plate passes through several
# owners and reports; an address holds a family and its lodgers.
FLOORS: dict[NodeKind, int] = {
    NodeKind.PHONE: 12,
    NodeKind.EMAIL: 12,
    NodeKind.UPI: 12,
    NodeKind.BANK_ACCOUNT: 12,
    NodeKind.ADDRESS: 25,
    NodeKind.VEHICLE: 30,
    NodeKind.DRIVING_LICENCE: 12,
    NodeKind.ARMS_LICENCE: 12,
    NodeKind.PASSPORT: 12,
    NodeKind.FIR: 60,
}
HUB_FACTOR = 4
QUANTILE = 0.999
MIN_NODES_TO_LEARN = 1000  # fewer values of a kind: the floor alone
RELEARN_GROWTH = 0.1  # learn again at sync once the graph grew by a tenth
_CAPS = "caps"

_REPEATED = re.compile(r"^\+91(\d)\1{9}$")
_PLACEHOLDER_PHONES = frozenset(
    {"+919876543210", "+919999999999", "+918888888888", "+917777777777", "+916666666666"}
)
_NOBODY_EMAIL = re.compile(r"^(na|nil|none|no|noemail|test|abc|xyz|null|unknown)@", re.I)
_NOBODY_ADDRESS = re.compile(r"^(NOT KNOWN|UNKNOWN|NOT AVAILABLE|NO FIXED ABODE)\b")


def placeholder(node: str) -> bool:
    """Whether the value is a placeholder by its form alone."""
    kind, value = split_node(node)
    if kind is NodeKind.PHONE:
        return value in _PLACEHOLDER_PHONES or _REPEATED.match(value) is not None
    if kind is NodeKind.EMAIL:
        return _NOBODY_EMAIL.match(value) is not None
    if kind is NodeKind.ADDRESS:
        return _NOBODY_ADDRESS.match(value) is not None
    return False


def load_stop_list(path: Path | None) -> frozenset[str]:
    """The operator's stop-list: node ids, one a line; `#` starts a comment."""
    if path is None or not path.is_file():
        return frozenset()
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            kind, value = split_node(text)
            out.add(node_id(kind, value))
    return frozenset(out)


@dataclass(frozen=True)
class Caps:
    """Per kind of value, how many (visible) holders make it a hub."""

    by_kind: dict[NodeKind, int]
    learnt_at: str | None = None
    learnt_edges: int = 0

    def of(self, node: str) -> int:
        kind = split_node(node)[0]
        return self.by_kind.get(kind, FLOORS.get(kind, 12))

    @classmethod
    def floors(cls) -> Caps:
        return cls(dict(FLOORS))


def learn_caps(store: GraphStore, kinds: Iterable[NodeKind] = FLOORS) -> Caps:
    """Learn the caps from the stored degrees and keep them in the store."""
    by_kind: dict[NodeKind, int] = {}
    for kind in kinds:
        tail, count = store.degree_quantile(kind, QUANTILE)
        learnt = HUB_FACTOR * tail if count >= MIN_NODES_TO_LEARN else 0
        by_kind[kind] = max(FLOORS[kind], math.ceil(learnt))
    edges = store.stats().edges
    caps = Caps(by_kind, datetime.now(UTC).isoformat(), edges)
    store.set_meta(
        _CAPS,
        {"by_kind": {k.value: v for k, v in by_kind.items()}, "at": caps.learnt_at, "edges": edges},
    )
    return caps


def stored_caps(store: GraphStore) -> Caps:
    saved = store.get_meta(_CAPS)
    if not saved:
        return Caps.floors()
    by_kind = {NodeKind(k): int(v) for k, v in saved["by_kind"].items()}
    return Caps({**FLOORS, **by_kind}, saved.get("at"), int(saved.get("edges", 0)))


@dataclass(frozen=True)
class Suppressor:
    """Decides whether a value node is followed, given the holders the caller may see."""

    caps: Caps
    stop_list: frozenset[str] = frozenset()

    def reason(self, node: str, visible_holders: int) -> str | None:
        if node in self.stop_list or placeholder(node):
            return "placeholder"
        if visible_holders > self.caps.of(node):
            return "hub"
        return None
