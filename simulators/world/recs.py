"""What a builder hands to the store: one served row plus its ground truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

# Numbers each block of people may use per kind. Driving-licence serials are 7 digits in the
# real format, so they get a tight range (a block of 500 people holds at most one licence each,
# plus a few spoilt copies); the rest have room to spare.
DEFAULT_STRIDE = 10_000
STRIDES = {"dl": 1_000}
ALLOC_KINDS = ("fir", "inmate", "vehicle", "dl", "arms", "ncrp", "frro", "mp", "up", "kp")

# The world's clock starts here (epoch ms); history is spread over the two years before.
START_MS = 1714537800_000
HISTORY_MS = 730 * 86_400_000


@dataclass
class Rec:
    """One row as a source serves it, with what the ground truth needs to know about it.

    `nid` is the key the server sorts and pages by (the native id; for Vahan the normalised
    registration number), `rid` the product's record id. `t_ms` is the update time that the row's
    own update-time field shows, at the source's resolution.
    """

    source: str
    coll: str
    nid: str
    rid: str
    t_ms: int
    body: dict[str, Any]
    people: dict[str, str] = field(default_factory=dict)  # person id -> role
    vehicle: str | None = None
    state: str | None = None
    key2: str | None = None  # a secondary look-up key (Vahan: reversed chassis)
    bad: str | None = None
    matches: list[str] = field(default_factory=list)  # rids of missing reports this one matches


class Ctx:
    """Counters and randomness shared by the builders while a world is generated or advanced.

    Counters make native ids unique without a lookup: each new FIR, vehicle, licence… takes the
    next number. They are saved with the world so that the clock keeps them unique later.
    """

    def __init__(
        self,
        seed: int,
        rng: random.Random,
        now_ms: int,
        counters: dict[str, int],
        block: int | None = None,
    ):
        self.seed = seed
        self.rng = rng
        self.now_ms = now_ms
        self.counters = counters
        self.block = block
        self.export_window_ms = HISTORY_MS  # how far back daily export files go (ALIS)

    def alloc(self, kind: str) -> int:
        """The next number of this kind. While generating, each block numbers from its own
        range (block × stride), so that blocks can be made independently and in any order."""
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        if self.block is None:
            return n
        stride = STRIDES.get(kind, DEFAULT_STRIDE)
        if n >= stride:
            raise OverflowError(f"block {self.block} used more than {stride} numbers of {kind!r}")
        return self.block * stride + n

    def past_ms(self, max_age_ms: int = HISTORY_MS, min_age_ms: int = 0) -> int:
        """A moment in the past of the current clock, whole seconds."""
        ms = self.now_ms - self.rng.randint(min_age_ms, max_age_ms)
        return ms - ms % 1000


def export_window_ms(persons: int) -> int:
    """Days of ALIS daily exports in a world of this size: about 40 people per day, between a
    month and two years."""
    return min(HISTORY_MS, max(30, persons // 40) * 86_400_000)


def counters_after(blocks: int) -> dict[str, int]:
    """Counters for the clock once `blocks` blocks were generated: past every block's range."""
    return {kind: blocks * STRIDES.get(kind, DEFAULT_STRIDE) for kind in ALLOC_KINDS}
