"""A source row's fields, read so that one bad field costs that field, not the record.

The contract (sources/README.md, "Bad records"): a record with a readable id and a readable name
or identifier is indexed with what can be read; each unreadable field is withheld, never guessed,
and listed in `data_issues`; a value outside an enumeration is kept as written, with an issue.
`Fields` wraps the readers of `connectors.parse` accordingly: each returns None for a field it
cannot read and records a `DataIssue` naming the field and what was wrong (never the value).
Only the id stays strict (`required_id`): without it there is nothing to index under.

A connector's `map_row` reads through one `Fields` and hands `issues` to the `Record`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from connectors import parse as p
from connectors.base import Row
from connectors.errors import MappingError
from connectors.states import canonical_code, state_code_for
from records import DataIssue

T = TypeVar("T")

# The version of a record whose update time is missing or unreadable: older than any dated
# copy, so that a dated copy of the same id always wins, and never ahead of a watermark.
UNDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

MISSING = "missing"
OUTSIDE_LIST = "value outside the source's list, kept as written"
UNKNOWN_STATE = "state not in the table of states and union territories, kept as written"


class Fields:
    """Lenient readers over one row (or a nested object of it, see `child`)."""

    def __init__(
        self, data: dict[str, Any], *, path: str = "", issues: list[DataIssue] | None = None
    ) -> None:
        self.data = data
        self.path = path
        self.issues: list[DataIssue] = [] if issues is None else issues

    @classmethod
    def of(cls, row: Row) -> Fields:
        """A row's fields, starting with the issues found before mapping (damaged text)."""
        return cls(row.data, issues=list(row.issues))

    # -- issues ----------------------------------------------------------------------------

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def issue(self, key: str, reason: str) -> None:
        item = DataIssue(field=self.where(key), reason=reason)
        if item not in self.issues:
            self.issues.append(item)

    def _read(self, key: str, reader: Callable[..., T | None], *args: Any, **kw: Any) -> T | None:
        try:
            return reader(self.data, key, *args, **kw)
        except MappingError as exc:
            self.issue(key, f"{exc.issue}, withheld")
            return None

    # -- nested objects ----------------------------------------------------------------------

    def child(self, key: str) -> Fields:
        """A nested object (`prison`, `Passport`): its fields' issues are this row's, named
        `prison.state`. Not an object: an issue, and an empty object."""
        value = self.data.get(key)
        if value is None:
            return Fields({}, path=self.where(key), issues=self.issues)
        if not isinstance(value, dict):
            self.issue(key, "not an object, withheld")
            return Fields({}, path=self.where(key), issues=self.issues)
        return Fields(value, path=self.where(key), issues=self.issues)

    def children(self, key: str) -> list[Fields]:
        """A list of objects (`cases`, `suspects`); items that are not objects are withheld."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.issue(key, "not a list, withheld")
            return []
        out = []
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            if isinstance(item, dict):
                out.append(Fields(item, path=self.where(where), issues=self.issues))
            elif item is not None:
                self.issue(where, "not an object, withheld")
        return out

    # -- strict -------------------------------------------------------------------------------

    def required_id(self, key: str) -> str:
        """The record's id: without it the row cannot be indexed (`MappingError`)."""
        return p.required_text(self.data, key)

    # -- lenient readers ----------------------------------------------------------------------

    def text(self, key: str) -> str | None:
        return self._read(key, p.text)

    def integer(self, key: str) -> int | None:
        return self._read(key, p.integer)

    def age(self, key: str) -> int | None:
        return self._read(key, p.age)

    def flag(self, key: str) -> bool | None:
        return self._read(key, p.flag)

    def date(self, key: str) -> dt.date | None:
        return self._read(key, p.date_field)

    def birth_date(self, key: str, *, on: dt.date) -> dt.date | None:
        return self._read(key, p.birth_date, on=on)

    def datetime(self, key: str) -> dt.datetime | None:
        return self._read(key, p.datetime_field)

    def strings(self, key: str) -> tuple[str, ...]:
        return self._read(key, p.string_list) or ()

    def age_range(self, key: str) -> tuple[int, int] | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return p.age_range(value, key)
        except MappingError as exc:
            self.issue(key, f"{exc.issue}, withheld")
            return None

    def updated(self, key: str) -> dt.datetime:
        """The row's update time (ISO 8601); missing or unreadable: an issue, and `UNDATED`."""
        value = self.datetime(key)
        if value is None:
            if self.data.get(key) in (None, ""):
                self.issue(key, MISSING)
            return UNDATED
        return value

    def updated_epoch(self, key: str, *, millis: bool) -> dt.datetime:
        """The row's update time (epoch seconds or milliseconds); as `updated` otherwise."""
        if self.data.get(key) in (None, ""):
            self.issue(key, MISSING)
            return UNDATED
        value = self._read(key, p.epoch, millis=millis)
        return UNDATED if value is None else value

    def need_name(self, names: tuple[str | None, ...], *keys: str) -> bool:
        """Whether any of `names` (read from `keys`) is readable; if none is, an issue (a
        person-like record must have a name: sources/README.md) unless their issues say why."""
        if any(names):
            return True
        fields = {self.where(k) for k in keys}
        if not any(i.field in fields for i in self.issues):
            self.issue(" / ".join(keys), f"{MISSING}: no name")
        return False

    # -- enumerations ------------------------------------------------------------------------

    def enum(self, key: str, allowed: Collection[str]) -> str | None:
        """A status-like value, as written; outside `allowed` (compared in upper case): kept,
        with an issue."""
        value = self.text(key)
        if value is not None and value.upper() not in allowed:
            self.issue(key, OUTSIDE_LIST)
        return value

    def mapped(self, key: str, table: Mapping[str, T], *, normalise: bool = True) -> T | None:
        """A value looked up in `table` (gender, relation); unknown: None, with an issue (the
        value stays in the record's raw payload)."""
        value = self.text(key)
        if value is None:
            return None
        lookup = value.strip().upper().replace(" ", "") if normalise else value
        found = table.get(lookup)
        if found is None:
            self.issue(key, OUTSIDE_LIST)
        return found

    def state_code(self, key: str) -> str | None:
        """A two-letter state code → the current code (`OR` → `OD`); unknown: kept as
        written, with an issue."""
        value = self.text(key)
        if value is None:
            return None
        code = canonical_code(value) if len(value) == 2 else state_code_for(value)
        if code is None:
            self.issue(key, UNKNOWN_STATE)
            return value.upper() if len(value) == 2 and value.isascii() else None
        return code

    def state_name(self, key: str) -> tuple[str | None, str | None]:
        """A state written in full (NCRP) → (code, name as written); unknown: no code, with an
        issue."""
        value = self.text(key)
        if value is None:
            return None, None
        code = state_code_for(value)
        if code is None:
            self.issue(key, UNKNOWN_STATE)
        return code, value
