"""The console sign-in's authorisation codes in the state layer, alike on SQLite and on a real
PostgreSQL server (`state_db`): a code issued by one API worker is redeemed by another (the
callback may reach any worker behind the balancer), once only, and not after it expires."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from auth.authorization_codes import CODE_TTL_S, AuthorizationCodes
from state import Database

VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


def _twin(db: Database) -> Database:
    if db.is_sqlite:
        return Database.sqlite(Path(str(db.engine.url.database)))
    return Database.from_url(db.engine.url.render_as_string(hide_password=False))


def test_a_code_issued_by_one_worker_is_redeemed_once_by_another(state_db: Database) -> None:
    now = [1_000_000.0]
    issuer = AuthorizationCodes(state_db, clock=lambda: now[0])
    other_db = _twin(state_db)
    try:
        other = AuthorizationCodes(other_db, clock=lambda: now[0])
        code = issuer.issue(
            subject="MH-1001",
            client_id="icjs-console",
            redirect_uri="/console/callback",
            challenge=CHALLENGE.decode(),
        )
        redeem = {"client_id": "icjs-console", "redirect_uri": "/console/callback"}
        assert other.redeem(code, verifier=VERIFIER, **redeem) == "MH-1001"
        assert issuer.redeem(code, verifier=VERIFIER, **redeem) is None  # spent, everywhere
        late = issuer.issue(
            subject="MH-1001",
            client_id="icjs-console",
            redirect_uri="/console/callback",
            challenge=CHALLENGE.decode(),
        )
        now[0] += CODE_TTL_S + 1
        assert other.redeem(late, verifier=VERIFIER, **redeem) is None
    finally:
        other_db.close()
