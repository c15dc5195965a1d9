"""The access policy: who may call which route, see which records, and which of their fields.

Policy is data (`auth/default_policy.toml`, overridden by `auth.policy_path`); this module reads
it once and answers with pure functions. Deny by default: an unknown route needs a scope nobody
holds, an unknown role gets nothing, a field path not granted is withheld.

For the API and federation layers — the whole surface:

- `Policy.load(path: Path | None) -> Policy` — `None` loads the packaged default.
- `policy.required_scope(route_name) -> str` — the scope a route needs (`persons:search`, …).
- `policy.allows(caller, scope) -> Permission` — `bool(permission)` is the answer, `.reason`
  says why.
- `policy.visibility(caller) -> Visibility` — the restrictions to push into the backend query.
  It maps 1:1 onto `indexer.backends.base.Filters`:
  `Filters(sources=v.sources, kinds=v.kinds, states=v.states,
  hidden=tuple(LabelRule(h.label, h.except_states) for h in v.hidden))`.
  (auth must not import indexer, so the federation layer does this translation.)
  `v.nothing` is True when the caller may see no record at all (skip the query).
- `policy.admits(caller, record) -> Permission` — the same rules applied to one record in Python:
  for object-level checks such as `GET /v1/persons/{profile_id}` and as a defensive post-filter.
  `permission.answer` is one of three (`Answer`): `visible` (in full, cut by `redact`),
  `hit_flag` (only "a record exists in source X, police station Y, contact Z": the sources
  `v.hit_flag` names, unless an approved access request granted the record, `v.granted`) or
  `withheld` (not at all).
- `policy.redact(caller, record) -> RedactedRecord` — the fields the caller may see and, in
  `withheld`, which fields were held back and why (field names and counts, never contents).
  Field groups grant data classes (`auth.data_classes`): every value is withheld by what it is
  (a phone, an address, a victim's name), in whichever field it sits. A role's `home` (its
  state, district or police station) decides where `home_fields` apply.
- `policy.audit_scope(caller) -> AuditScope` — which audit entries the caller may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from auth.data_classes import (
    IDENTIFIER_CLASSES,
    RECORD_CLASSES,
    VICTIM_ROLES,
    DataClass,
    attribute_class,
    is_contact_attribute,
    person_class,
)
from auth.policy_file import (
    ALWAYS_VISIBLE,
    CONTACT_FIELDS,
    PERSON_FIELDS,
    RECORD_FIELDS,
    UNKNOWN_ROUTE_SCOPE,
    RolePolicy,
    parse_policy,
    read_policy,
)
from auth.principal import Caller, Role
from records import IdType, Kind, Person, PersonRole, Record, Sensitivity, Source

_CHILD_SUBJECT_ROLES = frozenset({PersonRole.SUBJECT, PersonRole.MISSING, PersonRole.FOUND})
_COMPLAINANT_CONTACT_REASON = "contact details of complainants and victims are never shown"
_VICTIM_REASON = (
    "a victim's identity is shown only to officers investigating in the record's jurisdiction "
    "(BNS s. 72, POCSO s. 23)"
)


def _same(a: str | None, b: str | None) -> bool:
    """District and police-station names compare without case and spacing ("Pune" = "PUNE")."""
    return (
        a is not None
        and b is not None
        and " ".join(a.split()).casefold() == (" ".join(b.split()).casefold())
    )


class Answer(StrEnum):
    """What a caller is told of one record: all of it (cut to its fields), only that it exists
    and where to ask (a hit-flag), or nothing."""

    VISIBLE = "visible"
    HIT_FLAG = "hit_flag"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Permission:
    """The policy's yes or no to one scope or one record, and why. (Not a NOC's decision,
    `federation.noc_model.Decision`.) A record refused with `hit_flag` is answered as a hit-flag
    rather than not at all."""

    allowed: bool
    reason: str
    hit_flag: bool = False

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def answer(self) -> Answer:
        if self.allowed:
            return Answer.VISIBLE
        return Answer.HIT_FLAG if self.hit_flag else Answer.WITHHELD


@dataclass(frozen=True)
class HiddenLabel:
    """Hide records carrying `label`, except those whose state is in `except_states`
    (the same meaning as `indexer.backends.base.LabelRule`)."""

    label: Sensitivity
    except_states: frozenset[str] = frozenset()
    disclose: bool = False  # the caller is told such records exist, as "restricted records"


@dataclass(frozen=True)
class Visibility:
    """Record-level restrictions; `None` means no restriction on that dimension.

    `sources` are shown in full; `hit_flag` (never overlapping `sources`) are answered as
    hit-flags, under the same kinds, states and label rules; `granted` are record ids of
    hit-flag sources an approved, unexpired access request opened to this caller."""

    sources: frozenset[Source] | None
    kinds: frozenset[Kind] | None
    states: frozenset[str] | None
    hidden: tuple[HiddenLabel, ...] = ()
    hit_flag: frozenset[Source] = frozenset()
    granted: frozenset[str] = frozenset()

    def flagged(self) -> Visibility:
        """The records this caller is answered hit-flags for: the `hit_flag` sources, under the
        same kinds, states and label rules."""
        return replace(self, sources=self.hit_flag, hit_flag=frozenset(), granted=frozenset())

    def with_grants(self, record_ids: Iterable[str]) -> Visibility:
        return replace(self, granted=self.granted | frozenset(record_ids))

    @property
    def nothing(self) -> bool:
        """True when no record can pass (e.g. the auditor): callers can skip the query."""
        return (
            self.sources == frozenset() or self.kinds == frozenset() or self.states == frozenset()
        )

    def admits(self, record: Record) -> Permission:
        in_full = self.sources is None or record.source in self.sources
        flagged = not in_full and record.source in self.hit_flag
        if not in_full and not flagged:
            return Permission(False, f"source {record.source.value} is not granted")
        if self.kinds is not None and record.kind not in self.kinds:
            return Permission(False, f"records of kind {record.kind.value} are not granted")
        if self.states is not None and record.state not in self.states:
            return Permission(False, "record is outside the granted states")
        for rule in self.hidden:
            if rule.label in record.sensitivity and record.state not in rule.except_states:
                return Permission(False, f"records labelled {rule.label.value} are restricted")
        if flagged and record.record_id in self.granted:
            return Permission(True, "granted by an approved access request")
        if flagged:
            return Permission(
                False,
                f"source {record.source.value} answers with a hit-flag: ask its owner",
                hit_flag=True,
            )
        return Permission(True, "visible under policy")


@dataclass(frozen=True)
class Withheld:
    """One field held back: its path, why, and on how many values (never the contents)."""

    field: str
    reason: str
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "reason": self.reason, "count": self.count}


@dataclass(frozen=True)
class RedactedRecord:
    record_id: str
    source: Source
    kind: Kind
    fields: dict[str, Any]  # JSON-ready values of the visible fields
    withheld: tuple[Withheld, ...] = ()

    @property
    def view(self) -> dict[str, Any]:
        """The visible record as JSON: `record_id`, `source`, `kind` and the visible fields."""
        out: dict[str, Any] = {
            "record_id": self.record_id,
            "source": self.source.value,
            "kind": self.kind.value,
        }
        out.update(self.fields)
        return out

    def as_dict(self) -> dict[str, Any]:
        """`view` plus `withheld`: a list of {field, reason, count}."""
        out = self.view
        out["withheld"] = [w.as_dict() for w in self.withheld]
        return out


@dataclass(frozen=True)
class AuditScope:
    """Which audit entries a caller may read: all, one district, or none."""

    everything: bool = False
    state: str | None = None
    district: str | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.district is None


_ALL_SOURCES = frozenset(Source)


def _split_hit_flag(
    rp: RolePolicy, sources: frozenset[Source] | None, client: frozenset[Source] | None
) -> tuple[frozenset[Source] | None, frozenset[Source]]:
    """The sources shown in full and those answered as hit-flags: the role's marked ones, and
    either the client registration's own marking (`client`: exactly those, inside or outside
    its entitlement; the others outside it are silent) or, by default
    (`hit_flag_outside_entitlement`), every source outside the caller's entitlement."""
    marked = _ALL_SOURCES if rp.hit_flag is None else rp.hit_flag
    flagged = set(marked)
    if client is not None:
        flagged |= client
    elif rp.hit_flag_outside_entitlement and sources is not None:
        flagged |= _ALL_SOURCES - sources
    if not flagged:
        return sources, frozenset()
    full = (_ALL_SOURCES if sources is None else sources) - flagged
    return full, frozenset(flagged)


