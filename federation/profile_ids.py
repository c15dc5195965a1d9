"""Profile ids: opaque, stable, and meaningless to anyone but the server that issued them.

A profile is computed per query, so its id has to carry its members. The id is the sorted member
record ids, deflated and sealed with AES-SIV (RFC 5297, deterministic authenticated encryption)
under a server key: `p2_` + base64url(SIV tag ‖ ciphertext).

- **Unforgeable**: an id that was not issued with one of the server's keys does not open (the
  SIV tag is a MAC over the members); a made-up, altered or truncated id is a 404.
- **Opaque**: the members are encrypted, so an id reveals neither record ids nor how many.
- **Stable**: deterministic, so the same members give the same id on every search, after every
  re-sync and every rebuild (record ids are stable, the key is kept), on every API node that
  shares the key file.
- **Old ids keep answering**: when the records of an old id are grouped differently now (a new
  record joined, a supervisor split them), opening it shows where its records went.

One function issues every id (`ProfileIds.issue`); nothing else makes one. Keys live in one file
(mode 0600, created on first use, one base64 key per line, newest first): adding a line rotates,
and ids issued under older lines keep opening while those lines stay.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
import secrets
import zlib
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from records import split_record_id

PREFIX = "p2_"
HANDLE_PREFIX = "h1_"  # hit-flag handles: sealed like profile ids, with a fresh nonce each time
_NONCE_BYTES = 16
KEY_BYTES = 64  # AES-SIV-256: two 256-bit keys
MAX_MEMBERS = 200
_MAX_PLAIN = 64 * 1024
_SEPARATOR = "\n"


class ProfileIds:
    """Issues and opens profile ids under a list of keys (the first issues, all open)."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys or any(len(k) != KEY_BYTES for k in keys):
            raise ValueError(f"profile id keys: at least one key of {KEY_BYTES} bytes")
        self._ciphers = [AESSIV(k) for k in keys]

    @classmethod
    def from_file(cls, path: Path) -> ProfileIds:
        """Keys from `path`, which is created with one fresh key when missing."""
        return cls(load_or_create_keys(path))

    def issue(self, record_ids: Iterable[str]) -> str:
        sealed = self._ciphers[0].encrypt(_packed(record_ids), None)
        return PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, profile_id: str) -> list[str] | None:
        """The member record ids of an id this server issued, or None for anything else."""
        body = _body(profile_id, PREFIX)
        if body is None or len(body) <= 16:
            return None
        return _members(self._unseal(body))

    def issue_handle(self, record_ids: Iterable[str]) -> str:
        """A hit-flag's handle: the records sealed like a profile id, but under a fresh nonce,
        so that two answers naming the same records cannot be linked by their handles (which
        would tell a caller that two names it searched are one person)."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = nonce + self._ciphers[0].encrypt(_packed(record_ids), [nonce])
        return HANDLE_PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open_handle(self, handle: str) -> list[str] | None:
        """The record ids of a handle this server issued, or None for anything else."""
        body = _body(handle, HANDLE_PREFIX)
        if body is None or len(body) <= _NONCE_BYTES + 16:
            return None
        return _members(self._unseal(body[_NONCE_BYTES:], body[:_NONCE_BYTES]))

    def _unseal(self, body: bytes, nonce: bytes | None = None) -> bytes | None:
        for cipher in self._ciphers:  # the current key first; older ones while they are kept
            try:
                return cipher.decrypt(body, [nonce] if nonce is not None else None)
            except InvalidTag:
                continue
        return None


def _packed(record_ids: Iterable[str]) -> bytes:
    members = sorted(set(record_ids))
    if not members:
        raise ValueError("a profile has at least one record")
    return zlib.compress(_SEPARATOR.join(members).encode("utf-8"), 9)


def _body(text: str, prefix: str) -> bytes | None:
    """The sealed bytes of an id, in the one canonical spelling of them; None for anything else."""
    if not text.startswith(prefix):
        return None
    text = text[len(prefix) :]
    try:
        body = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(body).rstrip(b"=").decode() != text:
        return None  # not the one canonical spelling of these bytes
    return body


def _members(plain: bytes | None) -> list[str] | None:
    """The record ids sealed in an id, or None when they are not record ids."""
    if plain is None:
        return None
    try:
        text = zlib.decompressobj().decompress(plain, _MAX_PLAIN).decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None
    members = text.split(_SEPARATOR)
    if not members or len(members) > MAX_MEMBERS:
        return None
    try:
        for record_id in members:
            split_record_id(record_id)
    except ValueError:
        return None
    return members


def load_or_create_keys(path: Path) -> list[bytes]:
    """The keys in `path` (newest first), creating the file with one key if it is missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    keys: list[bytes] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise ValueError(f"{path}: line {number} is not a base64 key") from None
        if len(key) != KEY_BYTES:
            raise ValueError(f"{path}: line {number} is not a {KEY_BYTES}-byte key")
        keys.append(key)
    if not keys:
        raise ValueError(f"{path} holds no key")
    return keys
