"""Reading the policy file: TOML → validated, typed role policies.

The format is documented in `auth/default_policy.toml` itself. Validation is strict because a
typo in a security policy must not pass silently: unknown roles, keys, sources, kinds, labels,
identifier types, field groups or data classes are errors that name the offending key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from auth.data_classes import KNOWN as KNOWN_CLASSES
from auth.data_classes import DataClass
from auth.errors import AuthConfigError
from auth.principal import Role
from records import IdType, Kind, Sensitivity, Source

# Present on every visible record: without them a result cannot be cited or re-fetched.
ALWAYS_VISIBLE = ("record_id", "source", "kind")
RECORD_FIELDS = (
    "status",
    "state",
    "district",
    "police_station",
    "event_date",
    "identifiers",
    "vehicle",
    "sensitivity",
    "provenance",
)
# Where "home" (the field groups of `home_fields`) ends for a role: its state, district or
# police station. Outside it, `away_fields`.
HOME_LEVELS = ("state", "district", "police_station")
PERSON_FIELDS = (
    "role",
    "name",
    "name_local",
    "aliases",
    "relative_name",
    "relation",
    "gender",
    "birth_date",
    "birth_year",
    "age_from",
    "age_to",
    "age_on",
    "address",
    "phones",
    "emails",
    "nationality",
)
CONTACT_FIELDS = ("address", "phones", "emails")
# A route absent from the policy needs this scope, which no role can be granted.
UNKNOWN_ROUTE_SCOPE = "deny:unlisted-route"
PROTECTED_CONTACT_KINDS = frozenset({"complainant", "child"})


@dataclass(frozen=True)
class HiddenRule:
    label: Sensitivity
    unless_clearance: str | None = None
    own_state: bool = False
    disclose: bool = False  # say that restricted records exist (never what they hold)


@dataclass(frozen=True)
class RolePolicy:
    scopes: frozenset[str]
    sources: frozenset[Source] | None  # None: all
    kinds: frozenset[Kind] | None
    home_fields: frozenset[str]
    away_fields: frozenset[str] | None  # None: home_fields everywhere
    grantable_fields: frozenset[str] = frozenset()
    identifier_types: frozenset[IdType] | None = None
    hidden: tuple[HiddenRule, ...] = ()
    protected_contacts: frozenset[str] = frozenset()
    audit: str = "none"  # all | own_district | none
    home: str = "state"  # one of HOME_LEVELS
    # Sources answered as hit-flags ("a record exists in source X, police station Y, contact
    # Z"), never in full, whatever `sources` says; None: every source.
    hit_flag: frozenset[Source] | None = frozenset()
    # Sources outside the caller's entitlement (a partner's client registration) answer as
    # hit-flags rather than not at all.
    hit_flag_outside_entitlement: bool = False


_ROLE_KEYS = {
    "scopes",
    "sources",
    "kinds",
    "home_fields",
    "away_fields",
    "grantable_fields",
    "identifier_types",
    "hidden",
    "protected_contacts",
    "audit",
    "home",
    "hit_flag",
    "hit_flag_outside_entitlement",
}


def _enum_set(value: Any, enum: type[Any], where: str) -> frozenset[Any] | None:
    if value == "*":
        return None
    if not isinstance(value, list):
        raise AuthConfigError(f'policy {where}: expected a list or "*"')
    try:
        return frozenset(enum(v) for v in value)
    except ValueError as exc:
        raise AuthConfigError(f"policy {where}: {exc}") from None


def _str_set(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AuthConfigError(f"policy {where}: expected a list of strings")
    return frozenset(value)


@dataclass(frozen=True)
class PolicyData:
    routes: dict[str, str]
    groups: dict[str, frozenset[DataClass]]
    roles: dict[Role, RolePolicy]


def read_policy(path: Path | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("auth").joinpath("default_policy.toml").read_text("utf-8")
        where = "default policy"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise AuthConfigError(f"policy file {path}: {exc.strerror}") from None
        where = str(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AuthConfigError(f"policy file {where}: {exc}") from None


def _data_class(name: str, where: str) -> DataClass:
    if name not in KNOWN_CLASSES:
        raise AuthConfigError(
            f"policy {where}: unknown data class {name!r} (field groups list data classes: "
            f"{', '.join(sorted(KNOWN_CLASSES))}; see auth/data_classes.py)"
        )
    return DataClass(name)


def parse_policy(data: Mapping[str, Any]) -> PolicyData:
    routes = data.get("routes", {})
    if not isinstance(routes, dict):
        raise AuthConfigError("policy [routes]: expected a table")
    groups: dict[str, frozenset[DataClass]] = {}
    for name, classes in data.get("fields", {}).items():
        where = f"fields.{name}"
        groups[name] = frozenset(_data_class(c, where) for c in _str_set(classes, where))
    roles: dict[Role, RolePolicy] = {}
    for name, spec in data.get("roles", {}).items():
        try:
            role = Role(name)
        except ValueError:
            raise AuthConfigError(f"policy roles.{name}: unknown role") from None
        unknown = set(spec) - _ROLE_KEYS
        if unknown:
            raise AuthConfigError(f"policy roles.{name}: unknown key {sorted(unknown)[0]!r}")
        roles[role] = _role(name, spec, groups)
    return PolicyData({str(k): str(v) for k, v in routes.items()}, groups, roles)


def _role(
    name: str, spec: Mapping[str, Any], groups: Mapping[str, frozenset[DataClass]]
) -> RolePolicy:
    def group_list(key: str) -> frozenset[str]:
        names = _str_set(spec.get(key, []), f"roles.{name}.{key}")
        missing = names - set(groups)
        if missing:
            raise AuthConfigError(
                f"policy roles.{name}.{key}: no field group {sorted(missing)[0]!r}"
            )
        return names

    hidden = []
    for i, rule in enumerate(spec.get("hidden", [])):
        try:
            hidden.append(
                HiddenRule(
                    label=Sensitivity(rule["label"]),
                    unless_clearance=rule.get("unless_clearance"),
                    own_state=bool(rule.get("own_state", False)),
                    disclose=bool(rule.get("disclose", False)),
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise AuthConfigError(f"policy roles.{name}.hidden[{i}]: {exc}") from None
    id_types = spec.get("identifier_types")
    audit = spec.get("audit", "none")
    if audit not in ("all", "own_district", "none"):
        raise AuthConfigError(f"policy roles.{name}.audit: expected all, own_district or none")
    home = spec.get("home", "state")
    if home not in HOME_LEVELS:
        raise AuthConfigError(f"policy roles.{name}.home: expected {', '.join(HOME_LEVELS)}")
    protected = _str_set(spec.get("protected_contacts", []), f"roles.{name}.protected_contacts")
    if protected - PROTECTED_CONTACT_KINDS:
        raise AuthConfigError(
            f"policy roles.{name}.protected_contacts: expected complainant and/or child"
        )
    return RolePolicy(
        scopes=_str_set(spec.get("scopes", []), f"roles.{name}.scopes"),
        sources=_enum_set(spec.get("sources", []), Source, f"roles.{name}.sources"),
        kinds=_enum_set(spec.get("kinds", []), Kind, f"roles.{name}.kinds"),
        home_fields=group_list("home_fields"),
        away_fields=group_list("away_fields") if "away_fields" in spec else None,
        grantable_fields=group_list("grantable_fields"),
        identifier_types=None
        if id_types is None
        else _enum_set(id_types, IdType, f"roles.{name}.identifier_types"),
        hidden=tuple(hidden),
        protected_contacts=protected,
        audit=audit,
        home=home,
        hit_flag=_enum_set(spec.get("hit_flag", []), Source, f"roles.{name}.hit_flag"),
        hit_flag_outside_entitlement=_flag(spec, "hit_flag_outside_entitlement", name),
    )


def _flag(spec: Mapping[str, Any], key: str, role: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise AuthConfigError(f"policy roles.{role}.{key}: expected true or false")
    return value