class Policy:
    """The parsed policy. Immutable after construction; safe to share between requests."""

    def __init__(
        self,
        routes: Mapping[str, str],
        groups: Mapping[str, frozenset[DataClass]],
        roles: Mapping[Role, RolePolicy],
    ) -> None:
        self._routes = dict(routes)
        self._groups = dict(groups)
        self._roles = dict(roles)

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> Policy:
        """Read and validate a policy file; `None`: the packaged default."""
        return cls.from_mapping(read_policy(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        parsed = parse_policy(data)
        return cls(parsed.routes, parsed.groups, parsed.roles)

    # -- scopes --------------------------------------------------------------------------------

    def required_scope(self, route_name: str) -> str:
        """The scope a route needs; a route the policy does not list needs an unobtainable one."""
        return self._routes.get(route_name, UNKNOWN_ROUTE_SCOPE)

    def role_scopes(self, role: Role) -> frozenset[str]:
        rp = self._roles.get(role)
        return rp.scopes if rp else frozenset()

    def known_scopes(self) -> frozenset[str]:
        out: set[str] = set()
        for rp in self._roles.values():
            out |= rp.scopes
        return frozenset(out)

    def allows(self, caller: Caller, scope: str) -> Permission:
        rp = self._roles.get(caller.role)
        if rp is None:
            return Permission(False, f"role {caller.role.value} has no policy")
        if scope not in rp.scopes:
            return Permission(False, f"role {caller.role.value} may not use scope {scope}")
        if scope not in caller.scopes:
            return Permission(False, f"the token does not carry scope {scope}")
        return Permission(True, f"scope {scope} granted to role {caller.role.value}")

    # -- registration checks (clients CLI) ------------------------------------------------------

    def grantable_fields(self, role: Role) -> frozenset[str]:
        rp = self._roles.get(role)
        return rp.grantable_fields | rp.home_fields if rp else frozenset()

    def check_registration(
        self, role: Role, scopes: Iterable[str], field_groups: Iterable[str] | None
    ) -> None:
        """Raise `ValueError` naming the first scope or field group the role cannot be granted."""
        rp = self._roles.get(role)
        if rp is None:
            raise ValueError(f"role {role.value} has no policy")
        for scope in scopes:
            if scope not in rp.scopes:
                allowed = ", ".join(sorted(rp.scopes))
                raise ValueError(
                    f"scope {scope!r} cannot be granted to role {role.value} ({allowed})"
                )
        for group in field_groups or ():
            if group not in self.grantable_fields(role):
                allowed = ", ".join(sorted(self.grantable_fields(role)))
                raise ValueError(
                    f"field group {group!r} cannot be granted to {role.value} ({allowed})"
                )

    # -- records -------------------------------------------------------------------------------

    def visibility(self, caller: Caller) -> Visibility:
        rp = self._roles.get(caller.role)
        if rp is None:
            return Visibility(sources=frozenset(), kinds=frozenset(), states=frozenset())
        sources = rp.sources
        if caller.sources is not None:
            sources = caller.sources if sources is None else sources & caller.sources
        # a client's marking applies to partners only (an officer token carries none)
        client = caller.hit_flag if caller.role is Role.PARTNER else None
        sources, hit_flag = _split_hit_flag(rp, sources, client)
        hidden = []
        for rule in rp.hidden:
            if rule.unless_clearance and rule.unless_clearance in caller.clearances:
                continue
            except_states = (
                frozenset({caller.state}) if rule.own_state and caller.state else frozenset()
            )
            hidden.append(HiddenLabel(rule.label, except_states, rule.disclose))
        return Visibility(
            sources=sources,
            kinds=rp.kinds,
            states=None,
            hidden=tuple(hidden),
            hit_flag=hit_flag,
        )

    def admits(self, caller: Caller, record: Record) -> Permission:
        return self.visibility(caller).admits(record)

    def at_home(self, caller: Caller, record: Record) -> bool:
        """Whether `record` lies inside the caller's home (state, district or police station,
        as the role's policy says): there the role's `home_fields` apply."""
        rp = self._roles.get(caller.role)
        level = rp.home if rp else "state"
        if caller.state is None or record.state != caller.state:
            return False
        if level in ("district", "police_station") and not _same(caller.district, record.district):
            return False
        return level != "police_station" or _same(caller.police_station, record.police_station)

    def granted(self, caller: Caller, record: Record) -> frozenset[DataClass]:
        """The data classes of `record` the caller may see."""
        rp = self._roles.get(caller.role)
        return frozenset(self._granted_classes(caller, rp, record)[0]) if rp else frozenset()

    def _granted_classes(
        self, caller: Caller, rp: RolePolicy, record: Record
    ) -> tuple[set[DataClass], str]:
        """The data classes granted for this record, and the reason used for what is not."""
        if caller.role is Role.PARTNER and caller.fields is not None:
            groups = caller.fields & self.grantable_fields(caller.role)
            reason = "not granted by your client registration"
        elif rp.away_fields is not None and not self.at_home(caller, record):
            groups = rp.away_fields
            where = {
                "state": caller.state,
                "district": f"{caller.state}/{caller.district}",
                "police_station": f"{caller.state}/{caller.district}/{caller.police_station}",
            }[rp.home]
            reason = (
                f"outside your {rp.home.replace('_', ' ')} ({where or 'none'}): identity and "
                "status fields only"
            )
        else:
            groups = rp.home_fields
            reason = f"not granted to role {caller.role.value}"
        classes: set[DataClass] = set()
        for g in groups:
            classes |= self._groups.get(g, frozenset())
        return classes, reason

    def redact(self, caller: Caller, record: Record) -> RedactedRecord:
        """Cut a record down to what the caller may see. Call only on admitted records.

        Every value is withheld by its data class (`auth.data_classes`), wherever it sits: a
        phone withheld from `people[].phones` is withheld from `identifiers` too."""
        rp = self._roles.get(caller.role)
        granted, reason = self._granted_classes(caller, rp, record) if rp else (set(), "no policy")
        withheld: dict[tuple[str, str], int] = {}

        def hold(path: str, why: str, n: int = 1) -> None:
            if n > 0:
                withheld[(path, why)] = withheld.get((path, why), 0) + n

        def why(cls: DataClass) -> str:
            return _VICTIM_REASON if cls is DataClass.VICTIM else reason

        dumped = record.model_dump(mode="json", exclude={"raw"})
        fields: dict[str, Any] = {}
        for name in RECORD_FIELDS:
            value = dumped.get(name)
            if value in (None, [], {}, ""):
                continue
            if name == "identifiers":
                kept = self._identifiers(value, granted, rp, caller, reason, hold)
                if kept:
                    fields[name] = kept
            elif RECORD_CLASSES[name] in granted:
                fields[name] = value
            else:
                hold(name, why(RECORD_CLASSES[name]))

        attributes: dict[str, Any] = {}
        protected = rp.protected_contacts if rp else frozenset()
        for key, value in dumped["attributes"].items():
            cls = attribute_class(key, value)
            if cls is DataClass.VICTIM and "complainant" in protected and is_contact_attribute(key):
                hold(f"attributes.{key}", _COMPLAINANT_CONTACT_REASON)
            elif cls in granted:
                attributes[key] = value
            else:
                hold(f"attributes.{key}", why(cls))
        if attributes:
            fields["attributes"] = attributes

        people = []
        for person, pd in zip(record.people, dumped["people"], strict=True):
            shown = self._redact_person(person, pd, granted, rp, record, why, hold)
            if shown:
                people.append(shown)
        if len(people) < len(record.people):
            hidden = [p for p in record.people if p.role in VICTIM_ROLES]
            hold("people", _VICTIM_REASON if hidden else reason, len(record.people) - len(people))
        if people:
            fields["people"] = people
        return RedactedRecord(
            record_id=record.record_id,
            source=record.source,
            kind=record.kind,
            fields=fields,
            withheld=tuple(Withheld(f, r, n) for (f, r), n in sorted(withheld.items())),
        )

    @staticmethod
    def _identifiers(
        value: list[dict[str, Any]],
        granted: set[DataClass],
        rp: RolePolicy | None,
        caller: Caller,
        reason: str,
        hold: Any,
    ) -> list[dict[str, Any]]:
        kept = []
        for ident in value:
            id_type = IdType(ident["type"])
            if IDENTIFIER_CLASSES[id_type] not in granted:
                hold("identifiers", reason)
            elif (
                rp is not None
                and rp.identifier_types is not None
                and (id_type not in rp.identifier_types)
            ):
                hold("identifiers", f"identifier type not granted to role {caller.role.value}")
            else:
                kept.append(ident)
        return kept

    @staticmethod
    def _redact_person(
        person: Person,
        dumped: dict[str, Any],
        granted: set[DataClass],
        rp: RolePolicy | None,
        record: Record,
        why: Any,
        hold: Any,
    ) -> dict[str, Any]:
        """The fields of one person the caller may see (empty: none, the person is omitted and
        counted by the caller). Fields of a person who is a victim are all `victim`."""
        protected = rp.protected_contacts if rp else frozenset()
        contact_reason: str | None = None
        if "complainant" in protected and person.role is PersonRole.COMPLAINANT:
            contact_reason = _COMPLAINANT_CONTACT_REASON
        elif (
            "child" in protected
            and Sensitivity.CHILD in record.sensitivity
            and person.role in _CHILD_SUBJECT_ROLES
        ):
            contact_reason = "contact details of children are never shown"
        out: dict[str, Any] = {}
        for name in PERSON_FIELDS:
            value = dumped.get(name)
            if value in (None, [], ""):
                continue
            cls = person_class(name, person.role)
            if contact_reason and name in CONTACT_FIELDS:
                hold(f"people.{name}", contact_reason)
            elif cls not in granted:
                hold(f"people.{name}", why(cls))
            else:
                out[name] = value
        return out

    # -- audit ---------------------------------------------------------------------------------

    def audit_scope(self, caller: Caller) -> AuditScope:
        rp = self._roles.get(caller.role)
        if rp is None or "audit:read" not in rp.scopes:
            return AuditScope()
        if rp.audit == "all":
            return AuditScope(everything=True)
        if rp.audit == "own_district" and caller.state and caller.district:
            return AuditScope(state=caller.state, district=caller.district)
        return AuditScope()


__all__ = [
    "ALWAYS_VISIBLE",
    "CONTACT_FIELDS",
    "PERSON_FIELDS",
    "RECORD_FIELDS",
    "UNKNOWN_ROUTE_SCOPE",
    "Answer",
    "AuditScope",
    "HiddenLabel",
    "Permission",
    "Policy",
    "RedactedRecord",
    "Visibility",
    "Withheld",
]
