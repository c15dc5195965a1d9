"""Parse one written name into what matching needs: name forms, titles, relation and relative.

Records write names the way clerks do: `LATE SHRI R. K. SHARMA S/O RAM KISHORE`,
`RAJU @ RAJENDRA SHANKAR PATIL`, `Smt. Kamla Devi W/O Shri Ram Lal`, `मोहम्मद इरफ़ान पुत्र …`.
`parse_name` turns that into:

- `forms`: the name's written forms, primary first. An alias (`@`, `urf`, `alias`, `aka`,
  brackets) is a form of its own; a one-word nickname also gets the primary's surname
  (`Raju @ Rajendra Shankar Patil` → `raju patil`), because that is how the person is known.
- `titles`: honorifics and titles taken off (`shri`, `smt`, `late`, `dr`, `thiru`, `sardar`…).
  `Md`/`Mohd` are not titles: they are Mohammed, and stay as a token.
- `relation` and `relative`: `S/O`, `D/O`, `W/O`, `H/O`, `son of`, `पुत्र`… and the name after it.
- each token carries its canonical spelling and coarse key (`phonetic`), and whether it is an
  initial (`R.`, `K`, or an all-consonant cluster such as `RK`).

Results are cached per written string: a national index repeats the same written names often,
and rescoring sees the same record names again and again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from matching.phonetic import (
    VOWELS,
    ascii_fold,
    canonical,
    coarse,
    family_of,
    initial_letter,
    letter_class,
    spelling_rules,
)
from matching.scripts import has_indic, to_latin

# Canonical spellings of tokens so common that sharing one says little: they weigh less in
# similarity and get no retrieval key of their own (see `keys`).
FILLERS = frozenset(
    {
        "kumar", "kumari", "devi", "sing", "kaur", "lal", "chand", "prasad", "bai", "ben",
        "begum", "katun", "bibi", "mohamed", "sek", "syed", "md", "bano", "rani", "ram", "das",
        "nat", "babu", "bhai",
    }
)  # fmt: skip
FILLER_WEIGHT = 0.35
INITIAL_WEIGHT = 0.5


# Not `frozen`: a frozen dataclass sets each field through `object.__setattr__`, which made
# building these the largest single cost of parsing a new name. Treat them as immutable all
# the same (they are shared through caches); `unsafe_hash` keeps hashing on the compared fields.
@dataclass(slots=True, unsafe_hash=True)
class Token:
    text: str  # Latin, lower case, as written (after transliteration)
    canon: str  # phonetic.canonical
    key: str  # phonetic.coarse; for an initial, its letter
    initial: bool
    first: str  # the letter an initial of this token would be (`initial_letter`)
    first_class: str  # its coarse class (`letter_class`)
    weight: float  # how much agreeing on this token says (`token_weight`)
    t_key: str = ""  # "t:" + key, built once for `keys`
    tail: str = ""  # "|" + key, built once for `keys`
    # key prefixes built once for `keys` ("i:" + first, "b:" + key); derived, so not compared
    i_head: str = field(default="", compare=False, repr=False)
    b_head: str = field(default="", compare=False, repr=False)
    # the letters of the canonical spelling and of the text (`letter_mask`): rescoring skips
    # measuring two spellings that cannot be alike enough (`similarity.PreparedQuery`)
    letters: int = field(default=0, compare=False, repr=False)
    typed_letters: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)  # immutable by convention: see `Token`
class NameForm:
    tokens: tuple[Token, ...]
    # derived once, for the rescoring hot path
    full_idx: tuple[int, ...] = field(default=(), compare=False, repr=False)
    total_weight: float = field(default=0.0, compare=False, repr=False)
    informative: int = field(default=0, compare=False, repr=False)  # tokens of weight 1
    # (informative tokens, initials): all a comparison that pairs nothing depends on
    shape: tuple[int, int] = field(default=(0, 0), compare=False, repr=False)
    # first letters of the full tokens, and of the first of two adjacent full tokens: a
    # compound (`Ramkumar` ~ `Ram Kumar`) needs one of each side to agree, so most pairs of
    # forms can skip that search with one set intersection
    firsts: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    adjacent_firsts: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # a form written by no one but inferred from the relative's name (`matching.relatives`):
    # "surname_from_relative" or "initial_from_relative"; "" for a form as written
    inferred: str = field(default="", compare=False, repr=False)

    @staticmethod
    def of(tokens: tuple[Token, ...]) -> NameForm:
        # one pass: every parsed name comes through here, indexing included
        full: list[int] = []
        total = 0.0
        informative = 0
        firsts: set[str] = set()
        adjacent: set[str] = set()
        previous = None  # first letter of the previous token when it is a full one
        for i, t in enumerate(tokens):
            weight = t.weight
            total += weight
            if weight == 1.0:
                informative += 1
            if t.initial:
                previous = None
                continue
            first = t.canon[:1]
            full.append(i)
            firsts.add(first)
            if previous is not None:
                adjacent.add(previous)
            previous = first
        return NameForm(
            tokens,
            tuple(full),
            total or 1.0,
            informative,
            (informative, len(tokens) - len(full)),
            frozenset(firsts),
            frozenset(adjacent),
        )

    @property
    def full(self) -> tuple[Token, ...]:
        return tuple(t for t in self.tokens if not t.initial)

    @property
    def initials(self) -> tuple[Token, ...]:
        return tuple(t for t in self.tokens if t.initial)

    def text(self) -> str:
        return " ".join(t.canon for t in self.tokens)


@dataclass(slots=True, unsafe_hash=True)  # immutable by convention: see `Token`
class ParsedName:
    raw: str
    forms: tuple[NameForm, ...]
    titles: tuple[str, ...] = ()
    relation: str | None = None  # "S/O", "D/O", "W/O", "H/O", "F/O", "M/O", "C/O"
    relative: NameForm | None = None
    gender_hint: str | None = None  # "M"/"F" from a gendered title (Smt, Kumari, Mr, Thiru…)

    @property
    def primary(self) -> NameForm | None:
        return self.forms[0] if self.forms else None


# Honorifics and titles, as tokens after folding (Indic ones after transliteration: श्रीमती →
# shrimati, திரு → tiru, স্বর্গীয় → svargiy, डॉ. → do). Mapped to the gender they imply, or "".
TITLES: dict[str, str] = {
    "shri": "", "shree": "", "sri": "", "sree": "", "sh": "", "shriman": "M", "sriman": "M",
    "smt": "F", "shrimati": "F", "srimati": "F", "shrimti": "F", "sm": "F", "sushri": "F",
    "kumari": "F", "km": "F", "kum": "F", "ku": "F", "kumaari": "F", "miss": "F",
    "mr": "M", "mrs": "F", "ms": "F", "master": "M", "mast": "M", "baby": "",
    "dr": "", "do": "", "doctor": "", "prof": "", "adv": "", "er": "", "capt": "", "col": "",
    "maj": "", "gen": "", "hon": "", "pt": "", "pandit": "", "sant": "",
    "late": "", "lt": "", "svargiy": "", "svargiya": "", "swargiya": "", "sv": "", "sva": "",
    "swa": "", "marhoom": "", "marhum": "", "mrhum": "",
    "thiru": "M", "tiru": "M", "thirumathi": "F", "thirumati": "F", "tirumati": "F", "tmt": "F",
    "selvi": "F", "sardar": "M", "sardarni": "F", "s": "",
    "mst": "F", "musammat": "F", "mosammat": "F", "most": "F", "mosst": "F",
    "haji": "", "hazi": "", "janab": "M", "mohtarma": "F",
}  # fmt: skip
_TRAILING_TITLES = frozenset({"ji", "sahab", "saheb", "sahib"})
_NAME_TITLES = frozenset(canonical(t) for t in ("selvi", "kumari", "sardar"))

_RELATION_WORDS: dict[str, str] = {
    "son": "S/O", "daughter": "D/O", "wife": "W/O", "husband": "H/O", "father": "F/O",
    "mother": "M/O", "care": "C/O",
    "putra": "S/O", "putr": "S/O", "suputra": "S/O", "suputr": "S/O", "beta": "S/O",
    "putri": "D/O", "suputri": "D/O", "beti": "D/O", "patni": "W/O", "pati": "H/O",
    "bin": "S/O", "ibn": "S/O", "binti": "D/O", "bint": "D/O",
    "magan": "S/O", "makan": "S/O", "magal": "D/O", "makal": "D/O", "manaivi": "W/O",
    "kumarudu": "S/O", "kumarte": "D/O",
}  # fmt: skip
_RELATION = re.compile(
    r"(?<![a-z])([sdwhfmc])\s*[/\\]\s*o(?![a-z])\.?"
    r"|(?<![a-z])([sdwhfmc])\.\s*o\.(?![a-z])"
    r"|(?<![a-z])(son|daughter|wife|husband|father|mother|care)\s+of(?![a-z])"
    r"|(?<![a-z])("
    + "|".join(
        k
        for k in _RELATION_WORDS
        if k not in ("son", "daughter", "wife", "husband", "father", "mother", "care")
    )
    + r")(?![a-z])"
)
_DANGLING_RELATION = re.compile(
    r"(?<![a-z])[sdwhfmc]\s*[/\\]\s*o(?![a-z])\.?|(?<![a-z])[sdwhfmc]\.\s*o\.(?![a-z])"
)
_LETTER_RELATION = {"s": "S/O", "d": "D/O", "w": "W/O", "h": "H/O", "f": "F/O", "m": "M/O",
                    "c": "C/O"}  # fmt: skip
_ADDRESS = re.compile(
    r"(?<![a-z])(?:r\s*/\s*o|resident\s+of|vill(?:age)?|h\s*\.?\s*no)(?![a-z]).*$"
)
_ALIAS = re.compile(
    r"@|(?<![a-z])(?:urf|urph|alias(?:\s+name)?|aka|a\.k\.a\.?|also\s+known\s+as)(?![a-z])|[()\[\]{}]"
)
_WORD = re.compile(r"[a-z]+")
# words that send a name down the full parse: relation, alias and address markers
_PLAIN_WORDS = frozenset(
    {*_RELATION_WORDS, "of", "urf", "urph", "alias", "aka", "also", "vill", "village", "resident"}
)
_GUJARATI_SUFFIX = re.compile(r"^(.{3,})(bhai|ben|behen)$")
# An apostrophe inside a word (`D'Souza`, `O'Brien`) is read both ways: as a break (`D Souza`)
# and as nothing (`Dsouza`, how registers that drop punctuation write it).
_ELISION = re.compile("(?<=[a-z])['\u2019\u02bc`](?=[a-z])")


# Indic records write initials as the English letter names: आर. के. शर्मा is R. K. Sharma.
_LETTER_NAMES = {
    "e": "a", "bi": "b", "si": "c", "di": "d", "i": "e", "ef": "f", "eph": "f", "ji": "g",
    "ech": "h", "aai": "i", "je": "j", "ke": "k", "el": "l", "em": "m", "en": "n", "o": "o",
    "pi": "p", "kyu": "q", "ar": "r", "aar": "r", "es": "s", "ti": "t", "yu": "u", "vi": "v",
    "dablyu": "w", "eks": "x", "vai": "y", "jed": "z", "ai": "i",
}  # fmt: skip
_LETTER_NAME = re.compile(r"(?<![a-z])(" + "|".join(sorted(_LETTER_NAMES, key=len, reverse=True))
                          + r")\.")  # fmt: skip


_INDIC_DOTTED = re.compile("([\u0900-\u0d7f]+)\\.")
_COMBINING_OFFSETS = frozenset({0x01, 0x02, 0x03, 0x3C, *range(0x3E, 0x4E), 0x55, 0x56, 0x57})


def _syllable_initial(m: re.Match[str]) -> str:
    """`க.`, `मु.`: one written syllable and a dot is an initial, its consonant's letter."""
    word = m[1]
    first = ord(word[0]) & 0x7F
    consonant = 0x15 <= first <= 0x39 or 0x58 <= first <= 0x5F
    if consonant and all((ord(c) & 0x7F) in _COMBINING_OFFSETS for c in word[1:]):
        return to_latin(word)[:1] + ". "
    return m[0]


