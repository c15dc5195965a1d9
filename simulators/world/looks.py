"""How a missing person looks, and how each report describes it.

A person who goes missing has one appearance (`Look`): zero to two identifying marks, the clothes
worn when last seen, the languages spoken, a complexion. Every report about them describes that
same appearance, but as people do: in their own words ("til near left eye", "black mole on face"),
partly (one mark of two, the shirt but not the shorts, one language of two), sometimes not at all,
sometimes wrongly (the other side, a neighbouring colour, a guessed language), and clothes that
changed when the child was found weeks later. A found child's age is the finder's estimate.

The look is a pure function of the world seed and the person; each report's wording is drawn
from its own generator (seeded by the report), so that describing a report never shifts the rest
of the world's random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Mark kinds, and the ways reporters write them.
_MARK_WORDS: dict[str, tuple[str, ...]] = {
    "mole": ("mole", "black mole", "small mole", "til", "black spot"),
    "birthmark": ("birth mark", "birthmark", "brown patch", "janam ka nishan"),
    "burn": ("burn mark", "old burn mark", "burn scar", "jale ka nishan"),
    "scar": ("cut mark", "scar", "old injury mark", "stitch mark", "chot ka nishan"),
    "tattoo": ("tattoo", "tattoo of name", "godna"),
    "wart": ("wart", "masa"),
    "patch": ("white patch", "white spot"),
}
_CHILD_KINDS = ("mole", "mole", "birthmark", "birthmark", "burn", "scar", "scar", "wart", "patch")
_ADULT_KINDS = ("mole", "mole", "birthmark", "burn", "scar", "scar", "tattoo", "tattoo", "wart")

# Body parts: (whether a side is named, exact wordings, the vaguer region a reporter may write).
_PARTS: dict[str, tuple[bool, tuple[str, ...], str]] = {
    "cheek": (True, ("{side} cheek", "{side} side of face"), "face"),
    "eye": (True, ("near {side} eye", "below {side} eye", "above {side} eyebrow"), "face"),
    "chin": (False, ("chin", "on the chin"), "face"),
    "forehead": (False, ("forehead", "middle of forehead"), "face"),
    "neck": (True, ("{side} side of neck", "neck {side} side"), "neck"),
    "hand": (True, ("{side} hand", "back of {side} hand", "{side} palm"), "hand"),
    "arm": (True, ("{side} arm", "{side} forearm", "upper {side} arm"), "arm"),
    "leg": (True, ("{side} leg", "{side} thigh", "{side} shin"), "leg"),
    "knee": (True, ("{side} knee",), "leg"),
    "back": (False, ("back", "upper back"), "back"),
    "chest": (False, ("chest",), "chest"),
}
_SIDES = {"left": ("left", "left", "lt."), "right": ("right", "right", "rt.")}

# Clothes: garment → wordings; colour → wordings, and colours a witness confuses it with.
_TOPS: dict[str, tuple[str, ...]] = {
    "tshirt": ("t-shirt", "T shirt", "tee shirt", "tshirt"),
    "shirt": ("shirt", "half shirt", "check shirt"),
    "frock": ("frock", "dress"),
    "kurta": ("kurta", "kurti"),
    "sweater": ("sweater", "woollen sweater", "jersey"),
}
_BOTTOMS: dict[str, tuple[str, ...]] = {
    "shorts": ("shorts", "half pant", "nikar", "knicker"),
    "trousers": ("pant", "full pant", "trousers", "lower"),
    "jeans": ("jeans", "jeans pant"),
    "salwar": ("salwar", "leggings"),
    "skirt": ("skirt",),
}
_COLOURS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "red": (("red", "lal", "dark red"), ("maroon", "pink", "orange")),
    "blue": (("blue", "light blue", "sky blue", "neela"), ("navy", "grey", "green")),
    "navy": (("navy blue", "dark blue", "navy"), ("blue", "black")),
    "green": (("green", "hara", "dark green"), ("blue", "grey")),
    "yellow": (("yellow", "peela"), ("orange", "cream")),
    "white": (("white", "safed", "off white"), ("cream", "grey")),
    "black": (("black", "kala"), ("navy", "grey")),
    "pink": (("pink", "light pink"), ("red", "purple")),
    "grey": (("grey", "gray", "ash"), ("white", "black")),
    "brown": (("brown", "khaki"), ("maroon", "black")),
    "orange": (("orange", "saffron"), ("red", "yellow")),
    "purple": (("purple", "violet"), ("pink", "blue")),
    "maroon": (("maroon",), ("red", "brown")),
    "cream": (("cream", "off white"), ("white", "yellow")),
}
_WORN = tuple(c for c in _COLOURS if c not in ("cream",))

# Languages by the region a person comes from (main language first), and their spellings.
_LANGUAGES: dict[str, tuple[tuple[str, ...], ...]] = {
    "hindi": (("Hindi",), ("Hindi", "Bhojpuri"), ("Hindi", "Awadhi"), ("Hindi", "Maithili")),
    "marathi": (("Marathi",), ("Marathi", "Hindi")),
    "bengali": (("Bengali",), ("Bengali", "Hindi")),
    "punjabi": (("Punjabi",), ("Punjabi", "Hindi")),
    "gujarati": (("Gujarati",), ("Gujarati", "Hindi")),
    "odia": (("Odia",),),
    "tamil": (("Tamil",),),
    "telugu": (("Telugu",), ("Telugu", "Urdu")),
    "kannada": (("Kannada",), ("Kannada", "Tulu")),
    "malayalam": (("Malayalam",),),
    "muslim": (("Urdu", "Hindi"), ("Hindi",), ("Urdu",)),
}
_SPELLINGS = {
    "Bengali": ("Bengali", "Bangla"),
    "Odia": ("Odia", "Oriya"),
    "Punjabi": ("Punjabi", "Panjabi"),
    "Hindi": ("Hindi", "Hindi", "hindi"),
}
_GUESSES = ("Hindi", "Hindi", "Bengali", "Nepali", "Tamil", "Marathi")
_COMPLEXIONS = ("FAIR", "WHEATISH", "DARK")


@dataclass(frozen=True)
class Mark:
    kind: str
    part: str
    side: str | None


@dataclass(frozen=True)
class Look:
    marks: tuple[Mark, ...]
    top: tuple[str, str]  # (colour, garment)
    bottom: tuple[str, str] | None  # none under a frock
    uniform: bool
    languages: tuple[str, ...]
    complexion: str


def _mark(rng: random.Random, kinds: tuple[str, ...]) -> Mark:
    part = rng.choice(tuple(_PARTS))
    sided = _PARTS[part][0]
    return Mark(rng.choice(kinds), part, rng.choice(("left", "right")) if sided else None)


def _outfit(rng: random.Random, gender: str) -> tuple[tuple[str, str], tuple[str, str] | None]:
    tops = ("tshirt", "shirt", "frock", "kurta", "sweater") if gender == "F" else tuple(_TOPS)
    top = rng.choice(tuple(t for t in tops if gender == "F" or t != "frock"))
    if top == "frock":
        return (rng.choice(_WORN), top), None
    bottoms = tuple(b for b in _BOTTOMS if gender == "F" or b not in ("salwar", "skirt"))
    return (rng.choice(_WORN), top), (rng.choice(_WORN), rng.choice(bottoms))


def look_of(seed: int, pid: str, region: str, gender: str, child: bool) -> Look:
    """One person's appearance when last seen (the same in every report about them)."""
    rng = random.Random(f"{seed}:look:{pid}")
    count = rng.choices((0, 1, 2), (25, 55, 20))[0]
    marks = tuple(_mark(rng, _CHILD_KINDS if child else _ADULT_KINDS) for _ in range(count))
    top, bottom = _outfit(rng, gender)
    uniform = child and rng.random() < 0.2
    languages = rng.choice(_LANGUAGES.get(region, (("Hindi",),)))
    return Look(marks, top, bottom, uniform, languages, rng.choice(_COMPLEXIONS))


