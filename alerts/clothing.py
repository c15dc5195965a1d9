"""Clothing: the garments a report names with their colours (`read_clothing`), how alike two
garments and two colours are, and what two reports' clothes weigh (`evidence`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .cases import Case
from .evidence import CaseEvidence, Shares, day, disagreement, group, log_ratio
from .lexicon import find, lexicon

GARMENTS: dict[str, tuple[str, ...]] = {
    "tshirt": ("t-shirt", "t shirt", "tshirt", "tee shirt", "tee", "t-shrt"),
    "shirt": ("shirt", "half shirt", "full shirt", "check shirt", "checked shirt", "kameez"),
    "top": ("top", "blouse"),
    "frock": ("frock", "dress", "gown", "one piece"),
    "kurta": ("kurta", "kurti", "kurtha"),
    "sweater": ("sweater", "jersey", "cardigan", "woollen", "pullover", "sweat shirt"),
    "jacket": ("jacket", "coat", "hoodie", "windcheater"),
    "vest": ("vest", "baniyan", "banian", "ganji"),
    "shorts": ("shorts", "half pant", "half-pant", "nikar", "nicker", "knicker", "knickers"),
    "trousers": ("pant", "pants", "full pant", "trousers", "trouser", "lower", "track pant"),
    "jeans": ("jeans", "jean", "denim", "jeans pant"),
    "pyjama": ("pyjama", "pajama", "payjama"),
    "salwar": ("salwar", "shalwar", "leggings", "legging", "churidar"),
    "skirt": ("skirt", "lehenga", "ghagra"),
    "saree": ("saree", "sari"),
    "lungi": ("lungi", "dhoti", "veshti", "mundu"),
    "uniform": ("school uniform", "school dress", "uniform"),
}
# Garments a witness names for one another (pants of denim are "jeans" or "pant").
SIMILAR_GARMENTS = frozenset(
    {
        frozenset({"tshirt", "shirt"}),
        frozenset({"tshirt", "top"}),
        frozenset({"shirt", "kurta"}),
        frozenset({"kurta", "top"}),
        frozenset({"frock", "top"}),
        frozenset({"sweater", "jacket"}),
        frozenset({"trousers", "jeans"}),
        frozenset({"trousers", "pyjama"}),
        frozenset({"trousers", "salwar"}),
        frozenset({"salwar", "pyjama"}),
    }
)
COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "lal", "laal", "dark red", "crimson"),
    "maroon": ("maroon", "wine", "burgundy"),
    "pink": ("pink", "light pink", "gulabi", "rose"),
    "orange": ("orange", "saffron", "kesari", "bhagwa"),
    "yellow": ("yellow", "peela", "pila", "mustard"),
    "cream": ("cream", "off white", "off-white", "beige"),
    "white": ("white", "safed", "safed rang"),
    "grey": ("grey", "gray", "ash", "silver"),
    "black": ("black", "kala", "kaala"),
    "blue": ("blue", "light blue", "sky blue", "neela", "nila", "aasmani"),
    "navy": ("navy", "navy blue", "dark blue"),
    "green": ("green", "hara", "dark green", "light green", "olive"),
    "purple": ("purple", "violet", "baingani", "lavender"),
    "brown": ("brown", "khaki", "bhura", "coffee"),
}
# Colours one witness calls by another's name, in light or from memory.
NEAR_COLOURS = frozenset(
    {
        frozenset({"red", "maroon"}),
        frozenset({"red", "pink"}),
        frozenset({"red", "orange"}),
        frozenset({"maroon", "brown"}),
        frozenset({"pink", "purple"}),
        frozenset({"orange", "yellow"}),
        frozenset({"yellow", "cream"}),
        frozenset({"cream", "white"}),
        frozenset({"white", "grey"}),
        frozenset({"grey", "black"}),
        frozenset({"black", "navy"}),
        frozenset({"navy", "blue"}),
        frozenset({"blue", "purple"}),
        frozenset({"blue", "green"}),
        frozenset({"blue", "grey"}),
    }
)
_GARMENTS = lexicon(GARMENTS)
_COLOURS = lexicon(COLOURS)


@dataclass(frozen=True)
class Garment:
    item: str
    colour: str | None

    def __str__(self) -> str:
        return f"{self.colour} {self.item}" if self.colour else self.item


@lru_cache(maxsize=65_536)
def read_clothing(text: str | None) -> tuple[Garment, ...]:
    """The garments a report names, each with the colour written nearest before it (or right
    after it: "shirt (red)", "half pant blue")."""
    if not text:
        return ()
    lowered = " ".join(text.lower().replace("(", " ").replace(")", " ").split())
    garments = find(lowered, _GARMENTS)
    colours = find(lowered, _COLOURS)
    out: list[Garment] = []
    used: set[int] = set()
    for i, (at, item) in enumerate(garments):
        if item == "uniform":  # a uniform's colours are its garments'
            out.append(Garment(item, None))
            continue
        before = [c for c in colours if c[0] < at and c[0] not in used]
        previous = garments[i - 1][0] if i else -1
        colour = next((c for c in reversed(before) if c[0] > previous), None)
        if colour is None:  # "shirt (red)": the colour after, before the next garment
            following = garments[i + 1][0] if i + 1 < len(garments) else len(lowered) + 1
            colour = next(
                (
                    c
                    for c in colours
                    if at < c[0] < following and c[0] not in used and _trails(lowered, at, c[0])
                ),
                None,
            )
        if colour is not None:
            used.add(colour[0])
        out.append(Garment(item, colour[1] if colour else None))
    return tuple(out)


def _trails(text: str, garment_at: int, colour_at: int) -> bool:
    """Whether the colour at `colour_at` follows the garment directly (no other garment's
    colour would be written there: "shirt red, pant blue")."""
    between = text[garment_at:colour_at]
    return "," not in between and " and " not in between and " with " not in between


def colour_level(a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "unsaid"
    if a == b:
        return "same"
    return "near" if frozenset({a, b}) in NEAR_COLOURS else "different"


def garment_alike(a: str, b: str) -> str:
    if a == b:
        return "same"
    return "similar" if frozenset({a, b}) in SIMILAR_GARMENTS else "different"


def evidence(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Clothing, compared garment by garment (`read_clothing`): the same garment in
    the same colour is evidence (a child found days later often still wears it), the rarer the
    stronger; a similar garment or a neighbouring colour ("maroon" for "red") a little; nothing
    in common speaks against, less the longer the time between (clothes change)."""
    worn_m, worn_f = read_clothing(m.clothing), read_clothing(f.clothing)
    if not worn_m or not worn_f:
        return None
    agree = shares.agree(group(m, "clothing"))
    total, against = 0.0, 0.0
    for g in worn_m:
        best = 0.0
        worst = 0.0
        for h in worn_f:
            alike = garment_alike(g.item, h.item)
            if alike == "different":
                continue
            colour = colour_level(g.colour, h.colour)
            if alike == "same" and colour == "same":
                u = shares.share(group(m, "clothing.colour"), garment_key(g))
                value = log_ratio(agree, u, 0.0, 2.0)
            elif colour in ("same", "near") or (alike == "same" and colour == "unsaid"):
                u = shares.share(group(m, "clothing"), g.item)
                value = log_ratio(agree * 0.5, u, 0.0, 0.8)
            else:  # the same garment in another colour
                value, worst = 0.0, -0.7
            best = max(best, value)
        total += best
        against = min(against, worst) if best == 0.0 else against
    weight = min(total, 2.5)
    if weight == 0.0:
        fade = _clothes_fade(m, f)
        weight = (against or disagreement(shares, group(m, "clothing"), "", 1.0)) * fade
    shown_m = ", ".join(str(g) for g in worn_m)
    shown_f = ", ".join(str(g) for g in worn_f)
    return CaseEvidence("clothing", shown_m, shown_f, weight)


def garment_key(garment: Garment) -> str:
    return f"{garment.item}|{garment.colour}"


def _clothes_fade(m: Case, f: Case) -> float:
    """How much different clothes still say: fully within three days, half within two weeks,
    a quarter after (a found child has often been given other clothes)."""
    missed, found = day(m.event_date), day(f.event_date)
    if not missed or not found:
        return 0.5
    days = (found - missed).days
    return 1.0 if days <= 3 else 0.5 if days <= 14 else 0.25
