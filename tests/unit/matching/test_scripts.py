"""Indic scripts land where the usual Latin spelling of the same name lands."""

import pytest
from indic_transliteration import sanscript

from matching.phonetic import canonical, coarse
from matching.scripts import has_indic, to_latin


@pytest.mark.parametrize(
    ("script", "latin"),
    [
        ("राजेंद्र शंकर पाटील", "rajendra shankar patil"),  # schwa deletion, anusvara → n
        ("कमला", "kamla"),  # medial schwa deletion
        ("मोहम्मद इरफ़ान", "mohammad irfan"),  # nukta: फ़ → f
        ("सिंह", "singh"),
        ("भट्ट", "bhatt"),  # final geminate loses its vowel
        ("ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ ਗਿੱਲ", "gurprit singh gill"),  # Gurmukhi tippi and addak
        ("সৌরভ গঙ্গোপাধ্যায়", "saurabh gangopadhyay"),  # Bengali য-phala, decomposed য়
        ("বিশ্বাস", "bishwas"),  # ব-phala
        ("નરેન્દ્ર મોદી", "narendra modi"),
        ("ଜଗନ୍ନାଥ ମହାପାତ୍ର", "jagannath mahapatra"),
        ("முருகன் கந்தசாமி", "murugan kandasami"),  # Tamil voicing by position
        ("லட்சுமி", "lakshumi"),  # Tamil ட்ச is க்ஷ
        ("பிரகாஷ்", "pragash"),  # Tamil epenthetic i dropped; k voiced as Tamils write it
        ("శ్రీనివాస రావు", "shrinivasa ravu"),
        ("ಕೃಷ್ಣಮೂರ್ತಿ", "krishnamurti"),
        ("ഉണ്ണികൃഷ്ണൻ", "unnikrishnan"),  # Malayalam chillu
    ],
)
def test_common_romanisation(script: str, latin: str) -> None:
    assert to_latin(script) == latin


def test_latin_and_punctuation_pass_through() -> None:
    assert to_latin("राम S/O श्याम") == "ram S/O shyam"
    assert not has_indic("Ram")


@pytest.mark.parametrize("word", ["rAjendra", "lakShmI", "shrInivAsa", "gaNesha", "sunItA"])
@pytest.mark.parametrize(
    "scheme",
    [sanscript.DEVANAGARI, sanscript.BENGALI, sanscript.GUJARATI, sanscript.TELUGU,
     sanscript.KANNADA, sanscript.MALAYALAM, sanscript.ORIYA],
)  # fmt: skip
def test_an_independent_transliterator_agrees_after_canonical_form(word: str, scheme: str) -> None:
    """indic_transliteration writes the name in each script; reading it back must give the
    same canonical spelling as reading the Devanagari."""
    reference = canonical(to_latin(sanscript.transliterate(word, sanscript.ITRANS, "devanagari")))
    written = sanscript.transliterate(word, sanscript.ITRANS, scheme)
    # Bengali and Odia read व as b (Srinibas): the coarse key is what must agree
    assert coarse(canonical(to_latin(written))) == coarse(reference)