def _one_mark(mark: Mark, rng: random.Random) -> str:
    kind = rng.choice(_MARK_WORDS[mark.kind])
    _, wordings, region = _PARTS[mark.part]
    side = mark.side
    if side and rng.random() < 0.05:  # the reporter's left is the person's right
        side = "right" if side == "left" else "left"
    how = rng.random()
    if how < 0.2:
        return kind  # the kind alone
    if how < 0.4:
        return f"{kind} on {region}"  # the place, vaguely
    where = rng.choice(wordings).format(side=rng.choice(_SIDES[side]) if side else "")
    if rng.random() < 0.2:
        return f"{where} - {kind}"
    placed = where.startswith(("near ", "below ", "above ", "on "))
    return f"{kind} {where}" if placed else f"{kind} on {where}"


def describe_marks(look: Look, rng: random.Random, *, found: bool, child: bool) -> str | None:
    """What a report writes under identifying marks (None: nothing written; "NONE" is also
    written for a person without marks)."""
    if rng.random() < (0.3 if found else 0.15):
        return None
    if not look.marks:
        return rng.choice(("none", "nil", "no visible mark", None))
    if rng.random() < 0.07:  # a wrong mark (someone else's description, a misreading)
        return _one_mark(_mark(rng, _CHILD_KINDS if child else _ADULT_KINDS), rng)
    marks = list(look.marks)
    if len(marks) > 1 and rng.random() < 0.5:
        marks = [rng.choice(marks)]
    return ", ".join(_one_mark(m, rng) for m in marks)


