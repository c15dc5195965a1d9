"""What a report's free-text descriptions mean: identifying marks, clothing and languages read
into comparable facts, so that two reports are compared by meaning, not by spelling.

Reporters write the same thing many ways: "til near left eye", "black mole below lt. eye" and
"mole on face" are one mole; "half pant", "nikar" and "shorts" one garment; "Bangla" and
"Bengali" one language. The lexicon below is the vocabulary of Indian police and child-welfare
forms (English with the common Hindi words), not a list of any one generator's phrases; a word
it does not know is left out of the comparison rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache


def _lexicon(table: dict[str, tuple[str, ...]]) -> list[tuple[re.Pattern[str], str]]:
    """Phrases → canonical value, longest phrase first (so "white patch" wins over "patch")."""
    pairs = [(phrase, value) for value, phrases in table.items() for phrase in phrases]
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"(?<![a-z]){re.escape(p)}(?![a-z])"), v) for p, v in pairs]


def _find(text: str, lexicon: list[tuple[re.Pattern[str], str]]) -> list[tuple[int, str]]:
    """Every lexicon value in `text` with its position, each stretch of text read once."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, value in lexicon:
        for hit in pattern.finditer(text):
            start, end = hit.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, value))
    return sorted(found)


# -- identifying marks ------------------------------------------------------------------------

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
_KINDS = _lexicon(MARK_KINDS)
_PARTS = _lexicon(BODY_PARTS)
_SIDES = _lexicon(SIDES)
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
        kinds = _find(piece, _KINDS)
        parts = _find(piece, _PARTS)
        sides = _find(piece, _SIDES)
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


# -- clothing ---------------------------------------------------------------------------------

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
_GARMENTS = _lexicon(GARMENTS)
_COLOURS = _lexicon(COLOURS)


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
    garments = _find(lowered, _GARMENTS)
    colours = _find(lowered, _COLOURS)
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


# -- languages --------------------------------------------------------------------------------

LANGUAGES: dict[str, tuple[str, ...]] = {
    "hindi": ("hindi", "hindustani", "हिंदी", "हिन्दी"),
    "urdu": ("urdu",),
    "bengali": ("bengali", "bangla", "bangali", "বাংলা"),
    "odia": ("odia", "oriya", "odiya"),
    "assamese": ("assamese", "asomiya", "axomiya"),
    "punjabi": ("punjabi", "panjabi", "gurmukhi"),
    "gujarati": ("gujarati", "gujrati"),
    "marathi": ("marathi",),
    "konkani": ("konkani",),
    "tamil": ("tamil", "thamizh", "tamizh"),
    "telugu": ("telugu", "telegu"),
    "kannada": ("kannada", "kanarese", "kannad"),
    "tulu": ("tulu",),
    "malayalam": ("malayalam", "malayali"),
    "nepali": ("nepali", "gorkhali"),
    "bhojpuri": ("bhojpuri",),
    "maithili": ("maithili",),
    "awadhi": ("awadhi",),
    "magahi": ("magahi", "magadhi", "khortha"),
    "haryanvi": ("haryanvi",),
    "rajasthani": ("rajasthani", "marwari", "mewari"),
    "chhattisgarhi": ("chhattisgarhi",),
    "garhwali": ("garhwali",),
    "kumaoni": ("kumaoni",),
    "kashmiri": ("kashmiri",),
    "dogri": ("dogri",),
    "sindhi": ("sindhi",),
    "santali": ("santali", "santhali"),
    "manipuri": ("manipuri", "meitei", "meiteilon"),
    "khasi": ("khasi",),
    "mizo": ("mizo",),
    "english": ("english",),
}
# Languages a listener takes for one another or a speaker also speaks: a child who speaks
# Bhojpuri is written down as speaking Hindi; Hindi and Urdu are one spoken language.
HINDUSTANI = frozenset(
    {
        "hindi",
        "urdu",
        "bhojpuri",
        "maithili",
        "awadhi",
        "magahi",
        "haryanvi",
        "rajasthani",
        "chhattisgarhi",
        "garhwali",
        "kumaoni",
    }
)
# Languages most Indians speak besides their own, and the ones a police officer or a shelter's
# staff and a child find they share: "Hindi" on a found report says little against a missing
# Punjabi or Bengali child's report (north of the Vindhyas most children also speak it).
LINK_LANGUAGES = frozenset({"hindi", "english"})
_LANGUAGES = _lexicon(LANGUAGES)


@lru_cache(maxsize=16_384)
def read_languages(text: str | None) -> tuple[str, ...]:
    """The languages a report lists, by their one name (unknown words left out)."""
    if not text:
        return ()
    return tuple(sorted({value for _, value in _find(text.lower(), _LANGUAGES)}))


def languages_related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Both sides in the Hindi belt (a Bhojpuri speaker written down as speaking Hindi)."""
    return bool(HINDUSTANI & set(a)) and bool(HINDUSTANI & set(b))


def link_language_only(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One side lists only a link language (Hindi, English) the other side's speaker may also
    speak without its being written down."""
    return set(a) <= LINK_LANGUAGES or set(b) <= LINK_LANGUAGES


# Where each language is at home: the states holding a sizeable share of its speakers (after the
# Census's language tables; a state's own minorities count where they are many, Urdu in Telangana,
# Bengali in Assam). A found child who speaks Telugu far from Andhra Pradesh and Telangana more
# likely went missing from there than from Punjab; a language spoken everywhere says nothing.
LANGUAGE_HOMES: dict[str, frozenset[str]] = {
    "hindi": frozenset({"UP", "BR", "MP", "RJ", "DL", "HR", "UK", "HP", "JH", "CG", "CH"}),
    "urdu": frozenset({"UP", "BR", "MH", "TS", "AP", "KA", "DL", "JK", "JH", "WB"}),
    "bengali": frozenset({"WB", "TR", "AS", "JH"}),
    "odia": frozenset({"OD"}),
    "assamese": frozenset({"AS"}),
    "punjabi": frozenset({"PB", "HR", "DL", "CH"}),
    "gujarati": frozenset({"GJ", "DN"}),
    "marathi": frozenset({"MH", "GA"}),
    "konkani": frozenset({"GA", "KA"}),
    "tamil": frozenset({"TN", "PY"}),
    "telugu": frozenset({"AP", "TS"}),
    "kannada": frozenset({"KA"}),
    "tulu": frozenset({"KA"}),
    "malayalam": frozenset({"KL", "PY"}),
    "nepali": frozenset({"SK", "WB", "AS"}),
    "bhojpuri": frozenset({"BR", "UP"}),
    "maithili": frozenset({"BR", "JH"}),
    "awadhi": frozenset({"UP"}),
    "magahi": frozenset({"BR", "JH"}),
    "haryanvi": frozenset({"HR"}),
    "rajasthani": frozenset({"RJ"}),
    "chhattisgarhi": frozenset({"CG"}),
    "garhwali": frozenset({"UK"}),
    "kumaoni": frozenset({"UK"}),
    "kashmiri": frozenset({"JK"}),
    "dogri": frozenset({"JK"}),
    "sindhi": frozenset({"GJ", "RJ", "MH"}),
    "santali": frozenset({"JH", "WB", "OD"}),
    "manipuri": frozenset({"MN"}),
    "khasi": frozenset({"ML"}),
    "mizo": frozenset({"MZ"}),
}


@cache
def home_languages(state: str | None) -> frozenset[str]:
    """The languages at home in `state` (`LANGUAGE_HOMES`; none known: empty)."""
    return frozenset(lang for lang, states in LANGUAGE_HOMES.items() if state in states)