# A scanner reads the letters of a register as digits (`RAJE5H`, `M0HAN`, `SUNI1`): a digit
# touching a letter is the letter it looks like. `1` is an `I` or an `l` (a lower-case L): it is
# read as `i` here, and `parse_name` adds the reading with `l` as another form.
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])[0-9]|[0-9](?=[^\W\d_])")
_DIGIT_LETTER = {"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t",
                 "8": "b", "9": "g"}  # fmt: skip


def _read_digits(text: str, one: str = "i") -> str:
    if not any(c.isdigit() for c in text):
        return text
    return _DIGIT_IN_WORD.sub(lambda m: one if m[0] == "1" else _DIGIT_LETTER[m[0]], text)


def _fold(raw: str, one: str = "i") -> str:
    raw = _read_digits(raw, one)
    if raw.isascii():
        return raw.lower()  # what the steps below give for ASCII, without them
    text = unicodedata.normalize("NFC", raw)
    if has_indic(text):
        dotted = "." in text  # both patterns need a dot: most names have none
        if dotted:
            text = _INDIC_DOTTED.sub(_syllable_initial, text)
        text = to_latin(text).lower()
        if dotted or "." in text:
            text = _LETTER_NAME.sub(lambda m: _LETTER_NAMES[m[1]] + " ", text)
    return ascii_fold(text)


