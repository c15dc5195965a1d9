"""Damaged text in a source payload: repaired when the damage is unambiguous, withheld when not.

Sources are UTF-8, but a system on the way sometimes decoded the bytes as Windows-1252 or
Latin-1 and encoded them again (mojibake: `à¤°à¤¾à¤œ` for `राज`, even twice over:
`Ã Â¤Â°`), or kept bytes it could not decode as lone surrogates (`\\udcc3\\udca9`), or lost
them to U+FFFD. The contract (sources/README.md, "Bad records") says what to do:

- mojibake is unambiguous, so it is repaired (by `ftfy`, encoding fixes only: no quote
  uncurling, width folding or normalisation, which would change text that was never damaged)
  and the repair is listed as an issue;
- lone surrogates that spell valid UTF-8 bytes are repaired the same way (the bytes were right,
  only their decoding was lost); any other lone surrogate, or a U+FFFD, means bytes are gone:
  the text is withheld, never guessed.

`repair_text` walks a whole payload (dicts and lists) before mapping, so every connector gets
the same treatment, nested fields included (`suspects[0].name`).
"""

from __future__ import annotations

import re
from typing import Any

import ftfy

from records import DataIssue

# Only encoding repairs. Everything else ftfy can do changes text that was written that way.
_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=False,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
# Mojibake of UTF-8 read as Windows-1252 or Latin-1 is made of these characters; text without
# any of them (plain ASCII, any Indic script) cannot be mojibake of that kind and skips ftfy,
# which keeps the common case cheap.
_SUSPECT = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")

REPAIRED_MOJIBAKE = "mojibake (UTF-8 read as Windows-1252 or Latin-1) repaired"
REPAIRED_BYTES = "undecoded UTF-8 bytes repaired"
UNREADABLE_BYTES = "unreadable: bytes in an unknown encoding, withheld"
LOST_BYTES = "unreadable: characters lost in transit (U+FFFD), withheld"


def repair_string(text: str) -> tuple[str | None, str | None]:
    """`(text, None)` when sound; `(repaired, reason)`; `(None, reason)` when unreadable."""
    reason = None
    if _SURROGATE.search(text):
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeError:
            return None, UNREADABLE_BYTES
        reason = REPAIRED_BYTES
    if "\ufffd" in text:
        return None, LOST_BYTES
    if _SUSPECT.search(text):
        fixed = ftfy.fix_text(text, _CONFIG)
        if fixed != text:
            if "\ufffd" in fixed:
                return None, LOST_BYTES
            return fixed, reason or REPAIRED_MOJIBAKE
    return text, reason


def repair_text(payload: dict[str, Any]) -> tuple[dict[str, Any], list[DataIssue]]:
    """A copy of `payload` with damaged strings repaired or removed, and the issues, one per
    field (`cases[0].sections`). The payload itself is left as received."""
    issues: list[DataIssue] = []
    fixed = _walk(payload, "", issues)
    return fixed, issues


def _walk(value: Any, path: str, issues: list[DataIssue]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            repaired = _walk(item, sub, issues)
            if repaired is not None or item is None:
                out[key] = repaired
        return out
    if isinstance(value, list):
        items = [_walk(item, f"{path}[{i}]", issues) for i, item in enumerate(value)]
        return [i for i, orig in zip(items, value, strict=True) if i is not None or orig is None]
    if isinstance(value, str):
        repaired, reason = repair_string(value)
        if reason is not None:
            issues.append(DataIssue(field=path, reason=reason))
        return repaired
    return value
