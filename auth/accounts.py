"""Officer accounts: who may sign in to the console at our own authorisation endpoint.

An account carries what an identity provider would assert about the officer (role, state,
district, police station, clearances) and an scrypt hash of a password (the same hashing as
client secrets, `auth.clients.hash_secret`). A successful sign-in yields an officer identity
token from the built-in issuer (`auth.officers.DemoIssuer`), the very token `icjs token officer`
mints, so the console's requests go through the same verification and policy as any other.

A deployment with an external identity provider signs its officers in there instead; then the
built-in issuer is not trusted and this sign-in is refused (`AccountError`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auth.clients import check_secret_hash, hash_secret
from auth.officers import OFFICER_ROLES
from auth.principal import Role
from state.db import Database
from state.officers import OfficerRows

MIN_PASSWORD_CHARS = 12


class AccountError(ValueError):
    """Safe to show: what is wrong with an account request."""


@dataclass(frozen=True)
class OfficerAccount:
    officer_id: str
    name: str
    role: Role
    state: str | None
    district: str | None
    police_station: str | None
    clearances: frozenset[str]


class OfficerAccounts:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.rows = OfficerRows(target, migrate=migrate)

    def close(self) -> None:
        self.rows.close()

    def create(
        self,
        officer_id: str,
        *,
        name: str,
        role: Role,
        state: str | None,
        district: str | None = None,
        police_station: str | None = None,
        clearances: frozenset[str] = frozenset(),
        password: str | None = None,
    ) -> str:
        """Create (or replace) an account; returns its password (generated when not given,
        to be shown once)."""
        if role not in OFFICER_ROLES:
            raise AccountError(f"role must be one of: {', '.join(sorted(OFFICER_ROLES))}")
        if role in (Role.OFFICER, Role.SUPERVISOR) and not state:
            raise AccountError(f"a {role.value} needs a state")
        if not officer_id or not officer_id.isascii() or not officer_id.isprintable():
            raise AccountError("the officer id must be printable ASCII")
        password = password or secrets.token_urlsafe(15)
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
        self.rows.upsert(
            {
                "officer_id": officer_id,
                "name": name,
                "role": role.value,
                "state": state.upper() if state else None,
                "district": district.upper() if district else None,
                "police_station": police_station.upper() if police_station else None,
                "clearances": ",".join(sorted(clearances)) or None,
                "password_hash": hash_secret(password),
                "disabled": 0,
                "created_at": datetime.now(UTC).isoformat(),
            }
        )
        return password

    def authenticate(self, officer_id: str, password: str) -> OfficerAccount | None:
        """The account when the password is right; None otherwise. An unknown or disabled
        account costs the same hash as a wrong password (no timing oracle)."""
        row = self.rows.get(officer_id) if officer_id.isprintable() else None
        stored = row["password_hash"] if row and not row["disabled"] else None
        if not check_secret_hash(password, stored) or row is None:
            return None
        return _account(row)

    def get(self, officer_id: str) -> OfficerAccount | None:
        """An enabled account by id."""
        row = self.rows.get(officer_id)
        return _account(row) if row and not row["disabled"] else None


def _account(row: dict[str, Any]) -> OfficerAccount:
    return OfficerAccount(
        officer_id=row["officer_id"],
        name=row["name"],
        role=Role(row["role"]),
        state=row["state"],
        district=row["district"],
        police_station=row["police_station"],
        clearances=frozenset(filter(None, (row["clearances"] or "").split(","))),
    )
