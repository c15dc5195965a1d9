"""Compare two name forms token by token, in any order, and say why.

The alignment pairs each query token with at most one record token, best pairs first:

- full token ↔ full token by `token_similarity` (canonical spellings, with credit when the coarse
  keys agree: Tamil-script records and `Senthil`/`Sendil`);
- a token ↔ two adjacent tokens written as one (`Ramkumar` ~ `Ram Kumar`);
- an initial ↔ a full token starting with the same sound (`K.` ~ `Kandasamy`, `S.` ~ `Shankar`),
  or ↔ the same initial.

What is left unmatched on either side is a missing middle name, a missing surname, or a different
person: `NameComparison` keeps the counts, and `calibration` turns them into a probability.
Filler tokens (`kumar`, `devi`, `singh`…) weigh less: sharing one says little.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from matching.keys import FILLERS
from matching.parse import NameForm, Token
from matching.phonetic import coarse

MIN_TOKEN_SIMILARITY = 0.6  # below this two tokens are not the same name (Indel ratio scale)
INITIAL_CREDIT = 0.85  # an initial agreeing with a full token: likely, not certain
WEAK_INITIAL_CREDIT = 0.6  # same sound class only (`G.` ~ Tamil-script `Kopal`)
FILLER_WEIGHT = 0.35
INITIAL_WEIGHT = 0.5


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str, key_a: str, key_b: str) -> float:
    """Similarity of two canonical tokens in [0, 1]; coarse-key agreement halves the gap."""
    if a == b:
        return 1.0
    r = Indel.normalized_similarity(a, b)
    if key_a == key_b:
        r += (1.0 - r) * 0.5
    return r


def kind_of(q: Token, r: Token, sim: float) -> str:
    if q.initial or r.initial:
        return "initial"
    if q.text == r.text:
        return "exact"
    if q.canon == r.canon:
        return "variant"
    if q.key == r.key:
        return "phonetic"
    return "fuzzy"


def weight_of(t: Token) -> float:
    if t.initial:
        return INITIAL_WEIGHT
    return FILLER_WEIGHT if t.canon in FILLERS else 1.0


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    record: str
    sim: float
    kind: str  # exact, variant, phonetic, fuzzy, initial, compound
    role: str  # given, middle, surname (position in the record form)


@dataclass(frozen=True, slots=True)
class NameComparison:
    """Evidence from aligning one query form with one record form."""

    pairs: tuple[Pair, ...]
    query_coverage: float  # weighted share of the query explained by the record, in [0, 1]
    record_coverage: float  # weighted share of the record explained by the query
    query_missing: int  # informative full query tokens with no partner
    record_extra: int  # informative full record tokens with no partner
    full_matches: int  # full↔full pairs
    query_tokens: int
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def _initial_agreement(initial: Token, other: Token, strict: bool) -> float:
    """Credit for an initial against another token (initial or full), 0 when they disagree."""
    if strict:
        if initial.first == other.first:
            return 1.0 if other.initial else INITIAL_CREDIT
        return 0.0
    if initial.first_class == other.first_class:
        return WEAK_INITIAL_CREDIT
    return 0.0


def _role(index: int, n: int) -> str:
    if n == 1 or index == 0:
        return "given"
    return "surname" if index == n - 1 else "middle"


def compare_forms(q: NameForm, r: NameForm) -> NameComparison:
    qt, rt = q.tokens, r.tokens
    nq, nr = len(qt), len(rt)
    q_used = [False] * nq
    r_used = [False] * nr
    q_sim = [0.0] * nq
    r_sim = [0.0] * nr
    pairs: list[Pair] = []

    # full ↔ full, best first
    cands: list[tuple[float, int, int]] = []
    for i, a in enumerate(qt):
        if a.initial:
            continue
        for j, b in enumerate(rt):
            if b.initial:
                continue
            s = token_similarity(a.canon, b.canon, a.key, b.key)
            if s >= MIN_TOKEN_SIMILARITY:
                cands.append((s, i, j))
    cands.sort(reverse=True)
    full_matches = 0
    for s, i, j in cands:
        if q_used[i] or r_used[j]:
            continue
        q_used[i] = r_used[j] = True
        q_sim[i] = r_sim[j] = s
        full_matches += 1
        pairs.append(Pair(qt[i].text, rt[j].text, s, kind_of(qt[i], rt[j], s), _role(j, nr)))

    # one token ↔ two adjacent tokens written as one
    _compounds(qt, rt, q_used, r_used, q_sim, r_sim, pairs, nr, query_side=True)
    _compounds(rt, qt, r_used, q_used, r_sim, q_sim, pairs, nr, query_side=False)

    # initials: the same letter first, then the same coarse class (weaker)
    for strict in (True, False):
        for i, a in enumerate(qt):
            if q_used[i] or not a.initial:
                continue
            for j, b in enumerate(rt):
                if r_used[j]:
                    continue
                s = _initial_agreement(a, b, strict)
                if s:
                    q_used[i] = r_used[j] = True
                    q_sim[i] = r_sim[j] = s
                    pairs.append(Pair(a.text, b.text, s, "initial", _role(j, nr)))
                    break
        for j, b in enumerate(rt):
            if r_used[j] or not b.initial:
                continue
            for i, a in enumerate(qt):
                if q_used[i] or a.initial:
                    continue
                s = _initial_agreement(b, a, strict)
                if s:
                    q_used[i] = r_used[j] = True
                    q_sim[i] = r_sim[j] = s
                    pairs.append(Pair(a.text, b.text, s, "initial", _role(j, nr)))
                    break

    qw = [weight_of(t) for t in qt]
    rw = [weight_of(t) for t in rt]
    q_total = sum(qw) or 1.0
    r_total = sum(rw) or 1.0
    q_cov = sum(w * s for w, s in zip(qw, q_sim, strict=True)) / q_total
    r_cov = sum(w * s for w, s in zip(rw, r_sim, strict=True)) / r_total
    missing = tuple(t.text for t, u in zip(qt, q_used, strict=True) if not u and not t.initial)
    extra = tuple(t.text for t, u in zip(rt, r_used, strict=True) if not u and not t.initial)
    q_missing = sum(1 for t, u in zip(qt, q_used, strict=True) if not u and weight_of(t) == 1.0)
    r_extra = sum(1 for t, u in zip(rt, r_used, strict=True) if not u and weight_of(t) == 1.0)
    return NameComparison(
        tuple(pairs), q_cov, r_cov, q_missing, r_extra, full_matches, nq, missing, extra
    )


def _compounds(
    one: tuple[Token, ...],
    two: tuple[Token, ...],
    one_used: list[bool],
    two_used: list[bool],
    one_sim: list[float],
    two_sim: list[float],
    pairs: list[Pair],
    nr: int,
    *,
    query_side: bool,
) -> None:
    for i, a in enumerate(one):
        if one_used[i] or a.initial:
            continue
        for j in range(len(two) - 1):
            b1, b2 = two[j], two[j + 1]
            if two_used[j] or two_used[j + 1] or b1.initial or b2.initial:
                continue
            joined = b1.canon + b2.canon
            s = token_similarity(a.canon, joined, a.key, coarse(joined))
            if s >= 0.85:
                one_used[i] = two_used[j] = two_used[j + 1] = True
                one_sim[i] = two_sim[j] = two_sim[j + 1] = s
                text = f"{b1.text} {b2.text}"
                q, r = (a.text, text) if query_side else (text, a.text)
                pairs.append(Pair(q, r, s, "compound", _role(j if query_side else i, nr)))
                break