def _colour(colour: str, rng: random.Random) -> str:
    words, near = _COLOURS[colour]
    if rng.random() < 0.08:
        return rng.choice(_COLOURS[rng.choice(near)][0])
    return rng.choice(words)


def _garment(item: tuple[str, str], rng: random.Random, kinds: dict[str, tuple[str, ...]]) -> str:
    colour, garment = item
    word = rng.choice(kinds[garment])
    if rng.random() < 0.1:
        return word  # no colour given
    if rng.random() < 0.15:
        return f"{word} ({_colour(colour, rng)})"
    return f"{_colour(colour, rng)} {word}"


def describe_clothing(
    look: Look, rng: random.Random, *, days_later: int | None, gender: str
) -> str | None:
    """What a report says the person wore: a found report `days_later` may see other clothes."""
    if rng.random() < (0.3 if days_later is not None else 0.15):
        return None
    top, bottom, uniform = look.top, look.bottom, look.uniform
    if days_later is not None:
        still = 0.85 if days_later <= 3 else 0.6 if days_later <= 14 else 0.3
        if rng.random() >= still:
            (top, bottom), uniform = _outfit(rng, gender), False
    if uniform:
        if rng.random() < 0.5:
            return rng.choice(("school uniform", "school dress"))
        said = [_garment(top, rng, _TOPS)]
        if bottom is not None:
            said.append(_garment(bottom, rng, _BOTTOMS))
        return f"school uniform ({', '.join(said)})"
    parts = [_garment(top, rng, _TOPS)]
    if bottom is not None:
        parts.append(_garment(bottom, rng, _BOTTOMS))
        if rng.random() < 0.25:
            parts.pop(rng.randrange(2))  # one garment only
    return rng.choice((", ", " and ", " with ")).join(parts)


def describe_languages(look: Look, rng: random.Random, *, found: bool) -> str | None:
    """The languages a report lists: a found child may say little, the finder may guess."""
    if rng.random() < (0.25 if found else 0.1):
        return None
    if found and rng.random() < 0.06:
        return rng.choice(_GUESSES)
    spoken = list(look.languages)
    if len(spoken) > 1 and rng.random() < (0.5 if found else 0.25):
        spoken = [spoken[0] if rng.random() < 0.7 else spoken[1]]
    written = [rng.choice(_SPELLINGS.get(lang, (lang,))) for lang in spoken]
    return rng.choice((", ", "/", " and ")).join(written)


def describe_complexion(look: Look, rng: random.Random, *, found: bool) -> str:
    if rng.random() < (0.15 if found else 0.08):
        i = _COMPLEXIONS.index(look.complexion)
        return _COMPLEXIONS[min(2, max(0, i + rng.choice((-1, 1))))]
    return look.complexion


def estimate_age(age: int, rng: random.Random) -> tuple[int, int]:
    """A finder's guess at a child's age: off by a year or two, then widened by one to three
    years either side (so the truth is sometimes just outside the range)."""
    guess = max(1, age + round(rng.gauss(0, 1.3)))
    return max(1, guess - rng.randint(1, 3)), guess + rng.randint(1, 3)