@lru_cache(maxsize=200_000)
def _token(word: str, initial: bool) -> Token:
    first = initial_letter(word)
    if initial:
        return Token(
            word, word, first, True, first, letter_class(first), INITIAL_WEIGHT, i_head="i:" + first
        )
    canon = canonical(word)
    weight = FILLER_WEIGHT if canon in FILLERS else 1.0
    key = coarse(canon)
    cls = letter_class(first)
    return Token(
        word, canon, key, False, first, cls, weight, "t:" + key, "|" + key, "i:" + first,
        "b:" + key, letter_mask(canon), letter_mask(word),
    )  # fmt: skip


def token_of(word: str) -> Token:
    """The full (not initial) token of one lower-case Latin word."""
    return _token(word, False)


def letter_mask(text: str) -> int:
    """The letters of `text` as bits: a–z each its own (`ord & 31`), anything else shares one
    with them, which only makes two spellings look more alike than they are."""
    mask = 0
    for ch in text:
        mask |= 1 << (ord(ch) & 31)
    return mask


# two-letter words that are names, not a pair of initials
_TWO_LETTER_NAMES = frozenset({"om", "de", "jo", "al", "ed", "oh", "ah", "ay"})


@lru_cache(maxsize=100_000)
def is_initials(word: str) -> bool:
    """`r`, `rk`, `vvs`: a cluster of initials has no vowel. `md`, `kr`, `ch` are
    abbreviations of whole tokens (families in variants.tsv), not initials."""
    if len(word) == 1:
        return True
    if len(word) == 2 and word not in _TWO_LETTER_NAMES:
        return family_of(spelling_rules(word)) is None  # `OP Sharma`, `AK Singh`, `US Shinde`
    return (
        len(word) <= 3
        and not any(c in VOWELS or c == "y" for c in word)
        and family_of(spelling_rules(word)) is None
    )


