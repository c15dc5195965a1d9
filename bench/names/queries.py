"""What officers type: a name written their own way, and what else they know about the person.

Each query is rendered from the person, never from a record, so its noise is independent of the
records' noise. Beside the name an officer often knows a birth year or an age, the father's or
husband's name, the gender or the state, and says so; each class below adds its variation to
the name and draws those the way an officer would have them.

Which people a query is right for is decided from the generator alone (`fits`, `consistent`):
whose name fits the words the officer meant as well as the target's does, and whom nothing else
the query gives (birth year, relative, gender, state) contradicts. Namesakes are right answers
to a query that gives nothing to tell them apart, and wrong ones when it does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.names.generate import CLASSES, Query, case, render_script, titles, vary_spelling
from bench.names.noise import damage_word
from bench.names.people import Person

TODAY_YEAR = 2025  # ages in queries are "about N years" on this benchmark's date
HOUSE_COMMUNITIES = frozenset({"tamil", "kannada", "malayali", "telugu"})
_STRUCTURAL = ("missing_token", "relative_surname", "initials")
_COSMETIC = ("order", "transliteration", "typo", "honorific")


@dataclass
class Draft:
    """A query being written: each word as the officer means it (clean; an initial as `K.`;
    None for a word the person's name does not have) and as it will be typed, and what beside
    the name the officer gives."""

    words: list[tuple[str | None, str]]
    relative: str | None = None
    prefix: str = ""
    suffix: str = ""
    script: bool = False

    @classmethod
    def of(cls, words: list[str]) -> Draft:
        return cls([(w, w) for w in words])

    @property
    def meant(self) -> list[str]:
        return [m for m, _ in self.words if m is not None]

    @property
    def shown(self) -> list[str]:
        return [s for _, s in self.words]


def has_house(p: Person) -> bool:
    return p.house is not None and p.community.name in HOUSE_COMMUNITIES


def officer_words(p: Person, rng: random.Random) -> list[str]:
    """The name as an officer would write it in full: a southern name with its initial, or with
    the initial spelled out (a Telugu house name first)."""
    if has_house(p):
        assert p.house is not None
        r = rng.random()
        if r < 0.5:
            return [p.house[0] + ".", *p.short]
        return [p.house, *p.short] if p.community.name == "telugu" else [*p.short, p.house]
    return list(p.tokens)


def _relative(p: Person, rng: random.Random) -> str:
    words = [vary_spelling(w, rng) if rng.random() < 0.2 and len(w) > 2 else w for w in p.relative]
    return " ".join(words)


def _full(d: Draft) -> list[int]:
    return [i for i, (m, s) in enumerate(d.words) if not s.endswith(".") and m is not None]


def _step(step: str, p: Person, d: Draft, rng: random.Random) -> None:
    full = _full(d)
    w = d.words
    if step == "missing_token":
        if len(w) >= 3:
            del w[rng.randrange(1, len(w))]
        elif len(w) == 2 and has_house(p):
            d.words = [next(x for x in w if x[0] in p.short)]
        else:  # a middle name the records do not have
            extra = rng.choice(p.community.male if p.gender == "M" else p.community.female)
            w.insert(1, (None, extra))
    elif step == "relative_surname":
        at = [i for i, (m, _) in enumerate(w) if m == p.surname]
        if p.surname and at:
            del w[at[-1]]
            d.relative = _relative(p, rng)
    elif step == "initials":
        if len(full) >= 2:
            keep = full[-1] if rng.random() < 0.8 or has_house(p) else full[0]
            for i in full:
                if i != keep:
                    initial = w[i][1][0].upper() + "."
                    w[i] = (initial, initial)
            style = rng.choice((". ", " ", ".", ""))
            if style == "" and sum(1 for _, s in w if s.endswith(".")) > 1:  # RK Sharma
                inits = [x for x in w if x[1].endswith(".")]
                rest = [x for x in w if not x[1].endswith(".")]
                joined = "".join(s[0] for _, s in inits)
                # the meant initials stay separate words; the typed cluster is one
                d.words = [*[(m, "") for m, _ in inits[:-1]], (inits[-1][0], joined), *rest]
            elif style == " ":
                d.words = [(m, s.rstrip(".")) for m, s in w]
    elif step == "order":
        if len(w) == 2:
            w.reverse()
        elif len(w) > 2:
            d.words = [w[-1], *w[:-1]] if rng.random() < 0.6 else rng.sample(w, k=len(w))
    elif step == "transliteration":
        for i in rng.sample(full, k=min(len(full), rng.choice((1, 1, 2)))):
            w[i] = (w[i][0], vary_spelling(w[i][1], rng, edits=rng.choice((1, 1, 2))))
    elif step == "typo":
        r = rng.random()
        long = [i for i in full if len(w[i][1]) >= 4]
        if not long:
            return
        if r < 0.55:
            i = rng.choice(long)
            w[i] = (w[i][0], damage_word(w[i][1], rng, "keyboard"))
        elif r < 0.8 or len(long) < 2:
            i = rng.choice(long)
            w[i] = (w[i][0], damage_word(w[i][1], rng, "keyboard2"))  # two slips in one word
        else:
            for i in rng.sample(long, 2):
                w[i] = (w[i][0], damage_word(w[i][1], rng, "keyboard"))
    elif step == "honorific":
        r = rng.random()
        title = titles(p.gender, p.community.name, rng)
        if r < 0.35 or (0.6 <= r < 0.85 and not p.alias):
            d.prefix = title
        elif r < 0.6:
            rel = {"S/O": rng.choice(("S/O", "s/o", "S/o", "son of")), "D/O": "D/O"}.get(
                p.relation, "W/O"
            )
            d.suffix = f"{rel} {_relative(p, rng)}"
        elif r < 0.85:
            assert p.alias is not None
            sep = rng.choice(("@", "urf", "alias", "@"))
            if rng.random() < 0.5:
                d.prefix = f"{p.alias} {sep}"
            else:
                d.suffix = f"{sep} {p.alias}"
        else:
            d.prefix = title
            d.suffix = f"{'S/O' if p.gender == 'M' else 'W/O'} {' '.join(p.relative)}"
    else:
        raise ValueError(step)


def _draft(cls: str, p: Person, rng: random.Random) -> Draft:
    d = Draft.of(officer_words(p, rng))
    if cls in ("transliteration", "initials", "order", "honorific", "typo", "missing_token"):
        _step(cls, p, d, rng)
    elif cls == "local_script":
        d.script = True
    elif cls == "relative_surname":
        d = Draft.of(list(p.tokens))
        _step("relative_surname", p, d, rng)
    elif cls == "south_initial":
        assert p.house is not None
        r = rng.random()
        initial = p.house[0] + "."
        short = list(p.short)
        if r < 0.3:
            d = Draft.of([initial, *short])
        elif r < 0.45:
            d = Draft([*[(x, x) for x in short], (initial, initial.rstrip("."))])
        elif r < 0.65:
            d = Draft.of([*short, p.house])
        elif r < 0.75:
            d = Draft.of([p.house, *short])
        else:  # the given name and the father's name beside it
            d = Draft.of(short)
            d.relative = _relative(p, rng)
    elif cls == "one_word":
        alias = p.alias if p.alias_written else None  # an alias no record holds: unanswerable
        d = Draft.of([alias if alias and rng.random() < 0.35 else p.given[-1]])
    elif cls == "damaged_record":
        if rng.random() < 0.3:
            _step("transliteration", p, d, rng)
        elif rng.random() < 0.3:
            _step("typo", p, d, rng)
    elif cls == "combination":
        options = ["missing_token", "transliteration", "typo", "initials", "order", "honorific"]
        if p.surname and not has_house(p):
            options.append("relative_surname")
        steps = rng.sample(options, k=rng.choice((2, 2, 3)))
        if "relative_surname" in steps and "missing_token" in steps:
            steps.remove("missing_token")
        order = [*_STRUCTURAL, *_COSMETIC]
        if "relative_surname" in steps:
            d = Draft.of(list(p.tokens))
        for step in sorted(steps, key=order.index):
            _step(step, p, d, rng)
        d.script = rng.random() < 0.15
    else:
        raise ValueError(cls)
    return d


def _text(d: Draft, p: Person, rng: random.Random) -> str:
    if d.script:  # titles and relations are typed in Latin letters, the name in its script
        return render_script([x for x in d.shown if x], p.community, rng)
    name = " ".join(x for x in d.shown if x)
    return case(" ".join(x for x in (d.prefix, name, d.suffix) if x), rng)


def write(cls: str, p: Person, rng: random.Random, target: str | None) -> tuple[Query, Draft]:
    """A query of class `cls` about `p` (`target`: p's id, or None for a negative)."""
    d = _draft(cls, p, rng)
    text = _text(d, p, rng)
    q = Query(text, cls, target, gender=None, meant=tuple(d.meant))
    one_word = cls == "one_word"
    r = rng.random()
    if r < (0.65 if one_word else 0.45):
        q.birth_year = p.birth_year + (rng.choice((-1, 1)) if rng.random() < 0.1 else 0)
    elif r < (0.75 if one_word else 0.55):
        q.age = TODAY_YEAR - p.birth_year + rng.choice((-1, 0, 0, 1))
    if rng.random() < (0.55 if one_word else 0.4):
        q.gender = p.gender
    if rng.random() < (0.55 if one_word else 0.35):
        q.state = p.state
    q.relative_name = d.relative
    if q.relative_name is None and rng.random() < 0.3:
        q.relative_name = _relative(p, rng)
    return q, d


def fits(p: Person, meant: list[str], target: Person) -> bool:
    """Whether `p`'s name fits the words an officer meant as well as `target`'s: every meant
    word is one of p's (an initial: a word starting with its letter), and p's name has no more
    words the query leaves out than the target's (a one-word query fits anyone carrying it)."""

    def left(person: Person) -> int | None:
        words = [w.lower() for w in person.tokens]
        if person.alias:
            words.append(person.alias.lower())
        for w in meant:
            if not w.endswith("."):
                if w.lower() not in words:
                    return None
                words.remove(w.lower())
        for w in meant:
            if w.endswith("."):
                hit = next((x for x in words if x[0] == w[0].lower()), None)
                if hit is None:
                    return None
                words.remove(hit)
        return len([w for w in words if w != (person.alias or "").lower()])

    mine = left(p)
    if mine is None:
        return False
    theirs = left(target)
    full = [w for w in meant if not w.endswith(".")]
    return len(full) <= 1 or theirs is None or mine <= theirs


def consistent(p: Person, q: Query, target: Person) -> bool:
    """Whether nothing the query gives beside the name contradicts `p` (what it says is taken
    from the target, so the target is always consistent)."""
    if q.gender and q.gender != p.gender:
        return False
    if q.state and q.state != p.state:
        return False
    year = (
        q.birth_year
        if q.birth_year is not None
        else (TODAY_YEAR - q.age if q.age is not None else None)
    )
    if year is not None and abs(year - p.birth_year) > 3:
        return False
    if q.relative_name is not None:
        same = [w.lower() for w in p.relative if not w.endswith(".")]
        theirs = [w.lower() for w in target.relative if not w.endswith(".")]
        if same != theirs:
            return False
    return True


__all__ = ["CLASSES", "Draft", "consistent", "fits", "write"]
