"""Identifying marks: what a report's text says they are and where (`read_marks`), how closely
two reports' marks agree (`best_marks`), and what that agreement weighs (`evidence`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .cases import Case
from .evidence import CaseEvidence, Shares, disagreement, group, log_ratio
from .lexicon import find, lexicon

MARK_KINDS: dict[str, tuple[str, ...]] = {
    "mole": ("mole", "moles", "til", "beauty spot", "black spot", "black dot"),
    "birthmark": (
        "birth mark",
        "birthmark",
        "janam ka nishan",
        "janam nishan",
        "janm ka nishan",
        "lahsun",
        "lehsun",
        "brown patch",
        "naevus",
        "nevus",
        "strawberry mark",
    ),
    "burn": ("burn", "burns", "burnt", "burn mark", "burn scar", "scald", "jale", "jala", "jalne"),
    "scar": (
        "scar",
        "cut",
        "cut mark",
        "injury",
        "injury mark",
        "stitch",
        "stitches",
        "stitch mark",
        "operation mark",
        "surgery mark",
        "wound",
        "chot",
        "kata",
    ),
    "tattoo": ("tattoo", "tatoo", "tattooed", "godna", "gudna", "godana"),
    "wart": ("wart", "warts", "masa", "massa"),
    "patch": ("white patch", "white spot", "white spots", "vitiligo", "leucoderma", "safed daag"),
    "extra digit": ("six fingers", "extra finger", "extra toe", "six toes", "polydactyly"),
}
# Kinds a reporter confuses: a mole, a wart and a dark birthmark look alike at a glance; an old
# burn and an old cut are both "a scar".
RELATED_KINDS = frozenset(
    {
        frozenset({"mole", "wart"}),
        frozenset({"mole", "birthmark"}),
        frozenset({"burn", "scar"}),
        frozenset({"birthmark", "patch"}),
    }
)
# Body parts and the region a vaguer report names ("on face", "on leg").
BODY_PARTS: dict[str, tuple[str, ...]] = {
    "cheek": ("cheek", "cheeks", "gaal", "gal", "side of face"),
    "eye": ("eye", "eyes", "eyebrow", "eyelid", "aankh", "ankh"),
    "chin": ("chin", "thodi", "jaw"),
    "forehead": ("forehead", "mathe", "matha", "maatha"),
    "nose": ("nose", "naak"),
    "lip": ("lip", "lips", "honth", "mouth"),
    "ear": ("ear", "ears", "kaan"),
    "face": ("face", "chehra", "chehre"),
    "neck": ("neck", "gardan", "throat"),
    "hand": ("hand", "hands", "palm", "finger", "fingers", "thumb", "haath", "hath"),
    "wrist": ("wrist", "kalai"),
    "arm": ("arm", "arms", "forearm", "elbow", "shoulder", "bicep", "baazu", "bazu"),
    "leg": ("leg", "legs", "thigh", "shin", "calf", "pair", "taang", "jangh"),
    "knee": ("knee", "knees", "ghutna", "ghutne"),
    "foot": ("foot", "feet", "toe", "toes", "ankle", "heel", "sole", "pair ke"),
    "back": ("back", "upper back", "lower back", "peeth", "kamar", "spine"),
    "chest": ("chest", "chhati", "breast"),
    "stomach": ("stomach", "abdomen", "belly", "navel", "pet", "naabhi"),
    "head": ("head", "scalp"),
}
REGION = {
    "cheek": "face",
    "eye": "face",
    "chin": "face",
    "forehead": "face",
    "nose": "face",
    "lip": "face",
    "ear": "face",
    "face": "face",
    "neck": "neck",
    "hand": "upper limb",
    "wrist": "upper limb",
    "arm": "upper limb",
    "leg": "lower limb",
    "knee": "lower limb",
    "foot": "lower limb",
    "back": "trunk",
    "chest": "trunk",
    "stomach": "trunk",
    "head": "head",
}
# Parts that name a region, not a place in it ("on face" says less than "on left cheek").
VAGUE_PARTS = frozenset({"face"})
SIDES: dict[str, tuple[str, ...]] = {
    "left": ("left", "lt", "lt.", "l.", "baayen", "baen", "bayen", "ulta"),
    "right": ("right", "rt", "rt.", "r.", "daayen", "dayen", "dahine", "seedha", "sidha"),
}
_KINDS = lexicon(MARK_KINDS)
_PARTS = lexicon(BODY_PARTS)
_SIDES = lexicon(SIDES)
_NONE = re.compile(r"^(none|nil|no|na|n/a|not known|unknown|no (visible )?marks?|koi nahi)\.?$")
# "back of the right hand" is the hand, not the back
_BACK_OF = re.compile(r"\bback of (the )?")


@dataclass(frozen=True)
class MarkSeen:
    """One mark as a report describes it: what it is, where, on which side (each may be
    unknown: "mole" alone, "scar on face")."""

    kind: str | None
    part: str | None
    side: str | None

    @property
    def region(self) -> str | None:
        return REGION.get(self.part) if self.part else None

    @property
    def exact(self) -> bool:
        """Placed precisely enough to tell two marks of one kind apart."""
        return self.part is not None and self.part not in VAGUE_PARTS

    def __str__(self) -> str:
        return " ".join(w for w in (self.kind, self.side, self.part) if w) or "?"


@lru_cache(maxsize=65_536)
def read_marks(text: str | None) -> tuple[MarkSeen, ...]:
    """The marks a report's text describes; () when it says none or nothing readable."""
    if not text:
        return ()
    lowered = " ".join(text.lower().split())
    if _NONE.match(lowered):
        return ()
    out: list[MarkSeen] = []
    for piece in re.split(r"[,;+&]| and |\band\b|\bwith\b", lowered):
        piece = _BACK_OF.sub("", piece.strip())
        kinds = find(piece, _KINDS)
        parts = find(piece, _PARTS)
        sides = find(piece, _SIDES)
        if not kinds and not parts:
            continue
        kind = kinds[0][1] if kinds else None
        # the most precise part named ("left side of face" is the cheek)
        precise = [p for _, p in parts if p not in VAGUE_PARTS]
        part = precise[0] if precise else (parts[0][1] if parts else None)
        out.append(MarkSeen(kind, part, sides[0][1] if sides else None))
    return tuple(out)