@lru_cache(maxsize=200_000)
def _word_tokens(word: str) -> tuple[tuple[Token, ...], bool]:
    """The tokens one written word stands for, and whether it is a cluster of initials."""
    if is_initials(word):
        return tuple(_token(c, True) for c in word), True
    if len(word) > 6 and word[-1] in "in":
        m = _GUJARATI_SUFFIX.match(word)
        if m and m[1] not in ("su", "pra"):
            word = m[1]  # Rameshbhai, Hansaben: the name is the stem
    return (_token(word, False),), False


def _words_to_tokens(words: list[str]) -> list[Token]:
    parts = [_word_tokens(w) for w in words]
    out: list[Token] = []
    clusters_only = True
    for _, initials in parts:
        if not initials:
            clusters_only = False
            break
    if clusters_only and any(len(w) > 1 for w in words):
        # a name of consonant clusters only (`BB`, `TNR`) is a name, not a row of initials
        for w, (tokens, _) in zip(words, parts, strict=True):
            out.extend(tokens if len(w) == 1 else (_token(w, False),))
        return out
    for tokens, _ in parts:
        out.extend(tokens)
    return out


@lru_cache(maxsize=1)
def _title_spellings() -> tuple[frozenset[str], frozenset[str]]:
    """Titles as canonical spellings too (`shree`, `sri`, `jii`), so that parsing the canonical
    text of a name strips the same titles as parsing the name."""
    lead = frozenset({*TITLES, *[canonical(t) for t in TITLES]})
    trail = frozenset({*_TRAILING_TITLES, *[canonical(t) for t in _TRAILING_TITLES]})
    return lead, trail


@lru_cache(maxsize=100_000)
def _is_title(word: str) -> bool:
    if word in TITLES:
        return True
    return not is_initials(word) and canonical(word) in _title_spellings()[0]


@lru_cache(maxsize=100_000)
def _is_trailing_title(word: str) -> bool:
    return word in _TRAILING_TITLES or canonical(word) in _title_spellings()[1]


