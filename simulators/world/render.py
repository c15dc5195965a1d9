"""How each source writes a person's name: case, honorifics, initials, aliases, variants, typos.

The same person must look different from one system to the next, the way clerks in different
departments write them; these functions are where that variety comes from. All randomness comes
from the `rng` passed in, so renderings are deterministic per world seed.
"""

from __future__ import annotations

import random

from simulators.world import names_data as nd
from simulators.world.people import Part, Person


def variant(word: str, rng: random.Random, p: float = 0.25) -> str:
    """Another common spelling of `word`, with probability `p` when one exists."""
    options = nd.VARIANTS.get(word)
    if options and rng.random() < p:
        return rng.choice(options)
    return word


def typo(text: str, rng: random.Random) -> str:
    """One keying slip: a swapped, dropped or doubled letter, or a vowel written long/short."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(4)
    if kind == 0 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    swaps = {"ee": "i", "oo": "u", "i": "ee", "u": "oo", "a": "aa"}
    for src, dst in swaps.items():
        j = text.lower().find(src, 1)
        if j > 0:
            return text[:j] + (dst.upper() if text[j].isupper() else dst) + text[j + len(src) :]
    return text


def _words(parts: list[Part], rng: random.Random, variants_p: float) -> list[str]:
    return [variant(p.latin, rng, variants_p) for p in parts]


def plain(person: Person, rng: random.Random, *, variants_p: float = 0.25) -> str:
    """Name words in the usual order with spelling variants, mixed case."""
    if person.nationality:
        return f"{person.foreign_given} {person.foreign_surname}".title()
    return " ".join(_words(person.parts, rng, variants_p))


def expanded_initial(person: Person, rng: random.Random) -> str | None:
    """South Indian initial spelled out as a trailing or leading word (`Murugan Kandasamy`)."""
    if person.parts and person.parts[0].kind == "initial":
        elder = person.relative[0].latin if person.relative else ""
        given = " ".join(p.latin for p in person.parts[1:])
        return f"{given} {elder}" if rng.random() < 0.7 else f"{elder} {given}"
    return None


def cctns(person: Person, rng: random.Random) -> tuple[str | None, str | None, list[str]]:
    """(`ACCUSED_NAME`, `NAME_LOCAL`, `ALIAS_NAMES`) as a police-station clerk writes them."""
    if person.nationality:
        return f"{person.foreign_given} {person.foreign_surname}", None, []
    words = _words(person.parts, rng, 0.3)
    if person.region.style == "father_middle" and rng.random() < 0.3:
        words = [words[-1], *words[:-1]]  # PATIL RAJENDRA SHANKAR
    elif person.parts[0].kind == "initial" and rng.random() < 0.4:
        words = [*words[1:], words[0].rstrip(".")]  # MURUGAN K
    elif len(words) == 3 and rng.random() < 0.15:
        words = [words[0], words[2]]  # middle name dropped
    name = " ".join(words).upper()
    if rng.random() < 0.05:
        name = typo(name, rng)
    aliases: list[str] = []
    if person.alias:
        if rng.random() < 0.6:
            name = (
                f"{person.alias.upper()} @ {name}"
                if rng.random() < 0.5
                else f"{name} @ {person.alias.upper()}"
            )
        else:
            aliases.append(person.alias.upper())
    local = person.local if rng.random() < 0.55 else None
    if local and rng.random() < 0.12:
        return None, local, aliases  # only the local script
    return name, local, aliases


def relative_upper(person: Person, rng: random.Random) -> str:
    if person.nationality:
        return ""
    return " ".join(_words(person.relative, rng, 0.3)).upper()


def eprisons(person: Person, rng: random.Random) -> str:
    """Mixed case; initials for South Indians (`K. Murugan`, sometimes `R.S. Patil`)."""
    if person.nationality:
        return f"{person.foreign_given} {person.foreign_surname}".title()
    words = _words(person.parts, rng, 0.25)
    if len(words) >= 3 and person.parts[0].kind == "given" and rng.random() < 0.3:
        words = [f"{words[0][0]}.{words[1][0]}.", words[-1]]
    return " ".join(w if w.endswith(".") else w.title() for w in words)


def vahan(person: Person, rng: random.Random) -> str:
    """Upper case with an honorific most of the time (`SMT LAXMI DEVI`, `SHRI RAM PRAKASH`)."""
    base = plain(person, rng, variants_p=0.3).upper()
    if rng.random() < 0.6 and not person.nationality:
        pool = nd.HONORIFICS_FEMALE if person.gender == "F" else nd.HONORIFICS_MALE
        base = f"{rng.choice(pool)} {base}"
    if rng.random() < 0.03:
        base = typo(base, rng)
    return base


def sarathi(person: Person, rng: random.Random) -> str:
    alt = expanded_initial(person, rng) if rng.random() < 0.5 else None
    name = alt or plain(person, rng, variants_p=0.35)
    return name.title() if rng.random() < 0.8 else name.upper()


def alis(person: Person, rng: random.Random) -> tuple[str, str]:
    """(`holder_name`, `father_name`): `Shri Ram Prakash Yadav`, `Late Sh. Ram Avtar Yadav`."""
    hon = "Smt." if person.gender == "F" else rng.choice(("Shri", "Sh.", "Sri"))
    holder = f"{hon} {plain(person, rng)}"
    father = " ".join(_words(person.relative, rng, 0.25))
    if rng.random() < 0.3:
        father = f"Late Sh. {father}"
    return holder, father


def ncrp_suspect(person: Person, rng: random.Random) -> str:
    """Victims know suspects by what they were told: often a first name only."""
    if rng.random() < 0.5:
        return variant(
            person.given.latin
            if not person.nationality
            else person.foreign_given.split()[0].title(),
            rng,
        )
    return plain(person, rng)


def child_name(person: Person, rng: random.Random) -> str:
    return variant(person.given.latin, rng, 0.3)
