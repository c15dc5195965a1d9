"""The written-out two-token key path gives what the general one gives."""

from hypothesis import given
from hypothesis import strategies as st

from matching.keys import _general_keys, _two_token_keys
from matching.parse import parse_name

# full names, fillers (kumar, singh, devi) and initials in every combination
word = st.sampled_from(
    ["rajesh", "sharma", "kumar", "singh", "devi", "r", "k", "ram", "lal", "murugan", "a"]
)


@given(word, word)
def test_two_token_keys_match_the_general_path(x: str, y: str) -> None:
    for form in parse_name(f"{x} {y}").forms:
        if len(form.tokens) != 2:
            continue
        fast: list[str] = []
        general: list[str] = []
        _two_token_keys(*form.tokens, fast)
        _general_keys(form.tokens, general)
        assert sorted(fast) == sorted(general)