def _strip_titles(words: list[str], titles: list[str]) -> list[str]:
    i = 0
    while i < len(words) - 1 and _is_title(words[i]):
        # a single letter is a title only as `S.` before a Sikh name (S. Gurpreet Singh)
        if words[i] == "s" and not (len(words) > 2 and words[-1] in ("singh", "kaur")):
            break
        # `Selvi`, `Kumari`, `Sardar` are names too: keep one when only initials would remain,
        # or when it follows another title and one word is left (`Thiru. Selvi Subramaniam`)
        if all(is_initials(w) for w in words[i + 1 :]):
            break
        if i > 0 and len(words) == i + 2 and canonical(words[i]) in _NAME_TITLES:
            break
        titles.append(words[i])
        i += 1
    words = words[i:]
    while len(words) > 1 and _is_trailing_title(words[-1]):
        titles.append(words.pop())
    return words


def _form(text: str, titles: list[str]) -> NameForm | None:
    return _form_of_words(_WORD.findall(text), titles)


def _form_of_words(words: list[str], titles: list[str]) -> NameForm | None:
    words = _strip_titles(words, titles)
    tokens = _words_to_tokens(words)
    return NameForm.of(tuple(tokens)) if tokens else None


@lru_cache(maxsize=100_000)  # ~0.9 KB an entry: docs/decisions.md, "Matcher cache sizes"
def parse_name(raw: str) -> ParsedName:
    """Parse one written name (any script). Never raises: an empty or unreadable name gives
    a `ParsedName` without forms."""
    text = _fold(raw)
    words = text.split()
    if (
        words
        and "".join(words).isalpha()
        and _PLAIN_WORDS.isdisjoint(words)
        and not _DIGIT_IN_WORD.search(raw)
    ):
        # the common case, a plain name (`RAJESH KUMAR SHARMA`): no marker to look for
        titles_: list[str] = []
        # lower-case ASCII letters only: the words are what `_WORD` would find
        form = _form_of_words(words, titles_) if text.isascii() else _form(text, titles_)
        forms_ = (form,) if form is not None else ()
        return ParsedName(raw, forms_, tuple(titles_), None, None, _gender(titles_))
    address = _ADDRESS.search(text)
    if address and _WORD.search(text[: address.start()]):
        text = text[: address.start()]  # `… R/O Vill. Rampur`: an address, not a name
    titles: list[str] = []
    relation: str | None = None
    relative: NameForm | None = None
    m = _RELATION.search(text)
    if m and text[: m.start()].strip(" .,-") and _WORD.search(text[m.end() :]):
        relation = _LETTER_RELATION[m[1] or m[2]] if m[1] or m[2] else _RELATION_WORDS[m[3] or m[4]]
        rel_text = _RELATION.split(text[m.end() :], maxsplit=1)[0]
        relative = _form(_ALIAS.split(rel_text, maxsplit=1)[0], [])
        text = text[: m.start()]
    text = _DANGLING_RELATION.sub(" ", text)  # `S/O` with nobody on one side: not a name
    parts = [p for p in _ALIAS.split(text) if _WORD.search(p)]
    forms: list[NameForm] = []
    for part in parts:
        form = _form(part, titles)
        if form is not None and form not in forms:
            forms.append(form)
    if len(forms) > 1:
        longest = max(forms, key=lambda f: len(f.tokens))
        surname = longest.tokens[-1]
        for f in list(forms):
            if len(f.tokens) == 1 and f is not longest and not surname.initial:
                derived = NameForm.of((f.tokens[0], surname))
                if derived not in forms:
                    forms.append(derived)
    for part in parts:  # after the aliases' derived forms: one spelling, not an alias
        if _ELISION.search(part):
            joined = _form(_ELISION.sub("", part), [])
            if joined is not None and joined not in forms:
                forms.append(joined)
    if "1" in raw and _DIGIT_IN_WORD.search(raw):  # `SUNI1`: Sunil as well as Sunii
        for read in parse_name(_read_digits(raw, "l")).forms:
            if read not in forms:
                forms.append(read)
    return ParsedName(raw, tuple(forms), tuple(titles), relation, relative, _gender(titles))


def _gender(titles: list[str]) -> str | None:
    if not titles:
        return None
    genders = {TITLES[t] for t in titles if TITLES.get(t)}  # canonical-only spellings: no hint
    return genders.pop() if len(genders) == 1 else None
