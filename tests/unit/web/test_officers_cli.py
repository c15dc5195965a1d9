"""`icjs officers create` makes an account whose printed password signs in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from auth.accounts import OfficerAccounts

ICJS = Path(sys.executable).parent / "icjs"


def test_create_prints_a_password_that_works(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICJS_")}
    env["ICJS_AUTH__DB_PATH"] = str(tmp_path / "auth.db")
    made = subprocess.run(
        [str(ICJS), "officers", "create", "MH-9", "--name", "Insp. X", "--state", "MH"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    password = made.stdout.strip()
    accounts = OfficerAccounts(tmp_path / "auth.db")
    try:
        account = accounts.authenticate("MH-9", password)
        assert account is not None and account.name == "Insp. X"
    finally:
        accounts.close()
    refused = subprocess.run(
        [str(ICJS), "officers", "create", "P-1", "--name", "x", "--role", "partner"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "role must be one of" in refused.stderr
