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

Rescoring compares one query with hundreds of records: `PreparedQuery` is the same comparison
with the query side done once (`compare_forms` stays as the plain statement of the rules, and the
tests hold the two to the same answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import Indel

from matching.parse import NameForm, Token
from matching.phonetic import coarse

# `Final` throughout: the compiled build (mypyc) then uses the values, not a module lookup
MIN_TOKEN_SIMILARITY: Final = 0.6  # below this two tokens are not the same name (Indel ratio)
COMPOUND_SIMILARITY: Final = 0.85  # `Ramkumar` ~ `Ram Kumar` only when nearly identical
INITIAL_CREDIT: Final = 0.85  # an initial agreeing with a full token: likely, not certain
# below this, two tokens with the same first letter are also compared as typed: a typo can break
# the digraph the canonical spelling rests on (`Cehema` ~ `Cheema`, `Awahd` ~ `Awhad`)
TYPED_BELOW: Final = 0.85
WEAK_INITIAL_CREDIT: Final = 0.6  # same sound class only (`G.` ~ Tamil-script `Kopal`)

_EXACT: Final = 0
_VARIANT: Final = 1
_PHONETIC: Final = 2
_FUZZY: Final = 3
_INITIAL: Final = 4
_COMPOUND: Final = 5
KINDS: Final = ("exact", "variant", "phonetic", "fuzzy", "initial", "compound")


_indel: Final = Indel.normalized_similarity


@lru_cache(maxsize=20_000)  # rarely hit (pairs seldom repeat): docs/decisions.md
def token_similarity(a: str, b: str, key_a: str, key_b: str) -> float:
    """Similarity of two canonical tokens in [0, 1]; coarse-key agreement halves the gap."""
    if a == b:
        return 1.0
    r = Indel.normalized_similarity(a, b)
    if key_a == key_b:
        r += (1.0 - r) * 0.5
    return r


def pair_similarity(a: Token, b: Token) -> float:
    """Similarity of two full tokens: canonical spellings (`token_similarity`), or the spellings
    as typed when that is higher and they start alike (a typo inside a digraph)."""
    if a.canon == b.canon:
        return 1.0
    s = token_similarity(a.canon, b.canon, a.key, b.key)
    if s < TYPED_BELOW and a.text[:1] == b.text[:1]:
        typed = _indel(a.text, b.text)
        if typed > s:
            return typed
    return s


@lru_cache(maxsize=200_000)
def _compound_similarity(a: str, key_a: str, b1: str, b2: str) -> float:
    joined = b1 + b2
    return token_similarity(a, joined, key_a, coarse(joined))


def _kind(q: Token, r: Token) -> int:
    if q.text == r.text:
        return _EXACT
    if q.canon == r.canon:
        return _VARIANT
    if q.key == r.key:
        return _PHONETIC
    return _FUZZY


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    record: str
    sim: float
    kind: str  # exact, variant, phonetic, fuzzy, initial, compound
    role: str  # given, middle, surname (position in the record form)


def _role(index: int, n: int) -> str:
    if n == 1 or index == 0:
        return "given"
    return "surname" if index == n - 1 else "middle"


class NameComparison:
    """Evidence from aligning one query form with one record form. The token pairs are kept
    as indices and turned into `Pair`s only when an explanation is asked for."""

    __slots__ = (
        "_raw",
        "full_matches",
        "given_aligned",
        "initial_pairs",
        "q",
        "query_coverage",
        "query_initials_missing",
        "query_missing",
        "query_tokens",
        "r",
        "record_coverage",
        "record_extra",
        "record_initials_extra",
        "weakest_full_pair",
    )

    def __init__(
        self,
        q: NameForm,
        r: NameForm,
        raw: list[tuple[int, int, int, float, int]],
        q_cov: float,
        r_cov: float,
        q_missing: int,
        r_extra: int,
        q_initials_missing: int = 0,
        r_initials_extra: int = 0,
    ) -> None:
        self.q, self.r, self._raw = q, r, raw
        self.query_coverage = q_cov  # weighted share of the query explained by the record
        self.record_coverage = r_cov  # weighted share of the record explained by the query
        self.query_missing = q_missing  # informative query tokens with no partner
        self.record_extra = r_extra  # informative record tokens with no partner
        # initials with no partner: `S. G. Kulkarni` against `Savita Kulkarni` leaves `G.`,
        # which the record does not explain (an initial weighs little in the coverages)
        self.query_initials_missing = q_initials_missing
        self.record_initials_extra = r_initials_extra
        self.query_tokens = len(q.tokens)
        full = 0
        weakest = 1.0
        aligned = False
        last = len(r.tokens) - 1
        for i, j, _, sim, kind in raw:
            if kind != _INITIAL:
                full += 1
                if sim < weakest:
                    weakest = sim
            # the query's first token pairs with the record's first or last one: names written
            # given-first or surname-first, not a query whose first name is the record's middle
            if i == 0 and (j == 0 or j == last):
                aligned = True
        self.full_matches = full
        self.weakest_full_pair = weakest if full else 0.0
        self.initial_pairs = len(raw) - full
        self.given_aligned = aligned

    @property
    def pairs(self) -> tuple[Pair, ...]:
        qt, rt = self.q.tokens, self.r.tokens
        nr = len(rt)
        out = []
        for i, j, j2, sim, kind in self._raw:
            if kind == _COMPOUND and j2 >= 0:
                q_text, r_text = qt[i].text, f"{rt[j].text} {rt[j2].text}"
            elif kind == _COMPOUND:
                q_text, r_text = f"{qt[i].text} {qt[-j2 - 1].text}", rt[j].text
            else:
                q_text, r_text = qt[i].text, rt[j].text
            out.append(Pair(q_text, r_text, sim, KINDS[kind], _role(j, nr)))
        return tuple(out)

    def shares(self) -> list[tuple[Pair, float, float]]:
        """Each pair with the share of the query's and of the record's weight it explains
        (what `query_coverage` and `record_coverage` sum), for explanations."""
        qt, rt = self.q.tokens, self.r.tokens
        out = []
        for pair, (i, j, j2, sim, kind) in zip(self.pairs, self._raw, strict=True):
            q_w = qt[i].weight + (qt[-j2 - 1].weight if kind == _COMPOUND and j2 < 0 else 0.0)
            r_w = rt[j].weight + (rt[j2].weight if kind == _COMPOUND and j2 >= 0 else 0.0)
            out.append((pair, sim * q_w / self.q.total_weight, sim * r_w / self.r.total_weight))
        return out

    @property
    def missing(self) -> tuple[str, ...]:
        used = {i for i, *_ in self._raw} | {
            -j2 - 1 for _, _, j2, _, kind in self._raw if kind == _COMPOUND and j2 < 0
        }
        return tuple(t.text for i, t in enumerate(self.q.tokens) if i not in used and not t.initial)

    @property
    def missing_initials(self) -> tuple[str, ...]:
        used = {i for i, *_ in self._raw}
        return tuple(t.text for i, t in enumerate(self.q.tokens) if i not in used and t.initial)

    @property
    def extra_initials(self) -> tuple[str, ...]:
        used = {j for _, j, _, _, _ in self._raw}
        return tuple(t.text for j, t in enumerate(self.r.tokens) if j not in used and t.initial)

    @property
    def extra(self) -> tuple[str, ...]:
        used = {j for _, j, _, _, _ in self._raw} | {j2 for _, _, j2, _, _ in self._raw if j2 >= 0}
        return tuple(t.text for j, t in enumerate(self.r.tokens) if j not in used and not t.initial)


def compare_forms(q: NameForm, r: NameForm) -> NameComparison:
    qt, rt = q.tokens, r.tokens
    nq, nr = len(qt), len(rt)
    q_sim = [0.0] * nq
    r_sim = [0.0] * nr
    q_used = [False] * nq
    r_used = [False] * nr
    raw: list[tuple[int, int, int, float, int]] = []
    matched = 0

    # one token ↔ two adjacent tokens written as one (`Ramkumar` ~ `Ram Kumar`) goes first,
    # or `kumar` would take `ramkumar` as a fuzzy pair and leave `ram` stranded
    if len(q.full_idx) + len(r.full_idx) > 2 and len(q.full_idx) != len(r.full_idx):
        _compounds(qt, rt, q_used, r_used, q_sim, r_sim, raw)
        matched = len(raw)

    # full ↔ full, best first
    cands: list[tuple[float, int, int]] = []
    r_full = [(j, rt[j]) for j in r.full_idx]
    for i in q.full_idx:
        if q_used[i]:
            continue
        a = qt[i]
        for j, b in r_full:
            if r_used[j]:
                continue
            s = pair_similarity(a, b)
            if s >= MIN_TOKEN_SIMILARITY:
                cands.append((-s, i, j))
    if cands:
        matched = _assign(cands, qt, rt, q_used, r_used, q_sim, r_sim, raw, matched)

    if matched < nq and matched < nr and (len(q.full_idx) < nq or len(r.full_idx) < nr):
        _initials(qt, rt, q_used, r_used, q_sim, r_sim, raw)

    return _tally(q, r, qt, rt, q_used, r_used, q_sim, r_sim, raw)


def _compounds(
    qt: tuple[Token, ...],
    rt: tuple[Token, ...],
    q_used: list[bool],
    r_used: list[bool],
    q_sim: list[float],
    r_sim: list[float],
    raw: list[tuple[int, int, int, float, int]],
) -> None:
    """One token ↔ two adjacent tokens written as one, on either side."""
    r_full = sum(1 for b in rt if not b.initial)
    q_full = sum(1 for a in qt if not a.initial)
    for i, a in enumerate(qt if r_full >= 2 else ()):
        if q_used[i] or a.initial:
            continue
        for j in range(len(rt) - 1):
            b1, b2 = rt[j], rt[j + 1]
            if r_used[j] or r_used[j + 1] or not _may_join(a, b1, b2):
                continue  # cannot reach COMPOUND_SIMILARITY: skip the string work
            s = _compound_similarity(a.canon, a.key, b1.canon, b2.canon)
            if s >= COMPOUND_SIMILARITY:
                q_used[i] = r_used[j] = r_used[j + 1] = True
                q_sim[i] = r_sim[j] = r_sim[j + 1] = s
                raw.append((i, j, j + 1, s, _COMPOUND))
                break
    for j, b in enumerate(rt if q_full >= 2 else ()):
        if r_used[j] or b.initial:
            continue
        for i in range(len(qt) - 1):
            a1, a2 = qt[i], qt[i + 1]
            if q_used[i] or q_used[i + 1] or not _may_join(b, a1, a2):
                continue
            s = _compound_similarity(b.canon, b.key, a1.canon, a2.canon)
            if s >= COMPOUND_SIMILARITY:
                r_used[j] = q_used[i] = q_used[i + 1] = True
                r_sim[j] = q_sim[i] = q_sim[i + 1] = s
                raw.append((i, j, -(i + 1) - 1, s, _COMPOUND))
                break


def _may_join(a: Token, b1: Token, b2: Token) -> bool:
    """The cheap conditions for `a` to be `b1 b2` written as one: both full tokens, the same
    first letter, lengths that could reach COMPOUND_SIMILARITY, and `a` not simply one of them."""
    if b1.initial or b2.initial:
        return False
    ac, c1, c2 = a.canon, b1.canon, b2.canon
    if c1[:1] != ac[:1] or abs(len(c1) + len(c2) - len(ac)) > 2 + len(ac) // 4:
        return False
    return ac not in (c1, c2)


def _joinable(single: NameForm, pair: NameForm) -> bool:
    """Whether `_compounds` could pair a full token of `single` with two adjacent full tokens
    of `pair` (`_may_join`) before any string work. A first letter in common is frequent, a
    compound rare; this spares the search most candidates."""
    pt = pair.tokens
    return any(
        _may_join(single.tokens[i], pt[j], pt[j + 1])
        for i in single.full_idx
        for j in range(len(pt) - 1)
    )


# below this bound on their similarity two spellings are not measured (`PreparedQuery._row`);
# the margin covers the distance's float division
_APART_BELOW: Final = MIN_TOKEN_SIMILARITY - 1e-9


def _initial_agreement(initial: Token, other: Token, strict: bool) -> float:
    """Credit for an initial against another token (initial or full), 0 when they disagree."""
    if strict:
        if initial.first == other.first:
            return 1.0 if other.initial else INITIAL_CREDIT
        return 0.0
    if initial.first_class == other.first_class:
        return WEAK_INITIAL_CREDIT
    return 0.0


def _assign(
    cands: list[tuple[float, int, int]],
    qt: tuple[Token, ...],
    rt: tuple[Token, ...],
    q_used: list[bool],
    r_used: list[bool],
    q_sim: list[float],
    r_sim: list[float],
    raw: list[tuple[int, int, int, float, int]],
    matched: int,
) -> int:
    """Greedy one-to-one alignment, most similar pair first; returns the new matched count."""
    cands.sort()
    nq, nr = len(qt), len(rt)
    for neg, i, j in cands:
        if q_used[i] or r_used[j]:
            continue
        q_used[i] = r_used[j] = True
        q_sim[i] = r_sim[j] = -neg
        raw.append((i, j, -1, -neg, _kind(qt[i], rt[j])))
        matched += 1
        if matched in (nq, nr):
            break
    return matched


def _tally(
    q: NameForm,
    r: NameForm,
    qt: tuple[Token, ...],
    rt: tuple[Token, ...],
    q_used: list[bool],
    r_used: list[bool],
    q_sim: list[float],
    r_sim: list[float],
    raw: list[tuple[int, int, int, float, int]],
) -> NameComparison:
    """Coverage of each side by the aligned pairs, and the full tokens left unaligned on each."""
    q_cov, q_missing, q_initials = _side(qt, q_used, q_sim)
    r_cov, r_extra, r_initials = _side(rt, r_used, r_sim)
    return NameComparison(
        q,
        r,
        raw,
        q_cov / q.total_weight,
        r_cov / r.total_weight,
        q_missing,
        r_extra,
        q_initials,
        r_initials,
    )


def _side(tokens: tuple[Token, ...], used: list[bool], sims: list[float]) -> tuple[float, int, int]:
    """One side's weighted similarity of its aligned tokens, its informative tokens left
    unaligned, and its initials left unaligned."""
    covered = 0.0
    informative = initials = 0
    for t, aligned, sim in zip(tokens, used, sims, strict=True):
        if aligned:
            covered += t.weight * sim
        elif t.weight == 1.0:
            informative += 1
        elif t.initial:
            initials += 1
    return covered, informative, initials


def _initials(
    qt: tuple[Token, ...],
    rt: tuple[Token, ...],
    q_used: list[bool],
    r_used: list[bool],
    q_sim: list[float],
    r_sim: list[float],
    raw: list[tuple[int, int, int, float, int]],
) -> None:
    """Initials: the same letter first, then the same coarse class (weaker)."""
    for strict in (True, False):
        if not strict and all(
            used or not t.initial
            for side in ((qt, q_used), (rt, r_used))
            for t, used in zip(*side, strict=True)
        ):
            break  # every initial found its letter: no weaker pass needed
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
                    raw.append((i, j, -1, s, _INITIAL))
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
                    raw.append((i, j, -1, s, _INITIAL))
                    break


def _repeats(text: str, letters: int) -> int:
    """Characters of `text` beyond the first of each letter (`parse.letter_mask`: letters outside
    a–z share bits, which only makes this larger, and the bound in `_row` looser)."""
    return len(text) - letters.bit_count()


class PreparedQuery:
    """One query form made ready to be compared with many record forms (rescoring compares one
    query with hundreds of candidates). `compare(r)` returns exactly what `compare_forms(q, r)`
    does, faster:

    - each distinct record spelling is measured against all the query's full tokens once per
      query, and only the pairs reaching `MIN_TOKEN_SIMILARITY` are kept (`_row`): most record
      tokens of most candidates pair with nothing, and that costs one dict lookup;
    - the compound search runs only when a first letter could agree (`NameForm.firsts`) and
      the lengths could (`_joinable`);
    - a record form that pairs with nothing gets its counts straight from `NameForm`.
    """

    __slots__ = ("_full", "_initials", "_rows", "form", "unmatched_logit")

    def __init__(self, form: NameForm) -> None:
        self.form = form
        # log-odds of a comparison that paired nothing, by the record form's `shape` (its
        # informative tokens and initials, all such a comparison depends on); filled by
        # `rescore._unpaired_logit`
        self.unmatched_logit: dict[tuple[int, int], float] = {}
        self._full = tuple(
            (i, t.canon, t.key, t.text, t.text[:1], t.letters, t.typed_letters,
             len(t.canon), _repeats(t.canon, t.letters), len(t.text),
             _repeats(t.text, t.typed_letters))
            for i, t in [(i, form.tokens[i]) for i in form.full_idx]
        )  # fmt: skip
        # record spelling as written → (query token index, similarity) pairs worth aligning.
        # Canonical spelling and coarse key are functions of it (`parse._token`).
        self._rows: dict[str, tuple[tuple[int, float], ...]] = {}
        # query initials: a record form that pairs nothing still leaves them unexplained
        self._initials = len(form.tokens) - len(form.full_idx)

    def row(self, b: Token) -> tuple[tuple[int, float], ...]:
        """The query tokens a record token pairs with, and how well (cached per spelling)."""
        row = self._rows.get(b.text)
        return self._row(b) if row is None else row

    def _row(self, b: Token) -> tuple[tuple[int, float], ...]:
        # `pair_similarity` written out, without its cache: a row is built once per query and
        # record spelling, so a cache in front of the C distance mostly misses here.
        # Most pairs of spellings are far apart, and their letters prove it without the call:
        # similarity is 2·LCS / (la + lb), and a common subsequence takes at most one of each
        # letter both have, plus at most as many again as the shorter side's repeated letters
        # (`_repeats`): LCS ≤ shared letters + min(ra, rb).
        bc, bk, bt = b.canon, b.key, b.text
        b0 = bt[:1]
        bl, btl = b.letters, b.typed_letters
        nb, nbt = len(bc), len(bt)
        rb, rbt = _repeats(bc, bl), _repeats(bt, btl)
        out = []
        for i, ac, ak, at, a0, al, atl, na, ra, nat, rat in self._full:
            if ac == bc:
                s = 1.0
            elif (
                ak != bk
                and 2 * ((al & bl).bit_count() + min(ra, rb)) < _APART_BELOW * (na + nb)
                and (
                    a0 != b0
                    or 2 * ((atl & btl).bit_count() + min(rat, rbt)) < _APART_BELOW * (nat + nbt)
                )
            ):
                continue  # below MIN_TOKEN_SIMILARITY however measured
            else:
                s = _indel(ac, bc)
                if ak == bk:
                    s += (1.0 - s) * 0.5
                if s < TYPED_BELOW and a0 == b0:
                    typed = _indel(at, bt)
                    if typed > s:
                        s = typed
            if s >= MIN_TOKEN_SIMILARITY:
                out.append((i, s))
        row = tuple(out)
        self._rows[bt] = row
        return row

    def compare(self, r: NameForm) -> NameComparison:
        c = self.paired(r)
        if c is None:
            q = self.form
            return NameComparison(q, r, [], 0.0, 0.0, q.informative, r.informative)
        return c

    def paired(self, r: NameForm) -> NameComparison | None:
        """`compare`, or None when the forms share nothing at all (no token pairs, no compound,
        no initials on either side): most candidates, whose log-odds depend on `r.shape` only,
        so the rescoring loop need not build their comparison."""
        q = self.form
        rt = r.tokens
        hits: list[tuple[int, tuple[tuple[int, float], ...]]] | None = None
        for j in r.full_idx:
            row = self.row(rt[j])
            if row:
                if hits is None:
                    hits = [(j, row)]
                else:
                    hits.append((j, row))
        nqf, nrf = len(q.full_idx), len(r.full_idx)
        compound = (
            nqf + nrf > 2
            and nqf != nrf
            and (
                (nrf >= 2 and not q.firsts.isdisjoint(r.adjacent_firsts) and _joinable(q, r))
                or (nqf >= 2 and not r.firsts.isdisjoint(q.adjacent_firsts) and _joinable(r, q))
            )
        )
        if hits is None and not compound and nqf == len(q.tokens) and nrf == len(rt):
            # no token pairs, no compound, no initials: the record and the query share nothing
            return None
        return self._align(r, hits, compound)

    def _align(
        self,
        r: NameForm,
        hits: list[tuple[int, tuple[tuple[int, float], ...]]] | None,
        compound: bool,
    ) -> NameComparison:
        q = self.form
        qt, rt = q.tokens, r.tokens
        nq, nr = len(qt), len(rt)
        raw: list[tuple[int, int, int, float, int]] = []
        matched = 0
        q_used: list[bool] | None = None
        r_used: list[bool] = []
        q_sim: list[float] = []
        r_sim: list[float] = []

        if compound:
            q_used, r_used, q_sim, r_sim = [False] * nq, [False] * nr, [0.0] * nq, [0.0] * nr
            _compounds(qt, rt, q_used, r_used, q_sim, r_sim, raw)
            matched = len(raw)

        cands: list[tuple[float, int, int]] = []
        for j, row in hits or ():
            if q_used is not None and r_used[j]:
                continue
            for i, s in row:
                if q_used is None or not q_used[i]:
                    cands.append((-s, i, j))
        if cands:
            if q_used is None:
                q_used, r_used, q_sim, r_sim = [False] * nq, [False] * nr, [0.0] * nq, [0.0] * nr
            matched = _assign(cands, qt, rt, q_used, r_used, q_sim, r_sim, raw, matched)

        if matched < nq and matched < nr and (len(q.full_idx) < nq or len(r.full_idx) < nr):
            if q_used is None:
                q_used, r_used, q_sim, r_sim = [False] * nq, [False] * nr, [0.0] * nq, [0.0] * nr
            _initials(qt, rt, q_used, r_used, q_sim, r_sim, raw)

        if not raw:
            return NameComparison(
                q,
                r,
                raw,
                0.0,
                0.0,
                q.informative,
                r.informative,
                self._initials,
                len(rt) - len(r.full_idx),
            )
        assert q_used is not None
        return _tally(q, r, qt, rt, q_used, r_used, q_sim, r_sim, raw)
