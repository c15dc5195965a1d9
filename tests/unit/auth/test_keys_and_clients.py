"""Key ring files and rotation; client registry secrets."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from joserfc.jwk import ECKey

from auth.clients import ClientError, ClientRegistry, check_secret_hash, hash_secret
from auth.errors import AuthConfigError
from auth.keys import InvalidSignature, KeyRing
from auth.principal import Role
from records import Source


def test_ring_files_are_private_and_rotation_retains(tmp_path: Path):
    ring = KeyRing.open(tmp_path / "keys", retain=2)
    first = ring.current_kid
    pem = tmp_path / "keys" / f"{first}.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    token = ring.sign({"n": 1}, typ="noc+jws")
    second = ring.rotate()
    assert ring.verify(token, typ="noc+jws").payload == {"n": 1}  # previous key still verifies
    third = ring.rotate()
    assert ring.kids == [second, third]
    assert not pem.exists(), "a retired private key stayed on disk"
    with pytest.raises(InvalidSignature, match="unknown key"):
        ring.verify(token)  # bearer tokens: active keys only
    # The retired key's public half stays published for documents such as NOC certificates.
    assert ring.verify(token, include_retired=True).payload == {"n": 1}
    assert [k["kid"] for k in ring.jwks()["keys"]] == [first, second, third]
    assert all("d" not in k for k in ring.jwks()["keys"])
    # Withdrawing a key (compromise) removes it everywhere.
    ring.withdraw(first)
    with pytest.raises(InvalidSignature):
        ring.verify(token, include_retired=True)
    with pytest.raises(ValueError, match="current"):
        ring.withdraw(third)
    with pytest.raises(InvalidSignature, match="type"):
        ring.verify(ring.sign({"n": 2}, typ="noc+jws"), typ="at+jwt")


def test_a_second_process_sees_rotation_and_withdrawal(tmp_path: Path):
    a = KeyRing.open(tmp_path / "keys")
    b = KeyRing.open(tmp_path / "keys")
    assert a.current_kid == b.current_kid
    old = a.current_kid
    old_token = a.sign({"y": 1})
    b.rotate()
    b_token = b.sign({"x": 1})
    a._loaded_at = 0  # as if the reload interval had passed
    assert a.verify(b_token).payload == {"x": 1}
    assert a.verify(old_token).payload == {"y": 1}
    b.withdraw(old)  # e.g. `icjs token withdraw-key` after a compromise
    a._loaded_at = 0  # the periodic re-check is due
    with pytest.raises(InvalidSignature, match="unknown key"):
        a.verify(old_token)
    assert old not in a.kids


def test_world_readable_key_refused(tmp_path: Path):
    ring = KeyRing.open(tmp_path / "keys")
    os.chmod(tmp_path / "keys" / f"{ring.current_kid}.pem", 0o644)
    with pytest.raises(AuthConfigError, match="chmod 600"):
        KeyRing.open(tmp_path / "keys")


def test_signing_is_canonical_and_typed(tmp_path: Path):
    ring = KeyRing.open(tmp_path / "keys")
    v = ring.verify(ring.sign({"b": 1, "a": "x"}, typ="noc+jws"))
    assert v.header == {"alg": "ES256", "kid": ring.current_kid, "typ": "noc+jws"}
    assert v.payload == {"a": "x", "b": 1}


def test_secrets_are_hashed_and_checked(tmp_path: Path):
    reg = ClientRegistry(tmp_path / "auth.db")
    client, secret = reg.create(agency="CBI", scopes=["persons:search"], sources=[Source.CCTNS])
    assert secret and len(secret) >= 40
    assert reg.check_secret(client.client_id, secret)
    assert not reg.check_secret(client.client_id, secret + "x")
    assert not reg.check_secret("nobody", secret)
    dump = "\n".join(sqlite3.connect(tmp_path / "auth.db").iterdump())
    assert secret not in dump and "scrypt$" in dump
    new = reg.rotate_secret(client.client_id)
    assert not reg.check_secret(client.client_id, secret) and reg.check_secret(
        client.client_id, new
    )
    reg.disable(client.client_id)
    assert not reg.check_secret(client.client_id, new)
    assert reg.get(client.client_id).disabled  # type: ignore[union-attr]


def test_hash_format():
    stored = hash_secret("pw")
    assert stored.startswith("scrypt$16384$8$1$") and check_secret_hash("pw", stored)
    assert hash_secret("pw") != stored  # salted
    assert not check_secret_hash("pw", None) and not check_secret_hash("pw", "garbage")


def test_registry_refuses_bad_registrations(tmp_path: Path):
    reg = ClientRegistry(tmp_path / "auth.db")
    with pytest.raises(ClientError, match="role"):
        reg.create(agency="X", scopes=["persons:search"], role=Role.OFFICER)
    with pytest.raises(ClientError, match="scope"):
        reg.create(agency="X", scopes=[])
    with pytest.raises(ClientError, match="agency"):
        reg.create(agency="'; DROP TABLE clients; --", scopes=["persons:search"])
    with pytest.raises(ClientError, match="JWK set"):
        reg.create(agency="X", scopes=["persons:search"], with_secret=False)
    private = ECKey.generate_key("P-256").as_dict(private=True)
    with pytest.raises(ClientError, match="PRIVATE"):
        reg.create(agency="X", scopes=["persons:search"], jwks={"keys": [private]})
    with pytest.raises(ClientError, match="oct"):
        reg.create(agency="X", scopes=["p"], jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    with pytest.raises(ClientError, match="no client"):
        reg.disable("nobody")


def test_registry_upgrades_an_older_schema(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "auth.db")
    conn.execute(
        "CREATE TABLE clients (client_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
        " role TEXT NOT NULL, scopes TEXT NOT NULL, sources TEXT, fields TEXT,"
        " secret_hash TEXT, jwks TEXT,"
        " disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " description TEXT)"
    )
    conn.execute(
        "INSERT INTO clients VALUES ('old-1', 'NIA', 'partner', 'persons:search', NULL, NULL,"
        " NULL, NULL, 0, '2026-01-01', '2026-01-01', NULL)"
    )
    conn.commit()
    reg = ClientRegistry(tmp_path / "auth.db")
    old = reg.get("old-1")
    assert old is not None and old.clearances == frozenset() and old.agency == "NIA"
    new, _ = reg.create(agency="CBI", scopes=["persons:search"], clearances=["sensitive"])
    assert reg.get(new.client_id).clearances == {"sensitive"}  # type: ignore[union-attr]