class MarkLevel:
    """How closely two described marks agree, strongest first."""

    SAME = "same mark, same place"  # kind, part and side agree (or one side unsaid)
    NEAR = "same mark, near place"  # kind agrees; the place is vague on one side, or nearby
    KIND = "same kind of mark"  # kind agrees; one report does not say where
    RELATED = "a mark easily mistaken for it"  # mole ~ wart, burn ~ scar, in the same place
    SIDE = "same mark, other side"  # the reporter's left is the person's right
    DIFFERENT = "different marks"


def mark_level(a: MarkSeen, b: MarkSeen) -> str:
    same_kind = a.kind is not None and a.kind == b.kind
    related = (
        a.kind is not None and b.kind is not None and frozenset({a.kind, b.kind}) in RELATED_KINDS
    )
    if not (same_kind or related):
        return MarkLevel.DIFFERENT
    if a.part is None or b.part is None:
        return MarkLevel.KIND if same_kind else MarkLevel.DIFFERENT
    if a.region != b.region:
        return MarkLevel.DIFFERENT
    if not same_kind:
        return MarkLevel.RELATED if a.part == b.part else MarkLevel.DIFFERENT
    if a.part == b.part and a.exact:
        if a.side and b.side and a.side != b.side:
            return MarkLevel.SIDE
        return MarkLevel.SAME
    return MarkLevel.NEAR


_RANK = {
    MarkLevel.SAME: 0,
    MarkLevel.NEAR: 1,
    MarkLevel.SIDE: 2,
    MarkLevel.RELATED: 3,
    MarkLevel.KIND: 4,
    MarkLevel.DIFFERENT: 5,
}


def best_marks(
    a: tuple[MarkSeen, ...], b: tuple[MarkSeen, ...]
) -> tuple[str, MarkSeen, MarkSeen] | None:
    """The closest pair of marks between two reports' lists, with its level."""
    best: tuple[str, MarkSeen, MarkSeen] | None = None
    for x in a:
        for y in b:
            level = mark_level(x, y)
            if best is None or _RANK[level] < _RANK[best[0]]:
                best = (level, x, y)
    return best


# Of a true pair's reports that both describe a mark and agree on what it is, how often they
# also place it alike: most reporters say where; some say only "on face", some nothing.
PLACED_ALIKE = 0.7
# How often a reporter writes the other side (the person's left seen from the front).
SIDE_SWAPPED = 0.05


def evidence(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Identifying marks, compared by what they are and where (`read_marks`):
    the same mark in the same place is strong evidence, the rarer the stronger (ln m/u, u the
    share of reports describing that mark there); the same kind of mark with the place vague or
    unsaid says less; a mark of another kind speaks against, mildly (a reporter sees a mole
    another misses, a child has two marks and each report names one)."""
    seen_m, seen_f = read_marks(m.marks), read_marks(f.marks)
    if not seen_m or not seen_f:
        return None
    best = best_marks(seen_m, seen_f)
    assert best is not None
    level, a, _ = best
    agree = shares.agree(group(m, "marks"))
    weight: float
    if level == MarkLevel.SAME:
        u = shares.share(group(m, "marks.place"), mark_place(a))
        weight = log_ratio(agree * PLACED_ALIKE, u, 0.0, 3.5)
    elif level == MarkLevel.NEAR:
        u = shares.share(group(m, "marks.region"), mark_region(a))
        weight = log_ratio(agree * (1 - PLACED_ALIKE), u, 0.0, 2.0)
    elif level == MarkLevel.SIDE:
        u = shares.share(group(m, "marks.place"), mark_place(a))
        weight = log_ratio(agree * SIDE_SWAPPED, u / 2, 0.0, 1.0)
    elif level == MarkLevel.KIND:
        u = shares.share(group(m, "marks"), a.kind or "")
        weight = log_ratio(agree, u, 0.0, 1.5)
    elif level == MarkLevel.RELATED:
        weight = 0.3
    else:
        kinds = sorted({x.kind for x in seen_m if x.kind})
        weight = disagreement(shares, group(m, "marks"), kinds[0] if kinds else "", 1.5)
    return CaseEvidence("identifying marks", m.marks, f.marks, weight, level)


def mark_place(mark: MarkSeen) -> str:
    return f"{mark.kind}|{mark.part}"


def mark_region(mark: MarkSeen) -> str:
    return f"{mark.kind}|{mark.region}"
