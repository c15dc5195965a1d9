"""Text made safe to show: control characters and unpaired surrogates escaped.

Used wherever text from outside (a request body, a header, a path) is written to a log line or
an audit entry: a value read back in a terminal cannot move the cursor, ring, end a line or
forge one, and a string that is not valid Unicode (a lone `\\ud800` from JSON) can still be
stored as UTF-8.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with control characters (C0, DEL, C1, line and paragraph separators) and unpaired
    surrogates written as `\\xNN` / `\\uNNNN`. Tabs and newlines too, unless `keep_newlines`."""
    pattern = _CONTROL if keep_newlines else _CONTROL_ALL
    return pattern.sub(_escape, text)
