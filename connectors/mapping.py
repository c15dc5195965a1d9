"""Small mapping helpers shared by the connectors: enumerations, identifiers, person checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connectors.errors import MappingError
from matching import identifiers as ids
from records import Gender, Identifier, IdType, Relation

GENDERS = {
    "M": Gender.MALE,
    "MALE": Gender.MALE,
    "F": Gender.FEMALE,
    "FEMALE": Gender.FEMALE,
    "T": Gender.TRANSGENDER,
    "TRANSGENDER": Gender.TRANSGENDER,
    "TG": Gender.TRANSGENDER,
    "X": Gender.OTHER,
}

RELATIONS = {r.value: r for r in Relation}
RELATIONS.update({"SO": Relation.SON_OF, "DO": Relation.DAUGHTER_OF, "WO": Relation.WIFE_OF})
RELATIONS.update({"HO": Relation.HUSBAND_OF})

_GUARDIANRELATIONS = {
    "FATHER": Relation.FATHER_OF,
    "MOTHER": Relation.MOTHER_OF,
}


def gender(value: str | None, key: str) -> Gender | None:
    if value is None:
        return None
    found = GENDERS.get(value.strip().upper())
    if found is None:
        raise MappingError(f"field {key!r} holds an unknown gender {value!r}")
    return found


def relation(value: str | None, key: str) -> Relation | None:
    if value is None:
        return None
    found = RELATIONS.get(value.strip().upper().replace(" ", ""))
    if found is None:
        raise MappingError(f"field {key!r} holds an unknown relation {value!r}")
    return found


def guardian_relation(value: str | None) -> Relation | None:
    """KhoyaPaya `guardian_relation` (FATHER, MOTHER, UNCLE…): a parent reporting a child is
    F/O or M/O; anyone else is a guardian."""
    if value is None:
        return None
    cleaned = value.strip().upper()
    if cleaned in _GUARDIANRELATIONS:
        return _GUARDIANRELATIONS[cleaned]
    return RELATIONS.get(cleaned.replace(" ", ""), Relation.GUARDIAN)


def identifier(
    id_type: IdType,
    value: str | None,
    normaliser: Callable[[str | None], str | None],
    *,
    partial: bool = False,
) -> Identifier | None:
    normalised = normaliser(value)
    if normalised is None:
        return None
    return Identifier(type=id_type, value=normalised, partial=partial)


def upper(value: str | None) -> str | None:
    """Identifiers without a format rule: upper case, inner whitespace collapsed."""
    if value is None:
        return None
    cleaned = " ".join(value.split()).upper()
    return cleaned or None


def lower(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned or None


def digits(value: str | None) -> str | None:
    """Bank accounts: digits only (some banks print them with spaces or hyphens)."""
    if value is None:
        return None
    cleaned = "".join(ch for ch in value if ch.isalnum()).upper()
    return cleaned or None


def unique(items: Iterable[Identifier | None]) -> tuple[Identifier, ...]:
    seen: dict[tuple[IdType, str, bool], Identifier] = {}
    for item in items:
        if item is not None:
            seen.setdefault((item.type, item.value, item.partial), item)
    return tuple(seen.values())


def phones(*values: str | None) -> tuple[str, ...]:
    out = [p for v in values if (p := ids.normalise_mobile(v))]
    return tuple(dict.fromkeys(out))


def need_name(*names: str | None, fields: str) -> None:
    if not any(names):
        raise MappingError(f"a person needs at least one of {fields}")


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != "" and v != []}


def state_code(value: str | None, key: str) -> str | None:
    if value is None:
        return None
    cleaned = value.strip().upper()
    if len(cleaned) != 2 or not cleaned.isalpha():
        raise MappingError(f"field {key!r} should be a two-letter state code, got {value!r}")
    return cleaned
