"""Field readers shared by the mappings. Each raises `MappingError` naming the field, so that a
quarantined record says exactly what was wrong with it; absent and null mean the same (no value).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from connectors.errors import MappingError

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_D_MON_Y = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")
_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*$")

# U+FFFD: bytes that were not UTF-8, replaced on decoding; lone surrogates: bytes a system
# decoded wrongly and kept (JSON `\udcxx` escapes).
# lost bytes, lone surrogates, and NUL (no text holds it; PostgreSQL cannot store it)
_BAD_TEXT = re.compile("[\x00\ufffd\ud800-\udfff]")
# The oldest person alive is under 120; anything outside is a bad record, not a person.
MAX_AGE = 120


def text(raw: dict[str, Any], key: str) -> str | None:
    """A trimmed string, or None when absent, null or blank. Numbers are accepted as text."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(
            f"field {key!r} should be text, got {type(value).__name__}", issue="not text"
        )
    if isinstance(value, str) and _BAD_TEXT.search(value):
        raise MappingError(
            f"field {key!r} is not valid UTF-8 (wrongly encoded text)", issue="invalid encoding"
        )
    cleaned = str(value).strip()
    return cleaned or None


def required_text(raw: dict[str, Any], key: str) -> str:
    value = text(raw, key)
    if value is None:
        raise MappingError(f"required field {key!r} is missing", issue="missing")
    return value


def integer(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(
            f"field {key!r} should be an integer, got a boolean", issue="not an integer"
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise MappingError(f"field {key!r} should be an integer, got {value!r}", issue="not an integer")


def age(raw: dict[str, Any], key: str) -> int | None:
    value = integer(raw, key)
    if value is not None and not 0 <= value <= MAX_AGE:
        raise MappingError(f"field {key!r} holds an impossible age {value}", issue="impossible age")
    return value


def flag(raw: dict[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().upper() in {"Y", "YES", "TRUE", "1"}:
        return True
    if isinstance(value, str) and value.strip().upper() in {"N", "NO", "FALSE", "0"}:
        return False
    raise MappingError(f"field {key!r} should be Y or N, got {value!r}", issue="not Y or N")


def parse_date(value: str, key: str) -> date:
    """`dd/mm/yyyy`, `yyyy-mm-dd` or `dd-Mon-yyyy` — the forms the contracts name."""
    s = value.strip()
    try:
        if m := _YMD.match(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.match(s):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _D_MON_Y.match(s)) and m[2].upper() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].upper()], int(m[1]))
    except ValueError:
        pass
    raise MappingError(
        f"field {key!r} holds an unparseable date {value!r}", issue="unparseable date"
    )


def date_field(raw: dict[str, Any], key: str) -> date | None:
    value = text(raw, key)
    return None if value is None else parse_date(value, key)


def birth_date(raw: dict[str, Any], key: str, *, on: date) -> date | None:
    """A date of birth that gives an age between 0 and `MAX_AGE` on the date `on`."""
    born = date_field(raw, key)
    if born is None:
        return None
    if born > on or on.year - born.year > MAX_AGE:
        raise MappingError(
            f"field {key!r} gives an impossible age ({born.isoformat()})", issue="impossible age"
        )
    return born


def parse_datetime(value: str, key: str) -> datetime:
    """ISO 8601 with an offset. A naive time is refused: its zone would be a guess."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MappingError(
            f"field {key!r} holds an unparseable date-time {value!r}", issue="unparseable date-time"
        ) from None
    if parsed.tzinfo is None:
        raise MappingError(
            f"field {key!r} holds a date-time without offset {value!r}",
            issue="date-time without offset",
        )
    return parsed


def datetime_field(raw: dict[str, Any], key: str) -> datetime | None:
    value = text(raw, key)
    return None if value is None else parse_datetime(value, key)


def required_datetime(raw: dict[str, Any], key: str) -> datetime:
    value = datetime_field(raw, key)
    if value is None:
        raise MappingError(f"required field {key!r} is missing", issue="missing")
    return value


def epoch(raw: dict[str, Any], key: str, *, millis: bool) -> datetime:
    value = integer(raw, key)
    if value is None:
        raise MappingError(f"required field {key!r} is missing", issue="missing")
    seconds = value / 1000 if millis else value
    # Anything before 2000 or past 2100 is a unit mix-up, not a real update time.
    if not 946_684_800 <= seconds <= 4_102_444_800:
        raise MappingError(
            f"field {key!r} holds an implausible epoch value {value}", issue="implausible time"
        )
    return datetime.fromtimestamp(seconds, tz=UTC)


def age_range(value: str | None, key: str) -> tuple[int, int] | None:
    """`6-8` → (6, 8)."""
    if value is None:
        return None
    m = _RANGE.match(value)
    if not m:
        raise MappingError(
            f"field {key!r} should be an age range N-M, got {value!r}", issue="not an age range"
        )
    low, high = int(m[1]), int(m[2])
    if low > high or high > MAX_AGE:
        raise MappingError(
            f"field {key!r} holds an impossible age range {value!r}", issue="impossible age"
        )
    return low, high


def string_list(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise MappingError(f"field {key!r} should be a list of strings", issue="not a list")
    out = []
    for item in value:
        if item is None:
            continue
        if not isinstance(item, str):
            raise MappingError(f"field {key!r} should be a list of strings", issue="not a list")
        if item.strip():
            out.append(item.strip())
    return tuple(out)
