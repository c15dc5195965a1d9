"""The proclaimed-offenders list the citizen portal publishes.

A proclaimed offender is an accused a court has proclaimed (CrPC s. 82, BNSS s. 84) for
absconding; police publish their names so that the public can report them. The list is read
from CCTNS `persons` rows flagged `IS_PROCLAIMED_OFFENDER = Y`, and publishes only what such a
proclamation does: the name as written (and in its recorded script), aliases, the FIR and the
police station, district and state. It leaves out, and errs on the side of leaving out:

- any record carrying a label (sexual offences: the victim could be identified through the
  accused; a child; a victim), and any accused known to be a minor (the Juvenile Justice Act
  forbids naming a child in conflict with law);
- a record whose status says the person is no longer at large (arrested, convicted, acquitted,
  charge-sheeted) or whose proclamation flag is unreadable (a damaged row is not a court order);
- a record with data issues in its name.

It is built by reading the index through (`Backend.records`), so it is cached and rebuilt at
most every `REFRESH_S` seconds; at a state's scale that read takes minutes and belongs in the
sync (see docs/decisions.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from indexer.backends.base import Backend
from records import Kind, Record, Source

from .refreshed import Refreshed

REFRESH_S = 600.0
NOT_AT_LARGE = frozenset({"ARRESTED", "CONVICTED", "ACQUITTED", "CHARGESHEETED"})
ADULT = 18


@dataclass(frozen=True)
class ProclaimedOffender:
    name: str
    name_local: str | None
    aliases: tuple[str, ...]
    fir: str | None
    police_station: str | None
    district: str | None
    state: str | None


def _minor(record: Record) -> bool:
    person = record.people[0]
    when = record.event_date or date.today()
    if person.age_to is not None and person.age_to < ADULT:
        return True
    return person.birth_year is not None and when.year - person.birth_year < ADULT


def publishable(record: Record) -> ProclaimedOffender | None:
    """The list's entry for a record, or None when it must not be published."""
    if record.source is not Source.CCTNS or record.kind is not Kind.ACCUSED:
        return None
    if record.attributes.get("proclaimed_offender") is not True or record.sensitivity:
        return None
    if (record.status or "").upper() in NOT_AT_LARGE or len(record.people) != 1:
        return None
    if any("name" in issue.field.lower() for issue in record.data_issues):
        return None
    person = record.people[0]
    if not person.name or _minor(record):
        return None
    return ProclaimedOffender(
        name=person.name,
        name_local=person.name_local,
        aliases=person.aliases,
        fir=record.attributes.get("fir_reg_num"),
        police_station=record.attributes.get("ps_name") or record.police_station,
        district=record.district,
        state=record.state,
    )


def proclaimed_offenders(records: Iterable[Record]) -> list[ProclaimedOffender]:
    found = [entry for r in records if (entry := publishable(r)) is not None]
    return sorted(set(found), key=lambda o: (o.state or "", o.district or "", o.name))


class ProclaimedList:
    """The list, rebuilt from the index when older than `refresh_s`."""

    def __init__(
        self,
        backend: Backend,
        *,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries = Refreshed(
            lambda: proclaimed_offenders(backend.records()), refresh_s=refresh_s, clock=clock
        )

    def entries(self) -> list[ProclaimedOffender]:
        return list(self._entries.current())
