"""The pieces of the console's sign-in: PKCE codes, the signed session and its idle lock, and
officer accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from auth.accounts import AccountError, OfficerAccounts
from auth.authorization_codes import CODE_TTL_S, AuthorizationCodes
from auth.principal import Role
from web.session import IDLE_LOCK_S, Sessions, load_key

VERIFIER = "v" * 50
CHALLENGE = create_s256_code_challenge(VERIFIER)


def _issue(codes: AuthorizationCodes) -> str:
    return codes.issue(
        subject="MH-1", client_id="icjs-console", redirect_uri="/cb", challenge=CHALLENGE
    )


def test_a_code_is_redeemed_once_with_the_right_verifier_client_and_redirect(
    tmp_path: Path,
) -> None:
    codes = AuthorizationCodes(tmp_path / "auth.db")
    code = _issue(codes)
    assert codes.redeem(code, client_id="icjs-console", redirect_uri="/cb", verifier=VERIFIER)
    assert not codes.redeem(code, client_id="icjs-console", redirect_uri="/cb", verifier=VERIFIER)
    for client, redirect, verifier in (
        ("icjs-console", "/cb", "w" * 50),  # wrong verifier
        ("other", "/cb", VERIFIER),
        ("icjs-console", "/elsewhere", VERIFIER),
    ):
        code = _issue(codes)
        assert (
            codes.redeem(code, client_id=client, redirect_uri=redirect, verifier=verifier) is None
        )
        # and it is spent: the right one cannot use it afterwards
        assert not codes.redeem(
            code, client_id="icjs-console", redirect_uri="/cb", verifier=VERIFIER
        )


def test_a_code_expires(tmp_path: Path) -> None:
    now = [1000.0]
    codes = AuthorizationCodes(tmp_path / "auth.db", clock=lambda: now[0])
    code = _issue(codes)
    now[0] += CODE_TTL_S + 1
    assert not codes.redeem(code, client_id="icjs-console", redirect_uri="/cb", verifier=VERIFIER)


def test_the_session_cookie_cannot_be_edited_and_locks_when_idle(tmp_path: Path) -> None:
    now = [1_000_000.0]
    sessions = Sessions(load_key(tmp_path), clock=lambda: now[0])
    assert (tmp_path / "console.key").stat().st_mode & 0o077 == 0
    session = sessions.new("header.payload.sig", "Insp. A")
    value = sessions.sign({"t": session.token, "c": session.csrf, "s": session.seen, "n": "A"})
    read, locked = sessions.read(value)
    assert read is not None and not locked
    assert sessions.check_csrf(read, session.csrf) and not sessions.check_csrf(read, "guess")
    body, mac = value.split(".")
    assert sessions.read(body[:-2] + "xx." + mac) == (None, False)
    other = Sessions(b"another key" * 3, clock=lambda: now[0])
    assert other.read(value) == (None, False)
    now[0] += IDLE_LOCK_S - 1
    assert sessions.read(value)[0] is not None
    now[0] += 2
    assert sessions.read(value) == (None, True)


def test_accounts(tmp_path: Path) -> None:
    accounts = OfficerAccounts(tmp_path / "auth.db")
    try:
        password = accounts.create("MH-1", name="Insp. A", role=Role.OFFICER, state="mh")
        assert len(password) >= 12
        account = accounts.authenticate("MH-1", password)
        assert account is not None and account.state == "MH" and account.role is Role.OFFICER
        assert accounts.authenticate("MH-1", password + "x") is None
        assert accounts.authenticate("nobody", password) is None
        with pytest.raises(AccountError):
            accounts.create("MH-2", name="x", role=Role.PARTNER, state="MH")
        with pytest.raises(AccountError):
            accounts.create("MH-3", name="x", role=Role.OFFICER, state=None)
        with pytest.raises(AccountError):
            accounts.create("MH-4", name="x", role=Role.OFFICER, state="MH", password="short")
    finally:
        accounts.close()
