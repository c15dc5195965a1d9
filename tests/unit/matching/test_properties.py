"""Properties that hold for any name."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from indic_transliteration import sanscript
from rapidfuzz import fuzz

from matching.api import PersonQuery, analyse, name_keys, name_score, name_text, score
from matching.parse import parse_name
from matching.phonetic import canonical
from matching.scripts import to_latin
from matching.similarity import compare_forms
from records import Person

token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10).filter(
    lambda t: any(c in "aeiou" for c in t)  # a cluster without vowels reads as initials
)
name = st.lists(token, min_size=1, max_size=4).map(" ".join)


@given(token)
def test_canonical_is_idempotent(t: str) -> None:
    assert canonical(canonical(t)) == canonical(t)


@settings(max_examples=60)
@given(st.lists(name, min_size=2, max_size=6, unique=True), st.data())
def test_a_name_matches_itself_at_the_top(names: list[str], data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(names))
    assume(parse_name(target).forms)  # `alias`, `urf`: an alias marker alone is no name
    a = analyse(PersonQuery(name=target))
    scores = {n: score(a, Person(name=n)).score for n in names}
    assert scores[target] == max(scores.values())
    assert name_keys(target)


@settings(max_examples=80)
@given(name, name)
def test_name_evidence_is_symmetric(x: str, y: str) -> None:
    """Comparing x to y finds the same token pairs as y to x: what covers the query one way
    covers the record the other way (the calibrated score itself is not symmetric on purpose:
    a query token the record lacks weighs differently from a record token the query lacks)."""
    px, py = parse_name(x), parse_name(y)
    assume(px.forms and py.forms)  # `urf`, `aka`: an alias marker alone is no name
    fx, fy = px.forms[0], py.forms[0]
    xy, yx = compare_forms(fx, fy), compare_forms(fy, fx)
    assert abs(xy.query_coverage - yx.record_coverage) < 1e-9
    assert abs(xy.record_coverage - yx.query_coverage) < 1e-9


@settings(max_examples=80)
@given(name, name)
def test_name_score_is_the_score_of_a_person_with_that_name(x: str, y: str) -> None:
    a = analyse(PersonQuery(name=x))
    assert name_score(a, y) == score(a, Person(name=y)).score


# Pieces that parsing treats specially, so that generated strings hit its edges: markers with
# nothing after them, titles alone, scripts mixed, joiners, digits, stray punctuation.
_piece = st.sampled_from(
    [*"abeikmnoprsuz .,-@/'()KRSM0", "urf", "alias", "alias name", "aka", "S/O", "D/O", "son of",
     "Shri", "Smt", "Md.", "Mohd", "Dr", "Late", "Km", "पुत्र", "राजेंद्र", "ஸ்ரீ", "ক", "ਸਿੰਘ",
     "\u200d", "ँ", "ा", "..", "  "]
)  # fmt: skip
written = st.lists(_piece, max_size=12).map("".join) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(written, written, written)
def test_any_written_name_scores_and_explains_without_raising(q: str, r: str, rel: str) -> None:
    """Sources and callers write anything in a name field; matching must answer, not raise
    (`urf` alone once raised for every search that retrieved it)."""
    a = analyse(PersonQuery(name=q, relative_name=rel or None))
    assert isinstance(name_keys(r), frozenset) and isinstance(name_text(r), str)
    result = score(a, Person(name=r or None, relative_name=rel or None, aliases=(q,)))
    assert 0.0 <= result.score <= 1.0
    assert result.reasons


syllable = st.sampled_from(["ka", "ra", "ma", "sha", "ni", "su", "de", "vi", "la", "go", "pa"])


@settings(max_examples=40)
@given(st.lists(syllable, min_size=2, max_size=4, unique=True).map("".join),
       st.sampled_from([sanscript.DEVANAGARI, sanscript.BENGALI, sanscript.TAMIL,
                        sanscript.TELUGU, sanscript.GURMUKHI, sanscript.MALAYALAM]))  # fmt: skip
def test_script_round_trips_stay_matchable(latin: str, scheme: str) -> None:
    written = sanscript.transliterate(latin, sanscript.ITRANS, scheme)
    # keys meet, or the trigram text does (medial schwa deletion can fold देशसु to deshsu)
    matchable = bool(name_keys(latin) & name_keys(written)) or (
        fuzz.ratio(name_text(latin), name_text(written)) >= 75
    )
    assert matchable, (latin, written, to_latin(written))


@settings(max_examples=150)
@given(
    st.text(alphabet=st.sampled_from("abcdeghiklmnoprstuvyz .@/-ाकमरसिनलपतदगशहीेोु्ंक"), max_size=30)
)
def test_name_text_is_idempotent_and_never_raises(raw: str) -> None:
    once = name_text(raw)
    assert name_text(once) == once
    name_keys(raw)  # any input, however broken, parses without raising
